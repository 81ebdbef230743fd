#!/usr/bin/python3
"""Independent reference for zsadbench's metrics (golden test cases).

Run:  /usr/bin/python3 testdata/golden/generate.py
It rewrites testdata/golden/cases/*.json byte-identically (fixed seeds).

This file is a slow, deliberately naive reading of /work/shared/METRICS.md
(the "metric contract"); it was written without looking at the Go code.
Every definition below cites the contract; every interpretation that the
contract leaves open is listed in README.md next to this file.

Design choices that make the reference "obviously correct":
  * Predicted regions are relabelled FROM SCRATCH at every threshold
    (scipy.ndimage.label), never tracked incrementally.
  * FPR, PRO, RC and the curve areas are computed with exact rational
    arithmetic (fractions.Fraction) and rounded to float64 only when written.
    Options given as floats (L, tau, delta) enter as the exact binary value of
    the float64, which is what a Go float64 holds.
  * Pixel and image AUROC / AP / F1-max come from scikit-learn, and are
    cross-checked against an exact-rational implementation of the formulas in
    METRICS.md (agreement to 1e-12 is asserted).
  * The steps grid is np.arange itself, asserted equal to the closed form
    written in METRICS.md.
"""

import json
import math
import os
import sys
from fractions import Fraction

import numpy as np
from scipy import ndimage
from skimage import measure
from sklearn.metrics import (auc, average_precision_score,
                             precision_recall_curve, roc_auc_score)

HERE = os.path.dirname(os.path.abspath(__file__))
CASES_DIR = os.path.join(HERE, "cases")

# Curves are written for every steps-grid case (at most N+1 points) and for
# exact-grid categories with at most this many pixels, so that cases/ stays
# under 2 MB (exact-grid curves have one point per distinct score).
CURVE_MAX_PIXELS = 1600

DEFAULT_OPTIONS = {
    "connectivity": 8,
    "thresholds": "exact",
    "fpr_limit": 0.3,
    "tau": 0.05,
    "delta": 2.0,
    "rc_average": "pooled",
}

# Counts of comparisons where readings of tau could differ (see tau_fails).
AMBIGUITY = {"tau": 0}


# ---------------------------------------------------------------------------
# Connected components ("Regions" in METRICS.md)
# ---------------------------------------------------------------------------

def structure(connectivity):
    """3x3 structure for 8-connectivity, the cross for 4-connectivity."""
    if connectivity == 8:
        return np.ones((3, 3), dtype=int)
    if connectivity == 4:
        return ndimage.generate_binary_structure(2, 1).astype(int)
    raise ValueError("connectivity must be 4 or 8")


def label(binary, connectivity):
    """Connected components of a boolean 2-D array.

    Returns (labels, n): labels 1..n, 0 = background. Asserts that labels are
    numbered in raster order of each region's first pixel (METRICS.md,
    "Regions"), which the G* tie rule of RCPRO relies on.
    """
    labels, n = ndimage.label(binary, structure=structure(connectivity))
    flat = labels.ravel()
    nz = np.flatnonzero(flat)
    present, first_idx = np.unique(flat[nz], return_index=True)
    assert list(present) == list(range(1, n + 1))
    firsts = nz[first_idx]          # first pixel (raster index) of label 1..n
    assert np.all(np.diff(firsts) > 0), "labels not in raster order"
    # Second opinion: scikit-image numbers regions the same way.
    sk = measure.label(binary, connectivity=2 if connectivity == 8 else 1, background=0)
    assert np.array_equal(sk, labels), "scipy and skimage labellings differ"
    return labels, n


# ---------------------------------------------------------------------------
# Threshold grids
# ---------------------------------------------------------------------------

def parse_grid(spec):
    if spec == "exact":
        return ("exact", None)
    if spec.startswith("steps:"):
        n = int(spec[len("steps:"):])
        assert n >= 1
        return ("steps", n)
    raise ValueError(spec)


def steps_thresholds(lo, hi, n):
    """METRICS.md "steps N": exactly the published scripts' np.arange.

    AnomalyCLIP's cal_pro_score (and its family) does
        min_th, max_th = amaps.min(), amaps.max()     # float32 scalars
        delta = (max_th - min_th) / max_step
        for th in np.arange(min_th, max_th, delta): ...
    so `max_th - min_th` is a float32 subtraction and, under NumPy 1.x, the
    float32 scalar divided by a Python int is a float64. This runs exactly
    that, with float32 scalars, and asserts the closed form of METRICS.md:
    diff = float32(hi - lo), step = diff / n, count = ceil(diff / step),
    d = (lo + step) - lo, t_k = lo + k*d (all float64 but diff).

    lo, hi are Python floats (the float32 min / max of the category, exactly).
    Returns the float64 thresholds t_0 < t_1 < ... (ascending).
    """
    assert hi > lo
    lo32, hi32 = np.float32(lo), np.float32(hi)
    assert float(lo32) == lo and float(hi32) == hi
    delta = (hi32 - lo32) / n
    assert type(delta) is np.float64, "needs NumPy 1.x scalar promotion"
    ts = np.arange(lo32, hi32, delta)
    diff = float(np.float32(hi32 - lo32))
    step = diff / n
    assert float(delta) == step
    count = math.ceil(diff / step)
    d = (lo + step) - lo
    closed = np.array([lo + k * d for k in range(count)], dtype=np.float64)
    assert ts.dtype == np.float64
    assert len(ts) == count, (len(ts), count)
    assert np.array_equal(ts, closed)
    return [float(t) for t in ts]


def steps_thresholds_float64(lo, hi, n):
    """The reading METRICS.md had before: hi - lo subtracted in float64.
    Used only to show that the float32-range cases tell the two apart."""
    step = (hi - lo) / n
    ts = np.arange(lo, hi, step)
    return [float(t) for t in ts]


def positive(score_map, t, grid):
    """Pixels predicted positive at threshold t.

    exact: score >= t (t is itself a float32 score value);
    steps: score > float32(t), compared in float32 (METRICS.md).
    """
    if grid == "exact":
        return score_map >= np.float32(t)
    t32 = np.float32(t)  # nearest float32 (round-half-even), as NumPy does
    return score_map > t32


# ---------------------------------------------------------------------------
# Per-threshold quantities: FPR, PRO, RC  (naive, from scratch)
# ---------------------------------------------------------------------------

