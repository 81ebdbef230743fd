"""The bundled example data set (testdata/example, three categories) from
arrays in memory, against `zsadbench score` on its files."""

import os

import numpy as np
import pytest

import zsadbench

from .conftest import SOURCE_KEYS, need, run_cli


def read_png(path):
    try:
        from PIL import Image
    except ImportError:
        need("PIL is missing (Debian: python3-pil): cannot read the example's masks")
    with Image.open(path) as im:
        return np.asarray(im)


def load_example(root):
    """{category: (maps (N, H, W) float32, masks (N, H, W) bool)} in the
    order the CLI lists the images."""
    out = {}
    for cat in sorted(os.listdir(root)):
        test = os.path.join(root, cat, "test")
        if not os.path.isdir(test):
            continue
        maps, masks = [], []
        for defect in sorted(os.listdir(test)):
            for f in sorted(os.listdir(os.path.join(test, defect))):
                m = np.load(os.path.join(test, defect, f))
                k = np.zeros(m.shape, dtype=bool)
                if defect != "good":
                    k = read_png(os.path.join(root, cat, "ground_truth", defect, f[:-4] + "_mask.png")) > 0
                maps.append(m)
                masks.append(k)
        out[cat] = (np.stack(maps), np.stack(masks))
    return out


@pytest.fixture(scope="module")
def example(repo):
    return os.path.join(repo, "testdata", "example")


@pytest.mark.parametrize("thresholds", ["exact", "steps:200"])
def test_example_equals_cli(example, cli, thresholds):
    data = load_example(example)
    assert list(data) == ["capsule", "screw", "tile"]
    rep = run_cli(cli, ["--maps", example, "--data", example, "--thresholds", thresholds])
    ev = zsadbench.Evaluator(thresholds=thresholds)
    for (cat, (maps, masks)), want in zip(data.items(), rep["categories"]):
        assert maps.dtype == np.float32 and maps.flags.c_contiguous  # read where it lies
        res = zsadbench.evaluate(maps, masks, category=cat, thresholds=thresholds)
        assert {k: v for k, v in res.items() if k != "warnings"} == want
        ev.update(maps[:5], masks[:5], category=cat)
        ev.update(maps[5:], masks[5:], category=cat)
    got = ev.compute()
    ev.close()
    assert got["categories"] == rep["categories"]
    assert got["mean"] == rep["mean"]
    assert got["warnings"] == rep["warnings"]
    assert {k: v for k, v in got["settings"].items() if k not in SOURCE_KEYS} == {
        k: v for k, v in rep["settings"].items() if k not in SOURCE_KEYS}
