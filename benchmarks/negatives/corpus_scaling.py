"""How clipprobe's coverage grows with the corpus its plausibility table is learned from
(issue 7, round 18).

Every candidate check of the generator asks the table for evidence (a noun seen with the
caption's other nouns, a relation seen with both its nouns, ...), so coverage is bounded by the
corpus. This script learns the table from the first fraction of the development split's training
captions (`scripts/negatives/split.py DEV train`, file order), with `--corpus FILE
--no-builtin-table`, generates from the held-out captions (seed 7, depth 1), and prints per op
the captions with a negative. It also prints, per op, how many of the hand-labelled rows (every
`handread/labels-round{8..}*-independent.tsv`: rows labelled in earlier rounds, on earlier
generators) the generator still makes among all its candidates (`--per-caption 300`) and what
share of them were labelled valid. Those rows are no random sample of any one run's output (many
invalid ones were removed by rules their reads prompted), so the share shows only whether more
evidence lets labelled invalid rows back in, not the validity of the output.

Usage: python3 corpus_scaling.py CLIPPROBE_BIN DEV.jsonl HELDOUT.jsonl [FRACTION ...]
(default fractions 0.0625 0.125 0.25 0.5 1). HELDOUT.jsonl as in handread/README.md.
"""
import collections
import glob
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts", "negatives"))
from sample import edit  # noqa: E402
import split  # noqa: E402

OPS = ["replace_obj", "replace_att", "replace_rel", "swap_obj", "swap_att", "add_obj", "add_att"]


def labels():
    out = {}
    files = sorted(glob.glob(os.path.join(HERE, "handread", "labels-round*-independent*.tsv")))
    for path in files:
        if os.path.basename(path).startswith(("labels-round7",)):
            continue
        with open(path, encoding="utf-8") as f:
            next(f, None)
            for row in f:
                cols = row.rstrip("\n").split("\t")
                if len(cols) >= 4:
                    out.setdefault(tuple(cols[:3]), cols[3])
    return out


def run(binary, heldout, corpus, out, extra):
    args = [binary, "--quiet", "negatives", "--captions", heldout, "--out", out, "--seed", "7"]
    if corpus is not None:
        args += ["--corpus", corpus, "--no-builtin-table"]
    subprocess.run(args + extra, check=True)
    with open(out, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def main():
    binary, dev, heldout = sys.argv[1:4]
    fractions = [float(x) for x in sys.argv[4:]] or [0.0625, 0.125, 0.25, 0.5, 1.0]
    train = [" ".join(r["caption"].split()) for r in split.rows(dev) if not split.heldout(r["image"])]
    with open(heldout, encoding="utf-8") as f:
        n = sum(1 for line in f if line.strip())
    lab = labels()
    print(f"held-out captions: {n}; training captions: {len(train)}; labelled rows: {len(lab)}")
    print("| corpus captions | " + " | ".join(OPS) + " |")
    print("|---" * (len(OPS) + 1) + "|")
    valid_rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "neg.jsonl")
        for fr in fractions:
            k = int(len(train) * fr)
            corpus = os.path.join(tmp, "corpus.txt")
            with open(corpus, "w", encoding="utf-8") as f:
                f.write("\n".join(train[:k]) + "\n")
            rows = run(binary, heldout, corpus, out, [])
            cov = collections.Counter(r["op"] for r in rows)
            print(f"| {k:,} | " + " | ".join(f"{cov[o] / n:.3f} ({cov[o]})" for o in OPS) + " |")
            rows = run(binary, heldout, corpus, out, ["--per-caption", "300"])
            have = {(r["op"], r["id"].split("/")[0], edit(r)) for r in rows}
            c = collections.Counter()
            for key, label in lab.items():
                if key in have:
                    c[(key[0], label == "valid")] += 1
            valid_rows.append((k, c))
    print()
    print("labelled rows still made (all candidates): valid / made")
    print("| corpus captions | " + " | ".join(OPS) + " |")
    print("|---" * (len(OPS) + 1) + "|")
    for k, c in valid_rows:
        cells = []
        for o in OPS:
            made = c[(o, True)] + c[(o, False)]
            cells.append(f"{c[(o, True)]}/{made}" + (f" = {c[(o, True)] / made:.2f}" if made else ""))
        print(f"| {k:,} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