def tau_fails(inter, area, tau):
    """RCPRO rule 2: |P ∩ G*| < tau * |G*|  ->  q = 0.

    Evaluated as the float64 product `inter < tau * area` (the natural code in
    Go and Python). We also evaluate two other readings -- the exact decimal
    tau (Fraction(str(tau))) and the float64 quotient `inter / area < tau` --
    and count disagreements; the generator refuses to write a case where the
    readings disagree, so the golden values do not depend on this choice.
    """
    a = inter < tau * area
    b = Fraction(inter, area) < Fraction(repr(tau))
    c = (inter / area) < tau
    if not (a == b == c):
        AMBIGUITY["tau"] += 1
    return a


def region_quality(size, overlaps, gt_areas, tau, delta):
    """q(P) of METRICS.md "RCPRO", as an exact Fraction.

    size     -- |P|
    overlaps -- overlaps[g] = |P ∩ G_{g+1}| for the image's GT regions in
                label order (raster order of first pixel)
    gt_areas -- gt_areas[g] = |G_{g+1}|
    """
    if len(overlaps) == 0 or max(overlaps) == 0:
        return Fraction(0)                      # rule 1: overlaps no GT region
    best = max(overlaps)
    g = overlaps.index(best)                    # ties: the lowest label
    area = gt_areas[g]
    if tau_fails(best, area, tau):
        return Fraction(0)                      # rule 2: negligible overlap
    r = Fraction(size - best, area)             # rule 3: excess ratio
    d = Fraction(delta)
    # delta in the golden cases is dyadic (2.0, 0.5), so r <= delta has one
    # reading whether r is exact or a float64 quotient.
    return Fraction(1) if r <= d else d / r


class Category:
    """A category: images with float32 maps, masks, GT regions."""

    def __init__(self, images, options):
        self.options = options
        self.conn = options["connectivity"]
        self.maps = [im["scores"] for im in images]      # float32 2-D arrays
        self.masks = [im["mask"] != 0 for im in images]  # bool 2-D arrays
        self.gt = []            # per image: (labels, n, areas list)
        for m in self.masks:
            lab, n = label(m, self.conn)
            areas = [int(np.sum(lab == k)) for k in range(1, n + 1)]
            self.gt.append((lab, n, areas))
        self.n_regions = sum(n for _, n, _ in self.gt)
        self.n_normal = int(sum(np.sum(~m) for m in self.masks))
        self.n_anomalous = int(sum(np.sum(m) for m in self.masks))

    def at(self, pos):
        """FPR, PRO and RC for one threshold, given per-image positive masks.

        Returns (fpr, pro, rc, n_pred_regions); fpr is None with no normal
        pixel, pro None with no GT region, rc None with no predicted region.
        All values exact Fractions.
        """
        tau = self.options["tau"]
        delta = self.options["delta"]
        fp = sum(int(np.sum(p & ~m)) for p, m in zip(pos, self.masks))
        fpr = Fraction(fp, self.n_normal) if self.n_normal else None

        # PRO: mean over all GT regions of |G ∩ predicted| / |G|.
        pro_sum = Fraction(0)
        for p, (lab, n, areas) in zip(pos, self.gt):
            # hit[k] = |G_k ∩ predicted| (k = 0: normal pixels, unused)
            hit = np.bincount(lab[p], minlength=n + 1)
            for k in range(1, n + 1):
                pro_sum += Fraction(int(hit[k]), areas[k - 1])
        pro = pro_sum / self.n_regions if self.n_regions else None

        # RC: predicted regions relabelled from scratch in every image.
        qs_per_image = []
        for p, (glab, gn, gareas) in zip(pos, self.gt):
            plab, pn = label(p, self.conn)
            if pn == 0:
                qs_per_image.append([])
                continue
            # joint[j, g] = |P_j ∩ G_g| (g = 0 is background), j = 0..pn
            joint = np.bincount(plab.ravel() * (gn + 1) + glab.ravel(),
                                minlength=(pn + 1) * (gn + 1)).reshape(pn + 1, gn + 1)
            qs = []
            for j in range(1, pn + 1):
                size = int(joint[j].sum())
                overlaps = [int(v) for v in joint[j, 1:]]
                qs.append(region_quality(size, overlaps, gareas, tau, delta))
            qs_per_image.append(qs)
        n_pred = sum(len(q) for q in qs_per_image)
        if n_pred == 0:
            rc = None
        elif self.options["rc_average"] == "pooled":
            rc = sum((q for qs in qs_per_image for q in qs), Fraction(0)) / n_pred
        elif self.options["rc_average"] == "image":
            means = [sum(qs, Fraction(0)) / len(qs) for qs in qs_per_image if qs]
            rc = sum(means, Fraction(0)) / len(means)
        else:
            raise ValueError(self.options["rc_average"])
        return fpr, pro, rc, n_pred

    def sweep(self, thresholds=steps_thresholds):
        """Every threshold of the grid, DESCENDING, with (t, fpr, pro, rc, n_pred).

        Returns None for the steps grid when hi == lo (no grid). thresholds
        makes the steps grid (another reading, to compare with).
        """
        grid, n = parse_grid(self.options["thresholds"])
        all_scores = np.concatenate([m.ravel() for m in self.maps])
        if grid == "exact":
            ts = sorted({float(v) for v in all_scores}, reverse=True)
        else:
            lo, hi = float(all_scores.min()), float(all_scores.max())
            if hi == lo:
                return None
            ts = list(reversed(thresholds(lo, hi, n)))
        out = []
        for t in ts:
            pos = [positive(m, t, grid) for m in self.maps]
            out.append((t,) + self.at(pos))
        return out


# ---------------------------------------------------------------------------
# Curve scalars: AUPRO (both grids) and RCPRO
# ---------------------------------------------------------------------------

def trapezoid_to(points, limit):
    """Trapezoid area under a polyline with non-decreasing x, from x[0] to
    `limit`, linearly interpolating y at x = limit when it is not a point.
    Exact (Fraction) arithmetic. Vertical steps (equal x) add zero area."""
    area = Fraction(0)
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        assert x1 >= x0
        if x0 >= limit:
            break
        if x1 <= limit:
            area += (x1 - x0) * (y0 + y1) / 2
        else:
            y_at = y0 + (y1 - y0) * (limit - x0) / (x1 - x0)
            area += (limit - x0) * (y0 + y_at) / 2
            break
    return area


def aupro_exact(sweep, L):
    """AUPRO@L on the exact grid: (0,0) -> every distinct threshold's
    (FPR, PRO) in descending threshold order -> (1,1); area to L, / L."""
    Lf = Fraction(L)
    pts = [(Fraction(0), Fraction(0))]
    pts += [(fpr, pro) for (_, fpr, pro, _, _) in sweep]
    pts.append((Fraction(1), Fraction(1)))
    return trapezoid_to(pts, Lf) / Lf


