#!/usr/bin/python3
"""zsadbench from Python, on arrays in memory, against the published-style
Python suite on the same arrays and against `zsadbench score` on the same
data as files (issue 20).

    bench/python.py                   # 1 category x 100 maps of 256x256, 5 repeats
    bench/python.py --repeat 3 --no-peers

Needs the zsadbench package installed (`pip install --no-build-isolation
./python`) or importable (PYTHONPATH=python with $ZSADBENCH_LIB), and for
the peers Debian's numpy, scipy, scikit-learn, scikit-image and PIL
(peers.py). The data is compare.sh's (bench/out/data/c1-n100-s256-seed1),
written with `zsadbench synth` when it is missing. Every tool reads nothing
while timed: the maps (float32, one stack per category) and masks (bool) are
loaded once, as a training loop holds them. The CLI's rows are its whole
runs, reading the files included, as a user would otherwise run it.

Prints a Markdown table: median wall and CPU time of each tool (CPU time
moves less than wall time on a shared machine), their ratios to
zsadbench.evaluate, and whether the values agree (evaluate and the CLI bit
for bit; the peers to 1e-6, each with the zsadbench figure it computes).
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import types

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import peers  # noqa: E402  (bench/peers.py)


def cpu():
    """CPU seconds of this process (every thread, Go's too) and of its
    finished children."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn):
    """Wall and CPU seconds of fn(), and its result."""
    t0, c0 = time.perf_counter(), cpu()
    out = fn()
    return time.perf_counter() - t0, cpu() - c0, out


def cli_run(cli, data, extra):
    p = subprocess.run([cli, "score", "--maps", data, "--data", data, "--format", "json", *extra],
                       capture_output=True, text=True, check=True)
    return json.loads(p.stdout)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=os.path.join(HERE, "out", "data", "c1-n100-s256-seed1"))
    ap.add_argument("--cli", default=os.path.join(HERE, "out", "zsadbench"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-peers", action="store_true", help="skip the published-style suite (about 30 s a category)")
    args = ap.parse_args(argv)

    import zsadbench

    if not os.path.exists(args.cli):
        os.makedirs(os.path.dirname(args.cli), exist_ok=True)
        subprocess.run(["go", "build", "-o", args.cli, "./cmd/zsadbench"], cwd=ROOT, check=True)
    if not os.path.exists(args.data + ".complete"):
        subprocess.run([args.cli, "synth", "--data", args.data, "--num-categories", "1", "--images-per-category", "100",
                        "--image-size", "256", "--seed", "1"], check=True)
        open(args.data + ".complete", "w").close()

    cats = peers.list_categories(args.data)
    data = {c: peers.load_category(args.data, c) for c in cats}
    px = sum(m.size for m, _ in data.values())
    zsadbench.evaluate(*data[cats[0]])  # load the library

    def evaluate(**kw):
        return lambda: [zsadbench.evaluate(m, k, category=c, **kw) for c, (m, k) in data.items()]

    def evaluator(**kw):
        def run():
            with zsadbench.Evaluator(**kw) as ev:
                for c, (m, k) in data.items():
                    ev.update(m, k, category=c)
                return ev.compute()["categories"]
        return run

    f64 = {c: (m.astype(np.float64), k) for c, (m, k) in data.items()}
    rows = []  # (tool, seconds, values by name)
    # Round-robin over the repeats, so that the machine's drift hits every tool alike.
    tools = [
        ("zsadbench.evaluate, exact", evaluate()),
        ("zsadbench.evaluate, steps:200", evaluate(thresholds="steps:200")),
        ("zsadbench.evaluate, float64 maps (converted)", lambda: [zsadbench.evaluate(m, k, category=c) for c, (m, k) in f64.items()]),
        ("zsadbench.Evaluator (copies), exact", evaluator()),
        ("zsadbench score (CLI, reads the files), exact", lambda: cli_run(args.cli, args.data, [])["categories"]),
        ("zsadbench score (CLI, reads the files), steps:200", lambda: cli_run(args.cli, args.data, ["--thresholds", "steps:200"])["categories"]),
    ]
    times = {name: [] for name, _ in tools}
    cpus = {name: [] for name, _ in tools}
    results = {}
    for _ in range(args.repeat):
        for name, fn in tools:
            t, c, results[name] = timed(fn)
            times[name].append(t)
            cpus[name].append(c)
    for name, _ in tools:
        rows.append((name, statistics.median(times[name]), statistics.median(cpus[name])))

    exact = [{k: v for k, v in r.items() if k != "warnings"} for r in results["zsadbench.evaluate, exact"]]
    steps = [{k: v for k, v in r.items() if k != "warnings"} for r in results["zsadbench.evaluate, steps:200"]]
    agree = [
        ("evaluate exact == CLI exact (bit for bit)", exact == results["zsadbench score (CLI, reads the files), exact"]),
        ("evaluate steps:200 == CLI steps:200 (bit for bit)", steps == results["zsadbench score (CLI, reads the files), steps:200"]),
        ("evaluate float64 == evaluate float32", [{k: v for k, v in r.items() if k != "warnings"} for r in results["zsadbench.evaluate, float64 maps (converted)"]] == exact),
        ("Evaluator == evaluate", results["zsadbench.Evaluator (copies), exact"] == exact),
    ]

    if not args.no_peers:
        pargs = types.SimpleNamespace(fpr_limit=peers.FPR_LIMIT, steps=peers.STEPS, tau=peers.TAU, delta=peers.DELTA)
        suite = suite_cpu = 0.0
        for name, fn, checks in [
            ("mvtec-aupro (MVTec AD's official AUPRO)", peers.peer_mvtec_aupro, [("aupro", exact, "aupro")]),
            ("loop-rcpro (200-threshold loop, AUPRO and RCPRO)", peers.peer_loop_rcpro, [("rcpro", steps, "rcpro"), ("aupro", steps, "aupro")]),
            ("sklearn-pixel (roc_auc_score, average_precision_score)", peers.peer_sklearn_pixel, [("auroc", exact, "auroc"), ("ap", exact, "ap")]),
        ]:
            t, c, vals = timed(lambda: [fn(m, k, pargs) for m, k in data.values()])
            suite += t
            suite_cpu += c
            rows.append((name, t, c))
            for key, ours, ours_key in checks:
                diff = max(abs(v[key] - o["pixel"][ours_key]) for v, o in zip(vals, ours))
                agree.append((f"{name.split(' ')[0]} {key} vs zsadbench {ours_key} (|diff| {diff:.2g})", diff <= 1e-6))
        rows.append(("published-style suite (the three above)", suite, suite_cpu))

    base, base_cpu = rows[0][1], rows[0][2]
    print(f"data: {args.data} ({len(cats)} categories, {px / 1e6:.1f} Mpx); repeats: {args.repeat} (median); "
          f"load average before: {os.getloadavg()[0]:.2f}; numpy {np.__version__}; zsadbench {zsadbench.__version__}")
    print()
    print("| tool | wall s | CPU s | wall ÷ zsadbench.evaluate exact | CPU ÷ zsadbench.evaluate exact |")
    print("|---|---:|---:|---:|---:|")
    for name, t, c in rows:
        print(f"| {name} | {t:.3f} | {c:.3f} | {t / base:.2f}x | {c / base_cpu:.2f}x |")
    print()
    for what, ok in agree:
        print(f"- {what}: {'yes' if ok else 'NO'}")
    return 0 if all(ok for _, ok in agree) else 1


if __name__ == "__main__":
    sys.exit(main())
