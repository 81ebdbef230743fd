#!/usr/bin/python3
"""JPEG files and PIL's decoding of them, for package internal/jpegdec.

Run with the Python that has numpy and Pillow (Debian: python3-numpy,
python3-pil), with libjpeg-turbo's cjpeg on PATH (Debian:
libjpeg-turbo-progs) for the files PIL cannot write (restart intervals,
4:4:0 and 4:1:1 sampling, RGB JPEGs, non-interleaved scans, custom
progressive scripts):

    /usr/bin/python3 testdata/jpeg/generate.py

It rewrites every file in testdata/jpeg/ except itself, deterministically
(fixed seeds). The Go tests only read the outputs, so they never need Python.

The reference is what a PyTorch/PIL pipeline sees: Image.open(p) and then
convert("RGB") (mode "L" files are kept as "L"; their RGB is the grey
replicated). PIL decodes with libjpeg-turbo's defaults: islow IDCT, fancy
upsampling, no block smoothing on complete files.

stress.py beside it writes hundreds more (random and damaged files) to a
scratch folder for TestStress, uncommitted.

Files:
  manifest.json    every case: its JPEG, PIL's decoded PNG, what it exercises
  <case>.jpg       the input
  <case>.png       PIL's decoded pixels (mode L or RGB); cases that decode
                   to the same pixels share the first one's file
  <case>_tensor_<S>.f32  for "dive" cases: PIL's bicubic resize to SxS, then
                   ToTensor + CLIP Normalize in float32 (little-endian, CHW)
"""

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import PIL
from PIL import Image, features

HERE = os.path.dirname(os.path.abspath(__file__))
MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)


def path(name):
    return os.path.join(HERE, name)


def photo(rng, w, h):
    """A photo-like RGB scene: smooth shading, saturated colour patches,
    hard edges and sensor-like noise, so chroma, clamping and every
    IDCT path are exercised."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.empty((h, w, 3))
    base = 110 + 60 * np.sin(x / max(w, 1) * rng.uniform(2, 7)) * np.cos(y / max(h, 1) * rng.uniform(2, 7))
    for c in range(3):
        img[..., c] = base + 50 * np.sin(rng.uniform(0.05, 0.4) * x + rng.uniform(0.05, 0.4) * y + c)
    for _ in range(4):  # saturated blobs
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(2, max(3, min(w, h) / 3))
        col = rng.choice([0.0, 255.0], size=3)
        m = ((x - cx) ** 2 + (y - cy) ** 2) < r * r
        img[m] = col
    img[h // 3 : h // 3 + max(1, h // 5), :, 0] = 250  # a hard red band
    img += rng.normal(0, 6, size=img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def mask_like(rng, w, h, colour):
    """A ground-truth mask: black background, white (or coloured) blobs."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    m = np.zeros((h, w), dtype=bool)
    for _ in range(3):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(2, max(3, min(w, h) / 4))
        m |= ((x - cx) ** 2 + (y - cy) ** 2) < r * r
    if not colour:
        return (m * 255).astype(np.uint8)
    out = np.zeros((h, w, 3), dtype=np.uint8)
    out[m] = (255, 40, 40)  # a red annotation, as some datasets draw them
    return out


def cjpeg(arr, args):
    exe = shutil.which("cjpeg")
    if exe is None:
        sys.exit("cjpeg not found: install libjpeg-turbo-progs")
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in.ppm" if arr.ndim == 3 else "in.pgm")
        Image.fromarray(arr).save(src)
        extra = []
        for a in args:
            if a.startswith("@"):  # a scan script
                scr = os.path.join(tmp, "scans.txt")
                with open(scr, "w") as f:
                    f.write(a[1:])
                a = scr
            extra.append(a)
        return subprocess.run([exe, *extra, src], check=True, capture_output=True).stdout


def pil_jpeg(arr, mode=None, **kw):
    buf = io.BytesIO()
    im = Image.fromarray(arr)
    if mode:
        im = im.convert(mode)
    im.save(buf, "JPEG", **kw)
    return buf.getvalue()


