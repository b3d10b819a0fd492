"""The rows one generator makes and another does not (issue 7, round 14): rows of op OP in
NEW.jsonl for captions with no OP row in OLD.jsonl, in sample.py's columns (op, annotation id,
edit, caption, negative), in file order. Captions listed in column 2 of an EXCLUDE.tsv (another
sample) are left out. With --mix SAMPLE.tsv SEED the new rows and SAMPLE.tsv's rows are printed
together, shuffled by random.Random(SEED), so that a reader cannot tell them apart.

Usage: python3 new_rows.py OLD.jsonl NEW.jsonl OP [--mix SAMPLE.tsv SEED] > rows.tsv
"""
import json
import random
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from sample import edit  # noqa: E402


def ids(path, op):
    with open(path, encoding="utf-8") as f:
        return {r["id"].split("/")[0] for r in map(json.loads, f) if r["op"] == op}


def main():
    args = sys.argv[1:]
    mix = None
    if "--mix" in args:
        i = args.index("--mix")
        mix = (args[i + 1], int(args[i + 2]))
        del args[i : i + 3]
    old, new, op = args
    before = ids(old, op)
    sample = []
    if mix:
        with open(mix[0], encoding="utf-8") as f:
            sample = [line.rstrip("\n") for line in f if line.strip()]
    taken = {row.split("\t")[1] for row in sample}
    rows = []
    with open(new, encoding="utf-8") as f:
        for r in map(json.loads, f):
            cid = r["id"].split("/")[0]
            if r["op"] == op and cid not in before and cid not in taken:
                rows.append("\t".join([op, cid, edit(r), r["caption"], r["negative"]]))
    if mix:
        rows = sample + rows
        random.Random(mix[1]).shuffle(rows)
    for row in rows:
        print(row)


if __name__ == "__main__":
    main()
