"""Training checkpoints: only the trainable parameters, and what resuming needs.

A checkpoint is a torch.save'd dict read back with ``weights_only=True``, so a
checkpoint file can hold no code. torch 1.13's weights-only reader takes
tensors, strings and containers but no Python floats, so every plain value
travels as one JSON string:

- ``format``: "zsadbench-dive-checkpoint";
- ``meta``: JSON with ``version`` (1), ``config`` (the DIVEConfig with the
  CLIP sizes), ``classes`` (the auxiliary class names of the semantic
  prompts), ``descriptions`` ({"normal": [...], "abnormal": [...]} of the deep
  injection), ``clip`` ({"path": the weights trained on, "random_seed": the
  seed of a random tiny CLIP or null}), ``step``, ``epoch``, ``train`` (the
  training settings) and the optimizer's parameter groups and plain state;
- ``trainable``: {parameter name: tensor}, the trainable parameters only (the
  frozen CLIP is loaded from its own file);
- ``optimizer_tensors``: {"<parameter index>/<key>": tensor}, Adam's moments.

:func:`load` returns the same dict as was given to :func:`save`.
"""

import json
import os
import tempfile

import torch

FORMAT = "zsadbench-dive-checkpoint"
VERSION = 1


def save(path, state):
    """Writes state (meta values, "trainable" and "optimizer") atomically: a
    temporary file beside path, then a rename."""
    state = dict(state)
    trainable = state.pop("trainable")
    opt = state.pop("optimizer")
    tensors, plain = {}, {}
    for index, values in opt["state"].items():
        for key, value in values.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{index}/{key}"] = value.detach().cpu()
            else:
                plain.setdefault(str(index), {})[key] = value
    meta = {"version": VERSION, **state, "optimizer": {"param_groups": opt["param_groups"], "state": plain}}
    payload = {"format": FORMAT, "meta": json.dumps(meta),
               "trainable": {k: v.detach().cpu() for k, v in trainable.items()}, "optimizer_tensors": tensors}
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".checkpoint-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(payload, f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load(path):
    """The state saved at path; ValueError naming the file when it is not a
    checkpoint of this version."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"{path}: not a regular file")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise ValueError(f"no format {FORMAT!r}")
        meta = json.loads(payload["meta"])
        trainable, tensors = payload["trainable"], payload["optimizer_tensors"]
    except Exception as e:  # noqa: BLE001: any failure means "not a checkpoint"
        raise ValueError(f"{path}: not a DIVE checkpoint ({e})") from None
    if meta.get("version") != VERSION:
        raise ValueError(f"{path}: checkpoint version {meta.get('version')!r}, this code reads {VERSION}")
    opt = meta.pop("optimizer")
    state = {int(i): dict(v) for i, v in opt["state"].items()}
    for key, value in tensors.items():
        index, name = key.split("/", 1)
        state.setdefault(int(index), {})[name] = value
    return {**meta, "trainable": trainable, "optimizer": {"state": state, "param_groups": opt["param_groups"]}}
