#!/usr/bin/python3
"""Python peers for zsadbench's side-by-side benchmark (issue 4).

Each peer is a subcommand that runs in its own process, reads one dataset in
MVTec AD layout itself (maps DIR/<cat>/test/<defect>/<id>.npy, masks
DIR/<cat>/ground_truth/<defect>/<id>_mask.png, defect "good" = normal, a
missing mask = normal), computes its metric per category and prints ONE JSON
line on stdout:

    {"peer": NAME, "value": {metric: mean over categories},
     "categories": {cat: {metric: value}}, "compute_s": seconds}

Values are fractions, null when undefined. The peers are written from the
published descriptions of the algorithms (no code copied):

  mvtec-aupro    MVTec AD's official exact AUPRO (evaluation code
                 generic_util.compute_pro + trapezoid_area): ground-truth
                 components labelled with scipy.ndimage.label (3x3 structure),
                 per-pixel FPR and PRO increments, one argsort over every pixel
                 of the category, cumulative sums, the last of each run of tied
                 scores kept, curve from (0, 0) to (1, 1), area up to FPR 0.3
                 with linear interpolation at 0.3, divided by 0.3.
  loop-aupro     The AnomalyCLIP-family cal_pro_score: thresholds
                 np.arange(min, max, (max - min) / 200); for each threshold
                 every map is binarised with ">", every mask is labelled with
                 skimage.measure.label and each region's overlap is read with
                 regionprops; FPR = false positives / normal pixels; points with
                 FPR < 0.3 are kept, their FPRs min-max rescaled and the area is
                 sklearn.metrics.auc(fprs, pros).
  loop-rcpro     The same loop extended to RCPRO as /work/shared/METRICS.md
                 defines it (DIVE paper, appendix 0.A.3): predicted regions
                 labelled per threshold and image with skimage.measure.label
                 (8-connectivity), a quality per region (tau 0.05, delta 2.0),
                 RC pooled over the category's regions, curve x = PRO, y = RC
                 from the highest threshold down, starting at (0, RC_first),
                 trapezoid area. Its steps AUPRO comes out of the same loop.
  sklearn-pixel  scikit-learn roc_auc_score and average_precision_score on all
                 pixels of the category pooled.

Other subcommands: `synth` (a small deterministic generator of the same
layout, for developing without the Go CLI) and `selftest` (checks the peers
against each other, the worked example of METRICS.md and a slow brute-force
RCPRO).

The per-threshold comparison follows METRICS.md: a float32 map is compared
with the float64 threshold rounded to float32 (what NumPy 1.x does implicitly;
it is done explicitly here so that the result does not depend on the NumPy
version).
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np

FPR_LIMIT = 0.3
TAU = 0.05
DELTA = 2.0
STEPS = 200


# --------------------------------------------------------------------------
# Reading a dataset in MVTec layout


def list_categories(root, only=None):
    """Categories of ROOT that have a test/ folder, sorted; ONLY filters."""
    if not os.path.isdir(root):
        raise SystemExit(f"peers.py: {root}: no such folder")
    cats = sorted(
        c for c in os.listdir(root) if os.path.isdir(os.path.join(root, c, "test"))
    )
    if only:
        want = [c for c in only.split(",") if c]
        missing = [c for c in want if c not in cats]
        if missing:
            raise SystemExit(f"peers.py: {root}: no category {', '.join(missing)}")
        cats = want
    if not cats:
        raise SystemExit(f"peers.py: {root}: no <category>/test folder")
    return cats


def list_images(root, cat):
    """(map path, mask path or None) for every map of category CAT, sorted."""
    test = os.path.join(root, cat, "test")
    out = []
    for defect in sorted(os.listdir(test)):
        ddir = os.path.join(test, defect)
        if not os.path.isdir(ddir):
            continue
        for name in sorted(os.listdir(ddir)):
            if not name.endswith(".npy"):
                continue
            stem = name[: -len(".npy")]
            mask = None
            if defect != "good":
                m = os.path.join(root, cat, "ground_truth", defect, stem + "_mask.png")
                if os.path.exists(m):
                    mask = m
            out.append((os.path.join(ddir, name), mask))
    if not out:
        raise SystemExit(f"peers.py: {test}: no .npy maps")
    return out


def read_map(path):
    a = np.load(path)
    if a.ndim == 3 and a.shape[0] == 1:
        a = a[0]
    if a.ndim != 2:
        raise SystemExit(f"peers.py: {path}: map has shape {a.shape}, want HxW")
    a = a.astype(np.float32, copy=False)
    if not np.isfinite(a).all():
        raise SystemExit(f"peers.py: {path}: map has NaN or Inf")
    return a


def read_mask(path, shape):
    if path is None:
        return np.zeros(shape, dtype=bool)
    from PIL import Image

    with Image.open(path) as im:
        m = np.asarray(im)
    if m.ndim == 3:
        m = m[..., 0]
    if m.shape != shape:
        raise SystemExit(f"peers.py: {path}: mask is {m.shape}, map is {shape}")
    return m != 0


def load_category(root, cat):
    """Maps (N, H, W) float32 and masks (N, H, W) bool of one category.

    The stacks are preallocated so that reading never holds two copies."""
    items = list_images(root, cat)
    first = read_map(items[0][0])
    shape = first.shape
    maps = np.empty((len(items),) + shape, dtype=np.float32)
    masks = np.empty((len(items),) + shape, dtype=bool)
    for i, (mp, kp) in enumerate(items):
        a = first if i == 0 else read_map(mp)
        if a.shape != shape:
            raise SystemExit(f"peers.py: {mp}: map is {a.shape}, first map is {shape}")
        maps[i] = a
        masks[i] = read_mask(kp, shape)
    return maps, masks


# --------------------------------------------------------------------------
# Peer 1: MVTec AD's official exact AUPRO


def mvtec_pro_curve(maps, masks):
    """FPR and PRO at every distinct score, from (0, 0) to (1, 1).

    Follows MVTec AD's compute_pro: per-pixel increments (1 for a normal pixel
    on the FPR side; 1/|G| for a pixel of ground-truth region G on the PRO
    side), one argsort over the category, cumulative sums in descending score
    order, and of each run of tied scores only the last (all tied pixels in).
    Returns (fprs, pros) or None when there is no region or no normal pixel.
    """
    from scipy.ndimage import label

    structure = np.ones((3, 3), dtype=int)
    n = maps.size
    pro_changes = np.zeros(maps.shape, dtype=np.float64)
    num_regions = 0
    for i in range(len(masks)):
        lab, k = label(masks[i], structure)
        if k == 0:
            continue
        num_regions += k
        sizes = np.bincount(lab.ravel())
        inv = np.zeros(k + 1)
        inv[1:] = 1.0 / sizes[1:]
        pro_changes[i] = inv[lab]
    normal = ~masks.reshape(-1)
    num_ok = int(np.count_nonzero(normal))
    if num_regions == 0 or num_ok == 0:
        return None

    flat = maps.reshape(-1)
    order = np.argsort(flat)[::-1]  # descending scores
    scores_sorted = flat[order]
    keep = np.empty(n, dtype=bool)
    np.not_equal(scores_sorted[1:], scores_sorted[:-1], out=keep[:-1])
    keep[-1] = True
    del scores_sorted

    cum_dtype = np.uint32 if n < np.iinfo(np.uint32).max else np.uint64
    fp = np.cumsum(normal[order], dtype=cum_dtype)[keep]
    fprs = fp / num_ok
    del fp
    pro_sorted = pro_changes.reshape(-1)[order]
    del pro_changes, order
    np.cumsum(pro_sorted, out=pro_sorted)
    pros = pro_sorted[keep] / num_regions
    del pro_sorted
    np.clip(fprs, None, 1.0, out=fprs)
    np.clip(pros, None, 1.0, out=pros)
    fprs = np.concatenate(([0.0], fprs, [1.0]))
    pros = np.concatenate(([0.0], pros, [1.0]))
    return fprs, pros


def trapezoid_area(x, y, x_max=None):
    """Trapezoid area under (x, y), x non-decreasing, up to X_MAX.

    As MVTec AD's evaluation: when x_max is not a curve point, y is linearly
    interpolated at x_max and the partial trapezoid added."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    correction = 0.0
    if x_max is not None:
        if not np.any(x == x_max):
            ins = int(np.searchsorted(x, x_max, side="right"))
            if not 0 < ins < len(x):
                raise ValueError("x_max outside the curve")
            y_int = y[ins - 1] + (y[ins] - y[ins - 1]) * (x_max - x[ins - 1]) / (
                x[ins] - x[ins - 1]
            )
            correction = 0.5 * (y_int + y[ins - 1]) * (x_max - x[ins - 1])
        keep = x <= x_max
        x, y = x[keep], y[keep]
    return float(np.sum(0.5 * (y[1:] + y[:-1]) * (x[1:] - x[:-1])) + correction)


