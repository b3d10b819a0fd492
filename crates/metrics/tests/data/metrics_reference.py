"""Independent NumPy reference for clipprobe's metrics (crates/metrics/src/).

Writes metrics_reference.json next to this file: the inputs (float32 values) and the
expected outputs, computed here with plain matrix formulas (full cosine matrices, np.percentile,
np.histogram, np.linalg.solve, np.linalg.eigh) rather than the Rust code's shortcuts.
The Rust test `tests/it/metrics.rs` reads the JSON. Re-run with:

    python crates/metrics/tests/data/metrics_reference.py
"""

import json
import pathlib

import numpy as np

rng = np.random.default_rng(20261122)


def unit(x):
    x = np.asarray(x, dtype=np.float64)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def f64(x):
    return np.asarray(x, dtype=np.float64)


n, d = 12, 6
offset = np.zeros(d)
offset[0] = 0.6
images = unit(rng.normal(size=(n, d)) + offset)
captions = unit(rng.normal(size=(n, d)) - offset + 0.8 * f64(images))
negatives = unit(f64(captions) + 0.5 * rng.normal(size=(n, d)))
values = rng.uniform(-1.0, 1.0, size=23)

I, C, N = f64(images), f64(captions), f64(negatives)


def cos_rows(a, b):
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


out = {}
out["values"] = values.tolist()
out["summary"] = {
    "n": len(values),
    "mean": float(np.mean(values)),
    "std": float(np.std(values)),
    "min": float(np.min(values)),
    "p10": float(np.percentile(values, 10)),
    "median": float(np.percentile(values, 50)),
    "p90": float(np.percentile(values, 90)),
    "max": float(np.max(values)),
}
out["histogram_8"] = np.histogram(values, bins=8, range=(-1.0, 1.0))[0].tolist()

out["images"] = images.astype(np.float64).tolist()
out["captions"] = captions.astype(np.float64).tolist()
out["negatives"] = negatives.astype(np.float64).tolist()
out["pair_cosines"] = cos_rows(C, N).tolist()

cc = C @ C.T / np.outer(np.linalg.norm(C, axis=1), np.linalg.norm(C, axis=1))
iu = np.triu_indices(n, 1)
out["anisotropy_all_pairs"] = float(cc[iu].mean())

margins = cos_rows(I, C) - cos_rows(I, N)
out["itm_margins"] = margins.tolist()
out["itm_accuracy"] = float(np.mean(margins > 0))

# gap removal for ITM: images centred on the image mean, captions and negatives on the caption mean
def centre_unit(x, mu):
    y = x - mu
    return y / np.linalg.norm(y, axis=1, keepdims=True)

Ig, Cg, Ng = centre_unit(I, I.mean(0)), centre_unit(C, C.mean(0)), centre_unit(N, C.mean(0))
gm = cos_rows(Ig, Cg) - cos_rows(Ig, Ng)
out["itm_margins_gap_removed"] = gm.tolist()
out["itm_accuracy_gap_removed"] = float(np.mean(gm > 0))

# modality gap on (images, captions)
Iu = I / np.linalg.norm(I, axis=1, keepdims=True)
Cu = C / np.linalg.norm(C, axis=1, keepdims=True)
cross = Iu @ Cu.T
off = ~np.eye(n, dtype=bool)
matched = float(np.mean(np.diag(cross)))
image_self = float((Iu @ Iu.T)[off].mean())
text_self = float((Cu @ Cu.T)[off].mean())
m = 1 - (matched + 1) / 2
di = 1 - (image_self + 1) / 2
dt = 1 - (text_self + 1) / 2
mi, mt = Iu.mean(0), Cu.mean(0)

