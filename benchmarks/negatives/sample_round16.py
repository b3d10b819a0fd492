"""Round 16's read samples (issue 7): every OP row (default add_obj) of NEW.jsonl whose negative differs from
PREV.jsonl's row for that caption (or that PREV lacks), plus N random OP rows that did not
change and whose caption no LABELS file names for OP (random.Random(SEED).sample in file
order), shuffled together by random.Random(SEED + 1). Prints sample.py's header and columns
(op, annotation id, edit, caption, negative); the ids of the changed rows go to CHANGED.txt.

Usage: python3 sample_round16.py [--op OP] PREV.jsonl NEW.jsonl N SEED CHANGED.txt LABELS.tsv ... > sample.tsv
Round 16 (LABELS: every handread/labels-*independent*.tsv of the time): read a = round 15's output
→ the list sites (16 rows, seed 71, without round 16's files); read b = the list sites → the
relative clauses (14 rows, seed 73, with labels-round16a-independent.tsv); read c = --op replace_att,
the relative clauses → the described made things (19 rows, seed 75, with round 16's a and b).
"""
import json
import random
import sys

here = __file__.rsplit("/", 1)[0]
sys.path.insert(0, here)
from sample import edit, labelled  # noqa: E402



def main():
    args = sys.argv[1:]
    op = "add_obj"
    if args[0] == "--op":
        op, args = args[1], args[2:]
    prev_path, new_path, n, seed, changed_path, *labels = args
    n, seed = int(n), int(seed)
    with open(prev_path, encoding="utf-8") as f:
        prev = {r["id"]: r["negative"] for r in map(json.loads, f) if r["op"] == op}
    with open(new_path, encoding="utf-8") as f:
        rows = [r for r in map(json.loads, f) if r["op"] == op]
    read = labelled(labels)
    cid = lambda r: r["id"].split("/")[0]  # noqa: E731
    new = [r for r in rows if prev.get(r["id"]) != r["negative"]]
    rest = [r for r in rows if prev.get(r["id"]) == r["negative"] and (op, cid(r)) not in read]
    both = new + random.Random(seed).sample(rest, n)
    random.Random(seed + 1).shuffle(both)
    print("op\tannotation_id\tedit\tcaption\tnegative")
    for r in both:
        print("\t".join([r["op"], cid(r), edit(r), r["caption"], r["negative"]]))
    with open(changed_path, "w", encoding="utf-8") as f:
        f.writelines(cid(r) + "\n" for r in new)


if __name__ == "__main__":
    main()
