"""Captions nobody working on clipprobe looked at (issue 7, round 23): the positive captions of
SugarCrepe, which come from the 1,560 COCO val2017 images that `../shared/data/coco-captions`
keeps out of the development file on purpose (its README), so the generator was never built,
tuned or read on them.

Usage:
  python3 unseen.py captions DEV.jsonl SUGARCREPE.json... > unseen.jsonl
      every distinct positive caption (whitespace collapsed) of the SugarCrepe files, as
      clipprobe input lines {"id": "SUBSET:KEY", "image": FILE, "caption": ...}, the id of a
      caption's first key. Left out: the entries in SHOWN, and those whose image DEV.jsonl has
      captions of (replace_ent: 5 entries of 3 images, against the dev file's README, which says
      the two sets of images are disjoint); their count goes to stderr.
  python3 unseen.py sugarcrepe SUGARCREPE.json UNSEEN.jsonl OP > sc.jsonl
      SugarCrepe's own negatives of the captions of UNSEEN.jsonl, as clipprobe output rows of op
      OP (one per caption, its first key), so that `detect.py` scores both generators on the very
      same captions.
SUBSET is the file's name without `.json` (`replace_ent`). SugarCrepe's data is not committed;
get it from https://github.com/RAIVNLab/sugar-crepe (`data/*.json`).
"""
import json
import os
import sys

# Entries whose captions were shown to the engineers before round 23: replace_ent 877..1056 in
# the blind calibrations of rounds 20-22, 1089..1160 while setting this script up.
SHOWN = {"replace_ent": (877, 1160)}


def norm(text):
    return " ".join(text.split())


def entries(path):
    subset = os.path.basename(path).removesuffix(".json")
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    lo, hi = SHOWN.get(subset, (1, 0))
    for key in sorted(data, key=int):
        if not lo <= int(key) <= hi:
            yield subset, key, data[key]


def captions(args):
    dev, files = args[0], args[1:]
    with open(dev, encoding="utf-8") as f:
        dev_images = {json.loads(line)["image"] for line in f if line.strip()}
    seen, clash = set(), 0
    for path in files:
        for subset, key, e in entries(path):
            if e["filename"] in dev_images:
                clash += 1
                continue
            c = norm(e["caption"])
            if c in seen:
                continue
            seen.add(c)
            row = {"id": f"{subset}:{key}", "image": e["filename"], "caption": c}
            print(json.dumps(row, ensure_ascii=False))
    print(f"left out {clash} entries of development images", file=sys.stderr)


def sugarcrepe(args):
    path, unseen, op = args
    with open(unseen, encoding="utf-8") as f:
        wanted = {json.loads(line)["id"] for line in f if line.strip()}
    for subset, key, e in entries(path):
        cid = f"{subset}:{key}"
        if cid in wanted:
            row = {
                "id": f"{cid}/{op}/0",
                "caption": norm(e["caption"]),
                "negative": norm(e["negative_caption"]),
                "op": op,
                "depth": 1,
                "edits": [{"op": op, "changes": []}],
                "source": "sugarcrepe",
            }
            print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    {"captions": captions, "sugarcrepe": sugarcrepe}[sys.argv[1]](sys.argv[2:])
