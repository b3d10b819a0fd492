"""The fixed development / held-out split of the COCO dev captions used by clipprobe negatives.

Held out: every caption of an image whose numeric COCO id is divisible by 5 (about 20% of the
images, all five captions of an image on the same side). Nothing in the lexicon, the
plausibility table or any threshold is built or tuned on held-out captions.

Usage: python3 split.py DEV.jsonl {train|heldout} > OUT.txt   (one caption a line)
"""
import json
import sys


def heldout(image: str) -> bool:
    return int(image.split(".")[0]) % 5 == 0


def rows(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def captions(path, part):
    want = part == "heldout"
    return [" ".join(r["caption"].split()) for r in rows(path) if heldout(r["image"]) == want]


if __name__ == "__main__":
    for c in captions(sys.argv[1], sys.argv[2]):
        print(c)
