"""Images for training tests, made from ``zsadbench synth`` output.

zsadbench synth writes MVTec-layout masks (realistic blobs and scratches) and
score maps. Each map becomes the image of its key: a per-class colour shaded
by the map (which lights up near defects and at a few false positives), with
the mask's pixels painted in a dark defect colour, so that the anomalies are
visible and learnable. The .npy maps are removed, leaving an MVTec dataset.
"""

import os

import numpy as np
from PIL import Image

COLOURS = [(200, 170, 90), (90, 150, 200), (150, 200, 120), (200, 120, 160)]


def maps_to_images(root):
    cats = sorted(os.listdir(root))
    for ci, cat in enumerate(cats):
        base = np.array(COLOURS[ci % len(COLOURS)], dtype=np.float32)
        test = os.path.join(root, cat, "test")
        for defect in sorted(os.listdir(test)):
            for name in sorted(os.listdir(os.path.join(test, defect))):
                if not name.endswith(".npy"):
                    continue
                path = os.path.join(test, defect, name)
                m = np.clip(np.load(path), 0, 1)
                rgb = base[None, None, :] * (0.55 + 0.45 * m[..., None])
                stem = name[: -len(".npy")]
                mask_path = os.path.join(root, cat, "ground_truth", defect, stem + "_mask.png")
                if defect != "good":
                    mask = np.asarray(Image.open(mask_path)) > 0
                    rgb[mask] = (40, 30, 30)
                Image.fromarray(np.clip(np.rint(rgb), 0, 255).astype(np.uint8)).save(os.path.join(test, defect, stem + ".png"))
                os.remove(path)
    return cats
