"""transformers on the GPU beside clipprobe, for benchmarks/gpu/device.sh.

usage (from INPUT_DIR, with reference.py on PYTHONPATH):
  python compare.py MODEL_DIR INPUT_DIR WORK_DIR OUT_DIR

Embeds INPUT_DIR/captions.txt and INPUT_DIR/images.txt with transformers' CLIPModel on
cuda:0 in f32, f16 and bf16 through reference.py's own batching (captions padded to the longest
of each batch of 64, images in batches of 32, tokenising and PIL decoding/preprocessing
included; TF32 off, so f32 means f32), times each (best of 3 after a warm-up pass), then
compares every clipprobe output WORK_DIR/cli-DEVICE-DTYPE-KIND.npy row by row (cosine)
with clipprobe's CPU f32 rows and with transformers' GPU f32 rows. Writes OUT_DIR/results.json
and OUT_DIR/summary.txt (the table it prints).
"""
import csv
import json
import os
import sys
import time

import numpy as np
import torch
import transformers

if not hasattr(transformers, "CLIPImageProcessorPil"):  # older transformers 5.x
    transformers.CLIPImageProcessorPil = transformers.CLIPImageProcessor
    PROCESSOR_NOTE = "CLIPImageProcessor (no CLIPImageProcessorPil in this transformers)"
else:
    PROCESSOR_NOTE = "CLIPImageProcessorPil"
import reference  # noqa: E402  (../shared/tools/reference/reference.py)

DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}
DTYPES = {k: DTYPES[k] for k in os.environ.get("COMPARE_DTYPES", "f32,f16,bf16").split(",")}
REPEAT = int(os.environ.get("COMPARE_REPEAT", "3"))  # 1: a quick dry run


class OnDevice:
    """A CLIPModel on a GPU, taking reference.py's CPU tensors."""

    def __init__(self, model, device, dtype):
        self.model, self.device, self.dtype = model.to(device, dtype), device, dtype

    def get_text_features(self, input_ids, attention_mask):
        return self.model.get_text_features(input_ids=input_ids.to(self.device),
                                            attention_mask=attention_mask.to(self.device))

    def get_image_features(self, pixel_values):
        return self.model.get_image_features(
            pixel_values=pixel_values.to(self.device, self.dtype))


def timed(fn):
    """(result of the last run, first seconds, best seconds of REPEAT after the first)."""
    times, result = [], None
    for _ in range(REPEAT + 1):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return result, times[0], min(times[1:])


def transformers_runs(model_dir, texts, images, device):
    rows = []
    for name, dtype in DTYPES.items():
        model, tok, proc = reference.load(model_dir)  # afresh: each dtype from the f32 weights
        m = OnDevice(model, device, dtype)
        for kind, items, fn in (
            ("texts", texts, lambda: reference.text_features(m, tok, texts, 64, "longest")),
            ("images", images, lambda: reference.image_features(m, proc, images, 32)),
        ):
            # .cpu() waits for the GPU and copies the rows back, as clipprobe does
            f, first, best = timed(lambda: fn().float().cpu().numpy())
            rows.append(dict(impl="transformers", device=device.split(":")[0], dtype=name,
                             kind=kind, rows=len(items), seconds=best, first_seconds=first, status="ok",
                             emb=f))
    return rows