def peer_mvtec_aupro(maps, masks, args):
    curve = mvtec_pro_curve(maps, masks)
    if curve is None:
        return {"aupro": None}
    fprs, pros = curve
    return {"aupro": trapezoid_area(fprs, pros, args.fpr_limit) / args.fpr_limit}


# --------------------------------------------------------------------------
# Peers 2 and 3: the 200-threshold loop (AnomalyCLIP cal_pro_score) and its
# RCPRO extension


def steps_thresholds(maps, steps):
    """The published np.arange(min, max, (max - min) / steps) (METRICS.md,
    steps N): min and max are float32 scalars, so max - min is a float32
    subtraction; the step and the thresholds are float64, and arange's
    length comes from the float32 difference. Written out so that the result
    does not depend on the NumPy version's scalar promotion."""
    lo, hi = maps.min(), maps.max()
    if hi == lo:
        return None
    diff = float(np.float32(hi - lo))
    step = diff / steps
    count = math.ceil(diff / step)
    d = (float(lo) + step) - float(lo)
    return float(lo) + np.arange(count, dtype=np.float64) * d


def region_qualities(glab, ng, gsizes, plab, npred, tau, delta):
    """Sum of q over the NPRED predicted regions PLAB of one image (METRICS.md)."""
    if npred == 0 or ng == 0:
        return 0.0
    ov = np.bincount(
        (plab.ravel().astype(np.int64) * (ng + 1) + glab.ravel()),
        minlength=(npred + 1) * (ng + 1),
    ).reshape(npred + 1, ng + 1)[1:]
    size_p = ov.sum(axis=1)
    gov = ov[:, 1:]
    best = np.argmax(gov, axis=1)  # first maximum: the lowest label on ties
    inter = gov[np.arange(npred), best]
    area = gsizes[best + 1].astype(np.float64)
    r = (size_p - inter) / area
    q = np.where(r <= delta, 1.0, delta / np.maximum(r, 1e-300))
    q[(inter == 0) | (inter < tau * area)] = 0.0
    return float(q.sum())


