"""The Python API: every accepted form of input gives the same numbers as
the plain one, settings reach the library, curves and the Evaluator."""

import threading
import time

import numpy as np
import pytest

import zsadbench

from .data import category

KEYS = {"name", "images", "anomalous_images", "pixels", "image", "pixel", "warnings"}


@pytest.fixture(scope="module")
def cat():
    return category()


@pytest.fixture(scope="module")
def base(cat):
    maps, masks = cat
    return zsadbench.evaluate(maps, masks)


def test_result_shape(cat, base):
    maps, masks = cat
    assert set(base) == KEYS
    assert base["name"] == "default"
    assert base["images"] == 8 and base["anomalous_images"] == 5
    assert base["pixels"] == maps.size
    assert set(base["image"]) == {"auroc", "ap", "f1_max"}
    assert set(base["pixel"]) == {"auroc", "ap", "f1_max", "aupro", "rcpro", "aupimo", "aupimo_std"}
    for level in ("image", "pixel"):
        for k, v in base[level].items():
            if k in ("aupimo", "aupimo_std"):  # not in the default metrics
                assert v is None
                continue
            assert isinstance(v, float) and 0 <= v <= 1, (level, k, v)
    assert base["warnings"] == []


class FakeTensor:
    """What zsadbench uses of a PyTorch tensor."""

    def __init__(self, a):
        self.a = a

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return self.a


def unaligned(a):
    """A copy of a whose data starts one byte off its alignment."""
    buf = np.empty(a.nbytes + 1, dtype=np.uint8)
    out = np.ndarray(a.shape, dtype=a.dtype, buffer=buf, offset=1)
    out[...] = a
    assert not out.flags.aligned
    return out


def same_maps(maps):
    """Forms of maps that hold the same values."""
    return {
        "float64": maps.astype(np.float64),
        "list": list(maps),
        "tuple of float64": tuple(m.astype(np.float64) for m in maps),
        "(N, 1, H, W)": maps[:, None],
        "(N, H, W, 1)": maps[..., None],
        "list of (1, H, W)": [m[None] for m in maps],
        "Fortran order": np.asfortranarray(maps),
        "big-endian": maps.astype(">f4"),
        "unaligned": unaligned(maps),
        "tensor": FakeTensor(maps),
        "list of tensors": [FakeTensor(m) for m in maps],
        "in a bigger array": np.pad(maps, ((0, 0), (2, 0), (0, 3)))[:, 2:, :-3],
    }


def test_map_forms(cat, base):
    maps, masks = cat
    for name, m in same_maps(maps).items():
        assert zsadbench.evaluate(m, masks) == base, name


def test_mask_forms(cat, base):
    maps, masks = cat
    forms = {
        "uint8 0/255": masks.astype(np.uint8) * 255,
        "int8": masks.astype(np.int8),
        "int64": masks.astype(np.int64),
        "float32": masks.astype(np.float32),
        "float64": masks.astype(np.float64),
        "float16": masks.astype(np.float16),
        "list with None for normal images": [k if k.any() else None for k in masks],
        "(N, 1, H, W)": masks[:, None],
        "tensor": FakeTensor(masks),
        "Fortran order": np.asfortranarray(masks),
    }
    for name, k in forms.items():
        assert zsadbench.evaluate(maps, k) == base, name


def test_views(cat):
    """Reversed, transposed, strided and broadcast views: the same as their
    contiguous copies."""
    maps, masks = cat
    views = {
        "reversed rows": (maps[:, ::-1], masks[:, ::-1]),
        "reversed images": (maps[::-1], masks[::-1]),
        "transposed": (maps.transpose(0, 2, 1), masks.transpose(0, 2, 1)),
        "strided": (maps[:, ::2, ::3], masks[:, ::2, ::3]),
        "every other image": (maps[::2], masks[::2]),
        "broadcast": (np.broadcast_to(maps[:1], (4,) + maps.shape[1:]), np.broadcast_to(masks[:1], (4,) + masks.shape[1:])),
    }
    for name, (m, k) in views.items():
        assert not m.flags.c_contiguous, name
        want = zsadbench.evaluate(np.ascontiguousarray(m), np.ascontiguousarray(k))
        assert zsadbench.evaluate(m, k) == want, name


