#!/usr/bin/python3
"""Independent reference for zsadbench's per-image metrics and statistics.

Run:  /usr/bin/python3 testdata/golden/generate_stats.py
It rewrites testdata/golden/stats/*.json byte-identically (fixed seeds).

Like generate.py, this is a slow, deliberately naive reading of
docs/METRICS.md ("PIMO and AUPIMO", "Per-image records", "Statistics"),
written without looking at the Go code:

  * PIMO: every threshold of the grid is applied to every image with NumPy
    (np.searchsorted on sorted float32 scores, float32 comparisons); the
    shared FPR is the reference implementation's `fprs.mean(axis=0)`, and the
    linspace grid is `np.linspace(lo, hi, K, dtype=np.float32)` itself,
    asserted equal to the closed form of METRICS.md. The generator also
    asserts, per case, where the float32 roundings matter (a float64
    threshold gives another AUPIMO).
  * Per-image records relabel the predicted regions of each image from scratch
    at each threshold (generate.py's Category and region_quality).
  * DeLong's variance is the O(m n) definition (placement values of the
    Heaviside kernel), not the midrank algorithm.
  * Wilcoxon's p-values come from scipy.stats.wilcoxon where its choices are
    METRICS.md's, else from the exact distribution counted by brute force.
"""

import json
import math
import os
import sys
from fractions import Fraction
from itertools import combinations

import numpy as np
import scipy.stats

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate as g  # noqa: E402  (the connected components and q(P))

OUT_DIR = os.path.join(HERE, "stats")

FPR_LO, FPR_HI = 1e-5, 1e-4
NORM = float(np.log(FPR_HI / FPR_LO))


def write(name, obj):
    path = os.path.join(OUT_DIR, name + ".json")
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")


def f32(x):
    return float(np.float32(x))


# ---------------------------------------------------------------------------
# Images in the files: a fill value and the pixels that differ from it, so
# that images large enough to reach a shared FPR of 1e-5 stay small on disk.
# ---------------------------------------------------------------------------

def encode_image(name, scores, mask, image_score=None):
    s = np.asarray(scores, dtype=np.float32)
    m = np.asarray(mask, dtype=bool)
    assert s.shape == m.shape and s.ndim == 2 and np.all(np.isfinite(s))
    vals, counts = np.unique(s, return_counts=True)
    fill = vals[np.argmax(counts)]
    idx = np.flatnonzero(s.ravel() != fill)
    return {
        "name": name, "height": int(s.shape[0]), "width": int(s.shape[1]),
        "fill": float(fill),
        "values": [[int(i), float(s.ravel()[i])] for i in idx],
        "anomalous": [int(i) for i in np.flatnonzero(m.ravel())],
        "image_score": image_score,
    }


# ---------------------------------------------------------------------------
# PIMO / AUPIMO (METRICS.md "PIMO and AUPIMO")
# ---------------------------------------------------------------------------

def counts_at(scores, thresholds):
    """#{score >= t} for each t, compared in the thresholds' dtype."""
    s = np.sort(np.asarray(scores).ravel())
    return len(s) - np.searchsorted(s, thresholds, side="left")


def pimo_curves(normals, anomalous, thresholds):
    """Shared FPR (the reference's mean over normal images) and each anomalous
    image's TPR at every threshold."""
    fprs = np.stack([counts_at(n, thresholds) / n.size for n in normals], axis=0)
    shared = fprs.mean(axis=0)
    seq = np.zeros(len(thresholds))
    for row in fprs:
        seq = seq + row
    assert np.array_equal(shared, seq / len(normals)), "mean(axis=0) is a sequential sum"
    tprs = [counts_at(a, thresholds) / a.size for a in anomalous]
    return shared, tprs


def clipped_area(x, y, a, b):
    """Trapezoid area of the polyline (x ascending) over [a, b], linearly
    interpolated at a and b."""
    area = 0.0
    for k in range(len(x) - 1):
        x0, x1, y0, y1 = x[k], x[k + 1], y[k], y[k + 1]
        if x1 <= x0 or x1 <= a or x0 >= b:
            continue
        xa, xb = max(x0, a), min(x1, b)
        ya = y0 + (y1 - y0) * (xa - x0) / (x1 - x0)
        yb = y0 + (y1 - y0) * (xb - x0) / (x1 - x0)
        area += (xb - xa) * (ya + yb) / 2
    return area


