"""Inputs of the GPU check: the first N distinct COCO captions of a captions JSON Lines file
(one {"caption": ...} object a line) and M seeded synthetic photographs of COCO's usual sizes
(640x480, 480x640, 640x427, 500x375; JPEG quality 90, every 8th one PNG).

usage: python make_inputs.py CAPTIONS.jsonl OUT_DIR [N_CAPTIONS] [N_IMAGES]
Writes OUT_DIR/captions.txt (N lines), OUT_DIR/img/*.{jpg,png}, OUT_DIR/images.txt (their paths,
relative to OUT_DIR, M lines)."""
import json
import os
import sys

import numpy as np
from PIL import Image

src, out = sys.argv[1], sys.argv[2]
n_cap = int(sys.argv[3]) if len(sys.argv) > 3 else 1024
n_img = int(sys.argv[4]) if len(sys.argv) > 4 else 64
os.makedirs(os.path.join(out, "img"), exist_ok=True)

seen, caps = set(), []
with open(src) as f:
    for line in f:
        c = " ".join(json.loads(line)["caption"].split())
        if c and c not in seen:
            seen.add(c)
            caps.append(c)
        if len(caps) == n_cap:
            break
if len(caps) < n_cap:
    sys.exit(f"{src}: only {len(caps)} distinct captions, {n_cap} asked for")
with open(os.path.join(out, "captions.txt"), "w") as f:
    f.write("".join(c + "\n" for c in caps))

rng = np.random.default_rng(0)
sizes = [(640, 480), (480, 640), (640, 427), (500, 375)]
paths = []
for i in range(n_img):
    w, h = sizes[i % len(sizes)]
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    # smooth colour fields of random frequency and phase, plus sensor-like noise
    chans = []
    for _ in range(3):
        fx, fy, ph = rng.uniform(0.002, 0.03), rng.uniform(0.002, 0.03), rng.uniform(0, 6.3)
        chans.append(127 + 100 * np.sin(fx * x * 6.3 + ph) * np.cos(fy * y * 6.3 - ph))
    arr = np.stack(chans, -1) + rng.normal(0, 12, size=(h, w, 3))
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    ext = "png" if i % 8 == 7 else "jpg"
    rel = f"img/{i:03d}_{w}x{h}.{ext}"
    img.save(os.path.join(out, rel), **({"quality": 90} if ext == "jpg" else {}))
    paths.append(rel)
with open(os.path.join(out, "images.txt"), "w") as f:
    f.write("".join(p + "\n" for p in paths))
print(f"{len(caps)} captions, {len(paths)} images in {out}")
