"""Fixtures: the zsadbench repository (its golden cases and example data),
a zsadbench command built from it, and writers of the files it reads.

Tests that compare with the command or read the repository's data need
$ZSADBENCH_REPO (scripts/test-python.sh sets it; a checkout's own tests find
it by themselves) and Go or $ZSADBENCH_CLI; without them they skip, unless
$ZSADBENCH_REQUIRE_REPO is set: then they fail.
"""

import json
import os
import shutil
import struct
import subprocess
import zlib

import numpy as np
import pytest


def need(what):
    if os.environ.get("ZSADBENCH_REQUIRE_REPO"):
        pytest.fail(f"{what} (ZSADBENCH_REQUIRE_REPO is set)")
    pytest.skip(what)


def _find_repo():
    r = os.environ.get("ZSADBENCH_REPO")
    if r:
        return r
    # A checkout's python/zsadbench/tests: the repository is three levels up.
    r = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
    return r if os.path.isfile(os.path.join(r, "go.mod")) else None


@pytest.fixture(scope="session")
def repo():
    r = _find_repo()
    if r is None or not os.path.isdir(os.path.join(r, "testdata", "golden", "cases")):
        need(f"no zsadbench repository ({r}): set $ZSADBENCH_REPO")
    return r


@pytest.fixture(scope="session")
def cli(repo, tmp_path_factory):
    """Path of the zsadbench command: $ZSADBENCH_CLI, else built from repo."""
    p = os.environ.get("ZSADBENCH_CLI")
    if p:
        return p
    go = shutil.which("go")
    if go is None:
        need("go is not on PATH: cannot build zsadbench")
    out = str(tmp_path_factory.mktemp("bin") / "zsadbench")
    subprocess.run([go, "build", "-o", out, "./cmd/zsadbench"], cwd=repo, check=True, timeout=900)
    return out


def golden_names(repo):
    d = os.path.join(repo, "testdata", "golden", "cases")
    return sorted(f[:-5] for f in os.listdir(d) if f.endswith(".json"))


class Case:
    """A golden case (testdata/golden/README.md) as arrays."""

    def __init__(self, repo, name):
        with open(os.path.join(repo, "testdata", "golden", "cases", name + ".json")) as f:
            c = json.load(f)
        self.name = name
        self.options = c["options"]
        self.expected = c["expected"]
        self.names = [im["name"] for im in c["images"]]
        self.maps = [np.array(im["scores"], dtype=np.float64).astype(np.float32).reshape(im["height"], im["width"]) for im in c["images"]]
        for im, m in zip(c["images"], self.maps):
            assert (m.astype(np.float64).ravel() == np.array(im["scores"])).all(), "scores are float32 values"
        self.masks = [np.array(im["mask"], dtype=np.uint8).reshape(im["height"], im["width"]) for im in c["images"]]
        given = [im["image_score"] for im in c["images"]]
        # A null image score is the map's maximum, in float32, as zsadbench takes it.
        self.scores = None
        if any(s is not None for s in given):
            self.scores = [float(m.max()) if s is None else s for s, m in zip(given, self.maps)]

    def settings(self):
        o = self.options
        return dict(thresholds=o["thresholds"], fpr_limit=o["fpr_limit"], rcpro_tau=o["tau"], rcpro_delta=o["delta"],
                    connectivity=o["connectivity"], rc_average=o["rc_average"])

    def flags(self):
        o = self.options
        return ["--thresholds", o["thresholds"], "--fpr-limit", repr(o["fpr_limit"]), "--rcpro-tau", repr(o["tau"]),
                "--rcpro-delta", repr(o["delta"]), "--connectivity", str(o["connectivity"]), "--rc-average", o["rc_average"]]

    def write(self, root, category=None):
        """Writes the case as category (default: its name) of an MVTec-layout
        dataset under root: .npy maps, PNG images beside them (the command
        compares a normal image's map at its image's size, and the cases'
        images have several), PNG masks, and a scores CSV row per given image
        score. Returns the CSV rows."""
        category = category or self.name
        rows = []
        for i, (name, m, k) in enumerate(zip(self.names, self.maps, self.masks)):
            defect = "defect" if k.any() else "good"
            d = os.path.join(root, category, "test", defect)
            os.makedirs(d, exist_ok=True)
            np.save(os.path.join(d, name + ".npy"), m)
            write_png(os.path.join(d, name + ".png"), np.zeros(m.shape, dtype=np.uint8))
            if k.any():
                g = os.path.join(root, category, "ground_truth", defect)
                os.makedirs(g, exist_ok=True)
                write_png(os.path.join(g, name + "_mask.png"), k * np.uint8(255))
            if self.scores is not None:
                rows.append(f"{category}/test/{defect}/{name},{self.scores[i]!r}")
        return rows


def write_png(path, a):
    """An 8-bit greyscale PNG of a (uint8, 2-D): the format's minimum."""
    h, w = a.shape

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + a[r].tobytes() for r in range(h))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# The JSON settings that say how the command's source read its files (the
# layout, the evaluation size, the maps resized, the dataset's categories),
# which arrays handed to the library do not have; and the version.
SOURCE_KEYS = ("version", "layout", "evaluation_size", "maps", "maps_resized", "resized",
               "resized_by_category", "dataset_categories")


def run_cli(cli, args, cwd=None):
    """The command's JSON output."""
    p = subprocess.run([cli, "score", "--format", "json", *args], capture_output=True, text=True, cwd=cwd, timeout=300)
    if p.returncode != 0:
        raise AssertionError(f"zsadbench score {' '.join(args)}: exit {p.returncode}: {p.stderr}")
    return json.loads(p.stdout)


def read_curve_csv(path):
    """A curve file of `score --curves` as three float64 arrays."""
    with open(path) as f:
        header = f.readline().strip()
        assert header == "threshold,x,y", header
        rows = [line.strip().split(",") for line in f if line.strip()]
    cols = np.array([[float(v) for v in r] for r in rows], dtype=np.float64).reshape(-1, 3)
    return cols[:, 0], cols[:, 1], cols[:, 2]