# linear probe: 5 folds by index mod 5, ridge λ=1 on centred features, targets ±1
k = 5
correct = 0
probe_scores = np.zeros((n, 2))
for f in range(k):
    tr = [i for i in range(n) if i % k != f]
    te = [i for i in range(n) if i % k == f]
    X = np.vstack([Iu[tr], Cu[tr]])
    y = np.concatenate([np.ones(len(tr)), -np.ones(len(tr))])
    mu = X.mean(0)
    Xc = X - mu
    w = np.linalg.solve(Xc.T @ Xc + 1.0 * np.eye(d), Xc.T @ (y - y.mean()))
    b = y.mean() - mu @ w
    correct += int(np.sum(Iu[te] @ w + b > 0)) + int(np.sum(Cu[te] @ w + b <= 0))
    probe_scores[te, 0], probe_scores[te, 1] = Iu[te] @ w + b, Cu[te] @ w + b
out["linear_probe_scores"] = probe_scores.tolist()

out["modality_gap"] = {
    "pairs": n,
    "l2m": float(np.linalg.norm(mi - mt)),
    "l2i": float(np.mean(np.linalg.norm(Iu - Cu, axis=1))),
    "rmg": m / (m + (di + dt) / 2),
    "centroid_cosine": float(mi @ mt / (np.linalg.norm(mi) * np.linalg.norm(mt))),
    "linear_probe_accuracy": correct / (2 * n),
    "matched_cosine_mean": matched,
    "mismatched_cosine_mean": float(cross[off].mean()),
    "image_self_cosine_mean": image_self,
    "text_self_cosine_mean": text_self,
}

# remove_gap(images, captions): each centred on its own mean, renormalised
Ir, Cr = centre_unit(I, I.mean(0)), centre_unit(C, C.mean(0))
out["remove_gap_image"] = Ir.tolist()
out["remove_gap_text"] = Cr.tolist()

g = (I.mean(0) - C.mean(0))
g = g / np.linalg.norm(g)
out["gap_direction"] = g.tolist()
E = N - C
eg = E @ g
out["edit_abs_cosine"] = (np.abs(eg) / np.linalg.norm(E, axis=1)).tolist()
out["edit_energy_share"] = (eg**2 / np.sum(E * E, axis=1)).tolist()

# PCA of images and captions together
X = np.vstack([I, C])
Xc = X - X.mean(0)
cov = Xc.T @ Xc / len(X)
evals, evecs = np.linalg.eigh(cov)
order = np.argsort(evals)[::-1]
pcs = []
for j in order[:2]:
    v = evecs[:, j]
    if v[np.argmax(np.abs(v))] < 0:
        v = -v
    pcs.append(v)
P = np.stack(pcs, axis=1)
coords = Xc @ P
out["pca_image"] = coords[:n].tolist()
out["pca_text"] = coords[n:].tolist()
out["pca_explained"] = (evals[order[:2]] / evals.sum()).tolist()

# Winoground on 10 random items
w_items = 10
c0, i0, c1, i1 = (unit(rng.normal(size=(w_items, d))) for _ in range(4))
i0 = unit(f64(i0) + 0.7 * f64(c0))
i1 = unit(f64(i1) + 0.7 * f64(c1))
s00, s10 = cos_rows(f64(c0), f64(i0)), cos_rows(f64(c1), f64(i0))
s01, s11 = cos_rows(f64(c0), f64(i1)), cos_rows(f64(c1), f64(i1))
text = (s00 > s10) & (s11 > s01)
image = (s00 > s01) & (s11 > s10)
out["winoground_inputs"] = {k_: f64(v).tolist() for k_, v in dict(c0=c0, i0=i0, c1=c1, i1=i1).items()}
out["winoground_outcomes"] = [[bool(t), bool(i), bool(t and i)] for t, i in zip(text, image)]

path = pathlib.Path(__file__).with_name("metrics_reference.json")
path.write_text(json.dumps(out, indent=1) + "\n")
print("wrote", path)
print("probe accuracy", out["modality_gap"]["linear_probe_accuracy"], "itm", out["itm_accuracy"],
      "gap removed", out["itm_accuracy_gap_removed"], "wino", out["winoground_outcomes"])
print("min |margin|", np.min(np.abs(margins)), np.min(np.abs(gm)))
