#!/usr/bin/python3
"""Golden values for package dive's pre- and post-processing.

Run from anywhere with the Python that has numpy, scipy, Pillow and torch:

    /usr/bin/python3 testdata/dive/generate.py

It rewrites every file in testdata/dive/ except itself, deterministically
(fixed seeds). The Go tests only read the outputs, so they never need Python.

Pre-processing reference (what CLIP/AnomalyCLIP/DIVE do with torchvision on a
PIL image): Image.open -> convert("RGB") -> resize((S, S), BICUBIC) ->
ToTensor (uint8 / 255 in float32) -> Normalize(mean, std) in float32.

Post-processing reference (the paper): the model's [h, w] map is upsampled
bilinearly with half-pixel centres (torch.nn.functional.interpolate(
mode="bilinear", align_corners=False); computed here in float64, and also
recorded from torch itself) to the image size, then smoothed with scipy.ndimage.gaussian_filter(sigma=4) (default
truncate=4.0, mode="reflect"), both in float32.

Files:
  manifest.json           what each case is, with sizes and file names
  *.png                   input images, and PIL's resized uint8 RGB output
  *.f32                   little-endian float32 arrays, C order
"""

import json
import os

import numpy as np
import scipy.ndimage
import torch
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)


def path(name):
    return os.path.join(HERE, name)


def write_f32(name, arr):
    arr = np.ascontiguousarray(arr, dtype="<f4")
    with open(path(name), "wb") as f:
        f.write(arr.tobytes())
    return name