def aupimo_exact(normals, anomalous):
    """Exact grid: every distinct score; the polyline through the points with
    F > 0 in (log F, TPR), integrated over exactly [log 1e-5, log 1e-4]."""
    allv = np.concatenate([n.ravel() for n in normals] + [a.ravel() for a in anomalous])
    ts = np.unique(allv)[::-1].astype(np.float32)  # descending
    shared, tprs = pimo_curves(normals, anomalous, ts)
    keep = shared > 0
    if not np.any(keep & (shared <= FPR_LO)):
        return None, "no threshold gives 0 < F <= 1e-5"
    x = np.log(shared[keep])
    a, b = math.log(FPR_LO), math.log(FPR_HI)
    out = []
    for t in tprs:
        v = clipped_area(list(x), list(t[keep]), a, b) / NORM
        out.append(min(1.0, max(0.0, v)))
    return out, None


def linspace_thresholds(lo, hi, k):
    ts = np.linspace(lo, hi, k, dtype=np.float32)
    step = (hi - lo) / (k - 1)
    closed = np.array([np.float32(kk * step + lo) for kk in range(k - 1)] + [np.float32(hi)], dtype=np.float32)
    assert np.array_equal(ts, closed), "np.linspace = METRICS.md's closed form"
    return ts


def float32_arith_linspace(lo, hi, k):
    """lo + i*step computed in float32 (what a float32 linspace does in its
    simplest form); it differs from NumPy's rounded float64 values."""
    lo32, step32 = np.float32(lo), np.float32((np.float32(hi) - np.float32(lo)) / np.float32(k - 1))
    t = np.arange(k, dtype=np.float32) * step32 + lo32
    t[-1] = np.float32(hi)
    return t


def aupimo_linspace(normals, anomalous, k, thresholds=None):
    """The reference implementation's grid and integration range."""
    allnormal = np.concatenate([n.ravel() for n in normals])
    lo, hi = float(allnormal.min()), float(allnormal.max())
    if not hi > lo:
        return None, "hi <= lo", None
    ts = linspace_thresholds(lo, hi, k) if thresholds is None else thresholds
    shared, tprs = pimo_curves(normals, anomalous, ts)
    if FPR_LO < shared.min():
        return None, "F at the highest threshold is above 1e-5", None
    i_hi = int(np.argmin(np.abs(shared - FPR_HI)))  # threshold lower bound
    i_lo = int(np.argmin(np.abs(shared - FPR_LO)))  # threshold upper bound
    if i_hi >= i_lo:
        return None, "bounds match the same threshold", None
    fb = np.flip(shared[i_hi:i_lo + 1])
    with np.errstate(divide="ignore"):
        xl = np.log(fb)
    ok = np.isfinite(xl)
    if not ok.any():
        return None, "no point", None
    xl = xl[ok]
    points = int(xl.size)
    if points <= 30:
        return None, f"{points} points", points
    out = []
    for t in tprs:
        yb = np.flip(t[i_hi:i_lo + 1])[ok]
        v = float(np.trapz(yb, x=xl)) / NORM
        out.append(min(1.0, max(0.0, v)))
    return out, None, points