def loop_curves(maps, masks, thresholds, strict=True, rc=False, tau=TAU, delta=DELTA):
    """Per-threshold FPR, PRO (and RC) by the published loop.

    For each threshold t (float64, compared in float32), every map is binarised
    (score > t when STRICT, else score >= t); every mask is labelled with
    skimage.measure.label and each region's PRO read through regionprops;
    FPR = false-positive pixels / normal pixels of the category. With RC, the
    predicted regions of each image are labelled (8-connectivity) and their
    qualities pooled. Returns dict of arrays: fpr, pro, and with RC also rc
    (NaN where no region is predicted) and nregions.
    """
    from skimage import measure

    normal = ~masks
    num_ok = int(np.count_nonzero(normal))
    binary = np.empty(maps.shape, dtype=bool)
    nt = len(thresholds)
    fprs = np.empty(nt)
    pros = np.empty(nt)
    rcs = np.full(nt, np.nan)
    nregs = np.zeros(nt, dtype=np.int64)
    cmp = np.greater if strict else np.greater_equal
    for k, th in enumerate(thresholds):
        cmp(maps, np.float32(th), out=binary)
        pro = []
        qsum = 0.0
        npreds = 0
        for b, m in zip(binary, masks):
            glab = measure.label(m, connectivity=2)
            regions = measure.regionprops(glab)
            for region in regions:
                tp = b[region.coords[:, 0], region.coords[:, 1]].sum()
                pro.append(tp / region.area)
            if rc:
                plab, npred = measure.label(b, connectivity=2, return_num=True)
                npreds += npred
                if npred and regions:
                    gsizes = np.bincount(glab.ravel(), minlength=len(regions) + 1)
                    qsum += region_qualities(
                        glab, len(regions), gsizes, plab, npred, tau, delta
                    )
        fp = np.count_nonzero(np.logical_and(normal, binary))
        fprs[k] = fp / num_ok if num_ok else np.nan
        pros[k] = np.array(pro).mean() if pro else np.nan
        if rc:
            nregs[k] = npreds
            if npreds:
                rcs[k] = qsum / npreds
    out = {"fpr": fprs, "pro": pros}
    if rc:
        out["rc"] = rcs
        out["nregions"] = nregs
    return out