def test_float16(cat):
    maps, masks = cat
    m16 = maps.astype(np.float16)
    assert zsadbench.evaluate(m16, masks) == zsadbench.evaluate(m16.astype(np.float32), masks)


def test_torch(cat, base):
    torch = pytest.importorskip("torch")
    maps, masks = cat
    t = torch.from_numpy(maps).requires_grad_(True)
    assert zsadbench.evaluate(t, torch.from_numpy(masks)) == base


def test_normal_only(cat):
    maps, _ = cat
    res = zsadbench.evaluate(maps, None, category="good")
    assert res["anomalous_images"] == 0
    assert all(v is None for v in res["image"].values())
    assert all(v is None for v in res["pixel"].values())
    assert any(w.startswith("good: image AUROC") or w.startswith("good: image") for w in res["warnings"]), res["warnings"]
    assert all(w.startswith("good: ") for w in res["warnings"])


def test_scores(cat, base):
    maps, masks = cat
    maxima = [float(m.max()) for m in maps]
    assert zsadbench.evaluate(maps, masks, maxima) == base
    assert zsadbench.evaluate(maps, masks, np.array(maxima, dtype=np.float32)) == base
    # Scores that rank the images perfectly.
    perfect = [1.0 if k.any() else 0.0 for k in masks]
    res = zsadbench.evaluate(maps, masks, perfect)
    assert res["image"] == {"auroc": 1.0, "ap": 1.0, "f1_max": 1.0}
    assert res["pixel"] == base["pixel"]


def test_settings(cat, base):
    maps, masks = cat
    assert zsadbench.evaluate(maps, masks, thresholds=200) == zsadbench.evaluate(maps, masks, thresholds="steps:200")
    assert zsadbench.evaluate(maps, masks, workers=1) == base
    only = zsadbench.evaluate(maps, masks, metrics=["aupro"])
    assert only["pixel"]["aupro"] == base["pixel"]["aupro"]
    assert only["pixel"]["rcpro"] is None and all(v is None for v in only["image"].values())
    assert zsadbench.evaluate(maps, masks, metrics="image,rcpro")["pixel"]["rcpro"] == base["pixel"]["rcpro"]
    # Each setting changes what it should.
    for kw in (dict(fpr_limit=1.0), dict(rcpro_tau=0.3), dict(rcpro_delta=0.5), dict(connectivity=4), dict(rc_average="image"),
               dict(thresholds="steps:10")):
        res = zsadbench.evaluate(maps, masks, **kw)
        assert res["pixel"]["auroc"] == base["pixel"]["auroc"], kw
        assert (res["pixel"]["aupro"], res["pixel"]["rcpro"]) != (base["pixel"]["aupro"], base["pixel"]["rcpro"]), kw


def test_curves(cat, base):
    maps, masks = cat
    res = zsadbench.evaluate(maps, masks, curves=True)
    assert {k: v for k, v in res.items() if k != "curves"} == base
    assert tuple(res["curves"]) == zsadbench.CURVE_KINDS
    for kind, c in res["curves"].items():
        t, x, y = c
        assert isinstance(c, zsadbench.Curve) and c.threshold is t
        assert t.dtype == x.dtype == y.dtype == np.float64 and len(t) == len(x) == len(y) > 1, kind
    # The trapezoid area under the RC-vs-PRO curve is RCPRO; AUROC's too.
    pr = res["curves"]["pro-rc"]
    assert abs(np.sum(np.diff(pr.x) * (pr.y[1:] + pr.y[:-1]) / 2) - base["pixel"]["rcpro"]) < 1e-12
    roc = res["curves"]["pixel-roc"]
    assert abs(np.sum(np.diff(roc.x) * (roc.y[1:] + roc.y[:-1]) / 2) - base["pixel"]["auroc"]) < 1e-12
    # Only the requested metrics' curves.
    res = zsadbench.evaluate(maps, masks, curves=True, metrics="image,aupro")
    assert set(res["curves"]) == {"image-roc", "image-pr", "pro-fpr"}


