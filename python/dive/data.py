"""Auxiliary training data: images, masks, labels and classes.

Two layouts, as zsadbench reads them (see ``go doc ./dataset``):

- ``mvtec`` (MVTec AD, MPDD, DTD-Synthetic, converted SDD): images at
  ROOT/<class>/<split>/<defect>/<id>.<ext>, masks at
  ROOT/<class>/ground_truth/<defect>/<id>_mask.<ext> (or <id>.<ext>); defect
  "good" is normal and needs no mask, any other defect needs one. The split is
  "test" by default, as AnomalyCLIP and DIVE train on the auxiliary dataset's
  test images; "train" adds the normal training images.
- ``meta``: the AnomalyCLIP-family meta.json (VisA, and any dataset converted
  for those codebases), its "test" split: {"test": {class: [{"img_path",
  "mask_path", "cls_name", "anomaly"}, ...]}} with paths relative to ROOT.

Pre-processing is zsadbench's (and CLIP's): PIL convert("RGB"), resize to
S x S with BICUBIC, scale to [0, 1], normalise with CLIP's mean and std. Masks
are resized with NEAREST and a pixel is anomalous when its value is greater
than 0 (127 for JPEG masks), as zsadbench's evaluation reads them.

Only regular files are read; names starting with "." are ignored; any problem
is a ValueError that names the file.
"""

import dataclasses
import json
import os

import numpy as np
import torch
from PIL import Image

from .clip import MEAN, STD

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
# Decompression-bomb guard, as the Go side's (8192 x 8192).
MAX_PIXELS = 1 << 26


@dataclasses.dataclass(frozen=True)
class Sample:
    image: str
    mask: str  # "" for a normal image without a mask
    label: int  # 0 normal, 1 anomalous
    category: str


def _entries(path):
    """Visible names in a folder, sorted; a missing folder is an error naming it."""
    try:
        return sorted(n for n in os.listdir(path) if not n.startswith("."))
    except OSError as e:
        raise ValueError(f"{path}: {e.strerror}") from None


def _is_image(path):
    return os.path.isfile(path) and path.lower().endswith(IMAGE_EXTS)


def list_mvtec(root, categories=None, splits=("test",)):
    """Samples of an MVTec-layout dataset (see the module doc)."""
    root = os.fspath(root)
    cats = [c for c in _entries(root) if os.path.isdir(os.path.join(root, c))]
    if categories:
        unknown = sorted(set(categories) - set(cats))
        if unknown:
            raise ValueError(f"{root}: no categor{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}")
        cats = [c for c in cats if c in categories]
    samples = []
    for cat in cats:
        for split in splits:
            split_dir = os.path.join(root, cat, split)
            if not os.path.isdir(split_dir):
                continue
            for defect in _entries(split_dir):
                ddir = os.path.join(split_dir, defect)
                if not os.path.isdir(ddir):
                    continue
                for name in _entries(ddir):
                    path = os.path.join(ddir, name)
                    if not _is_image(path):
                        continue
                    if defect == "good":
                        samples.append(Sample(path, "", 0, cat))
                        continue
                    mask = _find_mask(os.path.join(root, cat, "ground_truth", defect), os.path.splitext(name)[0])
                    if not mask:
                        raise ValueError(f"{path}: anomalous image without a mask (want "
                                         f"{os.path.join(root, cat, 'ground_truth', defect, os.path.splitext(name)[0] + '_mask.png')})")
                    samples.append(Sample(path, mask, 1, cat))
    if not samples:
        raise ValueError(f"{root}: no images in MVTec layout (<class>/{'|'.join(splits)}/<defect>/<image>)")
    return samples


def _find_mask(folder, stem):
    for base in (stem + "_mask", stem):
        for ext in IMAGE_EXTS:
            for cand in (base + ext, base + ext.upper()):
                path = os.path.join(folder, cand)
                if os.path.isfile(path):
                    return path
    return ""


