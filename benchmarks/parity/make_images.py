"""Writes synthetic test images (varied sizes, aspect ratios, modes and formats) to a folder and
prints their paths, one per line. When scikit-image is installed (pip install scikit-image), its
bundled real photographs (astronaut, coffee, chelsea, camera, motorcycle, rocket...) are added,
each as the original PNG and as a quality-90 JPEG re-encode. They are used here only, never
committed. usage: python make_images.py OUT_DIR > list.txt"""
import os
import sys

import numpy as np
from PIL import Image

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)
specs = [((224, 224), "RGB", "png"), ((480, 640), "RGB", "jpg"), ((640, 360), "RGB", "png"),
         ((97, 311), "RGB", "png"), ((1000, 50), "L", "png"), ((300, 200), "RGBA", "png"),
         ((256, 256), "P", "png"), ((123, 77), "RGB", "jpg"), ((512, 384), "L", "jpg"),
         ((225, 223), "RGB", "bmp")]
for i, ((h, w), mode, ext) in enumerate(specs):
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([(x * 255 // max(w - 1, 1)), (y * 255 // max(h - 1, 1)),
                     ((x + y) * 7) % 256], -1).astype(np.int32)
    noise = rng.integers(-40, 40, size=(h, w, 3))
    arr = np.clip(base + noise, 0, 255).astype(np.uint8)
    img = Image.fromarray(arr, "RGB")
    if mode == "L":
        img = img.convert("L")
    elif mode == "RGBA":
        alpha = Image.fromarray(((x * 3 + y) % 256).astype(np.uint8), "L")
        img.putalpha(alpha)
    elif mode == "P":
        img = img.convert("P", palette=Image.Palette.ADAPTIVE, colors=64)
    path = os.path.join(out, f"img{i:02d}_{w}x{h}_{mode}.{ext}")
    img.save(path, quality=90) if ext == "jpg" else img.save(path)
    print(path)

try:
    import skimage.data
except ImportError:
    skimage = None
if skimage is not None:
    for name in ["astronaut", "coffee", "chelsea", "camera", "rocket", "motorcycle_left",
                 "hubble_deep_field", "immunohistochemistry"]:
        try:
            arr = getattr(skimage.data, name)()
        except Exception:  # some samples are downloaded on demand; skip those offline
            continue
        if isinstance(arr, tuple):
            arr = arr[0]
        img = Image.fromarray(arr)
        for ext in ("png", "jpg"):
            path = os.path.join(out, f"photo_{name}.{ext}")
            img.save(path, quality=90) if ext == "jpg" else img.save(path)
            print(path)
