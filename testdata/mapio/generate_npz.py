#!/usr/bin/python3
"""Writes the float16 .npy and the .npz fixtures of package mapio, and their
expectations, npz.json. Run from anywhere with /usr/bin/python3 (numpy).

Expected values never come from the decoder under test: they are NumPy's own
conversion of the arrays written (float16 -> float32 is exact).

npz.json: {"maps": {path: {"width", "height", "bits": [float32 bit patterns]}},
           "errors": {path: substring of the expected error}}
"""

import io
import json
import os
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20250115)

maps = {}
errors = {}


def path(rel):
    full = os.path.join(HERE, rel)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    return full


def expect(rel, arr2d):
    a = np.ascontiguousarray(np.asarray(arr2d, dtype=np.float32))
    maps[rel] = {"width": int(a.shape[1]), "height": int(a.shape[0]),
                 "bits": [int(v) for v in a.view(np.uint32).ravel()]}


def main():
    for d in ("npz",):
        full = os.path.join(HERE, d)
        if os.path.isdir(full):
            for f in os.listdir(full):
                os.remove(os.path.join(full, f))
    for f in os.listdir(os.path.join(HERE, "npy")):
        if f.startswith("f16_"):
            os.remove(os.path.join(HERE, "npy", f))

    # float16 maps, as mixed-precision inference writes them: subnormals,
    # the largest half, signed zero, and values that are not float32-exact
    # before the cast.
    a = rng.standard_normal((5, 7)).astype(np.float16)
    for i, v in enumerate([0.0, -0.0, 6e-8, -3e-5, 65504.0, 0.5, 1.0]):
        a.flat[(i * 5) % a.size] = np.float16(v)
    np.save(path("npy/f16_c.npy"), a)
    expect("npy/f16_c.npy", a.astype(np.float32))
    np.save(path("npy/f16_be_fortran.npy"), np.asfortranarray(a.astype(">f2")))
    expect("npy/f16_be_fortran.npy", a.astype(np.float32))
    np.save(path("npy/f16_1hw.npy"), a[None])
    expect("npy/f16_1hw.npy", a.astype(np.float32))

    m = rng.standard_normal((6, 4)).astype(np.float32)
    # One array a file: savez's default key, a named key, compressed, float16.
    np.savez(path("npz/one_arr0.npz"), m)
    expect("npz/one_arr0.npz", m)
    np.savez(path("npz/one_named.npz"), anomaly_map=m)
    expect("npz/one_named.npz", m)
    np.savez_compressed(path("npz/one_compressed.npz"), anomaly_map=m)
    expect("npz/one_compressed.npz", m)
    np.savez_compressed(path("npz/one_f16_compressed.npz"), a)
    expect("npz/one_f16_compressed.npz", a.astype(np.float32))
    np.savez(path("npz/one_1hw.npz"), m[None].astype(np.float64))
    expect("npz/one_1hw.npz", m.astype(np.float64).astype(np.float32))

    # Errors.
    np.savez(path("npz/bad_two.npz"), anomaly_map=m, image_score=m[:1, :1])
    errors["npz/bad_two.npz"] = "holds 2 arrays (anomaly_map, image_score)"
    np.savez(path("npz/bad_empty.npz"))
    errors["npz/bad_empty.npz"] = "holds no array"
    np.savez(path("npz/bad_int.npz"), np.arange(24, dtype=np.int32).reshape(6, 4))
    errors["npz/bad_int.npz"] = "int32"
    with zipfile.ZipFile(path("npz/bad_not_npy.npz"), "w") as z:
        z.writestr("readme.txt", "not an array")
    errors["npz/bad_not_npy.npz"] = "not a .npy array"
    with open(path("npz/bad_not_zip.npz"), "wb") as f:
        f.write(b"\x93NUMPY this is not a zip archive")
    errors["npz/bad_not_zip.npz"] = "zip"
    # A stored member whose bytes were cut short, and one whose CRC is wrong.
    buf = io.BytesIO()
    np.savez(buf, m)
    data = buf.getvalue()
    off = data.index(b"\x93NUMPY")
    with open(path("npz/bad_crc.npz"), "wb") as f:
        f.write(data[:off + 200] + bytes([data[off + 200] ^ 0xFF]) + data[off + 201:])
    errors["npz/bad_crc.npz"] = "checksum"

    with open(path("npz.json"), "w") as f:
        json.dump({"maps": maps, "errors": errors}, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    print(f"{len(maps)} maps, {len(errors)} errors")


if __name__ == "__main__":
    main()
