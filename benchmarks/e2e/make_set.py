"""A SugarCrepe-format evaluation set from real COCO captions and generated images.

    python make_set.py COCO_JSONL OUT_DIR N_IMAGES [jpeg|png]

COCO_JSONL is ../shared/data/coco-captions/val2017-dev.jsonl (CC BY 4.0; not copied into the
project). Takes the first N_IMAGES image ids in sorted order and up to 4 captions each; each
caption becomes one pair of one of SugarCrepe's seven subsets (round robin), its negative the
caption with two neighbouring content words exchanged (a cheap, deterministic hard negative:
the benchmark measures speed, not negative quality). Writes OUT_DIR/data/<subset>.json in
SugarCrepe's format ({"k": {"filename", "caption", "negative_caption"}}) and OUT_DIR/images/
with one 640x480 image per image id (smooth colour fields and shapes, seeded by the id): a
quality-90 JPEG by default, so decoding costs what a COCO photo costs; or, with `png`, the same
pixels as a PNG (`<id>.png`), which Pillow and clipprobe decode to identical pixels (JPEG
decoders differ by a few levels, enough to flip near-zero margins of random-weight models).
Deterministic.
"""
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

SUBSETS = ["add_obj", "add_att", "replace_obj", "replace_att", "replace_rel", "swap_obj", "swap_att"]
STOP = {"a", "an", "the", "of", "in", "on", "with", "and", "to", "at", "is", "are", "by", "for"}


def negative(caption):
    words = caption.split()
    idx = [i for i, w in enumerate(words) if w.lower().strip(".,") not in STOP]
    for a, b in zip(idx, idx[1:]):
        if words[a].lower() != words[b].lower():
            words[a], words[b] = words[b], words[a]
            return " ".join(words)
    return caption + " outside"


def image(seed, path):
    """Writes the image of `seed` to `path`, as JPEG or PNG by its extension."""
    rng = np.random.default_rng(seed)
    h, w = 480, 640
    y, x = np.mgrid[0:h, 0:w] / np.array([h, w]).reshape(2, 1, 1)
    base = np.stack([np.sin(x * rng.uniform(2, 9) + rng.uniform(0, 6)) for _ in range(3)], -1)
    base += np.stack([np.cos(y * rng.uniform(2, 9) + rng.uniform(0, 6)) for _ in range(3)], -1)
    arr = ((base + 2) / 4 * 255 + rng.normal(0, 8, (h, w, 3))).clip(0, 255).astype(np.uint8)
    im = Image.fromarray(arr)
    d = ImageDraw.Draw(im)
    for _ in range(6):
        x0, y0 = rng.integers(0, w - 60), rng.integers(0, h - 60)
        box = [x0, y0, x0 + rng.integers(30, 200), y0 + rng.integers(30, 200)]
        fill = tuple(int(c) for c in rng.integers(0, 255, 3))
        (d.ellipse if rng.random() < 0.5 else d.rectangle)(box, fill=fill)
    if path.suffix == ".png":
        im.save(path)
    else:
        im.save(path, quality=90)


def main():
    src, out, n = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    fmt = sys.argv[4] if len(sys.argv) > 4 else "jpeg"
    if fmt not in ("jpeg", "png"):
        sys.exit(f"image format {fmt!r}: expected jpeg or png")
    caps = defaultdict(list)
    for line in src.open(encoding="utf-8"):
        r = json.loads(line)
        caps[r["image"]].append(r["caption"].strip())
    ids = sorted(caps)[:n]
    (out / "data").mkdir(parents=True, exist_ok=True)
    (out / "images").mkdir(parents=True, exist_ok=True)
    data = {s: {} for s in SUBSETS}
    k = 0
    for i, name in enumerate(ids):
        file = name if fmt == "jpeg" else Path(name).with_suffix(".png").name
        image(i, out / "images" / file)
        for c in caps[name][:4]:
            data[SUBSETS[k % 7]][str(k)] = {"filename": file, "caption": c, "negative_caption": negative(c)}
            k += 1
    for s, d in data.items():
        (out / "data" / f"{s}.json").write_text(json.dumps(d, indent=1), encoding="utf-8")
    print(f"{len(ids)} images, {k} pairs", file=sys.stderr)


if __name__ == "__main__":
    main()
