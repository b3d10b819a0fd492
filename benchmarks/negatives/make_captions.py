#!/usr/bin/env python3
"""Writes N synthetic COCO-style captions (default 100,000) for the negatives speed benchmark.

Deterministic (seeded), built from templates and words of clipprobe's own lexicon plus some
words it does not know, so the parser meets realistic misses. Usage:
    python3 make_captions.py OUT.txt [N]
"""
import random
import sys

NOUNS = ["dog", "cat", "man", "woman", "boy", "girl", "horse", "car", "bus", "truck", "table",
         "chair", "couch", "bed", "bench", "laptop", "plate", "bowl", "cup", "pizza", "sandwich",
         "apple", "banana", "giraffe", "zebra", "elephant", "bird", "cow", "sheep", "bicycle",
         "motorcycle", "boat", "train", "umbrella", "kite", "frisbee", "teddy bear", "fire hydrant",
         "traffic light", "cell phone", "hot dog", "stop sign", "tree", "clock", "vase", "sink",
         "toilet", "skateboard", "surfboard", "suitcase", "futon", "lantern", "wagon"]
PLURALS = {"man": "men", "woman": "women", "sheep": "sheep", "bus": "buses", "bench": "benches",
           "couch": "couches", "sandwich": "sandwiches"}
ATTRS = ["red", "blue", "white", "black", "brown", "green", "yellow", "small", "large", "old",
         "young", "wooden", "metal", "striped", "round", "empty", "wet", "dirty", "shiny"]
RELS = ["on", "under", "next to", "in front of", "behind", "near", "riding", "holding",
        "eating", "with", "beside", "above", "inside"]
PLACES = ["on the beach", "in a field", "in the snow", "on the street", "in a kitchen",
          "in a park", ""]
COUNTS = ["two", "three", "several", "four"]


def np(rng, attr_p=0.4):
    n = rng.choice(NOUNS)
    a = rng.choice(ATTRS) + " " if rng.random() < attr_p else ""
    if rng.random() < 0.15:
        return f"{rng.choice(COUNTS)} {a}{PLURALS.get(n, n + 's')}"
    w = a + n
    art = "an" if w[0] in "aeiou" else "a"
    return f"{art} {w}"


def caption(rng):
    t = rng.random()
    if t < 0.5:
        s = f"{np(rng)} {rng.choice(RELS)} {np(rng)} {rng.choice(PLACES)}"
    elif t < 0.75:
        s = f"{np(rng)} and {np(rng)} {rng.choice(PLACES)}"
    elif t < 0.9:
        s = f"{np(rng)} sitting {rng.choice(RELS)} {np(rng)}"
    else:
        s = f"{np(rng)} {rng.choice(PLACES)}"
    s = " ".join(s.split())
    return s[0].upper() + s[1:] + "."


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    rng = random.Random(0)
    with open(out, "w") as f:
        for _ in range(n):
            f.write(caption(rng) + "\n")


if __name__ == "__main__":
    main()
