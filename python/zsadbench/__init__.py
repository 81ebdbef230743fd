"""zsadbench: exact, fast zero-shot anomaly detection metrics on NumPy arrays.

Image and pixel AUROC, AP and F1-max, AUPRO and RCPRO (the region-calibrated
PRO of the DIVE paper), computed by zsadbench's Go library on arrays in
memory: the numbers are the same bits as `zsadbench score` gives for the
same maps and masks, and the dicts are its JSON (docs/METRICS.md defines
every metric).

    import zsadbench
    res = zsadbench.evaluate(maps, masks)          # one category
    res["pixel"]["rcpro"], res["image"]["auroc"]

    ev = zsadbench.Evaluator()                    # a dataset, batch by batch
    for maps, masks, category in loader:
        ev.update(maps, masks, category=category)
    table = ev.compute()                           # categories + mean

Maps are a 3-D array (images, height, width), (N, 1, H, W), or a list of
2-D arrays (sizes may differ), float32, float64 or float16; PyTorch tensors
are accepted (through .detach().cpu().numpy()). Masks have the maps' shapes:
bool or integers (anomalous where not 0), or floats of exactly 0 and 1; None
(or a None in a list) is a normal image. Higher scores are more anomalous.
An undefined metric (one class only, no ground-truth region) is None, with
a line in "warnings". Bad input raises ValueError (TypeError for a dtype)
with zsadbench's message. The GIL is released while Go computes; do not
change the arrays meanwhile from another thread.
"""

import collections
import json
import weakref

import numpy as np

from . import _arrays, _lib
from ._lib import InternalError

__all__ = ["evaluate", "Evaluator", "Curve", "CURVE_KINDS", "InternalError"]
__version__ = "0.1.0"

CURVE_KINDS = ("image-roc", "image-pr", "pixel-roc", "pixel-pr", "pro-fpr", "pro-rc")
"""The curves kept with curves=True, as `zsadbench score --curves` names
them: image-level ROC (x FPR, y TPR) and PR (x recall, y precision),
pixel-level ROC and PR, PRO over FPR (AUPRO's) and RC over PRO (RCPRO's)."""

Curve = collections.namedtuple("Curve", "threshold x y")
Curve.__doc__ = """A curve's points in sweep order, as float64 arrays: the
score threshold of each point (+-inf for a start or end point) and its x
and y, exactly the columns of the CLI's curve CSV files."""

_DEFAULT_CATEGORY = "default"


def _request(thresholds="exact", metrics=None, fpr_limit=0.3, rcpro_tau=0.05, rcpro_delta=2.0,
             connectivity=8, rc_average="pooled", workers=None, curves=False):
    """The settings as the library's JSON request (capi.Request)."""
    if isinstance(thresholds, str):
        grid = thresholds
    else:
        grid = f"steps:{_arrays.integer('thresholds', thresholds)}"
    req = {
        "thresholds": grid,
        "fpr_limit": _arrays.real("fpr_limit", fpr_limit),
        "rcpro_tau": _arrays.real("rcpro_tau", rcpro_tau),
        "rcpro_delta": _arrays.real("rcpro_delta", rcpro_delta),
        "connectivity": _arrays.integer("connectivity", connectivity),
        "workers": 0 if workers is None else _arrays.integer("workers", workers),
        "curves": bool(curves),
    }
    if not isinstance(rc_average, str):
        raise TypeError(f"rc_average: {rc_average!r}: want 'pooled' or 'image'")
    req["rc_average"] = rc_average
    if metrics is not None:
        names = [metrics] if isinstance(metrics, str) else list(metrics)
        if not names or not all(isinstance(m, str) for m in names):
            raise ValueError(f"metrics: {metrics!r}: want names among image, pixel, aupro, rcpro, aupimo, paper, all")
        req["metrics"] = ",".join(names)
    return json.dumps(req).encode()


def _category_name(category):
    if not isinstance(category, str) or not category or "\0" in category:
        raise ValueError(f"category: {category!r}: want a non-empty string")
    return category.encode()


def _curves(result, index):
    """Every curve that result (an id) holds for its index'th category."""
    import ctypes

    out = {}
    for kind in CURVE_KINDS:
        n = ctypes.c_int64(0)
        k = kind.encode()
        _lib.call("curve", result, index, k, ctypes.byref(n), None, None, None)
        if n.value < 0:
            continue  # its metric was not computed
        t, x, y = (np.empty(n.value, dtype=np.float64) for _ in range(3))
        ptr = lambda a: a.ctypes.data_as(ctypes.c_void_p)  # noqa: E731
        _lib.call("curve", result, index, k, ctypes.byref(n), ptr(t), ptr(x), ptr(y))
        out[kind] = Curve(t, x, y)
    return out