def pimo_expected(name, images, k, assert_f32_matters=False):
    normals = [im["scores"] for im in images if not im["mask"].any()]
    anomalous = [im["scores"][im["mask"]] for im in images if im["mask"].any()]
    reason = None
    points = None
    if not normals or not anomalous:
        vals, reason = None, "no normal or no anomalous image"
    elif k == 0:
        vals, reason = aupimo_exact(normals, anomalous)
    else:
        vals, reason, points = aupimo_linspace(normals, anomalous, k)
        if assert_f32_matters:
            allnormal = np.concatenate([n.ravel() for n in normals])
            lo, hi = float(allnormal.min()), float(allnormal.max())
            t64 = np.linspace(lo, hi, k)  # float64 thresholds, float64 comparisons
            other, _, _ = aupimo_linspace(normals, anomalous, k, thresholds=t64)
            assert other is not None and vals is not None
            diff = max(abs(p - q) for p, q in zip(vals, other))
            assert diff > 1e-6, f"{name}: float64 thresholds give the same AUPIMO ({diff})"
            print(f"  float64 thresholds would change AUPIMO by up to {diff:.3g}")
            other, _, _ = aupimo_linspace(normals, anomalous, k, thresholds=float32_arith_linspace(lo, hi, k))
            diff = max(abs(p - q) for p, q in zip(vals, other))
            assert diff > 1e-6, f"{name}: float32 arithmetic gives the same AUPIMO ({diff})"
            print(f"  float32 arithmetic would change AUPIMO by up to {diff:.3g}")
    per_image = []
    j = 0
    for im in images:
        if im["mask"].any() and vals is not None:
            per_image.append(vals[j])
            j += 1
        else:
            per_image.append(None)
    mean = std = None
    if vals is not None:
        mean = float(sum(vals) / len(vals))
        if len(vals) > 1:
            std = float(np.std(np.array(vals), ddof=1))
    print(f"{name:28s} K={k:<7d} mean={mean!s:.10} points={points} {reason or ''}")
    return {"pimo_thresholds": k, "aupimo": per_image, "mean": mean, "std": std,
            "points": points, "undefined": reason}


def pimo_case(name, description, images, ks, assert_f32_matters=False):
    """One file: the images once, the expected values for each grid."""
    write(name, {
        "name": name, "description": description,
        "images": [encode_image(im["name"], im["scores"], im["mask"]) for im in images],
        "grids": [pimo_expected(name, images, k, assert_f32_matters and k > 0) for k in ks],
    })


def normal_image(rng, h, w, n_tail, fill=0.05, scale=0.25, top=None):
    """A large normal image: a constant background and n_tail pixels with
    scores from a smooth tail (what keeps the file small)."""
    s = np.full((h, w), fill, dtype=np.float32)
    idx = rng.choice(h * w, size=n_tail, replace=False)
    v = fill + rng.gamma(1.5, scale / 1.5, size=n_tail)
    if top is not None:
        v = np.minimum(v, top)
    s.ravel()[idx] = v.astype(np.float32)
    return {"name": "good", "scores": s, "mask": np.zeros((h, w), bool)}


