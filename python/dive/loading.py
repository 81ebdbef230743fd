"""Building models from the command lines' inputs: CLIP weights or a random
tiny CLIP, description lists, checkpoints."""

import json
import os

import torch

from . import checkpoint, clip as clipmod, config as configmod
from .model import DIVE

DEFAULT_DESCRIPTIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "descriptions.json")


def backbone(clip_path, config_name, seed):
    """(frozen CLIP, source) from weights, or a random one of the preset's
    sizes when clip_path is empty (only for the tiny preset: a random
    ViT-L/14 is of no use and slow to build)."""
    if clip_path:
        return clipmod.load(clip_path), {"path": os.path.abspath(clip_path), "random_seed": None}
    if config_name != "tiny":
        raise ValueError("--clip is required (OpenAI CLIP weights such as ViT-L-14-336px.pt); "
                         "only --config tiny runs on a random CLIP")
    return clipmod.random_clip(configmod.PRESETS["tiny"].clip, seed), {"path": None, "random_seed": seed}


def descriptions(path=""):
    """{"normal": [...], "abnormal": [...]} from a JSON file (the shipped list by default)."""
    path = path or DEFAULT_DESCRIPTIONS
    try:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(f"{path}: {e}") from None
    ok = isinstance(d, dict) and all(
        isinstance(d.get(k), list) and all(isinstance(s, str) and s.strip() for s in d[k]) for k in ("normal", "abnormal"))
    if not ok or not (d["normal"] or d["abnormal"]):
        raise ValueError(f'{path}: want {{"normal": [texts], "abnormal": [texts]}} with at least one text')
    return {"normal": d["normal"], "abnormal": d["abnormal"]}


def dive_from_checkpoint(path, clip_path=""):
    """(DIVE in eval mode with the checkpoint's trainable parameters, checkpoint dict).

    The CLIP is clip_path's, else the one the checkpoint was trained on (its
    recorded path or random seed). Its sizes must match the checkpoint's."""
    ckpt = checkpoint.load(path)
    cfg = configmod.DIVEConfig.from_dict(ckpt["config"])
    src = ckpt["clip"]
    if clip_path:
        clip = clipmod.load(clip_path)
    elif src.get("random_seed") is not None:
        clip = clipmod.random_clip(cfg.clip, src["random_seed"])
    elif src.get("path") and os.path.isfile(src["path"]):
        clip = clipmod.load(src["path"])
    else:
        raise ValueError(f"{path}: give --clip, the CLIP weights it was trained on ({src.get('path')})")
    if clip.config != cfg.clip:
        raise ValueError(f"{path}: trained on a CLIP of sizes {cfg.clip}, the given weights have {clip.config}")
    model = DIVE(clip, cfg, ckpt["classes"], ckpt["descriptions"])
    model.load_trainable_state(ckpt["trainable"], path)
    return model.eval(), ckpt


def random_dive(config_name, seed, descriptions_path="", image_size=None):
    """A randomly initialised DIVE of a preset on a random CLIP (tests, demos)."""
    clip, _ = backbone("", config_name, seed)
    cfg = configmod.preset(config_name, clip=clip.config, image_size=image_size)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = DIVE(clip, cfg, ["object"], descriptions(descriptions_path))
    return model.eval()
