"""Where transformers' image time goes: PIL decode, CLIPImageProcessorPil and the model forward
timed separately (wall and process CPU time, best of 3 passes), then torch.profiler's operator
split of one forward. Same preprocessing and batches as reference.py time-image.

usage: python image_split.py MODEL_DIR IMAGE_LIST [BATCH]
"""
import resource
import sys
import time

import torch
from PIL import Image
from torch.profiler import ProfilerActivity, profile
from transformers import CLIPImageProcessorPil, CLIPModel


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    model_dir, listing = sys.argv[1], sys.argv[2]
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 32
    paths = [l.strip() for l in open(listing) if l.strip()]
    model = CLIPModel.from_pretrained(model_dir).eval()
    proc = CLIPImageProcessorPil.from_pretrained(model_dir)
    n = len(paths)
    print(f"torch threads {torch.get_num_threads()}, {n} images, batches of {batch}")
    with torch.inference_mode():
        for rep in range(3):
            t = {"decode": [0.0, 0.0], "processor": [0.0, 0.0], "forward": [0.0, 0.0]}
            for i in range(0, n, batch):
                w0, c0 = time.perf_counter(), cpu()
                ims = [Image.open(p).convert("RGB") for p in paths[i:i + batch]]
                w1, c1 = time.perf_counter(), cpu()
                px = proc(images=ims, return_tensors="pt")["pixel_values"]
                w2, c2 = time.perf_counter(), cpu()
                model.get_image_features(pixel_values=px)
                w3, c3 = time.perf_counter(), cpu()
                for k, (wa, wb, ca, cb) in zip(t, [(w0, w1, c0, c1), (w1, w2, c1, c2), (w2, w3, c2, c3)]):
                    t[k][0] += wb - wa
                    t[k][1] += cb - ca
            total = sum(v[0] for v in t.values())
            parts = ", ".join(f"{k} {1000 * w / n:.1f} ms wall / {1000 * c / n:.1f} ms CPU" for k, (w, c) in t.items())
            print(f"pass {rep + 1}: per image {parts}; {n / total:.2f} images/s")
        px = proc(images=[Image.open(p).convert("RGB") for p in paths[:batch]], return_tensors="pt")["pixel_values"]
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            model.get_image_features(pixel_values=px)
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=12))


if __name__ == "__main__":
    main()