def anomalous_image(rng, name, h, w, strength):
    m = g.random_mask(rng, h, w, int(rng.integers(1, 4)))
    if not m.any():
        m[h // 2, w // 2] = True
    s = g.realistic_map(rng, m, fp_blobs=1, noise=0.05) * np.float32(strength)
    return {"name": name, "scores": s.astype(np.float32), "mask": m}


def pimo_cases():
    # Three 200x200 normal images: 120,000 normal pixels, so F reaches
    # 1/120000 < 1e-5; the band [1e-5, 1e-4] holds their top dozen pixels.
    rng = np.random.default_rng(1001)
    base = []
    for i in range(3):
        im = normal_image(rng, 200, 200, 3000)
        im["name"] = f"good{i}"
        base.append(im)
    for i, st in enumerate((0.9, 1.3, 1.8, 2.6)):
        base.append(anomalous_image(rng, f"defect{i}", 40, 40, st))
    pimo_case("pimo_base", "3 normal 200x200 + 4 anomalous 40x40", base, [0, 300000, 5000])

    # Scores of anomalous pixels set to float32(t_k) inside the band, where
    # float32(t_k) < t_k: only a float32 comparison counts them.
    rng = np.random.default_rng(1002)
    imgs = [dict(im) for im in base]
    normals = [im["scores"] for im in imgs if not im["mask"].any()]
    allnormal = np.concatenate([n.ravel() for n in normals])
    lo, hi = float(allnormal.min()), float(allnormal.max())
    k = 20000
    t64 = np.linspace(lo, hi, k)
    t32 = t64.astype(np.float32)
    shared, _ = pimo_curves(normals, [np.ones(1, np.float32)], t32)
    # Only points where F changes give a trapezoid width: pick the k whose
    # F differs from its neighbour's and whose float32 threshold rounds down.
    ks = np.arange(1, k - 1)
    change = (shared[ks] != shared[ks - 1]) | (shared[ks] != shared[ks + 1])
    inband = change & (shared[ks] <= 1e-4) & (shared[ks] >= 1e-5)
    band = ks[inband & (t32[ks].astype(np.float64) < t64[ks])]
    assert band.size >= 2, band.size
    # And where float32 arithmetic (lo + k*step in float32, as a float32
    # linspace computes) gives a lower threshold than NumPy's: a score equal
    # to it counts there, and not on NumPy's grid.
    tarith = float32_arith_linspace(lo, hi, k)
    band2 = ks[inband & (tarith[ks] < t32[ks])]
    assert band2.size >= 2, band2.size
    for im in imgs:
        if im["mask"].any():
            s = im["scores"].copy()
            where = np.flatnonzero(im["mask"].ravel())
            pick = rng.choice(where, size=min(len(where), 40), replace=False)
            half = len(pick) // 2
            s.ravel()[pick[:half]] = t32[rng.choice(band, size=half)]
            s.ravel()[pick[half:]] = tarith[rng.choice(band2, size=len(pick) - half)]
            im["scores"] = s
    pimo_case("pimo_f32", "anomalous scores equal to float32 thresholds in the band", imgs, [k, 0],
              assert_f32_matters=True)

    # One normal image of 100,000 pixels whose top 300 scores are distinct,
    # so F = c / 100000 takes the values 1e-5 and 1e-4 exactly (the exact
    # value is then the limit of the linspace grid as K grows).
    rng = np.random.default_rng(1003)
    n = np.zeros((250, 400), np.float32)
    n.ravel()[rng.choice(n.size, 300, replace=False)] = np.float32(np.linspace(0.5, 1, 300))
    imgs = [{"name": "good", "scores": n, "mask": np.zeros_like(n, bool)}]
    for i, st in enumerate((1.0, 1.6)):
        a = anomalous_image(rng, f"defect{i}", 30, 30, st)
        a["scores"] = np.clip(a["scores"], 0, 1).astype(np.float32)
        imgs.append(a)
    pimo_case("pimo_hits_bounds", "F takes the values 1e-5 and 1e-4 exactly", imgs, [0, 300000, 1000000])

    # Ties: 20 normal pixels share the top score, so F jumps from 0 to
    # 20/120000 = 1.7e-4 in one step and never lies in (0, 1e-5]: undefined
    # on the exact grid.
    rng = np.random.default_rng(1004)
    imgs = []
    for i in range(3):
        im = normal_image(rng, 200, 200, 2000, top=0.6)
        im["name"] = f"good{i}"
        imgs.append(im)
    s = imgs[0]["scores"]
    s.ravel()[rng.choice(s.size, 20, replace=False)] = np.float32(0.6)
    for im in imgs[1:]:
        im["scores"] = np.minimum(im["scores"], np.float32(0.59))
    imgs.append(anomalous_image(rng, "defect", 30, 30, 1.5))
    pimo_case("pimo_tied_top", "20 normal pixels tied at the top: F never in (0, 1e-5]", imgs, [0, 300000])

    # A top-level tie that jumps over the band but starts below 1e-5: one
    # segment covers all of [1e-5, 1e-4] (defined by interpolation).
    rng = np.random.default_rng(1005)
    imgs = [normal_image(rng, 200, 200, 2000, top=0.5) for _ in range(3)]
    for i, im in enumerate(imgs):
        im["name"] = f"good{i}"
    s = imgs[1]["scores"]
    s.ravel()[rng.choice(s.size, 1, replace=False)] = np.float32(0.9)
    s.ravel()[rng.choice(s.size, 30, replace=False)] = np.float32(0.8)
    imgs.append(anomalous_image(rng, "defect0", 30, 30, 1.2))
    imgs.append(anomalous_image(rng, "defect1", 30, 30, 0.7))
    pimo_case("pimo_jump", "one segment spans the whole band", imgs, [0, 300000])

    # Too few normal pixels: 2 x 40x40.
    rng = np.random.default_rng(1006)
    imgs = [{"name": f"good{i}", "scores": g.realistic_map(rng, np.zeros((40, 40), bool)),
             "mask": np.zeros((40, 40), bool)} for i in range(2)]
    imgs.append(anomalous_image(rng, "defect", 32, 32, 1.0))
    pimo_case("pimo_small", "3,200 normal pixels: F cannot reach 1e-5", imgs, [0, 300000])
    pimo_case("pimo_no_normal", "no normal image", imgs[2:], [0, 300000])


# ---------------------------------------------------------------------------
# Per-image records (METRICS.md "Per-image records")
# ---------------------------------------------------------------------------

def records_case(name, description, images, options):
    opts = dict(g.DEFAULT_OPTIONS)
    opts.update(options)
    cat = g.Category(images, opts)
    P = cat.n_anomalous
    N = cat.n_normal
    allv = np.concatenate([im["scores"].ravel() for im in images])
    ally = np.concatenate([m.ravel() for m in cat.masks])
    ts = sorted({float(v) for v in allv}, reverse=True)
    # t_f1: the highest threshold where pixel F1 is largest (exact, with a
    # check that float64 F1 values give the same choice).
    best, best_t, best_f = None, None, None
    fl = []
    fpr_t = None
    for t in ts:
        sel = allv >= np.float32(t)
        tp = int(np.sum(sel & ally))
        fp = int(np.sum(sel & ~ally))
        f1 = Fraction(2 * tp, tp + fp + P)
        fl.append(2 * tp / (tp + fp + P))
        if best is None or f1 > best:
            best, best_t, best_f = f1, t, fl[-1]
        # t_fpr_limit: lowest t with fp / N <= L (float64, as the code reads it)
        a = fp / N <= opts["fpr_limit"]
        b = Fraction(fp, N) <= Fraction(opts["fpr_limit"])
        assert a == b, "FPR-limit comparison is ambiguous"
        if a:
            fpr_t = t
    assert fl.index(max(fl)) == ts.index(best_t), "float64 F1 values pick another threshold"
    recs = []
    tau, delta = opts["tau"], opts["delta"]
    for im, m, (lab, n, areas) in zip(images, cat.masks, cat.gt):
        r = {"name": im["name"], "label": "anomalous" if m.any() else "normal",
             "map_max": float(im["scores"].max()), "gt_regions": n, "gt_pixels": int(m.sum()),
             "pixels": int(m.size)}
        r["image_score"] = im["image_score"] if im.get("image_score") is not None else r["map_max"]
        for key, t in (("f1", best_t), ("fpr_limit", fpr_t)):
            pos = im["scores"] >= np.float32(t)
            nn = int((~m).sum())
            r["fpr_at_" + key] = None if nn == 0 else int(np.sum(pos & ~m)) / nn
            if n == 0:
                r["pro_at_" + key] = None
                r["rc_at_" + key] = None
                continue
            hit = np.bincount(lab[pos], minlength=n + 1)
            r["pro_at_" + key] = float(sum(Fraction(int(hit[k]), areas[k - 1]) for k in range(1, n + 1)) / n)
            plab, pn = g.label(pos, opts["connectivity"])
            if pn == 0:
                r["rc_at_" + key] = None
                continue
            joint = np.bincount(plab.ravel() * (n + 1) + lab.ravel(),
                                minlength=(pn + 1) * (n + 1)).reshape(pn + 1, n + 1)
            qs = [g.region_quality(int(joint[j].sum()), [int(v) for v in joint[j, 1:]], areas, tau, delta)
                  for j in range(1, pn + 1)]
            r["rc_at_" + key] = float(sum(qs, Fraction(0)) / pn)
        recs.append(r)
    write(name, {
        "name": name, "description": description, "options": opts,
        "images": [encode_image(im["name"], im["scores"], m, im.get("image_score"))
                   for im, m in zip(images, cat.masks)],
        "expected": {"t_f1": best_t, "t_fpr_limit": fpr_t, "records": recs},
    })
    print(f"{name:32s} t_f1={best_t:.6g} t_fpr_limit={fpr_t:.6g} images={len(recs)}")


def records_cases():
    rng = np.random.default_rng(2001)
    images = g.random_category(rng, 6, 12, 24)
    images[2]["image_score"] = 0.75
    records_case("records_default", "random category, default settings", images, {})
    rng = np.random.default_rng(2002)
    images = g.random_category(rng, 5, 10, 20, fp_blobs=4)
    records_case("records_options", "4-connectivity, tau 0.2, delta 0.5, L = 0.1", images,
                 {"connectivity": 4, "tau": 0.2, "delta": 0.5, "fpr_limit": 0.1})


# ---------------------------------------------------------------------------
# DeLong (METRICS.md "Statistics"): brute-force placement values
# ---------------------------------------------------------------------------

def delong(y, a, b, conf):
    y = np.asarray(y, bool)
    out = {}
    comps = []
    for s in (np.asarray(a, float), np.asarray(b, float)):
        pos, neg = s[y], s[~y]
        psi = (pos[:, None] > neg[None, :]).astype(float) + 0.5 * (pos[:, None] == neg[None, :])
        comps.append((psi.mean(axis=1), psi.mean(axis=0), psi.mean()))
    m, n = int(y.sum()), int((~y).sum())
    s10 = np.cov(np.stack([comps[0][0], comps[1][0]]), ddof=1)
    s01 = np.cov(np.stack([comps[0][1], comps[1][1]]), ddof=1)
    S = s10 / m + s01 / n
    var = S[0, 0] + S[1, 1] - 2 * S[0, 1]
    diff = comps[0][2] - comps[1][2]
    if var > 0:
        z = diff / math.sqrt(var)
        p = 2 * scipy.stats.norm.sf(abs(z))
        half = scipy.stats.norm.ppf((1 + conf) / 2) * math.sqrt(var)
    else:
        z, p, half = None, 1.0 if diff == 0 else 0.0, 0.0
    out.update(auc_a=comps[0][2], auc_b=comps[1][2], var_a=S[0, 0], var_b=S[1, 1], cov=S[0, 1],
               var=var, diff=diff, z=z, p=p, ci_low=diff - half, ci_high=diff + half)
    return {k: (None if v is None else float(v)) for k, v in out.items()}


def delong_cases():
    rng = np.random.default_rng(3001)
    cases = []
    for k, (m, n, levels, rho) in enumerate([(5, 7, 0, 0.5), (30, 70, 0, 0.8), (12, 40, 6, 0.3),
                                             (60, 140, 0, 0.95), (8, 8, 3, 0.0), (3, 2, 0, 0.6)]):
        y = np.array([1] * m + [0] * n, bool)
        rng.shuffle(y)
        base = rng.normal(size=m + n) + 1.2 * y
        a = base + rng.normal(scale=0.6, size=m + n)
        b = rho * base + (1 - rho) * rng.normal(size=m + n) + 0.5 * y * rng.uniform()
        if levels:
            a, b = np.round(a * levels / 4) / levels, np.round(b * levels / 4) / levels
        cases.append({"labels": [int(v) for v in y], "a": [float(v) for v in a], "b": [float(v) for v in b],
                      "confidence": 0.95, "expected": delong(y, a, b, 0.95)})
    # identical models: var 0, p 1
    y = np.array([1, 0, 1, 0, 0, 1, 0], bool)
    a = rng.normal(size=7)
    cases.append({"labels": [int(v) for v in y], "a": [float(v) for v in a], "b": [float(v) for v in a],
                  "confidence": 0.9, "expected": delong(y, a, a, 0.9)})
    write("delong", {"name": "delong", "description": "DeLong's test for paired AUROCs", "cases": cases})
    print(f"{'delong':32s} {len(cases)} cases")


# ---------------------------------------------------------------------------
# Wilcoxon signed-rank (METRICS.md "Statistics")
# ---------------------------------------------------------------------------

def wilcoxon_exact_bruteforce(d):
    """Two-sided exact p by enumerating all sign assignments (small n)."""
    r = scipy.stats.rankdata(np.abs(d))
    n = len(d)
    rp = float(np.sum(r[d > 0]))
    total = n * (n + 1) / 2
    counts = {}
    ranks = [int(v) for v in r]
    # count subsets by rank sum with a DP (exact integers)
    dist = [0] * (int(total) + 1)
    dist[0] = 1
    for v in ranks:
        for s in range(int(total), v - 1, -1):
            dist[s] += dist[s - v]
    allc = 2 ** n
    if rp == total / 2:
        return 1.0
    le = sum(dist[: int(rp) + 1])
    ge = sum(dist[int(rp):])
    return min(1.0, 2 * min(le, ge) / allc)


def wilcoxon(d, tol=1e-3):
    d = np.asarray(d, float).copy()
    d[np.abs(d) <= tol] = 0
    nz = d[d != 0]
    if nz.size == 0:
        return {"p": 1.0, "method": "none"}
    ties = len(np.unique(np.abs(nz))) < nz.size
    if len(d) <= 50 and nz.size == len(d) and not ties:
        p = wilcoxon_exact_bruteforce(nz)
        sp = scipy.stats.wilcoxon(nz, mode="exact").pvalue
        assert abs(p - sp) < 1e-12, (p, sp)
        return {"p": float(p), "method": "exact"}
    # normal approximation over the non-zero differences, tie correction, no
    # continuity correction
    n = nz.size
    r = scipy.stats.rankdata(np.abs(nz))
    rp = float(np.sum(r[nz > 0]))
    rm = float(np.sum(r[nz < 0]))
    T = min(rp, rm)
    mn = n * (n + 1) / 4
    se = n * (n + 1) * (2 * n + 1)
    _, cnt = np.unique(r, return_counts=True)
    se -= 0.5 * float(np.sum(cnt * (cnt * cnt - 1)))
    se = math.sqrt(se / 24)
    z = (T - mn) / se
    p = float(2 * scipy.stats.norm.sf(abs(z)))
    if n >= 1:
        sp = scipy.stats.wilcoxon(nz, mode="approx", correction=False).pvalue
        assert abs(p - sp) < 1e-12, (p, sp)
    return {"p": p, "method": "approx"}


def wilcoxon_cases():
    rng = np.random.default_rng(4001)
    cases = []
    vecs = [
        rng.normal(0.05, 0.1, 12),                      # exact
        rng.normal(0.0, 0.1, 30),                       # exact, no effect
        rng.normal(0.02, 0.1, 50),                      # exact at the limit
        rng.normal(0.02, 0.1, 51),                      # approx
        rng.normal(0.01, 0.05, 200),                    # approx, large
        np.round(rng.normal(0.1, 0.1, 20), 1),          # ties -> approx
        np.concatenate([rng.normal(0.1, 0.1, 15), [0.0005, -0.0002, 0.001]]),  # zeros -> approx
        np.array([0.0004, -0.0009, 0.0]),               # all zero -> p = 1
        np.array([0.3, 0.2, 0.5]),                      # n = 3 exact
        -np.abs(rng.normal(0.2, 0.1, 9)),               # all negative
    ]
    for v in vecs:
        cases.append({"d": [float(x) for x in v], "expected": wilcoxon(v)})
    write("wilcoxon", {"name": "wilcoxon", "description": "Wilcoxon signed-rank p-values, tolerance 1e-3",
                       "cases": cases})
    print(f"{'wilcoxon':32s} {len(cases)} cases")


# ---------------------------------------------------------------------------
# Quantiles (bootstrap percentile intervals) and Holm
# ---------------------------------------------------------------------------

def holm(p):
    p = np.asarray(p, float)
    order = np.argsort(p, kind="stable")
    m = len(p)
    adj = np.empty(m)
    run = 0.0
    for i, j in enumerate(order):
        run = max(run, min(1.0, (m - i) * p[j]))
        adj[j] = run
    return adj


def misc_cases():
    rng = np.random.default_rng(5001)
    q = []
    for n in (1, 2, 7, 1000):
        x = rng.normal(size=n)
        probs = [0.0, 0.025, 0.05, 0.5, 0.95, 0.975, 1.0]
        q.append({"x": [float(v) for v in x], "q": probs,
                  "expected": [float(np.percentile(x, 100 * p)) for p in probs]})
    h = []
    for p in ([0.01, 0.04, 0.03, 0.2], [0.5], [0.001, 0.001, 0.9, 0.04, 0.03], list(rng.uniform(0, 0.2, 12))):
        h.append({"p": [float(v) for v in p], "expected": [float(v) for v in holm(p)]})
    write("misc", {"name": "misc", "description": "linear-interpolation quantiles (np.percentile) and Holm",
                   "quantiles": q, "holm": h})
    print(f"{'misc':32s} {len(q)} quantile and {len(h)} Holm cases")


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for f in os.listdir(OUT_DIR):
        if f.endswith(".json"):
            os.remove(os.path.join(OUT_DIR, f))
    pimo_cases()
    records_cases()
    delong_cases()
    wilcoxon_cases()
    misc_cases()
    total = sum(os.path.getsize(os.path.join(OUT_DIR, f)) for f in os.listdir(OUT_DIR))
    print(f"total size of stats/: {total} bytes")
    assert total < 3_000_000


if __name__ == "__main__":
    sys.exit(main())
