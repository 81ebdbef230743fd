"""Export to the ONNX contract, and the exported models in zsadbench itself.

The end-to-end tests run ``zsadbench predict`` (ONNX Runtime through the Go
backend, its own pre- and post-processing) on PNG images and compare every
map and score with the PyTorch forward pass followed by the same
post-processing done here: bilinear upsampling to the image size with
half-pixel centres, then scipy.ndimage.gaussian_filter(sigma=4), as
testdata/dive/generate.py defines them for the Go package.
"""

import csv
import json
import os
import subprocess

import numpy as np
import onnx
import pytest
import scipy.ndimage
import torch
from PIL import Image

from dive import clip as clipmod, data, export, loading
from dive.zeroshot import ZeroShotCLIP

TOLERANCE = 1e-5


def test_contract(tmp_path):
    for arch in ("dive", "zero-shot"):
        out = tmp_path / f"{arch}.onnx"
        assert export.main(["--arch", arch, "--config", "tiny", "--seed", "0", "--out", str(out)]) == 0
        m = onnx.load(str(out))
        assert max(o.version for o in m.opset_import if o.domain in ("", "ai.onnx")) <= 17
        dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa: E731
        assert [(i.name, dims(i)) for i in m.graph.input] == [("image", ["N", 3, 80, 80])]
        outs = {o.name: dims(o) for o in m.graph.output}
        assert outs["image_score"] == ["N"]
        assert len(outs["anomaly_map"]) == 3 and outs["anomaly_map"][0] == "N"
        assert oct(os.stat(out).st_mode & 0o777) == "0o644"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_export_errors(tmp_path, capsys):
    out = str(tmp_path / "m.onnx")
    assert export.main(["--out", out]) == 1
    assert "needs --checkpoint" in capsys.readouterr().err
    assert export.main(["--arch", "zero-shot", "--out", out]) == 1
    assert "--clip is required" in capsys.readouterr().err
    assert export.main(["--arch", "zero-shot", "--checkpoint", "x.pt", "--out", out]) == 1
    assert "training-free" in capsys.readouterr().err
    assert export.main(["--checkpoint", str(tmp_path / "none.pt"), "--out", out]) == 1
    assert "none.pt: not a regular file" in capsys.readouterr().err
    assert export.main(["--config", "tiny", "--out", str(tmp_path / "no" / "m.onnx")]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert export.main(["--config", "tiny", "--out", str(tmp_path)]) == 1
    assert "not a regular file" in capsys.readouterr().err
    assert export.main(["--config", "tiny", "--opset", "18", "--out", out]) == 1
    assert "17 at most" in capsys.readouterr().err
    assert export.main(["--config", "tiny", "--vv-blocks", "2", "--out", out]) == 1
    assert "zero-shot only" in capsys.readouterr().err
    assert export.main(["--config", "tiny", "--image-size", "81", "--out", out]) == 1
    assert "not a multiple of the patch size" in capsys.readouterr().err
    assert not os.path.exists(out)


def bilinear(a, dw, dh):
    """torch's bilinear (align_corners=False) with float64 coordinates, as
    testdata/dive/generate.py computes the Go package's reference."""
    a = np.asarray(a, dtype=np.float64)

    def taps(n_in, n_out):
        x = np.maximum((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0.0)
        i0 = np.floor(x).astype(np.int64)
        return i0, np.minimum(i0 + 1, n_in - 1), x - i0

    x0, x1, wx = taps(a.shape[1], dw)
    y0, y1, wy = taps(a.shape[0], dh)
    top = (1 - wx) * a[y0][:, x0] + wx * a[y0][:, x1]
    bot = (1 - wx) * a[y1][:, x0] + wx * a[y1][:, x1]
    return ((1 - wy)[:, None] * top + wy[:, None] * bot).astype(np.float32)


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    """PNG images of several sizes and modes in MVTec layout."""
    root = tmp_path_factory.mktemp("e2e") / "images"
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:90, 0:120]
    scene = (127 + 100 * np.sin(x / 7.0)[..., None] * np.cos(y / 5.0)[..., None] * np.array([1, 0.5, -0.8])).astype(np.uint8)
    cases = {
        "widget/test/good/000.png": Image.fromarray(scene),
        "widget/test/good/001.png": Image.fromarray(rng.integers(0, 256, (61, 97, 3), dtype=np.uint8)),
        "widget/test/good/002.png": Image.fromarray(scene[:47, :33, 0], "L"),
        "widget/test/good/003.png": Image.fromarray(np.dstack([scene[:50, :70], rng.integers(0, 256, (50, 70, 1), dtype=np.uint8)]), "RGBA"),
        "widget/test/good/004.png": Image.fromarray(scene[:64, :64]),
    }
    for key, im in cases.items():
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        im.save(path)
    return str(root), sorted(k[: -len(".png")] for k in cases)


def predict(zsadbench, ort_lib, model, root, out):
    subprocess.run([zsadbench, "predict", "--model", model, "--data", root, "--maps", out,
                    "--provider", "cpu", "--ort-lib", ort_lib, "--batch", "2"], check=True, timeout=300)
    with open(os.path.join(out, "scores.csv"), encoding="utf-8") as f:
        scores = {r["path"]: float(r["score"]) for r in csv.DictReader(f)}
    return scores


def compare(module, size, zsadbench, ort_lib, model_path, images, out):
    root, keys = images
    scores = predict(zsadbench, ort_lib, model_path, root, out)
    assert sorted(scores) == keys
    worst_map = worst_score = 0.0
    for key in keys:
        path = os.path.join(root, key + ".png")
        with Image.open(path) as im:
            w, h = im.size
        with torch.no_grad():
            score, amap = module(data.read_image(path, size)[None])
        want = scipy.ndimage.gaussian_filter(bilinear(amap[0].numpy(), w, h), sigma=4)
        got = np.load(os.path.join(out, key + ".npy"))
        assert got.shape == (h, w) and got.dtype == np.float32
        worst_map = max(worst_map, float(np.abs(got - want).max()))
        worst_score = max(worst_score, abs(scores[key] - float(score[0])))
        assert want.std() > 1e-3  # a map that varies: the comparison can fail
    print(f"{model_path}: max |map difference| {worst_map:.2e}, max |score difference| {worst_score:.2e}")
    assert worst_map <= TOLERANCE and worst_score <= TOLERANCE


def test_random_tiny_dive_in_zsadbench(zsadbench, ort_lib, images, tmp_path):
    model = tmp_path / "tiny.onnx"
    assert export.main(["--config", "tiny", "--seed", "0", "--out", str(model)]) == 0
    module = export.DIVEExport(loading.random_dive("tiny", 0))
    compare(module, 80, zsadbench, ort_lib, str(model), images, str(tmp_path / "maps"))


def test_trained_dive_in_zsadbench(zsadbench, ort_lib, images, trained_run, tiny_clip_file, synth_data, tmp_path):
    model = tmp_path / "trained.onnx"
    ckpt = os.path.join(trained_run, "checkpoint.pt")
    assert export.main(["--checkpoint", ckpt, "--clip", tiny_clip_file, "--out", str(model)]) == 0
    module = export.DIVEExport(loading.dive_from_checkpoint(ckpt, tiny_clip_file)[0])
    compare(module, 80, zsadbench, ort_lib, str(model), images, str(tmp_path / "maps"))
    # zsadbench run: the trained model on its (synthetic) data, scored.
    res = subprocess.run([zsadbench, "run", "--model", str(model), "--data", synth_data, "--format", "json",
                          "--provider", "cpu", "--ort-lib", ort_lib], check=True, capture_output=True, text=True, timeout=300)
    table = json.loads(res.stdout)
    assert [c["name"] for c in table["categories"]] == ["cat00", "cat01"]
    for c in table["categories"]:
        assert 0 <= c["image"]["auroc"] <= 1 and 0 <= c["pixel"]["auroc"] <= 1


def test_zero_shot_in_zsadbench(zsadbench, ort_lib, images, tiny_clip_file, tmp_path):
    model = tmp_path / "zs.onnx"
    assert export.main(["--arch", "zero-shot", "--clip", tiny_clip_file, "--image-size", "96", "--vv-blocks", "2",
                        "--out", str(model)]) == 0
    module = ZeroShotCLIP(clipmod.load(tiny_clip_file), 96, 2).eval()
    compare(module, 96, zsadbench, ort_lib, str(model), images, str(tmp_path / "maps"))