def steps_aupro(fprs, pros, limit):
    """cal_pro_score's area: FPR < LIMIT kept, min-max rescaled, sklearn auc.

    None when fewer than two points are kept or all have the same FPR."""
    from sklearn.metrics import auc

    keep = fprs < limit
    f = fprs[keep]
    if len(f) < 2 or f.max() == f.min():
        return None
    f = (f - f.min()) / (f.max() - f.min())
    return float(auc(f, pros[keep]))


def rcpro_area(pros, rcs, nregions):
    """RCPRO from points ordered from the highest threshold to the lowest.

    Thresholds without a predicted region are skipped; the polyline starts at
    (0, RC of the first point); trapezoid area, no normalisation."""
    sel = nregions > 0
    x = pros[sel]
    y = rcs[sel]
    if len(x) == 0:
        return None
    x = np.concatenate(([0.0], x))
    y = np.concatenate(([y[0]], y))
    return float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) * 0.5))


def peer_loop_aupro(maps, masks, args):
    th = steps_thresholds(maps, args.steps)
    if th is None or not masks.any() or masks.all():
        return {"aupro": None}
    c = loop_curves(maps, masks, th)
    return {"aupro": steps_aupro(c["fpr"], c["pro"], args.fpr_limit)}


def peer_loop_rcpro(maps, masks, args):
    th = steps_thresholds(maps, args.steps)
    if th is None or not masks.any():
        return {"rcpro": None, "aupro": None}
    c = loop_curves(maps, masks, th, rc=True, tau=args.tau, delta=args.delta)
    # The loop runs thresholds upwards; the RC-vs-PRO curve runs downwards.
    rcpro = rcpro_area(c["pro"][::-1], c["rc"][::-1], c["nregions"][::-1])
    aupro = None if masks.all() else steps_aupro(c["fpr"], c["pro"], args.fpr_limit)
    return {"rcpro": rcpro, "aupro": aupro}


# --------------------------------------------------------------------------
# Peer 4: scikit-learn pixel AUROC and AP


def peer_sklearn_pixel(maps, masks, args):
    from sklearn.metrics import average_precision_score, roc_auc_score

    y = masks.reshape(-1).view(np.uint8)
    s = maps.reshape(-1)
    if y.min() == y.max():
        return {"auroc": None, "ap": None}
    return {
        "auroc": float(roc_auc_score(y, s)),
        "ap": float(average_precision_score(y, s)),
    }


PEERS = {
    "mvtec-aupro": peer_mvtec_aupro,
    "loop-aupro": peer_loop_aupro,
    "loop-rcpro": peer_loop_rcpro,
    "sklearn-pixel": peer_sklearn_pixel,
}


def run_peer(name, args):
    t0 = time.perf_counter()
    per_cat = {}
    for cat in list_categories(args.data, args.categories):
        maps, masks = load_category(args.data, cat)
        per_cat[cat] = PEERS[name](maps, masks, args)
        del maps, masks
    mean = {}
    for key in next(iter(per_cat.values())):
        vals = [v[key] for v in per_cat.values() if v[key] is not None]
        mean[key] = float(np.mean(vals)) if vals else None
    out = {
        "peer": name,
        "value": mean,
        "categories": per_cat,
        "compute_s": round(time.perf_counter() - t0, 4),
    }
    print(json.dumps(out), flush=True)


# --------------------------------------------------------------------------
# synth: a small deterministic generator of the same layout


MVTEC = [
    "bottle", "cable", "capsule", "carpet", "grid", "hazelnut", "leather",
    "metal_nut", "pill", "screw", "tile", "toothbrush", "transistor", "wood",
    "zipper",
]


def synth_image(rng, size, anomalous):
    """(map float32, mask bool or None) for one synthetic image."""
    from scipy.ndimage import gaussian_filter

    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    mask = np.zeros((size, size), dtype=bool)
    if anomalous:
        for _ in range(rng.integers(1, 4)):
            if rng.random() < 0.6:  # elliptic blob
                cy, cx = rng.uniform(0.1, 0.9, 2) * size
                ry, rx = rng.uniform(0.02, 0.12, 2) * size
                mask |= ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
            else:  # scratch: a thick segment
                p0 = rng.uniform(0.1, 0.9, 2) * size
                p1 = p0 + rng.uniform(-0.4, 0.4, 2) * size
                d = p1 - p0
                ln = max(float(np.hypot(*d)), 1.0)
                t = np.clip(((yy - p0[0]) * d[0] + (xx - p0[1]) * d[1]) / ln**2, 0, 1)
                dist = np.hypot(yy - (p0[0] + t * d[0]), xx - (p0[1] + t * d[1]))
                mask |= dist <= rng.uniform(0.004, 0.015) * size + 0.5
    noise = gaussian_filter(rng.standard_normal((size, size)), size / 32)
    noise /= noise.std() + 1e-12
    amap = 0.15 * noise + 0.5
    if anomalous:
        amap += rng.uniform(0.4, 1.0) * gaussian_filter(mask.astype(np.float64), size / 96)
    for _ in range(rng.integers(0, 3)):  # false-positive bumps
        cy, cx = rng.uniform(0, 1, 2) * size
        s = rng.uniform(0.02, 0.08) * size
        amap += rng.uniform(0.1, 0.5) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s))
    return amap.astype(np.float32), (mask if anomalous and mask.any() else None)


