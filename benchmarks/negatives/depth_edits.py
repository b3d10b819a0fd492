"""Counts depth-K rows of clipprobe negatives with fewer than K word-level edits (issue 7,
"depth K means K edits"): word Levenshtein distance between caption and negative, lowercased,
punctuation dropped, articles (a, an, the) ignored.

Usage: python3 depth_edits.py NEG.jsonl [K]   (K defaults to each row's depth)
Prints: rows, rows with fewer than K edits, their share.
"""
import json
import re
import sys

ARTICLES = {"a", "an", "the"}


def words(text):
    return [w for w in re.findall(r"[a-z0-9'-]+", text.lower()) if w not in ARTICLES]


def distance(a, b):
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def main():
    path = sys.argv[1]
    k = int(sys.argv[2]) if len(sys.argv) > 2 else None
    rows = short = 0
    for line in open(path, encoding="utf-8"):
        if not line.strip():
            continue
        r = json.loads(line)
        want = k if k is not None else r["depth"]
        rows += 1
        short += distance(words(r["caption"]), words(r["negative"])) < want
    print(f"rows {rows}  fewer than K edits {short}  share {short / max(rows, 1):.4f}")


if __name__ == "__main__":
    main()
