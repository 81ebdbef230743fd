import json
import os

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import REPO
from dive import data


def write(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(array).save(path)


def rgb(h=20, w=30, value=100):
    return np.full((h, w, 3), value, dtype=np.uint8)


def test_preprocessing_matches_the_go_golden_tensor():
    # testdata/dive/generate.py made this tensor for the Go backend with the
    # same pipeline (PIL bicubic, /255, CLIP mean and std).
    golden = os.path.join(REPO, "testdata", "dive")
    want = np.fromfile(os.path.join(golden, "pre_rgb_97x61_tensor_64.f32"), dtype="<f4").reshape(3, 64, 64)
    got = data.read_image(os.path.join(golden, "pre_rgb_97x61.png"), 64)
    np.testing.assert_array_equal(got.numpy(), want)


def test_list_mvtec(tmp_path):
    root = tmp_path / "ds"
    write(str(root / "bottle/test/good/000.png"), rgb())
    write(str(root / "bottle/test/broken/000.png"), rgb())
    mask = np.zeros((20, 20), np.uint8)
    mask[5:10, 5:10] = 255
    write(str(root / "bottle/ground_truth/broken/000_mask.png"), mask)
    write(str(root / "bottle/test/good/.hidden.png"), rgb())
    write(str(root / "bottle/train/good/000.png"), rgb())
    write(str(root / "metal_nut/test/crack/001.jpg"), rgb())
    write(str(root / "metal_nut/ground_truth/crack/001_mask.jpg"), np.full((20, 30), 100, np.uint8))
    (root / "metal_nut/test/crack/notes.txt").write_text("not an image")
    samples = data.list_mvtec(str(root))
    assert [(os.path.relpath(s.image, root), s.label, s.category) for s in samples] == [
        ("bottle/test/broken/000.png", 1, "bottle"),
        ("bottle/test/good/000.png", 0, "bottle"),
        ("metal_nut/test/crack/001.jpg", 1, "metal_nut"),
    ]
    assert samples[1].mask == ""
    assert len(data.list_mvtec(str(root), splits=("test", "train"))) == 4
    assert [s.category for s in data.list_mvtec(str(root), categories=["metal_nut"])] == ["metal_nut"]
    with pytest.raises(ValueError, match="no category capsule"):
        data.list_mvtec(str(root), categories=["capsule"])
    # masks: > 0 for PNG; > 127 for JPEG (a JPEG mask of grey 100 is all normal)
    m = data.read_mask(samples[0].mask, 40)
    assert m.shape == (40, 40) and m.sum() == 100 and m[10:20, 10:20].all()
    assert data.read_mask(samples[2].mask, 8).sum() == 0
    ds = data.AuxiliaryDataset(samples, 32)
    image, mask, label, cls = ds[2]
    assert image.shape == (3, 32, 32) and mask.shape == (32, 32) and (label, cls) == (1, 1)
    assert ds.classes == ["bottle", "metal_nut"]


def test_list_mvtec_errors(tmp_path):
    root = tmp_path / "ds"
    write(str(root / "bottle/test/broken/000.png"), rgb())
    with pytest.raises(ValueError, match=r"000.png: anomalous image without a mask \(want .*ground_truth/broken/000_mask.png\)"):
        data.list_mvtec(str(root))
    with pytest.raises(ValueError, match="missing"):
        data.list_mvtec(str(tmp_path / "missing"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no images in MVTec layout"):
        data.list_mvtec(str(empty))


def test_bad_image(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(ValueError, match="bad.png: cannot read the image"):
        data.read_image(str(bad), 16)
    with pytest.raises(ValueError, match="not a regular file"):
        data.read_image(str(tmp_path), 16)


def test_list_meta(tmp_path):
    write(str(tmp_path / "a/1.png"), rgb())
    write(str(tmp_path / "a/1_mask.png"), np.zeros((20, 30), np.uint8))
    write(str(tmp_path / "a/2.png"), rgb())
    meta = {"train": {}, "test": {"candle": [
        {"img_path": "a/1.png", "mask_path": "a/1_mask.png", "cls_name": "candle", "specie_name": "x", "anomaly": 1},
        {"img_path": "a/2.png", "mask_path": "", "cls_name": "candle", "specie_name": "good", "anomaly": 0},
    ]}}
    (tmp_path / "meta.json").write_text(json.dumps(meta))
    samples = data.list_meta(str(tmp_path), str(tmp_path / "meta.json"))
    assert [(s.label, s.category, bool(s.mask)) for s in samples] == [(1, "candle", True), (0, "candle", False)]
    meta["test"]["candle"][0]["anomaly"] = 2
    (tmp_path / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=r"test.candle\[0\]: anomaly must be 0 or 1"):
        data.list_meta(str(tmp_path), str(tmp_path / "meta.json"))
    (tmp_path / "meta.json").write_text("{")
    with pytest.raises(ValueError, match="meta.json"):
        data.list_meta(str(tmp_path), str(tmp_path / "meta.json"))


def test_dataset_rejects_unknown_classes(tmp_path):
    s = data.Sample(str(tmp_path / "x.png"), "", 0, "capsule")
    with pytest.raises(ValueError, match="capsule"):
        data.AuxiliaryDataset([s], 16, classes=["bottle"])
    assert torch.equal(data.read_mask("", 4), torch.zeros(4, 4))


def test_shipped_descriptions():
    from dive import loading
    from dive.tokenizer import default_tokenizer
    d = loading.descriptions()
    assert (len(set(d["normal"])), len(set(d["abnormal"]))) == (35, 100)
    default_tokenizer().tokenize(d["normal"] + d["abnormal"])  # each fits CLIP's 77 tokens


def test_bad_descriptions(tmp_path):
    from dive import loading
    path = tmp_path / "d.json"
    path.write_text('{"normal": ["ok"], "abnormal": [""]}')
    with pytest.raises(ValueError, match="d.json: want"):
        loading.descriptions(str(path))
