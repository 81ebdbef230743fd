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
