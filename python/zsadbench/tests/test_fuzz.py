"""Random arrays of random dtypes, shapes and strides: every call either
returns the numbers of the same values made plain (contiguous float32 maps,
bool masks) or raises ValueError or TypeError; nothing else, and the
process survives."""

import numpy as np

import zsadbench

MAP_DTYPES = [np.float32, np.float64, np.float16, np.int32, np.uint8, np.bool_, np.complex64]
MASK_DTYPES = [np.bool_, np.uint8, np.int8, np.int64, np.float32, np.float64, np.float16, np.complex64]


def view(r, a):
    """a in layout r: reversed or strided axes, Fortran order, a list, or
    as it is."""
    if r == 0:
        return a[:, ::-1]
    if r == 1:
        return np.asfortranarray(a)
    if r == 2:
        big = np.repeat(a, 2, axis=-1)
        return big[..., ::2]
    if r == 3:
        return a[::-1]
    if r == 4:
        return list(a)
    return a


def test_fuzz():
    rng = np.random.default_rng(20)
    outcomes = {"ok": 0, "ValueError": 0, "TypeError": 0}
    for it in range(300):
        n, h, w = rng.integers(0, 5), rng.integers(0, 9), rng.integers(0, 9)
        maps = rng.random((n, h, w)) * rng.choice([1, 1e3, 1e40])
        masks = rng.random((n, h, w)) < rng.random()
        if rng.random() < 0.2 and maps.size:
            maps.flat[rng.integers(maps.size)] = rng.choice([np.nan, np.inf, -np.inf])
        mdt = MAP_DTYPES[rng.integers(len(MAP_DTYPES))] if rng.random() < 0.4 else np.float32
        kdt = MASK_DTYPES[rng.integers(len(MASK_DTYPES))] if rng.random() < 0.5 else np.bool_
        with np.errstate(all="ignore"):
            m = maps.astype(mdt)
        k = masks.astype(kdt)
        if rng.random() < 0.1 and k.size:
            k = masks.astype(np.float32)
            k.flat[rng.integers(k.size)] = 0.5
        if rng.random() < 0.1 and h > 1:
            k = k[:, 1:]
        scores = None
        if rng.random() < 0.2:
            scores = rng.random(n + (rng.random() < 0.2))
        kw = dict(thresholds=["exact", "steps:3", "steps:200"][rng.integers(3)], connectivity=[4, 8][rng.integers(2)])
        try:
            r = rng.integers(6)
            m, k = view(r, m), view(r, k)
            got = zsadbench.evaluate(m, k, scores, **kw)
        except (ValueError, TypeError) as e:
            outcomes[type(e).__name__] += 1
            assert str(e), "an error needs a message"
            continue
        outcomes["ok"] += 1
        plain_maps = np.ascontiguousarray(np.asarray(m, dtype=np.float32))
        plain_masks = np.ascontiguousarray(np.asarray(k) != 0)
        assert zsadbench.evaluate(plain_maps, plain_masks, scores, **kw) == got, it
    # The draws cover every outcome.
    assert min(outcomes.values()) >= 20, outcomes