def plain(rep):
    """rep's categories without their curves."""
    return [{k: v for k, v in c.items() if k != "curves"} for c in rep["categories"]]


def test_evaluator(cat, base):
    maps, masks = cat
    a, b = category(seed=1), category(seed=2, n=5, h=30, w=30, normal=1)
    want_first = dict(base, name="first")
    del want_first["warnings"]
    with zsadbench.Evaluator(curves=True) as ev:
        ev.update(b[0][:2], b[1][:2], category="second")
        ev.update(maps[:3], masks[:3], category="first")
        ev.update(b[0][2:], b[1][2:], category="second")
        ev.update(list(maps[3:]), list(masks[3:]), category="first")
        rep = ev.compute()
        assert [c["name"] for c in rep["categories"]] == ["second", "first"]
        assert plain(rep)[1] == want_first
        assert set(rep["categories"][1]["curves"]) == set(zsadbench.CURVE_KINDS)
        for level in ("image", "pixel"):
            for k in rep["mean"][level]:
                if rep["mean"][level][k] is None:  # not computed
                    continue
                want = (rep["categories"][0][level][k] + rep["categories"][1][level][k]) / 2
                assert rep["mean"][level][k] == want
        assert set(rep) == {"settings", "categories", "mean", "warnings", "mean_over"}
        assert rep["settings"]["thresholds"] == "exact" and rep["settings"]["rcpro_tau"] == 0.05
        # More images after a compute; compute is repeatable.
        ev.update(a[0], a[1], category="third")
        rep2 = ev.compute()
        assert [c["name"] for c in rep2["categories"]] == ["second", "first", "third"]
        assert plain(rep2)[:2] == plain(rep)
        assert plain(ev.compute()) == plain(rep2) and ev.compute()["mean"] == rep2["mean"]
        ev.reset()
        with pytest.raises(ValueError, match="no images"):
            ev.compute()
        ev.update(maps, masks)
        assert plain(ev.compute()) == [dict(want_first, name="default")]
    with pytest.raises(ValueError, match="closed"):
        ev.update(maps, masks)


def test_evaluator_frees_on_collection(cat):
    import gc

    from zsadbench import _lib

    maps, masks = cat
    before = _lib.lib().zsad_open()
    ev = zsadbench.Evaluator()
    ev.update(maps, masks)
    assert _lib.lib().zsad_open() == before + 1
    del ev
    gc.collect()
    assert _lib.lib().zsad_open() == before


def test_gil_released():
    """Another Python thread runs while Go computes."""
    maps, masks = category(seed=3, n=32, h=256, w=256, normal=8)
    zsadbench.evaluate(maps, masks)  # load the library
    done = threading.Event()
    span = []

    def work():
        t0 = time.perf_counter()
        zsadbench.evaluate(maps, masks)
        span.append(time.perf_counter() - t0)
        done.set()

    th = threading.Thread(target=work)
    gap, last = 0.0, time.perf_counter()
    th.start()
    while not done.is_set():
        now = time.perf_counter()
        gap, last = max(gap, now - last), now
    th.join()
    # With the GIL held, this thread would stop for the whole evaluation; it
    # only ever waits for Python's switch interval (5 ms) and the scheduler.
    assert span[0] > 0.05 and gap < span[0] / 2, (span, gap)


def test_forked_child_is_told(cat):
    """A child forked after the library started cannot call it (Go's
    threads stay in the parent): it gets an error, not a hang."""
    import os

    maps, masks = cat
    zsadbench.evaluate(maps, masks)
    ev = zsadbench.Evaluator()  # its finalizer must not call Go in the child
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            zsadbench.evaluate(maps, masks)
            msg = b"no error"
        except RuntimeError as e:
            msg = str(e).encode()
        os.write(w, msg)
        del ev
        os._exit(0)
    os.close(w)
    deadline = time.monotonic() + 60
    while os.waitpid(pid, os.WNOHANG) == (0, 0):
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("the forked child hung calling zsadbench")
        time.sleep(0.01)
    with os.fdopen(r, "rb") as f:
        msg = f.read().decode()
    assert "cannot run in its forked child" in msg and "'spawn'" in msg, msg
    ev.close()