def synth(args):
    from PIL import Image

    for c in range(args.categories):
        cat = MVTEC[c] if c < len(MVTEC) else f"cat{c:02d}"
        rng = np.random.default_rng([args.seed, c])
        for i in range(args.images):
            anomalous = rng.random() < 0.3
            amap, mask = synth_image(rng, args.size, anomalous)
            defect = "good" if mask is None else "defect"
            d = os.path.join(args.out, cat, "test", defect)
            os.makedirs(d, exist_ok=True)
            np.save(os.path.join(d, f"{i:03d}.npy"), amap)
            if mask is not None:
                g = os.path.join(args.out, cat, "ground_truth", defect)
                os.makedirs(g, exist_ok=True)
                Image.fromarray(mask.astype(np.uint8) * 255).save(
                    os.path.join(g, f"{i:03d}_mask.png")
                )


# --------------------------------------------------------------------------
# selftest


def brute_label(binary):
    """8-connected labels by breadth-first search, raster order of first pixel."""
    h, w = binary.shape
    lab = np.zeros((h, w), dtype=np.int64)
    n = 0
    for y0 in range(h):
        for x0 in range(w):
            if binary[y0, x0] and lab[y0, x0] == 0:
                n += 1
                lab[y0, x0] = n
                queue = [(y0, x0)]
                while queue:
                    y, x = queue.pop()
                    for dy in (-1, 0, 1):
                        for dx in (-1, 0, 1):
                            v, u = y + dy, x + dx
                            if 0 <= v < h and 0 <= u < w and binary[v, u] and lab[v, u] == 0:
                                lab[v, u] = n
                                queue.append((v, u))
    return lab, n


def brute_exact(maps, masks, tau=TAU, delta=DELTA, limit=FPR_LIMIT):
    """Exact-grid AUPRO and RCPRO by plain loops over every distinct score."""
    gts = [brute_label(m) for m in masks]
    num_ok = int((~masks).sum())
    num_regions = sum(n for _, n in gts)
    pts = [(0.0, 0.0)]
    rc_pts = []
    for t in sorted(set(maps.ravel().tolist()), reverse=True):
        fp = 0
        pro_sum = 0.0
        qs = []
        for img, (glab, ng) in zip(maps, gts):
            b = img >= t
            fp += int((b & (glab == 0)).sum())
            for g in range(1, ng + 1):
                pro_sum += (b & (glab == g)).sum() / (glab == g).sum()
            plab, npred = brute_label(b)
            for p in range(1, npred + 1):
                reg = plab == p
                best, best_ov = 0, 0
                for g in range(1, ng + 1):
                    o = int((reg & (glab == g)).sum())
                    if o > best_ov:
                        best, best_ov = g, o
                if best == 0:
                    qs.append(0.0)
                    continue
                area = int((glab == best).sum())
                if best_ov < tau * area:
                    qs.append(0.0)
                    continue
                r = (int(reg.sum()) - best_ov) / area
                qs.append(1.0 if r <= delta else delta / r)
        pro = pro_sum / num_regions
        pts.append((fp / num_ok, pro))
        if qs:
            rc_pts.append((pro, sum(qs) / len(qs)))
    x = np.array([p[0] for p in pts])
    y = np.array([p[1] for p in pts])
    aupro = trapezoid_area(x, y, limit) / limit
    rx = np.array([0.0] + [p[0] for p in rc_pts])
    ry = np.array([rc_pts[0][1]] + [p[1] for p in rc_pts])
    rcpro = float(np.sum((rx[1:] - rx[:-1]) * (ry[1:] + ry[:-1]) / 2))
    return aupro, rcpro


