"""Compares two feature matrices (.npy): prints one JSON line with the largest absolute
difference, the same relative to the reference's largest magnitude, and the lowest row cosine.
usage: python compare.py OURS.npy REFERENCE.npy [OUR_IDS.json REF_IDS.json]"""
import json
import sys

import numpy as np

a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
assert a.shape == b.shape, (a.shape, b.shape)
diff = np.abs(a - b).max()
cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
res = {"rows": a.shape[0], "max_abs_diff": float(diff),
       "rel_max_diff": float(diff / max(1.0, np.abs(b).max())), "min_cosine": float(cos.min())}
if len(sys.argv) > 4:
    ours, ref = json.load(open(sys.argv[3])), json.load(open(sys.argv[4]))
    res["ids_equal"] = sum(x == y for x, y in zip(ours, ref))
    res["ids_total"] = len(ref)
print(json.dumps(res))
