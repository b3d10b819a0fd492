"""How the validity of labelled replace_obj rows depends on how many captions of the built-in
plausibility table name the old and the new noun (issue 7, round 22: `MIN_EVIDENCE` in ops.rs).

For each labelled replace_obj row (op, annotation id, `old->new`, label; the independent reads'
files and the clipprobe rows of the blind ones), looks up `n` (captions naming the noun) of both
nouns in `plausibility.tsv` (a plural is matched to its singular by dropping -s / -es, -ies ->
-y; rows whose nouns are not both found are left out) and prints the share labelled valid by
quintile of min(n_old, n_new) and, for each threshold T, of the rows with both nouns >= T. With
--produced NEG.jsonl (a run with --per-caption 300, every candidate), only the labelled rows that
generator still makes are counted.

Usage: python3 evidence.py CAPTIONS.jsonl PLAUSIBILITY.tsv [--produced NEG.jsonl] LABELS.tsv ...
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sample import edit  # noqa: E402

THRESHOLDS = (0, 10, 20, 30, 40, 60, 100)


def main():
    args = sys.argv[1:]
    produced = None
    if "--produced" in args:
        i = args.index("--produced")
        produced = args[i + 1]
        del args[i : i + 2]
    captions, table, labels = args[0], args[1], args[2:]
    ids = set()
    with open(captions, encoding="utf-8") as f:
        for line in f:
            ids.add(str(json.loads(line)["id"]))
    n = {}
    with open(table, encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if cols[0] == "n":
                n[cols[1]] = int(cols[3])

    def count(word):
        w = word.lower()
        for s in (w, w[:-1] if w.endswith("s") else None, w[:-2] if w.endswith("es") else None,
                  w[:-3] + "y" if w.endswith("ies") else None):
            if s and s in n:
                return n[s]
        return None

    have = None
    if produced:
        have = set()
        with open(produced, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                have.add((r["id"].split("/")[0], edit(r)))
    rows = []
    for path in labels:
        with open(path, encoding="utf-8") as f:
            for line in list(f)[1:]:
                c = line.rstrip("\n").split("\t")
                if c[0] != "replace_obj" or (len(c) > 5 and c[5] != "clipprobe"):
                    continue
                if c[1] not in ids or "->" not in c[2] or " | " in c[2]:
                    continue
                if have is not None and (c[1], c[2]) not in have:
                    continue
                old, new = (count(w) for w in c[2].split("->", 1))
                if old is None or new is None:
                    continue
                rows.append((min(old, new), c[3] == "valid"))
    rows.sort()
    print(f"rows {len(rows)}, valid {sum(v for _, v in rows)}")
    if len(rows) < 5:
        sys.exit("evidence.py: fewer than 5 labelled rows matched; check the files and captions")
    k = len(rows) // 5
    for q in range(5):
        part = rows[q * k : (q + 1) * k if q < 4 else None]
        ok = sum(v for _, v in part)
        print(f"quintile {q}: min(n) {part[0][0]}..{part[-1][0]}  valid {ok}/{len(part)} = "
              f"{ok / len(part):.3f}")
    for t in THRESHOLDS:
        kept = [v for m, v in rows if m >= t]
        if not kept:
            break
        print(f"T {t:3}: kept {sum(kept)}/{len(kept)} = {sum(kept) / len(kept):.3f} valid; "
              f"dropped {len(rows) - len(kept)} ({sum(not v for m, v in rows if m < t)} not valid)")


if __name__ == "__main__":
    main()
