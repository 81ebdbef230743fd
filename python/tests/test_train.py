"""Training on zsadbench synth data (CPU, tiny configuration)."""

import json
import os

import pytest
import torch

from conftest import TRAIN_STEPS
from dive import checkpoint, loading, train


def read_log(run):
    with open(os.path.join(run, "log.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_loss_falls(trained_run):
    log = read_log(trained_run)
    assert [r["step"] for r in log] == list(range(1, TRAIN_STEPS + 1))
    first = sum(r["loss"] for r in log[:5]) / 5
    last = sum(r["loss"] for r in log[-5:]) / 5
    assert last < 0.8 * first, (first, last)
    for r in log:
        total = r["state"] + r["segmentation"] + r["semantic"] + r["orthogonal"] + r["prompt"]
        assert r["loss"] == pytest.approx(total, rel=1e-5)  # the tiny preset's weights are all 1


def test_checkpoint_holds_only_trainable_parameters(trained_run, tiny_clip_file):
    path = os.path.join(trained_run, "checkpoint.pt")
    ckpt = checkpoint.load(path)
    assert ckpt["step"] == TRAIN_STEPS
    assert ckpt["classes"] == ["cat00", "cat01"]
    assert ckpt["clip"]["path"] == os.path.abspath(tiny_clip_file)
    model, _ = loading.dive_from_checkpoint(path)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert set(ckpt["trainable"]) == trainable
    assert not any(k.startswith("clip.") for k in ckpt["trainable"])
    for k, v in model.trainable_state().items():
        assert torch.equal(v, ckpt["trainable"][k])
    # The round trip keeps every value; the frozen CLIP is the file's.
    frozen = loading.backbone(tiny_clip_file, "tiny", 0)[0].state_dict()
    for k, v in model.clip.state_dict().items():
        if k != "visual.positional_embedding":  # resized to the tiny preset's 80 px
            assert torch.equal(v, frozen[k]), k


def args(data, clip, out, *extra):
    return ["--data", data, "--clip", clip, "--config", "tiny", "--out", out, "--workers", "0",
            "--batch-size", "4", "--epochs", "100", "--seed", "9", *extra]


def test_resume_continues_exactly(synth_data, tiny_clip_file, tmp_path):
    straight, halves = str(tmp_path / "straight"), str(tmp_path / "halves")
    assert train.main(args(synth_data, tiny_clip_file, straight, "--max-steps", "4")) == 0
    assert train.main(args(synth_data, tiny_clip_file, halves, "--max-steps", "2")) == 0
    ckpt = os.path.join(halves, "checkpoint.pt")
    assert train.main(["--data", synth_data, "--out", halves, "--workers", "0", "--max-steps", "4", "--resume", ckpt]) == 0
    a = checkpoint.load(os.path.join(straight, "checkpoint.pt"))
    b = checkpoint.load(ckpt)
    assert b["step"] == 4
    for k, v in a["trainable"].items():
        assert torch.equal(v, b["trainable"][k]), k
    assert read_log(straight) == read_log(halves)


def test_refuses_to_overwrite_a_run(trained_run, synth_data, tiny_clip_file, capsys):
    before = os.path.getmtime(os.path.join(trained_run, "checkpoint.pt"))
    assert train.main(args(synth_data, tiny_clip_file, trained_run)) == 1
    assert "checkpoint.pt exists: pass --resume" in capsys.readouterr().err
    assert os.path.getmtime(os.path.join(trained_run, "checkpoint.pt")) == before


def test_resume_errors(trained_run, synth_data, tiny_clip_file, tmp_path, capsys):
    ckpt = os.path.join(trained_run, "checkpoint.pt")
    assert train.main(args(synth_data, tiny_clip_file, str(tmp_path / "r"), "--resume", ckpt)) == 1
    assert "drop --batch-size, --seed" in capsys.readouterr().err  # settings come from the checkpoint
    base = ["--data", synth_data, "--out", trained_run, "--workers", "0"]
    assert train.main(base + ["--resume", str(tmp_path / "none.pt")]) == 1
    assert "checkpoint.pt exists" in capsys.readouterr().err  # would replace another run's checkpoint
    assert train.main(["--data", synth_data, "--out", str(tmp_path / "r"), "--resume", str(tmp_path / "none.pt")]) == 1
    assert "none.pt: not a regular file" in capsys.readouterr().err


def test_usage_errors(tmp_path, capsys):
    assert train.main(["--data", str(tmp_path), "--out", str(tmp_path / "run")]) == 1
    assert "--clip is required" in capsys.readouterr().err
    assert train.main(["--data", str(tmp_path / "none"), "--config", "tiny", "--out", str(tmp_path / "run")]) == 1
    assert "none" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "run")


def test_gradient_checkpointing_gives_the_same_gradients():
    model = loading.random_dive("tiny", 0)
    image = torch.randn(2, 3, 80, 80)
    grads = []
    for on in (False, True):
        model.zero_grad()
        model.clip.visual.checkpoint_blocks = on
        out = model(image)
        (out["state_logits"][:, 1].sum() + out["semantic_logits"].sum() + out["segmentation"][:, 1].mean()).backward()
        grads.append({n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad})
    for n, g in grads[0].items():
        torch.testing.assert_close(grads[1][n], g, rtol=1e-5, atol=1e-7)


def test_flags_set_the_configuration(synth_data, tiny_clip_file, tmp_path):
    out = str(tmp_path / "run")
    assert train.main(args(synth_data, tiny_clip_file, out, "--max-steps", "1", "--n-ctx", "3", "--depth", "1",
                           "--temperature", "0.05", "--inject-lambda", "0.5", "--weight-prompt", "0.25",
                           "--image-size", "64")) == 0
    cfg = checkpoint.load(os.path.join(out, "checkpoint.pt"))["config"]
    assert (cfg["n_ctx"], cfg["depth"], cfg["temperature"], cfg["inject_lambda"], cfg["weight_prompt"], cfg["image_size"]) == (
        3, 1, 0.05, 0.5, 0.25, 64)
    assert cfg["n_visual"] == 2 and cfg["clip"]["vision_width"] == 128  # the rest from the preset and the weights


@pytest.fixture(scope="module")
def squares(tmp_path_factory):
    """An easy auxiliary set: grey noise, and in every other image a bright
    24x24 square (its mask), 2 classes of 12 images."""
    import numpy as np
    from PIL import Image

    root = tmp_path_factory.mktemp("squares") / "data"
    rng = np.random.default_rng(0)
    for cls in ("a", "b"):
        for i in range(12):
            img = rng.normal(120, 10, (64, 64, 3)).clip(0, 255)
            defect = i % 2 == 1
            folder = root / cls / "test" / ("bad" if defect else "good")
            folder.mkdir(parents=True, exist_ok=True)
            if defect:
                y, x = rng.integers(0, 40, 2)
                img[y : y + 24, x : x + 24] = 250
                mask = np.zeros((64, 64), np.uint8)
                mask[y : y + 24, x : x + 24] = 255
                (root / cls / "ground_truth" / "bad").mkdir(parents=True, exist_ok=True)
                Image.fromarray(mask).save(root / cls / "ground_truth" / "bad" / f"{i:03d}_mask.png")
            Image.fromarray(img.astype(np.uint8)).save(folder / f"{i:03d}.png")
    return str(root)


def auroc(labels, scores):
    """Mann-Whitney AUROC (ties count half)."""
    import numpy as np
    from scipy.stats import rankdata

    labels, ranks = np.asarray(labels, bool), rankdata(scores)
    n_pos, n_neg = labels.sum(), (~labels).sum()
    return (ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def evaluate(ckpt, root):
    """Image and pixel AUROC of a checkpoint on its own training images."""
    import numpy as np

    from dive import data, export

    module = export.DIVEExport(loading.dive_from_checkpoint(ckpt)[0])
    labels, scores, pixels, maps = [], [], [], []
    for s in data.list_mvtec(root):
        with torch.no_grad():
            score, amap = module(data.read_image(s.image, 80)[None])
        up = torch.nn.functional.interpolate(amap[None], size=(80, 80), mode="bilinear", align_corners=False)
        labels.append(s.label)
        scores.append(float(score))
        pixels.append(data.read_mask(s.mask, 80).flatten().numpy())
        maps.append(up.flatten().numpy())
    return auroc(labels, scores), auroc(np.concatenate(pixels), np.concatenate(maps))


def test_training_learns_a_separable_defect(squares, tmp_path):
    # The same initialisation (seed) after 1 step and after 40: the image score
    # goes from chance to separating every anomalous image, the map sharpens.
    runs = {}
    for steps in (1, 40):
        out = str(tmp_path / f"run{steps}")
        assert train.main(["--data", squares, "--config", "tiny", "--out", out, "--workers", "0",
                           "--max-steps", str(steps), "--epochs", "1000", "--seed", "3"]) == 0
        runs[steps] = evaluate(os.path.join(out, "checkpoint.pt"), squares)
    print("image and pixel AUROC after 1 and 40 steps:", runs)
    (image0, pixel0), (image1, pixel1) = runs[1], runs[40]
    assert image0 < 0.8 and image1 > 0.95, runs
    assert pixel1 > 0.95 and pixel1 > pixel0 + 0.02, runs