def loop_exact(maps, masks, limit=FPR_LIMIT):
    """Exact-grid AUPRO and RCPRO from loop_curves at every distinct score (>=)."""
    th = np.unique(maps)[::-1].astype(np.float64)
    c = loop_curves(maps, masks, th, strict=False, rc=True)
    x = np.concatenate(([0.0], c["fpr"]))
    y = np.concatenate(([0.0], c["pro"]))
    aupro = trapezoid_area(x, y, limit) / limit
    return aupro, rcpro_area(c["pro"], c["rc"], c["nregions"])


def selftest(args):
    ok = True

    def check(name, got, want, tol):
        nonlocal ok
        good = got is not None and abs(got - want) <= tol
        ok &= good
        print(f"{'ok ' if good else 'BAD'} {name}: got {got!r} want {want!r} (tol {tol:g})")

    # 1. The worked example of METRICS.md.
    s = np.array([[[0.9, 0.5, 0.3, 0.8, 0.1, 0.2, 0.4, 0.7]]], dtype=np.float32)
    m = np.array([[[1, 1, 0, 0, 0, 0, 1, 0]]], dtype=bool)
    a = argparse.Namespace(fpr_limit=FPR_LIMIT)
    check("example mvtec-aupro", peer_mvtec_aupro(s, m, a)["aupro"], 0.25, 1e-12)
    la, lr = loop_exact(s, m)
    check("example loop exact aupro", la, 0.25, 1e-12)
    check("example loop exact rcpro", lr, 0.5833333333333333, 1e-12)
    ba, br = brute_exact(s, m)
    check("example brute aupro", ba, 0.25, 1e-12)
    check("example brute rcpro", br, 0.5833333333333333, 1e-12)
    sk = peer_sklearn_pixel(s, m, a)
    check("example sklearn auroc", sk["auroc"], 11 / 15, 1e-12)
    check("example sklearn ap", sk["ap"], 0.7, 1e-12)

    # 2. Tiny random data with ties: vectorised loop vs brute force at every
    #    distinct score, and MVTec's sort-based AUPRO vs both.
    rng = np.random.default_rng(7)
    for trial in range(4):
        n, h, w = 4, 14, 15
        masks = np.zeros((n, h, w), dtype=bool)
        for i in range(n - 1):
            for _ in range(rng.integers(1, 3)):
                y0, x0 = rng.integers(0, h - 3), rng.integers(0, w - 3)
                masks[i, y0 : y0 + rng.integers(1, 5), x0 : x0 + rng.integers(1, 6)] = True
        maps = (rng.random((n, h, w)) * 0.6 + masks * rng.random((n, h, w)) * 0.8)
        maps = (np.round(maps * 40) / 40).astype(np.float32)  # ties
        ba, br = brute_exact(maps, masks)
        la, lr = loop_exact(maps, masks)
        ma = peer_mvtec_aupro(maps, masks, a)["aupro"]
        check(f"tiny{trial} loop vs brute rcpro", lr, br, 1e-12)
        check(f"tiny{trial} loop vs brute aupro", la, ba, 1e-12)
        check(f"tiny{trial} mvtec vs brute aupro", ma, ba, 1e-12)

    # 3. Synthetic data: steps curves approach the exact ones as N grows, and
    #    the published 200-step AUPRO is close to the official exact one.
    rng = np.random.default_rng(11)
    items = [synth_image(rng, 40, i % 3 == 0) for i in range(6)]
    maps = np.stack([it[0] for it in items])
    maps = (np.round(maps * 300) / 300).astype(np.float32)  # fewer exact thresholds
    masks = np.stack([np.zeros((40, 40), bool) if it[1] is None else it[1] for it in items])
    exact_aupro = peer_mvtec_aupro(maps, masks, a)["aupro"]
    _, exact_rcpro = loop_exact(maps, masks)
    for steps, tol in ((200, 0.03), (2000, 0.01)):
        ns = argparse.Namespace(fpr_limit=FPR_LIMIT, steps=steps, tau=TAU, delta=DELTA)
        r = peer_loop_rcpro(maps, masks, ns)
        la = peer_loop_aupro(maps, masks, ns)["aupro"]
        check(f"synth steps:{steps} loop-aupro == loop-rcpro aupro", r["aupro"], la, 0)
        check(f"synth steps:{steps} rcpro vs exact", r["rcpro"], exact_rcpro, tol)
        check(f"synth steps:{steps} aupro vs mvtec exact", la, exact_aupro, tol * 2)
    # 4. Steps thresholds are strict and rounded to float32: a map whose
    #    values sit exactly on float32(t_k) must not switch on at t_k.
    th = steps_thresholds(maps, 200)
    t32 = np.float32(th[57])
    c = loop_curves(np.full((1, 2, 2), t32, np.float32), np.zeros((1, 2, 2), bool), [th[57]])
    check("strict > at float32(t)", float(c["fpr"][0]), 0.0, 0)
    print("selftest", "passed" if ok else "FAILED")
    return 0 if ok else 1