def evaluate(maps, masks, scores=None, *, thresholds="exact", metrics=None, fpr_limit=0.3,
             rcpro_tau=0.05, rcpro_delta=2.0, connectivity=8, rc_average="pooled", workers=None,
             curves=False, category=_DEFAULT_CATEGORY):
    """Evaluates one category, as `zsadbench score` evaluates each of its.

    Arguments:
        maps: the anomaly score maps (see the module's doc for shapes and
            dtypes). Contiguous float32 maps are read where they lie.
        masks: the ground truth, the maps' shapes, or None when every image
            is normal.
        scores: one image score per map (used for the image metrics); None
            takes each map's maximum.
        thresholds: the grid of AUPRO and RCPRO: "exact" (every distinct
            score) or "steps:N" (or N), the AnomalyCLIP-family scripts'
            np.arange grid. AUROC, AP and F1-max always use every score.
        metrics: the groups to compute ("image", "pixel", "aupro", "rcpro",
            "aupimo", "paper" = the first four, "all" = all five; a list or a
            comma-separated string); None is "paper". The others are None
            and cost nothing.
        fpr_limit: L of AUPRO@L. rcpro_tau, rcpro_delta: RCPRO's overlap
            and excess tolerances. connectivity: 8 or 4, of ground-truth
            and predicted regions. rc_average: "pooled" (the DIVE paper's)
            or "image".
        workers: images swept at once; None uses every core. Results do not
            depend on it.
        curves: also return every curve, under "curves" (CURVE_KINDS: Curve).
        category: the category's name, in the result and its warnings.

    Returns the category's object of the CLI's JSON: "name", "images",
    "anomalous_images", "pixels", "image" {"auroc", "ap", "f1_max"},
    "pixel" {"auroc", "ap", "f1_max", "aupro", "rcpro"}, and the category's
    "warnings".
    """
    import ctypes

    req = _request(thresholds, metrics, fpr_limit, rcpro_tau, rcpro_delta, connectivity, rc_average, workers, curves)
    name = _category_name(category)
    batch = _arrays.Batch(maps, masks, scores)
    result = ctypes.c_int64(0)
    text = _lib.call("evaluate", req, name, *batch.args(), ctypes.byref(result))
    del batch  # the library has read the arrays
    res = json.loads(text)
    if result.value:
        try:
            res["curves"] = _curves(result.value, 0)
        finally:
            _lib.lib().zsad_close(result.value)
    return res


def _close(evaluator_id):
    if _lib.loaded_here():  # a forked child holds nothing to free
        _lib.lib().zsad_close(evaluator_id)


class Evaluator:
    """A dataset's evaluation, fed batch by batch (torchmetrics' habit).

        ev = zsadbench.Evaluator(thresholds="steps:200")
        ev.update(maps, masks, category="bottle")   # any number of times
        ev.compute()                                 # `zsadbench score`'s JSON

    Each update copies its batch into the Go library's memory (float32 maps,
    masks of a byte a pixel; a mask without an anomalous pixel holds none),
    so the arrays may be freed or reused at once. compute() evaluates every
    category, in the order they were first named, and their mean, with the
    settings given here (evaluate() documents them); the images stay, so
    more updates and computes may follow. reset() drops them; close() (or
    leaving a with block, or the evaluator's collection) frees everything.
    """

    def __init__(self, *, thresholds="exact", metrics=None, fpr_limit=0.3, rcpro_tau=0.05,
                 rcpro_delta=2.0, connectivity=8, rc_average="pooled", workers=None, curves=False):
        import ctypes

        req = _request(thresholds, metrics, fpr_limit, rcpro_tau, rcpro_delta, connectivity, rc_average, workers, curves)
        ev = ctypes.c_int64(0)
        _lib.call("new", req, ctypes.byref(ev))
        self._id = ev.value
        self._curves = bool(curves)
        self._finalizer = weakref.finalize(self, _close, self._id)

    def _live(self):
        if not self._finalizer.alive:
            raise ValueError("zsadbench.Evaluator: closed")
        return self._id

    def update(self, maps, masks, scores=None, category=_DEFAULT_CATEGORY):
        """Adds a batch of images to category (evaluate() documents maps,
        masks and scores). A batch with bad input raises and adds nothing."""
        name = _category_name(category)
        batch = _arrays.Batch(maps, masks, scores)
        _lib.call("update", self._live(), name, *batch.args())

    def compute(self):
        """The dataset's results: the JSON of `zsadbench score --format
        json` ("settings", "categories", "mean", "warnings", "mean_over":
        the categories each mean is over), each category with its "curves"
        when they were asked for."""
        rep = json.loads(_lib.call("compute", self._live()))
        if self._curves:
            for i, cat in enumerate(rep["categories"]):
                cat["curves"] = _curves(self._id, i)
        return rep

    def reset(self):
        """Drops every image, keeping the settings."""
        _lib.call("reset", self._live())

    def close(self):
        """Frees the evaluator's memory; it cannot be used afterwards."""
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