def aupro_steps(sweep, L):
    """AUPRO on the steps grid (AnomalyCLIP family), METRICS.md:
    keep points with FPR < L, min-max rescale their FPRs, trapezoid area in
    threshold order. Returns None when fewer than two points are kept or all
    kept FPRs are equal. Computed exactly, and cross-checked with
    sklearn.metrics.auc on the float64 arrays in ASCENDING threshold order,
    exactly as AnomalyCLIP calls it (sklearn accepts decreasing x)."""
    asc = list(reversed(sweep))            # threshold order of np.arange
    kept = []
    for (_, fpr, pro, _, _) in asc:
        keep_exact = fpr < Fraction(L)
        keep_float = (fpr.numerator / fpr.denominator) < L
        assert keep_exact == keep_float, "FPR < L has two readings"
        if keep_exact:
            kept.append((fpr, pro))
    if len(kept) < 2:
        return None
    fmin = min(f for f, _ in kept)
    fmax = max(f for f, _ in kept)
    if fmin == fmax:
        return None
    xs = [(f - fmin) / (fmax - fmin) for f, _ in kept]
    ys = [p for _, p in kept]
    # x is non-increasing along ascending thresholds; |area| of the polyline.
    area = Fraction(0)
    for i in range(len(xs) - 1):
        area += (xs[i] - xs[i + 1]) * (ys[i] + ys[i + 1]) / 2
    # Second opinion: the published call.
    f = np.array([float(fr) for fr, _ in kept])
    f = (f - f.min()) / (f.max() - f.min())
    sk = auc(f, np.array([float(p) for p in ys]))
    assert abs(sk - float(area)) < 1e-12, (sk, float(area))
    return area


def rcpro(sweep):
    """RCPRO: points (PRO(t), RC(t)) for every threshold with a predicted
    region, descending threshold, preceded by (0, RC(t_first)); trapezoid
    area, no normalisation, no FPR limit."""
    pts = [(pro, rc) for (_, _, pro, rc, n) in sweep if n > 0]
    if not pts:
        return None
    pts = [(Fraction(0), pts[0][1])] + pts
    for (x0, _), (x1, _) in zip(pts, pts[1:]):
        assert x1 >= x0, "PRO decreased along the RC curve"
    area = Fraction(0)
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        area += (x1 - x0) * (y0 + y1) / 2
    return area


# ---------------------------------------------------------------------------
# Classifier metrics (image level and pooled pixels): sklearn + exact check
# ---------------------------------------------------------------------------

def exact_classifier(y, s):
    """AUROC, AP, F1-max by METRICS.md's formulas over the exact grid,
    in Fractions (second opinion for sklearn)."""
    y = np.asarray(y, dtype=bool)
    s = np.asarray(s, dtype=np.float64)
    P = int(y.sum())
    N = int((~y).sum())
    tp = fp = 0
    roc = [(Fraction(0), Fraction(0))]
    ap = Fraction(0)
    prev_r = Fraction(0)
    f1 = Fraction(0)
    for t in sorted(set(s.tolist()), reverse=True):
        sel = s == t
        tp += int(np.sum(sel & y))
        fp += int(np.sum(sel & ~y))
        roc.append((Fraction(fp, N), Fraction(tp, P)))
        prec = Fraction(tp, tp + fp)
        rec = Fraction(tp, P)
        ap += (rec - prev_r) * prec
        prev_r = rec
        if prec + rec > 0:
            f1 = max(f1, 2 * prec * rec / (prec + rec))
    auroc = trapezoid_to(roc, Fraction(1))
    return auroc, ap, f1


def classifier_metrics(y, s):
    """sklearn AUROC / AP / F1-max; None when only one class is present."""
    y = np.asarray(y, dtype=int)
    s = np.asarray(s, dtype=np.float64)
    if y.min() == y.max():
        return {"auroc": None, "ap": None, "f1_max": None}
    auroc = float(roc_auc_score(y, s))
    ap = float(average_precision_score(y, s))
    prec, rec, _ = precision_recall_curve(y, s)
    f1s = [2 * p * r / (p + r) if p + r > 0 else 0.0 for p, r in zip(prec, rec)]
    f1 = float(max(f1s))
    ea, eap, ef1 = exact_classifier(y, s)
    for got, want, what in ((auroc, ea, "auroc"), (ap, eap, "ap"), (f1, ef1, "f1")):
        assert abs(got - float(want)) < 1e-12, (what, got, float(want))
    return {"auroc": auroc, "ap": ap, "f1_max": f1}


# ---------------------------------------------------------------------------
# One case
# ---------------------------------------------------------------------------

def as_float(x):
    return None if x is None else float(x)


def evaluate(images, options):
    """All expected values (and curves) for one category."""
    cat = Category(images, options)

    # Image level: score = given image_score, else max of the map (float32
    # -> float64); label = any anomalous mask pixel.
    ys, ss = [], []
    for im, m in zip(images, cat.masks):
        ys.append(int(m.any()))
        s = im.get("image_score")
        ss.append(float(s) if s is not None else float(im["scores"].max()))
    image = classifier_metrics(ys, ss)

    # Pixel level: all pixels of the category pooled, always the exact grid.
    py = np.concatenate([m.ravel() for m in cat.masks]).astype(int)
    ps = np.concatenate([im["scores"].ravel() for im in images]).astype(np.float64)
    pixel = classifier_metrics(py, ps)

    sweep = cat.sweep()
    grid, _ = parse_grid(options["thresholds"])
    L = options["fpr_limit"]
    aupro = None
    rc = None
    if sweep is not None and cat.n_regions > 0 and cat.n_normal > 0:
        aupro = aupro_exact(sweep, L) if grid == "exact" else aupro_steps(sweep, L)
    if sweep is not None and cat.n_regions > 0:
        rc = rcpro(sweep)
    pixel["aupro"] = as_float(aupro)
    pixel["rcpro"] = as_float(rc)

    curves = None
    if grid == "steps" or sum(m.size for m in cat.masks) <= CURVE_MAX_PIXELS:
        curves = {"pro_fpr": [], "rc_pro": []}
        for (t, fpr, pro, rcv, n) in (sweep or []):
            curves["pro_fpr"].append([t, as_float(fpr), as_float(pro)])
            if n > 0:
                curves["rc_pro"].append([t, as_float(pro), as_float(rcv)])
    return {"image": image, "pixel": pixel}, curves, (sweep, aupro, rc)