def scene(rng, w, h, channels):
    """A smooth scene with edges and a noisy patch: exercises every filter tap."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    out = np.empty((h, w, channels), dtype=np.float64)
    for c in range(channels):
        fx, fy = rng.uniform(0.02, 0.3, size=2)
        out[..., c] = 127.5 + 90 * np.sin(fx * x + c) * np.cos(fy * y - c)
    # a hard-edged rectangle and a salt-and-pepper patch
    out[h // 4 : h // 2, w // 5 : w // 2, :] = rng.integers(0, 256)
    ny, nx = max(1, h // 6), max(1, w // 6)
    out[h - ny :, w - nx :, :] = rng.integers(0, 256, size=(ny, nx, channels))
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def preprocess_cases(rng):
    cases = []

    def add(name, img, size, tensor=False):
        src = f"pre_{name}.png"
        img.save(path(src))
        # Read back exactly as a user's file would be read.
        im = Image.open(path(src))
        rgb = im.convert("RGB")
        resized = rgb.resize((size, size), Image.BICUBIC)
        out = f"pre_{name}_resized_{size}.png"
        resized.save(path(out))
        case = {
            "name": name,
            "input": src,
            "mode": im.mode,
            "width": im.width,
            "height": im.height,
            "size": size,
            "resized": out,
        }
        if tensor:
            a = np.asarray(resized).astype(np.float32) / np.float32(255)
            a = (a - MEAN) / STD
            case["tensor"] = write_f32(
                f"pre_{name}_tensor_{size}.f32", a.transpose(2, 0, 1)
            )
        cases.append(case)

    add("rgb_97x61", Image.fromarray(scene(rng, 97, 61, 3), "RGB"), 64, tensor=True)
    add("grey_40x40", Image.fromarray(scene(rng, 40, 40, 1)[..., 0], "L"), 64)
    add("rgb_256x192", Image.fromarray(scene(rng, 256, 192, 3), "RGB"), 64)
    rgba = np.concatenate(
        [scene(rng, 50, 70, 3), rng.integers(0, 256, size=(70, 50, 1), dtype=np.uint8)],
        axis=2,
    )
    add("rgba_50x70", Image.fromarray(rgba, "RGBA"), 32)
    pal = Image.fromarray(scene(rng, 45, 33, 3), "RGB").quantize(colors=37)
    add("palette_45x33", pal, 48)
    add("rgb_3x2", Image.fromarray(scene(rng, 3, 2, 3), "RGB"), 5)
    add("rgb_600x400", Image.fromarray(scene(rng, 600, 400, 3), "RGB"), 518)
    return cases


def bilinear_torch(m, dw, dh):
    t = torch.from_numpy(np.ascontiguousarray(m, dtype=np.float32))[None, None]
    return F.interpolate(t, size=(dh, dw), mode="bilinear", align_corners=False)[0, 0].numpy()


def linear_taps(n_in, n_out):
    """Half-pixel centres (align_corners=False), computed in float64."""
    x = np.maximum((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0.0)
    i0 = np.floor(x).astype(np.int64)
    i1 = np.minimum(i0 + 1, n_in - 1)
    return i0, i1, x - i0


def bilinear(m, dw, dh):
    """The same interpolation as torch's, with float64 coordinates and sums.

    torch computes the coordinates in float32 with its own rounding; its
    result differs from this one by up to about 2e-6 for maps in [0, 1].
    """
    a = np.asarray(m, dtype=np.float64)
    x0, x1, wx = linear_taps(a.shape[1], dw)
    y0, y1, wy = linear_taps(a.shape[0], dh)
    top = (1 - wx) * a[y0][:, x0] + wx * a[y0][:, x1]
    bot = (1 - wx) * a[y1][:, x0] + wx * a[y1][:, x1]
    return ((1 - wy)[:, None] * top + wy[:, None] * bot).astype(np.float32)


def post_cases(rng):
    bil, gau, full = [], [], []
    for sw, sh, dw, dh in [(7, 7, 50, 37), (37, 37, 123, 97), (20, 30, 7, 11), (1, 1, 4, 3), (5, 4, 5, 4), (3, 5, 1, 1)]:
        src = rng.random((sh, sw), dtype=np.float32)
        name = f"bilinear_{sw}x{sh}_to_{dw}x{dh}"
        bil.append({
            "name": name,
            "sw": sw, "sh": sh, "dw": dw, "dh": dh,
            "src": write_f32(name + "_src.f32", src),
            "want": write_f32(name + "_want.f32", bilinear(src, dw, dh)),
            "torch": write_f32(name + "_torch.f32", bilinear_torch(src, dw, dh)),
        })
    for w, h in [(50, 37), (5, 3), (1, 1), (40, 1), (1, 33), (64, 64)]:
        src = rng.random((h, w), dtype=np.float32)
        if w * h > 100:
            src[h // 3, w // 2] = 25.0  # an impulse: the kernel's own shape
        name = f"gaussian_{w}x{h}"
        want = scipy.ndimage.gaussian_filter(src, sigma=4)
        assert want.dtype == np.float32
        gau.append({
            "name": name, "w": w, "h": h, "sigma": 4.0,
            "src": write_f32(name + "_src.f32", src),
            "want": write_f32(name + "_want.f32", want),
        })
    for sw, sh, dw, dh in [(7, 7, 50, 37), (37, 37, 90, 120)]:
        src = rng.random((sh, sw), dtype=np.float32)
        want = scipy.ndimage.gaussian_filter(bilinear(src, dw, dh), sigma=4)
        name = f"postprocess_{sw}x{sh}_to_{dw}x{dh}"
        full.append({
            "name": name, "sw": sw, "sh": sh, "dw": dw, "dh": dh,
            "src": write_f32(name + "_src.f32", src),
            "want": write_f32(name + "_want.f32", want),
        })
    return bil, gau, full


def main():
    for f in os.listdir(HERE):
        if f.endswith((".png", ".f32")) or f == "manifest.json":
            os.remove(path(f))
    rng = np.random.default_rng(20240607)
    pre = preprocess_cases(rng)
    bil, gau, full = post_cases(rng)
    manifest = {
        "generator": "testdata/dive/generate.py",
        "versions": {
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "Pillow": Image.__version__,
            "torch": torch.__version__,
        },
        "mean": MEAN.tolist(),
        "std": STD.tolist(),
        "preprocess": pre,
        "bilinear": bil,
        "gaussian": gau,
        "postprocess": full,
    }
    with open(path("manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
