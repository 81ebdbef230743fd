"""Bad input raises ValueError or TypeError with a message that names the
argument, the image and the problem; nothing reaches the host process."""

import re

import numpy as np
import pytest

import zsadbench

from .data import category


@pytest.fixture(scope="module")
def cat():
    return category(n=5, h=12, w=10, normal=2)


def raises(exc, pattern, *args, **kw):
    with pytest.raises(exc, match=pattern):
        zsadbench.evaluate(*args, **kw)
    # The same from an Evaluator's update (settings: from its constructor).
    settings = {k: kw.pop(k) for k in list(kw) if k != "category"}
    with pytest.raises(exc, match=pattern):
        ev = zsadbench.Evaluator(**settings)
        try:
            ev.update(*args, **kw)
        finally:
            ev.close()


def test_not_finite(cat):
    maps, masks = cat
    m = maps.copy()
    m[1, 2, 3] = np.nan
    raises(ValueError, re.escape("maps[1]: score NaN at row 2, column 3 is not finite"), m, masks)
    m = maps.astype(np.float64)
    m[4, 0, 9] = -np.inf
    raises(ValueError, re.escape("maps[4]: score -Inf at row 0, column 9 is not finite"), m, masks)
    m[4, 0, 9] = 1e300
    raises(ValueError, re.escape("maps[4]: score 1e+300 at row 0, column 9 is outside float32's range"), m, masks)
    m = list(maps)
    m[2] = m[2][:, ::2].copy()
    m[2][5, 1] = np.inf
    raises(ValueError, re.escape("maps[2]: score +Inf at row 5, column 1 is not finite"), m, [None] * 5)
    raises(ValueError, re.escape("scores[0]: image score NaN is not finite"), maps, masks, [np.nan, 0, 0, 0, 0])


def test_dtypes(cat):
    maps, masks = cat
    for dt in (np.int32, np.uint8, np.bool_, np.complex64):
        raises(TypeError, rf"maps: dtype {np.dtype(dt)}: want float32, float64 or float16", maps.astype(dt), masks)
    raises(TypeError, r"maps\[0\]: dtype <U3: want float32", [np.full((3, 3), "abc")], None)
    raises(TypeError, r"maps: dtype object", np.array([maps[0], maps[1][:5]], dtype=object), None)
    raises(TypeError, r"masks: dtype complex128: want bool, an integer type", maps, masks.astype(complex))
    raises(TypeError, r"scores: dtype <U1", maps, masks, ["a"] * 5)


def test_shapes(cat):
    maps, masks = cat
    raises(ValueError, re.escape("masks[1]: shape (12, 9) differs from maps[1]'s (12, 10)"), list(maps), [masks[0], masks[1][:, 1:]] + list(masks[2:]))
    raises(ValueError, re.escape("masks[0]: shape (11, 10) differs from maps[0]'s (12, 10)"), maps, masks[:, 1:])
    raises(ValueError, re.escape("masks: 4 masks for 5 maps"), maps, masks[:4])
    raises(ValueError, re.escape("masks: 4 masks for 5 maps"), maps, list(masks[:4]))
    raises(ValueError, re.escape("scores: shape (4,): want (5,), one score per map"), maps, masks, [0.5] * 4)
    raises(ValueError, r"maps: shape \(12, 10\): want \(images, height, width\).*one image is x\[None\]", maps[0], masks[0])
    raises(ValueError, r"maps: shape \(5, 2, 12, 10\)", np.stack([maps, maps], axis=1), None)
    raises(ValueError, r"maps\[0\]: shape \(10,\): want \(height, width\)", [maps[0, 0]], None)
    raises(ValueError, r"maps\[1\]: shape \(3, 12, 10\)", [maps[0], maps[:3]], None)


def test_empty(cat):
    maps, masks = cat
    raises(ValueError, "maps: no images", [], None)
    raises(ValueError, "maps: no images", maps[:0], masks[:0])
    raises(ValueError, re.escape("maps[0]: empty array (0x10)"), maps[:, :0], masks[:, :0])


def test_masks(cat):
    maps, masks = cat
    soft = masks.astype(np.float32)
    soft[0, 4, 5] = 0.5
    raises(ValueError, re.escape("masks[0]: value 0.5 at row 4, column 5: want 0 or 1 (threshold a soft mask first, e.g. mask > 0.5)"), maps, soft)
    soft[0, 4, 5] = np.nan
    raises(ValueError, re.escape("masks[0]: value NaN at row 4, column 5: want 0 or 1"), maps, soft)


def test_settings(cat):
    maps, masks = cat
    bad = [
        (ValueError, re.escape("fpr_limit 0: want a value in (0, 1]"), dict(fpr_limit=0)),
        (ValueError, re.escape("fpr_limit nan: want a finite number"), dict(fpr_limit=float("nan"))),
        (TypeError, "fpr_limit: '0.3': want a number", dict(fpr_limit="0.3")),
        (ValueError, "rcpro_tau 2: want a value in", dict(rcpro_tau=2)),
        (ValueError, "rcpro_delta 0: want a positive value", dict(rcpro_delta=0)),
        (ValueError, "connectivity 6: want 4 or 8", dict(connectivity=6)),
        (TypeError, "connectivity: 8.0: want an integer", dict(connectivity=8.0)),
        (ValueError, re.escape('threshold grid "steps:0"'), dict(thresholds="steps:0")),
        (ValueError, re.escape('threshold grid "steps:0"'), dict(thresholds=0)),
        (ValueError, re.escape('threshold grid "all"'), dict(thresholds="all")),
        (ValueError, re.escape('metric "foo": want image, pixel, aupro, rcpro, aupimo, paper or all'), dict(metrics="image,foo")),
        (ValueError, "metrics: \\[\\]: want names", dict(metrics=[])),
        (ValueError, re.escape('RC average "mean": want pooled or image'), dict(rc_average="mean")),
        (ValueError, re.escape("workers -1: want 0 (one per CPU) to 256"), dict(workers=-1)),
    ]
    for exc, pattern, kw in bad:
        raises(exc, pattern, maps, masks, **kw)
    with pytest.raises(ValueError, match="category: '': want a non-empty string"):
        zsadbench.evaluate(maps, masks, category="")
    with pytest.raises(ValueError, match="category: '': want a non-empty string"):
        zsadbench.Evaluator().update(maps, masks, category="")
    with pytest.raises(ValueError, match=re.escape(f"category: {'a' + chr(0) + 'b'!r}: want a non-empty string")):
        zsadbench.evaluate(maps, masks, category="a\0b")


def test_messages_are_one_line(cat):
    """Input errors are short: no Go stack, no internal detail."""
    maps, masks = cat
    m = maps.copy()
    m[0, 0, 0] = np.nan
    with pytest.raises(ValueError) as e:
        zsadbench.evaluate(m, masks)
    assert "\n" not in str(e.value) and "goroutine" not in str(e.value)
