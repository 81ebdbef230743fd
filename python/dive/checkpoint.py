"""Training checkpoints: only the trainable parameters, and what resuming needs.

A checkpoint is a torch.save'd dict of tensors and plain values (read back with
``weights_only=True``, so a checkpoint file can hold no code):

- ``format``: "zsadbench-dive-checkpoint", ``version``: 1;
- ``config``: the DIVEConfig (with the CLIP sizes) as a dict;
- ``classes``: the auxiliary class names of the semantic prompts;
- ``descriptions``: {"normal": [...], "abnormal": [...]} of the deep injection;
- ``clip``: {"path": the weights trained on, "random_seed": the seed of a
  random tiny CLIP, or None};
- ``trainable``: {parameter name: tensor}, the trainable parameters only (the
  frozen CLIP is loaded from its own file);
- ``optimizer``, ``step``, ``epoch``, ``train`` (the training settings), ``rng``:
  to resume exactly.
"""

import os
import tempfile

import torch

FORMAT = "zsadbench-dive-checkpoint"
VERSION = 1


def save(path, state):
    """Writes state atomically: a temporary file beside path, then a rename."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".checkpoint-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save({"format": FORMAT, "version": VERSION, **state}, f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load(path):
    """The checkpoint dict at path; ValueError naming the file when it is not one."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"{path}: not a regular file")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001: any failure means "not a checkpoint"
        raise ValueError(f"{path}: not a DIVE checkpoint ({e})") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise ValueError(f"{path}: not a DIVE checkpoint (no format {FORMAT!r})")
    if ckpt.get("version") != VERSION:
        raise ValueError(f"{path}: checkpoint version {ckpt.get('version')!r}, this code reads {VERSION}")
    return ckpt