# --------------------------------------------------------------------------
# report: the table of compare.sh

ZSAD_EXACT = "zsadbench exact"
ZSAD_STEPS = "zsadbench steps:200"
SUITE = ("mvtec-aupro", "loop-rcpro", "sklearn-pixel")
AGREE = [
    # (tool, its metric, zsadbench run, zsadbench metric)
    ("mvtec-aupro", "aupro", ZSAD_EXACT, "pixel.aupro"),
    ("zsadbench exact aupro-only", "pixel.aupro", ZSAD_EXACT, "pixel.aupro"),
    ("loop-aupro", "aupro", ZSAD_STEPS, "pixel.aupro"),
    ("loop-rcpro", "aupro", ZSAD_STEPS, "pixel.aupro"),
    ("loop-rcpro", "rcpro", ZSAD_STEPS, "pixel.rcpro"),
    ("sklearn-pixel", "auroc", ZSAD_EXACT, "pixel.auroc"),
    ("sklearn-pixel", "ap", ZSAD_EXACT, "pixel.ap"),
    ("sklearn-pixel", "auroc", ZSAD_STEPS, "pixel.auroc"),
    ("sklearn-pixel", "ap", ZSAD_STEPS, "pixel.ap"),
]


def read_result(path):
    """{category: {metric: value}} of a zsadbench JSON or a peer JSON line."""
    with open(path) as f:
        text = f.read()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise SystemExit(f"peers.py report: {path}: not JSON: {e}")
    out = {}
    if "peer" in doc:
        for cat, vals in doc["categories"].items():
            out[cat] = dict(vals)
        return out
    for c in doc.get("categories", []):
        vals = {}
        for level in ("image", "pixel"):
            for k, v in (c.get(level) or {}).items():
                vals[f"{level}.{k}"] = v
        out[c["name"]] = vals
    return out


def fmt_values(res, zsad):
    keys = (
        ["pixel.auroc", "pixel.ap", "pixel.aupro", "pixel.rcpro"]
        if zsad
        else sorted(next(iter(res.values())).keys())
    )
    parts = []
    for k in keys:
        vals = [r.get(k) for r in res.values()]
        if all(v is None for v in vals) and zsad:
            continue
        vals = [v for v in vals if v is not None]
        name = k.split(".", 1)[-1]
        parts.append(f"{name} {np.mean(vals):.6f}" if vals else f"{name} null")
    return ", ".join(parts)