def cosines(a, b):
    n = min(len(a), len(b))
    a, b = a[:n].astype(np.float64), b[:n].astype(np.float64)
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def main():
    model_dir, in_dir, work, out = sys.argv[1:5]
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = os.environ.get("COMPARE_DEVICE", "cuda:0")  # cpu: a dry run of this script
    texts = reference.lines(os.path.join(in_dir, "captions.txt"))
    images = [os.path.join(in_dir, p) for p in reference.lines(os.path.join(in_dir, "images.txt"))]

    with open(os.path.join(work, "times.tsv")) as f:
        ours = [dict(r) for r in csv.DictReader(f, delimiter="\t")]
    for r in ours:
        path = os.path.join(work, f"{r['impl']}-{r['device']}-{r['dtype']}-{r['kind']}.npy")
        r["emb"] = np.load(path) if r["status"] == "ok" and os.path.exists(path) else None
    try:
        theirs = transformers_runs(model_dir, texts, images, device)
    except Exception as e:  # still report clipprobe's rows
        print(f"FAIL: transformers on {device}: {e!r}")
        theirs = []
    for r in theirs:
        np.save(os.path.join(work, f"transformers-{r['device']}-{r['dtype']}-{r['kind']}.npy"),
                r["emb"])

    def find(impl, dev, dt, kind):
        for r in ours + theirs:
            if (r["impl"], r["device"], r["dtype"], r["kind"]) == (impl, dev, dt, kind):
                return r["emb"]
        return None

    table = []
    for r in ours + theirs:
        rec = {k: v for k, v in r.items() if k != "emb"}
        for ref_name, ref in (("vs_clipprobe_cpu_f32", find("cli", "cpu", "f32", r["kind"])),
                              ("vs_transformers_cuda_f32",
                               find("transformers", device.split(":")[0], "f32", r["kind"]))):
            if r["emb"] is not None and ref is not None:
                c = cosines(r["emb"], ref)
                rec[ref_name] = float(c.min())
                rec[ref_name + "_rows"] = int(len(c))
            if r["emb"] is not None and not np.isfinite(r["emb"]).all():
                rec["status"] = "non-finite values"
        one = [o for o in ours if o["impl"] == "cli1" and
               (o["device"], o["dtype"], o["kind"]) == (r["device"], r["dtype"], r["kind"])]
        if r["impl"] == "cli" and one and one[0]["status"] == "ok" and r["status"] == "ok":
            net = float(r["seconds"]) - float(one[0]["seconds"])
            rec["net_seconds"] = net  # the full run less a one-row run: embedding only
            rec["net_rows_per_s"] = (int(r["rows"]) - 1) / net if net > 0 else None
        table.append(rec)

    info = dict(torch=torch.__version__, transformers=transformers.__version__,
                gpu=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
                cuda_runtime_of_torch=torch.version.cuda, image_processor=PROCESSOR_NOTE,
                tf32="off", repeat=REPEAT, rows=table)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(info, f, indent=1)

    fmt = "{:12} {:6} {:5} {:6} {:>5} {:>9} {:>9} {:>10} {:>10} {:>12} {:>12}  {}"
    lines = [f"{info['gpu']}; torch {info['torch']}, transformers {info['transformers']}, "
             f"{PROCESSOR_NOTE}, TF32 off; seconds: cli = whole process, load included (best of "
             f"the runs; first_s = the first), cli1 = the same on one row, net_rows/s = "
             f"(rows - 1) / (cli - cli1); transformers = in-process, best of {REPEAT} after "
             f"a warm-up (first_s)",
             fmt.format("impl", "device", "dtype", "kind", "rows", "seconds", "first_s",
                        "rows/s", "net_rows/s", "cos_vs_cpu", "cos_vs_hf32", "status")]
    num = lambda v, f: "-" if v in (None, "") else format(float(v), f)  # noqa: E731
    for r in table:
        rate = float(r["rows"]) / float(r["seconds"]) if r["seconds"] not in ("", None) else None
        lines.append(fmt.format(r["impl"], r["device"], r["dtype"], r["kind"], r["rows"],
                                num(r["seconds"], ".3f"), num(r.get("first_seconds"), ".3f"),
                                num(rate, ".1f"), num(r.get("net_rows_per_s"), ".1f"),
                                num(r.get("vs_clipprobe_cpu_f32"), ".6f"),
                                num(r.get("vs_transformers_cuda_f32"), ".6f"), r["status"]))
    with open(os.path.join(out, "summary.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