# The progressive script of libjpeg's jcparam.c, spelled out, plus one with
# finer successive approximation (two refinement scans per band).
FINE_SCANS = """0,1,2: 0-0, 0, 2;
0: 1-5, 0, 3;
2: 1-63, 0, 1;
1: 1-63, 0, 1;
0: 6-63, 0, 3;
0: 1-63, 3, 2;
0: 1-63, 2, 1;
0,1,2: 0-0, 2, 1;
0,1,2: 0-0, 1, 0;
2: 1-63, 1, 0;
1: 1-63, 1, 0;
0: 1-63, 1, 0;
"""
# Sequential, one component per scan (non-interleaved).
NONINTERLEAVED = "0;\n1;\n2;\n"


def main():
    rng = np.random.default_rng(20240615)
    cases = []
    refs = {}  # PNG bytes -> file: cases that decode alike share a reference

    def add(name, data, what, dive_size=0):
        jpg = name + ".jpg"
        with open(path(jpg), "wb") as f:
            f.write(data)
        im = Image.open(path(jpg))
        mode = im.mode
        ref = im if mode == "L" else im.convert("RGB")
        buf = io.BytesIO()
        ref.save(buf, "PNG")
        png = refs.setdefault(buf.getvalue(), name + ".png")
        if png == name + ".png":
            with open(path(png), "wb") as f:
                f.write(buf.getvalue())
        case = {
            "name": name,
            "jpeg": jpg,
            "ref": png,
            "mode": mode,
            "ref_mode": ref.mode,
            "width": im.width,
            "height": im.height,
            "progressive": bool(im.info.get("progressive")),
            "what": what,
        }
        if dive_size:
            rgb = Image.open(path(jpg)).convert("RGB")
            a = np.asarray(rgb.resize((dive_size, dive_size), Image.BICUBIC)).astype(np.float32) / np.float32(255)
            a = (a - MEAN) / STD
            t = f"{name}_tensor_{dive_size}.f32"
            np.ascontiguousarray(a.transpose(2, 0, 1), dtype="<f4").tofile(path(t))
            case["dive_size"] = dive_size
            case["tensor"] = t
        cases.append(case)

    p = photo(rng, 97, 61)
    add("420_baseline_97x61", pil_jpeg(p, quality=75, subsampling=2), "4:2:0 baseline, odd size", dive_size=28)
    add("420_progressive_97x61", pil_jpeg(p, quality=75, subsampling=2, progressive=True), "4:2:0 progressive (libjpeg's script)", dive_size=28)
    p = photo(rng, 83, 70)
    add("422_baseline_83x70", pil_jpeg(p, quality=85, subsampling=1), "4:2:2 baseline")
    add("422_progressive_83x70", pil_jpeg(p, quality=85, subsampling=1, progressive=True), "4:2:2 progressive")
    p = photo(rng, 45, 33)
    add("444_baseline_45x33", pil_jpeg(p, quality=90, subsampling=0), "4:4:4 baseline")
    add("444_progressive_45x33", pil_jpeg(p, quality=90, subsampling=0, progressive=True), "4:4:4 progressive")
    p = photo(rng, 90, 67)
    add("420_q100_90x67", pil_jpeg(p, quality=100, subsampling=2), "quantiser 1: large coefficients, clamping")
    add("420_q5_optimized_90x67", pil_jpeg(p, quality=5, subsampling=2, optimize=True), "coarse quantisation, optimised Huffman tables")
    add("420_restart_rows_90x67", cjpeg(p, ["-quality", "80", "-sample", "2x2", "-restart", "1"]), "restart marker every MCU row")
    add("420_restart_blocks_progressive_90x67", cjpeg(p, ["-quality", "80", "-sample", "2x2", "-restart", "3B", "-progressive"]), "progressive with a restart marker every 3 MCUs")
    add("420_fine_progression_90x67", cjpeg(p, ["-quality", "80", "-sample", "2x2", "-scans", "@" + FINE_SCANS]), "progressive, two refinement scans per band")
    add("420_noninterleaved_90x67", cjpeg(p, ["-quality", "80", "-sample", "2x2", "-scans", "@" + NONINTERLEAVED]), "sequential, one scan per component")
    p = photo(rng, 57, 42)
    add("440_baseline_57x42", cjpeg(p, ["-quality", "85", "-sample", "1x2"]), "4:4:0 (h1v2 fancy upsampling)")
    add("411_baseline_57x42", cjpeg(p, ["-quality", "85", "-sample", "4x1"]), "4:1:1 (integer replication)")
    add("mixed_progressive_57x42", cjpeg(p, ["-quality", "85", "-sample", "2x2,1x2,2x1", "-progressive"]), "different sampling per chroma component")
    add("rgb_baseline_57x42", cjpeg(p, ["-quality", "85", "-rgb"]), "RGB JPEG (Adobe transform 0), no colour conversion")
    g = photo(rng, 53, 38)[..., 1]
    add("grey_baseline_53x38", pil_jpeg(g, quality=80), "greyscale baseline", dive_size=28)
    add("grey_progressive_53x38", pil_jpeg(g, quality=80, progressive=True), "greyscale progressive")
    add("grey_restart_53x38", cjpeg(g, ["-quality", "80", "-restart", "2B"]), "greyscale with restarts")
    c = photo(rng, 40, 30)
    cmyk = np.concatenate([255 - c, rng.integers(0, 80, size=(30, 40, 1), dtype=np.uint8)], axis=2)
    buf = io.BytesIO()
    Image.fromarray(cmyk, "CMYK").save(buf, "JPEG", quality=85)
    add("cmyk_baseline_40x30", buf.getvalue(), "CMYK (Adobe), PIL's CMYK to RGB")
    # The same data relabelled YCCK (Adobe transform 2): libjpeg converts
    # YCC to inverted RGB, K kept (no encoder at hand writes YCCK).
    ycck = bytearray(buf.getvalue())
    adobe = ycck.index(b"Adobe")
    ycck[adobe + 11] = 2
    add("ycck_baseline_40x30", bytes(ycck), "YCCK (Adobe transform 2)")
    for w, h in [(1, 1), (2, 2), (3, 2), (4, 5), (5, 3), (17, 9)]:
        t = photo(rng, w, h)
        add(f"420_tiny_{w}x{h}", pil_jpeg(t, quality=90, subsampling=2), "tiny: chroma at most 2 wide uses replication")
    add("422_tiny_progressive_5x3", pil_jpeg(photo(rng, 5, 3), quality=90, subsampling=1, progressive=True), "tiny progressive 4:2:2")
    # Damaged files that libjpeg decodes anyway (with a warning) and PIL
    # accepts: the data of a scan ends early, a restart marker is missing or
    # misnumbered, stray bytes sit before a marker.
    good = pil_jpeg(photo(rng, 61, 45), quality=80, subsampling=2)
    sos = good.index(b"\xff\xda")
    add("damaged_cut_scan_61x45", good[: sos + (len(good) - sos) * 2 // 3] + b"\xff\xd9", "scan data ends early (libjpeg: premature end of data segment)")
    add("damaged_cut_after_scan_61x45", good[:-2] + b"\xff\xfe\x40\x00cut", "a single-scan file cut inside a segment after its scan (PIL has every row)")
    dqt = good.index(b"\xff\xdb")
    add("damaged_stray_bytes_61x45", good[:dqt] + b"junk" + good[dqt:], "stray bytes before a marker")
    rst = cjpeg(photo(rng, 61, 45), ["-quality", "80", "-sample", "2x2", "-restart", "1B"])
    marks = [i for i in range(len(rst) - 1) if rst[i] == 0xFF and 0xD0 <= rst[i + 1] <= 0xD7]
    cut = rst[: marks[3]] + rst[marks[4] :]  # one restart interval and its marker lost
    add("damaged_lost_restart_61x45", cut, "a restart interval lost: libjpeg resynchronises")
    wrong = bytearray(rst)
    wrong[marks[6] + 1] = 0xD0 + ((wrong[marks[6] + 1] - 0xD0 + 4) & 7)
    add("damaged_wrong_restart_61x45", bytes(wrong), "a restart marker with a wrong number")
    # Coefficients far outside what an encoder writes: the quantisers are
    # overwritten, so dequantised values overflow the 16-bit lanes of
    # libjpeg-turbo's SIMD IDCT, which PIL runs (wrapping, saturation).
    big = bytearray(pil_jpeg(photo(rng, 40, 24), quality=90, subsampling=2))
    dqt = big.index(b"\xff\xdb")
    for k in range(64):
        big[dqt + 5 + k] = 255
    add("damaged_huge_quantisers_40x24", bytes(big), "8-bit quantisers of 255: the SIMD IDCT's 16-bit saturation")
    g16 = pil_jpeg(photo(rng, 24, 16)[..., 2], quality=95)
    dqt = g16.index(b"\xff\xdb")
    n = int.from_bytes(g16[dqt + 2 : dqt + 4], "big")
    table = bytes([0x10]) + b"".join(int(v).to_bytes(2, "big") for v in rng.integers(1, 65536, size=64))
    g16 = g16[: dqt + 2] + (len(table) + 2).to_bytes(2, "big") + table + g16[dqt + 2 + n :]
    add("damaged_16bit_quantisers_24x16", g16, "16-bit quantisers: products wrap in 16 bits")
    prog = pil_jpeg(photo(rng, 61, 45), quality=80, subsampling=2, progressive=True)
    scans = [i for i in range(len(prog) - 1) if prog[i : i + 2] == b"\xff\xda"]
    add("damaged_progressive_dc_only_61x45", prog[: scans[2]] + b"\xff\xd9", "progressive file ending after its DC scans (libjpeg smooths blocks)")
    add("damaged_progressive_some_ac_61x45", prog[: scans[5]] + b"\xff\xd9", "progressive file ending after some AC scans (smoothing of AC only)")
    mid = scans[4] + (scans[5] - scans[4]) // 2
    add("damaged_progressive_cut_in_scan_61x45", prog[:mid] + b"\xff\xd9", "progressive file cut inside a scan (smoothing state of the scan before)")
    narrow = pil_jpeg(photo(rng, 13, 70)[..., 0], quality=80, progressive=True)
    scans = [i for i in range(len(narrow) - 1) if narrow[i : i + 2] == b"\xff\xda"]
    add("damaged_progressive_narrow_13x70", narrow[: scans[1]] + b"\xff\xd9", "two blocks wide, DC only: libjpeg 2.1's edge handling")
    ni = cjpeg(photo(rng, 37, 29), ["-quality", "80", "-sample", "2x2", "-scans", "@" + NONINTERLEAVED])
    scans = [i for i in range(len(ni) - 1) if ni[i : i + 2] == b"\xff\xda"]
    add("damaged_missing_component_37x29", ni[: scans[2]] + b"\xff\xd9", "sequential file ending before its Cr scan (mid-grey Cr)")
    m = mask_like(rng, 75, 51, colour=False)
    add("mask_grey_75x51", pil_jpeg(m, quality=75), "a grey JPEG mask")
    m = mask_like(rng, 75, 51, colour=True)
    add("mask_colour_420_75x51", pil_jpeg(m, quality=75, subsampling=2), "a colour JPEG mask, 4:2:0")

    manifest = {
        "pillow": PIL.__version__,
        "libjpeg": features.version("jpg"),
        "libjpeg_turbo": bool(features.check_feature("libjpeg_turbo")),
        "mean": MEAN.tolist(),
        "std": STD.tolist(),
        "cases": cases,
    }
    with open(path("manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
