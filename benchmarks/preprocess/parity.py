"""Local parity and speed check of clipprobe's preprocessing against transformers'
CLIPImageProcessorPil on larger, varied images (the committed fixtures are small).

usage (from the repository root):
  /tmp/clip-reference/venv/bin/python benchmarks/preprocess/parity.py [--n 60] [--dir /tmp/pp-parity]

Generates --n synthetic images per format (PNG: RGB, L, RGBA, P+tRNS; JPEG q90 4:2:0) with
random sizes 40..1600 px and aspect ratios up to 1:4, runs the reference processor with the
OpenAI CLIP config (shortest edge 224, bicubic, crop 224), runs
`cargo run --release --example preprocess_dump`, and prints the differences and timings.
"""
import argparse
import json
import subprocess
import time
from pathlib import Path

import numpy as np
from PIL import Image
from transformers import CLIPImageProcessorPil

CONFIG = {
    "crop_size": {"height": 224, "width": 224},
    "do_center_crop": True,
    "do_convert_rgb": True,
    "do_normalize": True,
    "do_rescale": True,
    "do_resize": True,
    "image_mean": [0.48145466, 0.4578275, 0.40821073],
    "image_processor_type": "CLIPImageProcessor",
    "image_std": [0.26862954, 0.26130258, 0.27577711],
    "resample": 3,
    "rescale_factor": 0.00392156862745098,
    "size": {"shortest_edge": 224},
}


def synth(rng, h, w):
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    fx, fy = rng.uniform(0.01, 0.3, 2)
    img = np.stack([
        255 * x / w,
        128 + 120 * np.sin(x * fx) * np.cos(y * fy),
        255 * y / h,
    ], -1)
    for _ in range(6):
        cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(3, max(h, w) / 4)
        img[(y - cy) ** 2 + (x - cx) ** 2 < r * r] = rng.integers(0, 256, 3)
    img += rng.normal(0, rng.uniform(0, 30), img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def make(d, n, rng):
    out = {"png": [], "jpeg": []}
    for i in range(n):
        short = int(rng.integers(40, 900))
        ratio = float(rng.uniform(1, 4))
        h, w = short, int(short * ratio)
        if rng.random() < 0.5:
            h, w = w, h
        h, w = min(h, 1600), min(w, 1600)
        arr = synth(rng, h, w)
        kind = ["RGB", "L", "RGBA", "P"][i % 4]
        p = d / f"img{i:03d}_{kind}_{w}x{h}.png"
        im = Image.fromarray(arr)
        if kind == "L":
            im = im.convert("L")
        elif kind == "RGBA":
            a = rng.integers(0, 256, (h, w), dtype=np.uint8)
            im = Image.fromarray(np.concatenate([arr, a[..., None]], -1), "RGBA")
        elif kind == "P":
            im = im.quantize(64)
            im.info["transparency"] = 3
            im.save(p, transparency=3)
            out["png"].append(p)
            continue
        im.save(p)
        out["png"].append(p)
        q = d / f"img{i:03d}_{w}x{h}.jpg"
        Image.fromarray(arr).save(q, quality=90, subsampling="4:2:0")
        out["jpeg"].append(q)
    return out


def reference(proc, paths):
    best, px = None, None
    for _ in range(3):
        t = time.perf_counter()
        px = np.stack([proc(images=[Image.open(p)], return_tensors="np")["pixel_values"][0] for p in paths])
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    return px, best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=60)
    ap.add_argument("--dir", default="/tmp/pp-parity")
    a = ap.parse_args()
    d = Path(a.dir)
    d.mkdir(parents=True, exist_ok=True)
    (d / "model").mkdir(exist_ok=True)
    (d / "model/preprocessor_config.json").write_text(json.dumps(CONFIG))
    files = make(d, a.n, np.random.default_rng(7))
    proc = CLIPImageProcessorPil.from_pretrained(str(d / "model"))
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "clipprobe-clip", "--example", "preprocess_dump"], check=True)
    for fmt, paths in files.items():
        lst = d / f"{fmt}.txt"
        lst.write_text("".join(f"{p}\n" for p in paths))
        ref, t_ref = reference(proc, paths)
        out = d / f"{fmt}.npy"
        r = subprocess.run(["target/release/examples/preprocess_dump", str(d / "model"), str(lst), str(out)],
                           check=True, capture_output=True, text=True)
        got = np.load(out)
        diff = np.abs(got.astype(np.float64) - ref.astype(np.float64))
        per_img = diff.reshape(len(paths), -1).max(1)
        print(json.dumps({
            "format": fmt,
            "images": len(paths),
            "max_abs_diff": float(diff.max()),
            "mean_abs_diff": float(diff.mean()),
            "values_differing": int((diff > 0).sum()),
            "values": int(diff.size),
            "images_bit_identical": int((per_img == 0).sum()),
            "reference_seconds": round(t_ref, 3),
            "reference_images_per_s": round(len(paths) / t_ref, 1),
            "rust": r.stderr.strip(),
        }))


if __name__ == "__main__":
    main()
