"""Shared fixtures: the zsadbench binary, the ONNX Runtime library, a tiny CLIP
weights file in OpenAI's layout, synthetic training data, one trained run.

The end-to-end tests need Go (to build zsadbench) and the ONNX Runtime library
(scripts/setup-onnxruntime.sh). Without them they skip, unless
$ZSADBENCH_REQUIRE_ORT is set (scripts/test.sh sets it): then they fail.
"""

import os
import shutil
import subprocess

import pytest
import torch

import openai_layout
import synthimages

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def need(what):
    """Skips, or fails when $ZSADBENCH_REQUIRE_ORT says the suite must run whole."""
    if os.environ.get("ZSADBENCH_REQUIRE_ORT"):
        pytest.fail(f"{what} (ZSADBENCH_REQUIRE_ORT is set)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def zsadbench(tmp_path_factory):
    """Path of a zsadbench binary built from this checkout."""
    go = shutil.which("go")
    if go is None:
        need("go is not on PATH: cannot build zsadbench")
    out = str(tmp_path_factory.mktemp("bin") / "zsadbench")
    subprocess.run([go, "build", "-o", out, "./cmd/zsadbench"], cwd=REPO, check=True, timeout=600)
    return out


@pytest.fixture(scope="session")
def ort_lib():
    path = os.environ.get("ZSADBENCH_ORT_LIB") or os.path.join(REPO, "third_party", "onnxruntime", "libonnxruntime.so.1")
    if not os.path.isfile(path):
        need(f"ONNX Runtime library {path} is missing (run scripts/setup-onnxruntime.sh)")
    return path


@pytest.fixture(scope="session")
def tiny_clip_file(tmp_path_factory):
    """A plain state-dict file with every OpenAI CLIP key, tiny sizes."""
    path = tmp_path_factory.mktemp("clip") / "tiny-clip.pt"
    torch.save(openai_layout.random_state_dict(seed=3), path)
    return str(path)


@pytest.fixture(scope="session")
def synth_data(zsadbench, tmp_path_factory):
    """An MVTec-layout dataset of images from zsadbench synth (2 classes of 12)."""
    root = tmp_path_factory.mktemp("synth") / "data"
    subprocess.run([zsadbench, "synth", "--data", str(root), "--num-categories", "2", "--images-per-category", "12",
                    "--image-size", "64", "--seed", "1"], check=True, timeout=120)
    synthimages.maps_to_images(str(root))
    return str(root)


TRAIN_STEPS = 30


@pytest.fixture(scope="session")
def trained_run(synth_data, tiny_clip_file, tmp_path_factory):
    """A tiny DIVE trained for TRAIN_STEPS steps on synth_data with tiny_clip_file."""
    from dive import train

    out = str(tmp_path_factory.mktemp("run") / "run")
    rc = train.main(["--data", synth_data, "--clip", tiny_clip_file, "--config", "tiny", "--out", out,
                     "--max-steps", str(TRAIN_STEPS), "--epochs", "100", "--workers", "0", "--seed", "5"])
    assert rc == 0
    return out
