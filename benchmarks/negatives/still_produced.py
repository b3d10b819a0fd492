"""Which hand-labelled negatives a generator still produces (issue 7's rounds).

For each binary, runs `clipprobe negatives --seed 7 --per-caption 300` on CAPTIONS (the file the
labelled rows were drawn from: the held-out captions; the input matters, because the built-in
language model's filter and the candidates' order are fitted per run) and reports, per label
kind, how many labelled rows (op, annotation id, `before->after` of each change, as sample.py
writes them) are still among its rows. A labelled row of the generator that made the read is
always still produced; an invalid row that is gone was removed by a later rule, a valid row that
is gone is a loss.

Usage: python3 still_produced.py LABELS.tsv CAPTIONS.jsonl CLIPPROBE_BIN [CLIPPROBE_BIN ...]
"""
import collections
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sample import edit  # noqa: E402


def main():
    labels, captions, bins = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(labels, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "neg.jsonl")
        for b in bins:
            subprocess.run([b, "--quiet", "negatives", "--captions", captions, "--out", out,
                            "--seed", "7", "--per-caption", "300"], check=True)
            have = set()
            with open(out, encoding="utf-8") as f:
                for line in f:
                    r = json.loads(line)
                    have.add((r["op"], r["id"].split("/")[0], edit(r)))
            count = collections.Counter()
            gone = []
            for r in rows:
                valid = r[3] == "valid"
                still = (r[0], r[1], r[2]) in have
                count[(valid, still)] += 1
                if not still:
                    gone.append(f"{'valid' if valid else r[3]}: {r[0]} {r[1]} {r[2]}")
            print(f"{b}: invalid gone {count[(False, False)]} of "
                  f"{count[(False, False)] + count[(False, True)]}, valid gone "
                  f"{count[(True, False)]} of {count[(True, False)] + count[(True, True)]}")
            for g in gone:
                print("  gone", g)


if __name__ == "__main__":
    main()
