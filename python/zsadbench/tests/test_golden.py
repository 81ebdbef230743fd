"""zsadbench.evaluate and Evaluator against the independent reference
(testdata/golden) and against `zsadbench score` on the same data, bit for
bit."""

import os

import numpy as np
import pytest

import zsadbench

from .conftest import SOURCE_KEYS, Case, golden_names, read_curve_csv, run_cli


def pytest_generate_tests(metafunc):
    if "golden" in metafunc.fixturenames:
        from .conftest import _find_repo

        r = _find_repo()
        names = golden_names(r) if r and os.path.isdir(os.path.join(r, "testdata", "golden", "cases")) else ["(none)"]
        metafunc.parametrize("golden", names)


@pytest.fixture
def case(repo, golden):
    return Case(repo, golden)


def close(got, want, tol=1e-12):
    return (got is None and want is None) or (got is not None and want is not None and abs(got - want) <= tol)


def without(d, *keys):
    return {k: v for k, v in d.items() if k not in keys}


def test_golden_values_and_cli(case, cli, tmp_path):
    """On every golden case: the reference's values to 1e-12, the CLI's
    category object, warnings and curves bit for bit, and the Evaluator in
    batches of 1, 7 and all images giving the CLI's whole report."""
    res = zsadbench.evaluate(case.maps, case.masks, case.scores, category=case.name, curves=True, **case.settings())
    for level in ("image", "pixel"):
        for k, want in case.expected[level].items():
            assert close(res[level][k], want), f"{level} {k} = {res[level][k]!r}, want {want!r}"

    rows = case.write(str(tmp_path / "data"))
    # --curve-tolerance 0: every point, to compare the curves bit for bit.
    args = ["--maps", str(tmp_path / "data"), "--data", str(tmp_path / "data"), "--curves", str(tmp_path / "curves"),
            "--curve-tolerance", "0", *case.flags()]
    if rows:
        (tmp_path / "scores.csv").write_text("path,score\n" + "\n".join(rows) + "\n")
        args += ["--scores", str(tmp_path / "scores.csv")]
    rep = run_cli(cli, args)
    (cat,) = rep["categories"]
    assert without(res, "warnings", "curves") == cat
    assert res["warnings"] == [w for w in rep["warnings"] if w.startswith(case.name + ":")]

    kinds = sorted(f[len(case.name) + 1:-4] for f in os.listdir(tmp_path / "curves") if f.endswith(".csv"))
    assert sorted(res["curves"]) == kinds
    for kind, got in res["curves"].items():
        want = read_curve_csv(tmp_path / "curves" / f"{case.name}_{kind}.csv")
        for g, w, what in zip(got, want, ("threshold", "x", "y")):
            assert g.dtype == np.float64 and np.array_equal(g, w), f"{kind} {what} differs from the CLI's"

    n = len(case.maps)
    for size in sorted({1, 7, n}):
        with zsadbench.Evaluator(**case.settings()) as ev:
            for lo in range(0, n, size):
                sl = slice(lo, lo + size)
                ev.update(case.maps[sl], case.masks[sl], None if case.scores is None else case.scores[sl], category=case.name)
            got = ev.compute()
        assert without(got["settings"], *SOURCE_KEYS) == without(rep["settings"], *SOURCE_KEYS), f"batches of {size}"
        assert got["settings"]["version"]
        assert without(got, "settings") == without(rep, "settings"), f"batches of {size}"