def report(args):
    runs = {}
    order = []
    with open(args.runs) as f:
        for line in f:
            name, _, wall, cpu, kb, path = line.rstrip("\n").split("\t")
            if name not in runs:
                runs[name] = {"wall": [], "cpu": [], "kb": [], "res": []}
                order.append(name)
            runs[name]["wall"].append(float(wall))
            runs[name]["cpu"].append(float(cpu))
            runs[name]["kb"].append(int(kb))
            runs[name]["res"].append(read_result(path))
    med = {n: float(np.median(r["wall"])) for n, r in runs.items()}
    cpu = {n: float(np.median(r["cpu"])) for n, r in runs.items()}
    peak = {n: max(r["kb"]) / 1024 for n, r in runs.items()}
    base = med.get(ZSAD_EXACT)
    steps = med.get(ZSAD_STEPS)
    ok = True

    def ratio(w, b):
        return f"{w / b:.1f}x" if b else "-"

    cbase = cpu.get(ZSAD_EXACT)
    print("| tool | wall s (median) | CPU s (median) | peak MB | values (mean over categories) "
          "| wall ÷ zsadbench exact | wall ÷ zsadbench steps:200 | CPU ÷ zsadbench exact |")
    print("|---|---:|---:|---:|---|---:|---:|---:|")
    for n in order:
        r = runs[n]
        print(f"| {n} | {med[n]:.3f} | {cpu[n]:.2f} | {peak[n]:.0f} | "
              f"{fmt_values(r['res'][0], n.startswith('zsadbench'))} | "
              f"{ratio(med[n], base)} | {ratio(med[n], steps)} | {ratio(cpu[n], cbase)} |")
    if all(p in runs for p in SUITE):
        w = sum(med[p] for p in SUITE)
        c = sum(cpu[p] for p in SUITE)
        print(f"| published-style suite ({' + '.join(SUITE)}) | {w:.3f} | {c:.2f} | "
              f"{max(peak[p] for p in SUITE):.0f} | | {ratio(w, base)} | {ratio(w, steps)} "
              f"| {ratio(c, cbase)} |")
    print()

    print("Repeat stability (every repeat gives the same values):")
    for n in order:
        same = all(r == runs[n]["res"][0] for r in runs[n]["res"][1:])
        ok &= same
        print(f"- {n}: {'identical' if same else 'DIFFERENT'} over {len(runs[n]['res'])} runs")
    print()

    rows = [a for a in AGREE if a[0] in runs and a[2] in runs]
    if rows:
        print(f"Agreement per category (|difference| <= {args.tol:g}):")
        print()
        print("| tool value | zsadbench value | max abs difference | agree |")
        print("|---|---|---:|---|")
        for tool, tk, z, zk in rows:
            a, b = runs[tool]["res"][0], runs[z]["res"][0]
            worst, agree = 0.0, True
            for cat in sorted(set(a) | set(b)):
                va = a.get(cat, {}).get(tk)
                vb = b.get(cat, {}).get(zk)
                if va is None or vb is None:
                    if (va is None) != (vb is None):
                        agree = False
                        worst = math.inf
                    continue
                d = abs(va - vb)
                worst = max(worst, d)
                agree &= d <= args.tol
            ok &= agree
            print(f"| {tool} {tk} | {z} {zk} | {worst:.3g} | {'yes' if agree else 'NO'} |")
        print()
    if base:
        if "mvtec-aupro" in med:
            print(f"Target: zsadbench exact (whole suite) at least 10x faster than "
                  f"mvtec-aupro alone: {med['mvtec-aupro'] / base:.1f}x wall "
                  f"({cpu['mvtec-aupro'] / max(cbase, 0.01):.1f}x CPU)")
        if all(p in runs for p in SUITE):
            w = sum(med[p] for p in SUITE)
            c = sum(cpu[p] for p in SUITE)
            print(f"Target: at least 200x faster than the published-style suite: "
                  f"{w / base:.1f}x wall ({c / max(cbase, 0.01):.1f}x CPU)")
    if args.data:
        size = 0
        for d, _, files in os.walk(args.data):
            size += sum(os.path.getsize(os.path.join(d, f)) for f in files if f.endswith(".npy"))
        print(f"Maps on disk: {size / 2**20:.0f} MB (.npy files)")
    print("All values agree and are stable." if ok else "SOME VALUES DISAGREE OR VARY.")
    return 0 if ok else 1


# --------------------------------------------------------------------------


def main(argv=None):
    p = argparse.ArgumentParser(prog="peers.py", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in PEERS:
        sp = sub.add_parser(name, help=f"run the {name} peer")
        sp.add_argument("--data", required=True, help="dataset root (MVTec layout)")
        sp.add_argument("--categories", default="", help="comma list (default all)")
        sp.add_argument("--steps", type=int, default=STEPS)
        sp.add_argument("--fpr-limit", type=float, default=FPR_LIMIT)
        sp.add_argument("--tau", type=float, default=TAU)
        sp.add_argument("--delta", type=float, default=DELTA)
    sp = sub.add_parser("synth", help="write a synthetic dataset")
    sp.add_argument("--out", required=True)
    sp.add_argument("--categories", type=int, default=1)
    sp.add_argument("--images", type=int, default=100)
    sp.add_argument("--size", type=int, default=256)
    sp.add_argument("--seed", type=int, default=1)
    sub.add_parser("selftest", help="check the peers against each other")
    sp = sub.add_parser("report", help="the table of compare.sh from its runs file")
    sp.add_argument("--runs", required=True, help="TSV: tool, repeat, wall s, CPU s, peak KB, JSON path")
    sp.add_argument("--tol", type=float, default=1e-6)
    sp.add_argument("--data", default="", help="dataset root (to print the maps' size)")
    args = p.parse_args(argv)
    if args.cmd == "synth":
        synth(args)
        return 0
    if args.cmd == "selftest":
        return selftest(args)
    if args.cmd == "report":
        return report(args)
    run_peer(args.cmd, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
