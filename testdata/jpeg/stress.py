#!/usr/bin/python3
"""Many random JPEG files, valid and damaged, with PIL's decoding of each,
for a wider comparison than the committed cases (nothing here is committed):

    /usr/bin/python3 testdata/jpeg/stress.py /tmp/jpegstress
    JPEGDEC_STRESS_DIR=/tmp/jpegstress go test -run TestStress ./internal/jpegdec

Writes <dir>/v*.jpg: random sizes (1..299), qualities, sampling factors
(PIL's and cjpeg's, up to 4x2), baseline or progressive, restart intervals,
optimised tables; <dir>/d*.jpg: the same files with 1 to 3 random bytes
overwritten after the first SOS. Each file PIL decodes gets <name>.png (mode
L or RGB); each it refuses gets <name>.err. Needs what generate.py needs.
"""

import glob
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate as g  # noqa: E402


def reference(path):
    try:
        im = Image.open(path)
        (im if im.mode == "L" else im.convert("RGB")).save(path[:-4] + ".png")
    except Exception as e:  # PIL refuses the file: so must the decoder
        with open(path[:-4] + ".err", "w") as f:
            f.write(str(e))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/jpegstress"
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    samplings = ["2x2", "2x1", "1x2", "4x1", "1x1", "2x2,1x1,1x1", "4x2", "2x4", "3x1", "1x3"]
    for i in range(300):
        w, h = int(rng.integers(1, 300)), int(rng.integers(1, 300))
        img = g.photo(rng, w, h)
        q = int(rng.integers(1, 101))
        kind = int(rng.integers(0, 6))
        if kind == 0:
            data = g.pil_jpeg(img, quality=q, subsampling=int(rng.integers(0, 3)),
                              progressive=bool(rng.integers(0, 2)), optimize=bool(rng.integers(0, 2)))
        elif kind == 1:
            data = g.pil_jpeg(img[..., 0], quality=q, progressive=bool(rng.integers(0, 2)))
        else:
            args = ["-quality", str(q), "-sample", samplings[int(rng.integers(0, len(samplings)))]]
            if rng.integers(0, 2):
                args.append("-progressive")
            if rng.integers(0, 2):
                args += ["-restart", str(int(rng.integers(1, 5))) + ("B" if rng.integers(0, 2) else "")]
            if rng.integers(0, 4) == 0:
                args.append("-optimize")
            data = g.cjpeg(img, args)
        p = os.path.join(out, "v%03d.jpg" % i)
        with open(p, "wb") as f:
            f.write(data)
        reference(p)
    valid = sorted(glob.glob(os.path.join(out, "v*.jpg")))
    for i in range(400):
        d = bytearray(open(valid[int(rng.integers(len(valid)))], "rb").read())
        sos = d.index(b"\xff\xda")
        for _ in range(int(rng.integers(1, 4))):
            d[int(rng.integers(sos + 2, len(d) - 2))] = int(rng.integers(0, 256))
        p = os.path.join(out, "d%03d.jpg" % i)
        with open(p, "wb") as f:
            f.write(d)
        reference(p)


if __name__ == "__main__":
    main()