def list_meta(root, meta_path):
    """Samples of an AnomalyCLIP-family meta.json's "test" split."""
    root = os.fspath(root)
    try:
        with open(meta_path, encoding="utf-8") as f:
            meta = json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(f"{meta_path}: {e}") from None
    split = meta.get("test") if isinstance(meta, dict) else None
    if not isinstance(split, dict):
        raise ValueError(f"{meta_path}: no \"test\" object of classes")
    samples = []
    for cls, records in sorted(split.items()):
        if not isinstance(records, list):
            raise ValueError(f"{meta_path}: test.{cls} is not a list")
        for i, r in enumerate(records):
            where = f"{meta_path}: test.{cls}[{i}]"
            if not isinstance(r, dict) or not isinstance(r.get("img_path"), str) or not r["img_path"]:
                raise ValueError(f"{where}: no img_path")
            label = r.get("anomaly")
            if label not in (0, 1, True, False):
                raise ValueError(f"{where}: anomaly must be 0 or 1, got {label!r}")
            mask = r.get("mask_path") or ""
            if not isinstance(mask, str):
                raise ValueError(f"{where}: mask_path is not a string")
            image = os.path.join(root, r["img_path"])
            if not os.path.isfile(image):
                raise ValueError(f"{where}: {image} is not a regular file")
            if mask:
                mask = os.path.join(root, mask)
                if not os.path.isfile(mask):
                    raise ValueError(f"{where}: mask {mask} is not a regular file")
            samples.append(Sample(image, mask, int(label), str(r.get("cls_name") or cls)))
    if not samples:
        raise ValueError(f"{meta_path}: no test images")
    return samples


def _open(path):
    if not os.path.isfile(path):
        raise ValueError(f"{path}: not a regular file")
    try:
        im = Image.open(path)
        if im.width * im.height > MAX_PIXELS:
            raise ValueError(f"{im.width}x{im.height} pixels, more than {MAX_PIXELS}")
        im.load()
        return im
    except (OSError, ValueError, Image.DecompressionBombError) as e:
        raise ValueError(f"{path}: cannot read the image ({e})") from None


def image_tensor(im, size):
    """A PIL image as the model's input [3, size, size] (see the module doc)."""
    rgb = im.convert("RGB").resize((size, size), Image.BICUBIC)
    a = np.asarray(rgb, dtype=np.float32) / np.float32(255)
    a = (a - np.asarray(MEAN, dtype=np.float32)) / np.asarray(STD, dtype=np.float32)
    return torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))


def read_image(path, size):
    return image_tensor(_open(path), size)


def read_mask(path, size):
    """[size, size] float32 in {0, 1}; zeros when path is empty."""
    if not path:
        return torch.zeros(size, size)
    im = _open(path)
    if im.mode not in ("1", "L", "I", "I;16", "P", "RGB", "RGBA", "LA"):
        raise ValueError(f"{path}: unsupported mask mode {im.mode}")
    grey = np.asarray(im.convert("L") if im.mode in ("RGB", "RGBA", "LA", "P") else im)
    threshold = 127 if path.lower().endswith((".jpg", ".jpeg")) else 0
    binary = Image.fromarray(((grey > threshold) * 255).astype(np.uint8))
    binary = binary.resize((size, size), Image.NEAREST)
    return torch.from_numpy((np.asarray(binary) > 0).astype(np.float32))


class AuxiliaryDataset(torch.utils.data.Dataset):
    """(image [3, S, S], mask [S, S], label, class index) per sample; classes
    are the sorted category names."""

    def __init__(self, samples, size, classes=None):
        self.samples = list(samples)
        self.size = size
        self.classes = list(classes) if classes is not None else sorted({s.category for s in self.samples})
        index = {c: i for i, c in enumerate(self.classes)}
        missing = sorted({s.category for s in self.samples} - set(index))
        if missing:
            raise ValueError(f"categories {missing} are not among the model's classes {self.classes}")
        self.class_index = [index[s.category] for s in self.samples]

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        s = self.samples[i]
        return read_image(s.image, self.size), read_mask(s.mask, self.size), s.label, self.class_index[i]
