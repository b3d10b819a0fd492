"""Draws the hand-read sample of clipprobe negatives (issue 7): N rows per op (default 30), with
random.Random(SEED).sample (default seed 7) over each op's rows in file order.

Usage: python3 sample.py [--by-op] [--ops OP,OP] NEG.jsonl [N] [SEED] [LABELS.tsv ...] > sample.tsv
Rows whose annotation id is in one of the LABELS files (column 2; earlier reads) are left out
before sampling, so a new read sees captions no earlier read labelled. With --by-op (round 13:
the held-out captions no read labelled for any op are used up) only a caption's rows of an op
whose row of that op a LABELS file names (column 1 the op) are left out. --ops: only these ops.
Columns: op, annotation id, edit (before->after; two for a swap, " | " between), caption,
negative. The caption and negative columns are for reading only: COCO captions are not
committed (labels.tsv keeps the first three columns and the label).
"""
import collections
import json
import random
import sys


def edit(r):
    return " | ".join(f"{c['before']}->{c['after']}" for e in r["edits"] for c in e["changes"])


def labelled(files, columns=2):
    """The tuples of the first `columns` columns (op, annotation id; with 3, also the edit) that
    the label files name."""
    read = set()
    for labels in files:
        with open(labels, encoding="utf-8") as f:
            next(f, None)
            for row in f:
                cols = row.split("\t")
                if len(cols) > columns - 1:
                    read.add(tuple(cols[:columns]))
    return read


def main():
    args = sys.argv[1:]
    per_op = "--by-op" in args
    args = [a for a in args if a != "--by-op"]
    ops = None
    if "--ops" in args:
        i = args.index("--ops")
        ops = set(args[i + 1].split(","))
        del args[i : i + 2]
    path = args[0]
    n = int(args[1]) if len(args) > 1 else 30
    seed = int(args[2]) if len(args) > 2 else 7
    read = labelled(args[3:])
    if not per_op:
        read = {cid for _, cid in read}
    by_op = collections.defaultdict(list)
    for line in open(path, encoding="utf-8"):
        if line.strip():
            r = json.loads(line)
            cid = r["id"].split("/")[0]
            if ((r["op"], cid) if per_op else cid) not in read and (ops is None or r["op"] in ops):
                by_op[r["op"]].append(r)
    for op, rows in by_op.items():
        for r in random.Random(seed).sample(rows, min(n, len(rows))):
            cid = r["id"].split("/")[0]
            print("\t".join([op, cid, edit(r), r["caption"], r["negative"]]))


if __name__ == "__main__":
    main()