def write_case(name, description, images, options=None):
    opts = dict(DEFAULT_OPTIONS)
    opts.update(options or {})
    before = AMBIGUITY["tau"]
    expected, curves, raw = evaluate(images, opts)
    assert AMBIGUITY["tau"] == before, f"{name}: tau comparison is ambiguous"
    out = {
        "name": name,
        "description": description,
        "options": opts,
        "images": [],
        "expected": expected,
    }
    for im in images:
        s = im["scores"]
        assert s.dtype == np.float32 and s.ndim == 2
        assert np.all(np.isfinite(s))
        assert im["mask"].shape == s.shape
        out["images"].append({
            "name": im["name"],
            "height": int(s.shape[0]),
            "width": int(s.shape[1]),
            "scores": [float(v) for v in s.ravel()],
            "mask": [int(v != 0) for v in im["mask"].ravel()],
            "image_score": im.get("image_score"),
        })
    if curves is not None:
        out["curves"] = curves
    path = os.path.join(CASES_DIR, name + ".json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    e = expected
    print(f"{name:28s} px={sum(i['scores'].size for i in images):6d} "
          f"img={e['image']['auroc']!s:.8} pAUROC={e['pixel']['auroc']!s:.8} "
          f"AUPRO={e['pixel']['aupro']!s:.8} RCPRO={e['pixel']['rcpro']!s:.8}")
    return expected, raw


# ---------------------------------------------------------------------------
# Data makers
# ---------------------------------------------------------------------------

def img(name, scores, mask, image_score=None):
    s = np.asarray(scores, dtype=np.float32)
    m = np.asarray(mask, dtype=np.uint8)
    if s.ndim == 1:
        s = s.reshape(1, -1)
        m = m.reshape(1, -1)
    return {"name": name, "scores": s, "mask": m, "image_score": image_score}


def ellipse(h, w, cy, cx, ry, rx):
    yy, xx = np.mgrid[0:h, 0:w]
    return ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1.0


def random_mask(rng, h, w, n_blobs):
    m = np.zeros((h, w), dtype=bool)
    for _ in range(n_blobs):
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        ry = rng.uniform(0.6, max(1.0, h / 5))
        rx = rng.uniform(0.6, max(1.0, w / 5))
        m |= ellipse(h, w, cy, cx, ry, rx)
    return m


def realistic_map(rng, mask, fp_blobs=1, noise=0.05):
    """Blurred mask (a detector that sees the defect, smeared) plus smooth
    background, a few false-positive blobs, and pixel noise; float32."""
    h, w = mask.shape
    sig = rng.uniform(0.6, 2.0)
    s = ndimage.gaussian_filter(mask.astype(float), sig) * rng.uniform(0.5, 1.5)
    s += 0.3 * ndimage.gaussian_filter(rng.normal(size=(h, w)), 1.5)
    for _ in range(rng.integers(0, fp_blobs + 1)):
        fb = ellipse(h, w, rng.uniform(0, h), rng.uniform(0, w),
                     rng.uniform(0.6, 3), rng.uniform(0.6, 3))
        s += ndimage.gaussian_filter(fb.astype(float), 1.0) * rng.uniform(0.2, 1.2)
    s += rng.normal(scale=noise, size=(h, w))
    return s.astype(np.float32)


def random_category(rng, n_images, min_side, max_side, p_anom=0.5, fp_blobs=2):
    images = []
    for i in range(n_images):
        h = int(rng.integers(min_side, max_side + 1))
        w = int(rng.integers(min_side, max_side + 1))
        if rng.uniform() < p_anom or i == 0:
            m = random_mask(rng, h, w, int(rng.integers(1, 4)))
        else:
            m = np.zeros((h, w), dtype=bool)
        if i == 1:
            m = np.zeros((h, w), dtype=bool)  # at least one normal image
        images.append(img(f"img{i}", realistic_map(rng, m, fp_blobs), m))
    return images


# ---------------------------------------------------------------------------
# The cases
# ---------------------------------------------------------------------------

def case_worked_example():
    scores = [0.9, 0.5, 0.3, 0.8, 0.1, 0.2, 0.4, 0.7]
    mask = [1, 1, 0, 0, 0, 0, 1, 0]
    images = [img("img0", scores, mask)]
    e, (sweep, aupro, rc) = write_case(
        "worked_example", "the 1x8 worked example of METRICS.md", images)
    # The numbers stated in METRICS.md, exactly.
    assert rc == Fraction(7, 12), rc
    assert aupro == Fraction(1, 4), aupro
    assert abs(e["pixel"]["auroc"] - 11 / 15) < 1e-15
    assert abs(e["pixel"]["ap"] - 0.7) < 1e-15
    assert abs(e["pixel"]["f1_max"] - 0.75) < 1e-15
    assert e["image"] == {"auroc": None, "ap": None, "f1_max": None}
    table = [(Fraction(0), Fraction(1, 4), Fraction(1)),
             (Fraction(1, 5), Fraction(1, 4), Fraction(1, 2)),
             (Fraction(2, 5), Fraction(1, 4), Fraction(1, 3)),
             (Fraction(2, 5), Fraction(1, 2), Fraction(1, 3)),
             (Fraction(2, 5), Fraction(1), Fraction(2, 3)),
             (Fraction(3, 5), Fraction(1), Fraction(1)),
             (Fraction(4, 5), Fraction(1), Fraction(1)),
             (Fraction(1), Fraction(1), Fraction(2, 3))]
    assert [(f, p, r) for (_, f, p, r, _) in sweep] == table
    # In a single row 4- and 8-connectivity coincide, so the 4-connected
    # variant must give the same numbers.
    e4, (_, aupro4, rc4) = write_case(
        "worked_example_conn4", "the worked example with 4-connectivity (same numbers)",
        images, {"connectivity": 4})
    assert (aupro4, rc4) == (aupro, rc)
    # Steps grid on the worked example: lo=0.1, hi=0.9, 8 steps.
    write_case("worked_example_steps8", "the worked example on the steps:8 grid",
               images, {"thresholds": "steps:8"})


def case_gstar_tie():
    """A predicted region overlapping two GT regions equally: G* must be the
    lower label (first in raster order), which changes q."""
    # GT A: 2 pixels at the top-left; GT B: 8 pixels at the bottom.
    mask = np.zeros((6, 8), dtype=np.uint8)
    mask[0, 0:2] = 1                 # A (label 1), |A| = 2
    mask[4:6, 0:4] = 1               # B (label 2), |B| = 8
    scores = np.full((6, 8), 0.1, dtype=np.float32)
    # One predicted blob at 0.9 covering A fully and 2 pixels of B, joined by
    # a column of normal pixels: overlap 2 with each, tie -> G* = A.
    scores[0, 0:2] = 0.9
    scores[1:4, 0] = 0.9
    scores[4:6, 0] = 0.9
    scores[4:6, 1:4] = 0.5
    scores[2, 6] = 0.7               # a lonely false positive
    images = [img("img0", scores, mask),
              img("img1", np.where(np.arange(48).reshape(6, 8) % 7 == 0, 0.3, 0.2), np.zeros((6, 8)))]
    e, (sweep, _, _) = write_case(
        "gstar_tie", "a predicted region overlapping two GT regions equally (G* = lowest label)",
        images)
    # At t = 0.9 the single region has |P| = 7, overlaps (2, 2): G* = A,
    # r = 5/2 -> q = 2 / 2.5 = 4/5 (with G* = B it would be r = 5/8, q = 1).
    t, _, _, rcv, n = sweep[0]
    assert t == float(np.float32(0.9)) and n == 1 and rcv == Fraction(4, 5), (t, n, rcv)


def case_heavy_ties(rng):
    levels = np.array([0.0, 0.125, 0.25, 0.5, 0.75, 1.0], dtype=np.float32)
    images = []
    for i in range(5):
        h, w = int(rng.integers(8, 15)), int(rng.integers(8, 15))
        m = random_mask(rng, h, w, int(rng.integers(1, 3))) if i % 2 == 0 else np.zeros((h, w), bool)
        s = realistic_map(rng, m)
        # quantise into the 6 levels by rank-ish cut points
        q = np.digitize(s, np.quantile(s, [0.3, 0.55, 0.75, 0.88, 0.95]))
        images.append(img(f"img{i}", levels[q], m))
    write_case("heavy_ties", "maps quantised to 6 levels: large tie groups", images)


def diagonal_images(rng):
    images = []
    # img0: GT diagonal staircase (3 pixels touching diagonally) + a 2x2 block;
    # predicted blob along the other diagonal touching it only at corners.
    m = np.zeros((9, 9), dtype=np.uint8)
    for k in range(3):
        m[1 + k, 1 + k] = 1
    m[6:8, 6:8] = 1
    s = np.full((9, 9), 0.05, dtype=np.float32)
    for k in range(4):
        s[1 + k, 1 + k] = 0.8 - 0.1 * k
    s[1, 3] = 0.6; s[2, 4] = 0.6; s[3, 5] = 0.6      # a parallel diagonal of FPs
    s[5, 5] = 0.7                                   # touches the block diagonally
    s[6:8, 6:8] = [[0.65, 0.55], [0.45, 0.35]]
    images.append(img("img0", s, m))
    # img1: a checkerboard patch of GT pixels (all 8-connected, 4-isolated)
    m = np.zeros((8, 10), dtype=np.uint8)
    for y in range(2, 6):
        for x in range(2, 8):
            if (x + y) % 2 == 0:
                m[y, x] = 1
    s = (0.1 + 0.6 * m + rng.normal(scale=0.08, size=m.shape)).astype(np.float32)
    s[1, 1] = 0.9                                   # diagonal neighbour of (2,2)
    images.append(img("img1", s, m))
    # img2: normal image with diagonal FP streaks
    s = (0.1 + rng.normal(scale=0.05, size=(7, 7))).astype(np.float32)
    for k in range(5):
        s[k + 1, 5 - k] = 0.5 + 0.05 * k
    images.append(img("img2", s, np.zeros((7, 7))))
    # img3: anti-diagonal GT, predicted on the main diagonal crossing it
    m = np.zeros((6, 6), dtype=np.uint8)
    for k in range(6):
        m[k, 5 - k] = 1
    s = (0.2 + rng.normal(scale=0.05, size=(6, 6))).astype(np.float32)
    for k in range(6):
        s[k, k] = np.float32(0.6 + 0.03 * k)
    s[2, 3] = 0.75
    images.append(img("img3", s, m))
    return images


def case_diagonal(rng):
    images = diagonal_images(rng)
    write_case("diagonal_regions_conn8",
               "GT and predicted regions touching only diagonally, 8-connectivity", images)
    write_case("diagonal_regions_conn4",
               "GT and predicted regions touching only diagonally, 4-connectivity", images,
               {"connectivity": 4})


def case_one_pixel_region(rng):
    images = []
    m = np.zeros((12, 12), dtype=bool)
    m[1, 10] = True                       # one-pixel region
    m |= ellipse(12, 12, 6, 4, 3, 2.5)    # a large one
    images.append(img("img0", realistic_map(rng, m), m))
    m = np.zeros((10, 14), dtype=bool)
    m[8, 1] = True                        # another single pixel
    m |= ellipse(10, 14, 3, 9, 2, 4)
    s = realistic_map(rng, m)
    s[8, 1] = np.float32(s.max() + 0.25)  # the single pixel is the top score
    images.append(img("img1", s, m))
    m = np.zeros((9, 9), dtype=bool)
    images.append(img("img2", realistic_map(rng, m), m))
    write_case("one_pixel_region", "one-pixel GT regions among larger ones", images)


def case_mask_mostly_anomalous(rng):
    h, w = 16, 16
    m = np.ones((h, w), dtype=bool)
    m[0:5, 0:8] = False                   # 40 normal pixels
    m[12:14, 12:14] = False               # a normal hole, 4 pixels -> 212/256
    frac = m.mean()
    assert 0.8 < frac < 0.9, frac
    images = [img("img0", realistic_map(rng, m), m)]
    m2 = np.zeros((10, 10), dtype=bool)
    images.append(img("img1", realistic_map(rng, m2), m2))
    m3 = ellipse(10, 12, 5, 6, 3, 4)
    images.append(img("img2", realistic_map(rng, m3), m3))
    write_case("mask_mostly_anomalous", "one mask covering ~83% of its image", images)


def case_constant_maps(rng):
    images = []
    for i, (h, w) in enumerate([(6, 7), (8, 5), (5, 5)]):
        m = random_mask(rng, h, w, 1) if i != 1 else np.zeros((h, w), bool)
        images.append(img(f"img{i}", np.full((h, w), 0.375, dtype=np.float32), m))
    write_case("constant_maps_exact", "every map constant 0.375 (one value in the category)",
               images)
    write_case("constant_maps_steps200", "every map constant: steps:200 with hi == lo",
               images, {"thresholds": "steps:200"})


def case_all_normal(rng):
    images = []
    for i in range(3):
        m = np.zeros((7, 9), dtype=bool)
        images.append(img(f"img{i}", realistic_map(rng, m, fp_blobs=2), m))
    write_case("all_normal", "no anomalous pixel anywhere", images)
    write_case("all_normal_steps200", "no anomalous pixel anywhere, steps:200", images,
               {"thresholds": "steps:200"})


def case_steps_n_plus_1(rng):
    tries = 0
    while True:
        tries += 1
        images = random_category(rng, 4, 8, 14)
        allv = np.concatenate([im["scores"].ravel() for im in images])
        lo, hi = float(allv.min()), float(allv.max())
        if len(steps_thresholds(lo, hi, 200)) == 201:
            break
    write_case("steps_n_plus_1", f"steps:200 where np.arange yields 201 thresholds "
               f"(found after {tries} random draws)", images, {"thresholds": "steps:200"})


def case_steps_scores_on_thresholds(rng):
    """Scores equal to float32(t_k): with `score > float32(t_k)` these pixels
    are negative at t_k; a float64 comparison (score > t_k) would usually
    call them positive, since float32(t_k) != t_k."""
    images = random_category(rng, 4, 8, 12)
    allv = np.concatenate([im["scores"].ravel() for im in images])
    lo, hi = float(allv.min()), float(allv.max())
    ts = steps_thresholds(lo, hi, 200)
    moved = 0
    for im in images:
        s = im["scores"]
        for (y, x) in zip(*np.nonzero(rng.uniform(size=s.shape) < 0.2)):
            t = ts[int(rng.integers(1, len(ts)))]
            if float(np.float32(t)) != t and float(s[y, x]) not in (lo, hi):
                s[y, x] = np.float32(t)
                moved += 1
    allv = np.concatenate([im["scores"].ravel() for im in images])
    assert (float(allv.min()), float(allv.max())) == (lo, hi) and moved > 20
    write_case("steps_scores_on_thresholds",
               "steps:200 with ~20% of the scores equal to float32(t_k)", images,
               {"thresholds": "steps:200"})


def cal_pro_score(masks, amaps, max_step=200, expect_fpr=0.3):
    """AnomalyCLIP's metrics.py cal_pro_score, line for line (it runs under
    NumPy 1.x, as published): a second opinion on the float32-range cases.
    masks and amaps are (N, H, W) arrays, amaps float32."""
    binary_amaps = np.zeros_like(amaps, dtype=bool)
    min_th, max_th = amaps.min(), amaps.max()
    delta = (max_th - min_th) / max_step
    pros, fprs, ths = [], [], []
    for th in np.arange(min_th, max_th, delta):
        binary_amaps[amaps <= th], binary_amaps[amaps > th] = 0, 1
        pro = []
        for binary_amap, mask in zip(binary_amaps, masks):
            for region in measure.regionprops(measure.label(mask)):
                tp_pixels = binary_amap[region.coords[:, 0], region.coords[:, 1]].sum()
                pro.append(tp_pixels / region.area)
        inverse_masks = 1 - masks
        fp_pixels = np.logical_and(inverse_masks, binary_amaps).sum()
        fpr = fp_pixels / inverse_masks.sum()
        pros.append(np.array(pro).mean())
        fprs.append(fpr)
        ths.append(th)
    pros, fprs, ths = np.array(pros), np.array(fprs), np.array(ths)
    idxes = fprs < expect_fpr
    fprs = fprs[idxes]
    fprs = (fprs - fprs.min()) / (fprs.max() - fprs.min())
    pro_auc = auc(fprs, pros[idxes])
    return pro_auc


def float64_reading(images, options):
    """AUPRO and RCPRO with the float64 range (steps_thresholds_float64)."""
    cat = Category(images, options)
    sweep = cat.sweep(steps_thresholds_float64)
    return aupro_steps(sweep, options["fpr_limit"]), rcpro(sweep)


def draw_steps_category(rng):
    """A random category of five 10x10 images (cal_pro_score's shape), its
    score range, and the steps:200 thresholds of the published (float32
    difference) and the float64 readings of that range."""
    images = random_category(rng, 5, 10, 10)
    allv = np.concatenate([im["scores"].ravel() for im in images])
    lo, hi = float(allv.min()), float(allv.max())
    return images, lo, hi, steps_thresholds(lo, hi, 200), steps_thresholds_float64(lo, hi, 200)


def assert_published_aupro(images, aupro):
    """Asserts that cal_pro_score, run as published on the stacked maps and
    masks, gives the case's steps:200 AUPRO."""
    masks = np.stack([im["mask"] != 0 for im in images]).astype(int)
    amaps = np.stack([im["scores"] for im in images])
    published = cal_pro_score(masks, amaps)
    assert abs(published - float(aupro)) < 1e-12, (published, float(aupro))


def case_steps_float32_range(rng):
    """The published steps grid subtracts hi - lo in float32. Categories
    where float32(hi - lo) != hi - lo and the two readings round some
    thresholds to different float32s; pixels are then put on exactly those
    thresholds (either reading's value), so that `score > float32(t_k)`
    differs between the readings, and AUPRO and RCPRO with it (asserted).
    All images are 10x10, so AnomalyCLIP's cal_pro_score runs on them as
    published and must give the same AUPRO."""
    opts = dict(DEFAULT_OPTIONS, thresholds="steps:200")
    tries = 0
    while True:
        tries += 1
        images, lo, hi, new, old = draw_steps_category(rng)
        if float(np.float32(np.float32(hi) - np.float32(lo))) == hi - lo:
            continue
        differ = [k for k in range(min(len(new), len(old)))
                  if np.float32(new[k]) != np.float32(old[k])
                  and lo < float(np.float32(new[k])) < hi and lo < float(np.float32(old[k])) < hi]
        if len(differ) < 5:
            continue
        on = 0
        for im in images:
            s = im["scores"]
            for (y, x) in zip(*np.nonzero(rng.uniform(size=s.shape) < 0.25)):
                if float(s[y, x]) in (lo, hi):
                    continue
                k = differ[int(rng.integers(0, len(differ)))]
                s[y, x] = np.float32(new[k] if rng.uniform() < 0.5 else old[k])
                on += 1
        allv = np.concatenate([im["scores"].ravel() for im in images])
        assert (float(allv.min()), float(allv.max())) == (lo, hi)
        e, _, (_, aupro, rc) = evaluate(images, opts)
        aupro64, rc64 = float64_reading(images, opts)
        if aupro is None or rc is None or aupro64 is None:
            continue
        if abs(float(aupro) - float(aupro64)) > 1e-6 and abs(float(rc) - float(rc64)) > 1e-6:
            break
    expected, (_, aupro, rc) = write_case(
        "steps_float32_range",
        f"steps:200, float32(hi - lo) != hi - lo, {on} pixels on the {len(differ)} thresholds "
        f"that the float32 and float64 ranges round apart (found after {tries} draws); "
        f"the float64 range would give AUPRO {float(aupro64):.6f}, RCPRO {float(rc64):.6f}",
        images, {"thresholds": "steps:200"})
    assert_published_aupro(images, aupro)


def case_steps_float32_count(rng):
    """float32(hi - lo) gives np.arange another length than a float64
    difference (201 against 200, or the reverse), and the extra threshold
    changes AUPRO (asserted): the top-scoring pixel is a false positive, so
    the point at the extra threshold has another FPR. cal_pro_score, run as
    published, must agree."""
    opts = dict(DEFAULT_OPTIONS, thresholds="steps:200")
    tries = 0
    while True:
        tries += 1
        images, lo, hi, new, old = draw_steps_category(rng)
        if len(new) == len(old):
            continue
        e, _, (_, aupro, rc) = evaluate(images, opts)
        aupro64, rc64 = float64_reading(images, opts)
        if aupro is not None and aupro64 is not None and abs(float(aupro) - float(aupro64)) > 1e-6:
            break
    write_case(
        "steps_float32_count",
        f"steps:200 where float32(hi - lo) makes np.arange {len(new)} thresholds long "
        f"(a float64 difference: {len(old)}; found after {tries} draws); the float64 range "
        f"would give AUPRO {float(aupro64):.6f}",
        images, {"thresholds": "steps:200"})
    assert_published_aupro(images, aupro)


def case_mixed_sizes(rng):
    images = []
    for i, (h, w) in enumerate([(7, 9), (16, 16), (5, 20), (12, 6), (9, 9)]):
        m = random_mask(rng, h, w, int(rng.integers(1, 3))) if i in (0, 1, 3) else np.zeros((h, w), bool)
        s = realistic_map(rng, m, fp_blobs=2)
        given = None
        if i in (1, 2):
            given = float(rng.uniform(0, 1))   # from a "scores file"
        images.append(img(f"img{i}_{h}x{w}", s, m, given))
    write_case("mixed_sizes", "images of several sizes; two have given image scores", images)


# ---------------------------------------------------------------------------
# Mixed resolution: maps compared at the ground truth's resolution
# ---------------------------------------------------------------------------
#
# These cases are whole categories as files: each image has a score map at
# the size the model wrote it, a mask (or none) and an image file (or none).
# METRICS.md ("Inputs"): each map is compared with its image at the image's
# ground-truth resolution -- its mask's size; without a mask, its image
# file's size; without either, the size of the category's masks when they
# all agree; otherwise the map's own size, which zsadbench accepts only when
# no other map of the category had to be resized. Maps are resized with the
# bilinear rule below, then the category is evaluated as above.

RESOLUTION_DIR = os.path.join(HERE, "resolution")


def bilinear(src, dh, dw):
    """Bilinear resize on half-pixel centres without antialiasing (PyTorch's
    F.interpolate(mode="bilinear", align_corners=False), OpenCV's
    INTER_LINEAR), with the rounding that zsadbench's resize package
    documents (so that scores equal to the last bit, and no tie order
    depends on rounding): the scale rounded to float32, source coordinates
    in float64, weights float32(l) and 1 - float32(l), the sum in float64
    rounded once to float32. Cross-checked with skimage's order-1 resize."""
    sh, sw = src.shape
    if (sh, sw) == (dh, dw):
        return src.copy()
    s = src.astype(np.float64)

    def taps(n_in, n_out):
        scale = float(np.float32(n_in) / np.float32(n_out))
        c = np.maximum((np.arange(n_out, dtype=np.float64) + 0.5) * scale - 0.5, 0.0)
        i0 = np.minimum(np.floor(c).astype(np.int64), n_in - 1)
        w1 = np.clip(c - i0, 0.0, 1.0).astype(np.float32).astype(np.float64)
        i1 = np.where(i0 < n_in - 1, i0 + 1, i0)
        return i0, i1, 1.0 - w1, w1

    x0, x1, wx0, wx1 = taps(sw, dw)
    y0, y1, wy0, wy1 = taps(sh, dh)
    top = s[y0][:, x0] * wx0 + s[y0][:, x1] * wx1
    bottom = s[y1][:, x0] * wx0 + s[y1][:, x1] * wx1
    out = (top * wy0[:, None] + bottom * wy1[:, None]).astype(np.float32)
    # Second opinion: scikit-image's order-1 resize (float64 throughout).
    from skimage.transform import resize as sk_resize
    sk = sk_resize(s, (dh, dw), order=1, mode="edge", anti_aliasing=False, preserve_range=True)
    assert np.abs(sk - out).max() <= 1e-5 * max(1.0, np.abs(s).max()), np.abs(sk - out).max()
    return out


def ground_truth_size(im, mask_sizes):
    """The size an image is evaluated at, or None for the map's own size."""
    if im["mask"] is not None:
        return im["mask"].shape
    if im["image"] is not None:
        return tuple(im["image"])
    if len(set(mask_sizes)) == 1:
        return mask_sizes[0]
    return None


def write_resolution_case(name, description, images):
    """images: dicts with name, defect ("good" = normal), map (float32 2-D,
    at the model's size), mask (0/1 2-D at the image's size, or None) and
    image ((height, width) of the image file, or None)."""
    opts = dict(DEFAULT_OPTIONS)
    mask_sizes = [im["mask"].shape for im in images if im["mask"] is not None]
    evaluated, resized = [], {}
    kept = 0
    for im in images:
        m = im["map"]
        assert m.dtype == np.float32 and (im["mask"] is None) == (im["defect"] == "good")
        size = ground_truth_size(im, mask_sizes)
        if size is None:
            size = m.shape
            kept += 1
        if size != m.shape:
            key = (m.shape[0], m.shape[1], size[0], size[1])
            resized[key] = resized.get(key, 0) + 1
        mask = im["mask"] if im["mask"] is not None else np.zeros(size, dtype=np.uint8)
        # The image score is the maximum of the map as the model wrote it,
        # before any resizing (METRICS.md, "Inputs").
        evaluated.append(img(im["name"], bilinear(m, *size), mask, float(m.max())))
    assert not (kept and resized), "maps kept at their own size beside resized ones: an error"
    expected, _, _ = evaluate(evaluated, opts)
    out = {
        "name": name,
        "description": description,
        "options": opts,
        "images": [],
        "expected": expected,
        "evaluated": {
            "pixels": int(sum(e["scores"].size for e in evaluated)),
            "resized": [[fh, fw, th, tw, n] for (fh, fw, th, tw), n in sorted(resized.items())],
        },
    }
    for im in images:
        m = im["map"]
        out["images"].append({
            "name": im["name"],
            "defect": im["defect"],
            "map_height": int(m.shape[0]),
            "map_width": int(m.shape[1]),
            "map": [float(v) for v in m.ravel()],
            "mask_height": None if im["mask"] is None else int(im["mask"].shape[0]),
            "mask_width": None if im["mask"] is None else int(im["mask"].shape[1]),
            "mask": None if im["mask"] is None else [int(v != 0) for v in im["mask"].ravel()],
            "image_height": None if im["image"] is None else int(im["image"][0]),
            "image_width": None if im["image"] is None else int(im["image"][1]),
        })
    with open(os.path.join(RESOLUTION_DIR, name + ".json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    e = expected
    print(f"{name:28s} px={out['evaluated']['pixels']:6d} img={e['image']['auroc']!s:.8} "
          f"pAUROC={e['pixel']['auroc']!s:.8} AUPRO={e['pixel']['aupro']!s:.8} "
          f"RCPRO={e['pixel']['rcpro']!s:.8} resized={out['evaluated']['resized']}")


def model_output(rng, mask, size):
    """A realistic map at the image's size, resized to the model's size."""
    return bilinear(realistic_map(rng, mask, fp_blobs=2), *size)


def case_resolution_model_size(rng):
    """Maps at the model's size (12x12), images and masks at 18x14: the
    anomalous images are evaluated at their masks' size, the normal ones at
    their image files' size or, without one, at the category's one mask
    size. Leaving the normal maps at 12x12 would mix resolutions."""
    images = []
    for i in range(7):
        anomalous = i < 3
        mask = random_mask(rng, 18, 14, int(rng.integers(1, 3))) if anomalous else np.zeros((18, 14), bool)
        images.append({"name": f"{i:03d}", "defect": "defect" if anomalous else "good",
                       "map": model_output(rng, mask, (12, 12)),
                       "mask": mask.astype(np.uint8) if anomalous else None,
                       "image": (18, 14) if i in (3, 4) else None})
    write_resolution_case("resolution_model_size",
                          "maps 12x12, masks and images 18x14; two normal images have no image file",
                          images)


def case_resolution_image_files(rng):
    """Images of four sizes (as in VisA) with maps all at 10x10: each is
    evaluated at its own mask's or image file's size."""
    images = []
    for i, (h, w, anomalous) in enumerate([(16, 12, True), (13, 17, True), (15, 11, False), (9, 20, False)]):
        mask = random_mask(rng, h, w, 2) if anomalous else np.zeros((h, w), bool)
        images.append({"name": f"{i:03d}", "defect": "defect" if anomalous else "good",
                       "map": model_output(rng, mask, (10, 10)),
                       "mask": mask.astype(np.uint8) if anomalous else None,
                       "image": (h, w)})
    write_resolution_case("resolution_image_files",
                          "four image sizes, every map 10x10, image files for every image", images)


def case_resolution_own_size(rng):
    """Masks of two sizes and no image files, but every map at its image's
    size (the anomalous ones equal their masks'): the normal maps keep their
    own sizes."""
    images = []
    for i, (h, w, anomalous) in enumerate([(7, 9, True), (12, 6, True), (5, 20, False), (9, 9, False)]):
        mask = random_mask(rng, h, w, 2) if anomalous else np.zeros((h, w), bool)
        images.append({"name": f"{i:03d}", "defect": "defect" if anomalous else "good",
                       "map": realistic_map(rng, mask, fp_blobs=2),
                       "mask": mask.astype(np.uint8) if anomalous else None, "image": None})
    write_resolution_case("resolution_own_size",
                          "maps at their images' sizes, masks of two sizes, no image files", images)


def main():
    os.makedirs(CASES_DIR, exist_ok=True)
    os.makedirs(RESOLUTION_DIR, exist_ok=True)
    for d in (CASES_DIR, RESOLUTION_DIR):
        for f in os.listdir(d):
            if f.endswith(".json"):
                os.remove(os.path.join(d, f))

    case_worked_example()
    case_gstar_tie()
    case_heavy_ties(np.random.default_rng(2))
    case_diagonal(np.random.default_rng(3))
    case_one_pixel_region(np.random.default_rng(4))
    case_mask_mostly_anomalous(np.random.default_rng(5))
    case_constant_maps(np.random.default_rng(6))
    case_all_normal(np.random.default_rng(7))
    case_steps_n_plus_1(np.random.default_rng(8))
    case_mixed_sizes(np.random.default_rng(9))
    case_steps_scores_on_thresholds(np.random.default_rng(10))
    case_steps_float32_range(np.random.default_rng(11))
    case_steps_float32_count(np.random.default_rng(12))

    for k in (1, 2, 3):
        rng = np.random.default_rng(100 + k)
        write_case(f"random_exact_{k}", "random blurred-mask-plus-noise maps, exact grid",
                   random_category(rng, int(rng.integers(3, 7)), 6, 24))
    variants = [
        ("random_rc_image", {"rc_average": "image"}, "RC averaged per image first"),
        ("random_tau_delta", {"tau": 0.2, "delta": 0.5}, "tau 0.2, delta 0.5"),
        ("random_fpr_limit_1", {"fpr_limit": 1.0}, "AUPRO over the full FPR range"),
        ("random_conn4", {"connectivity": 4}, "4-connectivity"),
        ("random_steps200", {"thresholds": "steps:200"}, "steps:200 grid"),
        ("random_steps10", {"thresholds": "steps:10"}, "steps:10 grid"),
        ("random_steps200_rc_image_conn4",
         {"thresholds": "steps:200", "rc_average": "image", "connectivity": 4},
         "steps:200, RC per image, 4-connectivity"),
    ]
    for k, (name, opts, desc) in enumerate(variants):
        rng = np.random.default_rng(200 + k)
        images = random_category(rng, int(rng.integers(4, 7)), 6, 24)
        write_case(name, "random maps, " + desc, images, opts)

    case_resolution_model_size(np.random.default_rng(400))
    case_resolution_image_files(np.random.default_rng(401))
    case_resolution_own_size(np.random.default_rng(402))

    rng = np.random.default_rng(300)
    images = []
    for i in range(4):
        m = random_mask(rng, 64, 64, int(rng.integers(1, 4))) if i != 2 else np.zeros((64, 64), bool)
        images.append(img(f"img{i}", realistic_map(rng, m, fp_blobs=6, noise=0.15), m))
    write_case("large_random", "4 images of 64x64, exact grid (no curves in the file)", images)

    total = sum(os.path.getsize(os.path.join(CASES_DIR, f)) for f in os.listdir(CASES_DIR))
    print(f"total size of cases/: {total} bytes")
    assert total < 2_000_000


if __name__ == "__main__":
    sys.exit(main())
