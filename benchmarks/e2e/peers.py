"""The peers' evaluation loops on transformers' CLIPModel (same checkpoint folder as clipprobe).

    python peers.py sugarcrepe|batched MODEL_DIR SET_DIR OUT.json

sugarcrepe: SugarCrepe's main_eval.py algorithm (RAIVNLab/sugar-crepe): for every pair, open
    the image, preprocess it, embed it alone (batch 1), tokenise caption and negative padded to
    77 tokens and embed each alone; correct iff cos(image, caption) > cos(image, negative).
batched: the same work in CLIP_benchmark's style: DataLoader-like batches of 32 pairs (the
    pair's image decoded and embedded per pair, not deduplicated), texts padded to 77, 64 per
    batch.
Writes per-subset accuracy and the wall time of the loop (model load included, Python and
torch import excluded) to OUT.json.
"""
import json
import os
import sys
import time
from pathlib import Path

import torch
from PIL import Image
from transformers import CLIPModel, CLIPProcessor

SUBSETS = ["add_obj", "add_att", "replace_obj", "replace_att", "replace_rel", "swap_obj", "swap_att"]


def main():
    mode, model_dir, set_dir, out = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4]
    t0 = time.perf_counter()
    model = CLIPModel.from_pretrained(model_dir).eval()
    proc = CLIPProcessor.from_pretrained(model_dir)
    images = set_dir / "images"
    pairs = []
    for s in SUBSETS:
        for k, d in json.loads((set_dir / "data" / f"{s}.json").read_text(encoding="utf-8")).items():
            pairs.append((s, d))

    def unit(e):
        # transformers 5 returns an output object whose pooler_output is the projected feature
        e = getattr(e, "pooler_output", e)
        return e / e.norm(dim=-1, keepdim=True)

    def text(t):
        tok = proc.tokenizer(t, padding="max_length", max_length=77, truncation=True, return_tensors="pt")
        return unit(model.get_text_features(**tok))

    def img(paths):
        px = proc.image_processor([Image.open(p).convert("RGB") for p in paths], return_tensors="pt")
        return unit(model.get_image_features(**px))

    correct = {s: [0, 0] for s in SUBSETS}
    with torch.no_grad():
        if mode == "sugarcrepe":
            for s, d in pairs:
                p, n = text(d["caption"]), text(d["negative_caption"])
                i = img([images / d["filename"]])
                correct[s][0] += int((p @ i.T).item() > (n @ i.T).item())
                correct[s][1] += 1
        elif mode == "batched":
            for b in range(0, len(pairs), 32):
                chunk = pairs[b : b + 32]
                i = img([images / d["filename"] for _, d in chunk])
                t = text([d["caption"] for _, d in chunk] + [d["negative_caption"] for _, d in chunk])
                p, n = t[: len(chunk)], t[len(chunk) :]
                for k, (s, _) in enumerate(chunk):
                    correct[s][0] += int((p[k] @ i[k]).item() > (n[k] @ i[k]).item())
                    correct[s][1] += 1
        else:
            sys.exit(f"unknown mode {mode}")
    wall = time.perf_counter() - t0
    acc = {s: c / n for s, (c, n) in correct.items() if n}
    Path(out).write_text(json.dumps({"mode": mode, "seconds": wall, "accuracy": acc, "pairs": len(pairs)}))
    print(json.dumps({"mode": mode, "seconds": round(wall, 2), "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
