"""Trains DIVE on auxiliary data: ``python3 -m dive.train``.

    python3 -m dive.train --data mvtec --clip ViT-L-14-336px.pt --out runs/dive-mvtec

Adam with two learning rates (prompt learners, coupling and branches; the
cross-attention network), batch 8, the paper's configuration by default
(``dive.config``). Each epoch visits the samples in an order drawn from the
seed and the epoch number, so a run resumed with ``--resume`` continues
exactly where it stopped. Checkpoints (OUT/checkpoint.pt) hold only the
trainable parameters; OUT/log.jsonl has one line of losses per step.
CUDA is used when available (``--device``), the CPU otherwise.
"""

import argparse
import dataclasses
import json
import math
import os
import sys
import time

import torch
from tqdm import tqdm

from . import checkpoint, config as configmod, data, loading
from .losses import total_loss
from .model import DIVE


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m dive.train", description="Train DIVE on auxiliary data.")
    p.add_argument("--data", required=True, help="auxiliary dataset root")
    p.add_argument("--layout", choices=["mvtec", "meta"], default="mvtec", help="dataset layout (default mvtec)")
    p.add_argument("--meta", default="", help="meta.json for --layout meta (default DATA/meta.json)")
    p.add_argument("--splits", default="test", help="mvtec splits to train on, comma-separated (default test; 'test,train' adds the normal training images)")
    p.add_argument("--categories", default="", help="comma-separated classes to use (default all)")
    p.add_argument("--clip", default="", help="OpenAI CLIP weights (TorchScript .pt or a state dict); only --config tiny may omit it (random CLIP)")
    p.add_argument("--out", required=True, help="run folder: checkpoint.pt and log.jsonl")
    p.add_argument("--resume", default="", help="checkpoint to resume from (settings come from it)")
    p.add_argument("--config", default="paper", choices=sorted(configmod.PRESETS), help="hyperparameters (default paper)")
    p.add_argument("--descriptions", default="", help='JSON {"normal": [...], "abnormal": [...]} for the deep injection (default: the shipped list)')
    p.add_argument("--image-size", type=int, help="input side (default: the configuration's, 518 for paper)")
    p.add_argument("--epochs", type=int, help=f"default {configmod.TrainConfig.epochs}")
    p.add_argument("--max-steps", type=int, default=0, help="stop after this many steps in all (0: run every epoch)")
    p.add_argument("--batch-size", type=int, help=f"default {configmod.TrainConfig.batch_size}")
    p.add_argument("--lr-prompt", type=float, help=f"prompt learners, coupling and branches (default {configmod.TrainConfig.lr_prompt})")
    p.add_argument("--lr-attention", type=float, help=f"cross-attention network (default {configmod.TrainConfig.lr_attention})")
    p.add_argument("--inject-lambda", type=float, help="residual weight of the deep injection")
    p.add_argument("--vv-blocks", type=int, help="last ViT blocks with the value-value patch path (default 0)")
    p.add_argument("--n-ctx", type=int, help="E: learnable context tokens per prompt")
    p.add_argument("--depth", type=int, help="J: text blocks 1..J-1 get new learnable tokens")
    p.add_argument("--deep-len", type=int, help="length of those deep tokens")
    p.add_argument("--n-visual", type=int, help="K: semantic context tokens coupled to visual prompts")
    p.add_argument("--inject-blocks", type=int, help="last ViT blocks followed by cross-attention")
    p.add_argument("--temperature", type=float, help="tau of the similarity softmaxes")
    p.add_argument("--weight-semantic", type=float, help="alpha: semantic alignment loss weight")
    p.add_argument("--weight-orthogonal", type=float, help="beta: orthogonality loss weight")
    p.add_argument("--weight-prompt", type=float, help="gamma: visual-prompt regulariser weight")
    p.add_argument("--seed", type=int, help=f"default {configmod.TrainConfig.seed}")
    p.add_argument("--save-every", type=int, default=0, help="also save every N steps (default: each epoch)")
    p.add_argument("--device", default="auto", choices=["auto", "cuda", "cpu"], help="auto: CUDA when available")
    p.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1), help="data loading processes")
    p.add_argument("--grad-checkpoint", action="store_true", help="recompute ViT blocks in the backward pass (less GPU memory)")
    p.add_argument("--amp", action="store_true", help="bfloat16 autocast on CUDA")
    return p.parse_args(argv)


def pick_device(name):
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda: no CUDA device is available to PyTorch")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def epoch_order(n, seed, epoch):
    """The sample order of an epoch: a permutation drawn from (seed, epoch)."""
    g = torch.Generator().manual_seed(seed * 100003 + epoch)
    return torch.randperm(n, generator=g).tolist()


def list_samples(args):
    cats = [c for c in args.categories.split(",") if c] or None
    if args.layout == "meta":
        samples = data.list_meta(args.data, args.meta or os.path.join(args.data, "meta.json"))
        if cats:
            samples = [s for s in samples if s.category in cats]
        return samples
    return data.list_mvtec(args.data, cats, tuple(s for s in args.splits.split(",") if s))


def build(args):
    """(model, train config, checkpoint or None, clip source)."""
    model_flags = {
        "image_size": args.image_size, "inject_lambda": args.inject_lambda, "vv_blocks": args.vv_blocks,
        "n_ctx": args.n_ctx, "depth": args.depth, "deep_len": args.deep_len, "n_visual": args.n_visual,
        "inject_blocks": args.inject_blocks, "temperature": args.temperature,
        "weight_semantic": args.weight_semantic, "weight_orthogonal": args.weight_orthogonal,
        "weight_prompt": args.weight_prompt}
    train_flags = {"lr_prompt": args.lr_prompt, "lr_attention": args.lr_attention, "batch_size": args.batch_size,
                   "seed": args.seed, "descriptions": args.descriptions or None}
    if args.resume:
        given = sorted(k for k, v in {**model_flags, **train_flags}.items() if v is not None)
        if given:
            raise ValueError(f"--resume takes the settings from the checkpoint; drop {', '.join('--' + k.replace('_', '-') for k in given)}")
        model, ckpt = loading.dive_from_checkpoint(args.resume, args.clip)
        tc = configmod.TrainConfig(**ckpt["train"])
        if args.epochs is not None:  # a resumed run may be extended
            tc = dataclasses.replace(tc, epochs=args.epochs)
        return model, tc, ckpt, ckpt["clip"]
    train_flags.pop("descriptions")
    tc = dataclasses.replace(configmod.TrainConfig(), epochs=configmod.TrainConfig.epochs if args.epochs is None else args.epochs,
                             **{k: v for k, v in train_flags.items() if v is not None})
    clip, source = loading.backbone(args.clip, args.config, tc.seed)
    cfg = configmod.preset(args.config, clip=clip.config, **model_flags)
    classes = sorted({s.category for s in list_samples(args)})
    torch.manual_seed(tc.seed)
    model = DIVE(clip, cfg, classes, loading.descriptions(args.descriptions))
    return model, tc, None, source


def train(args):
    """Runs the training; returns {"losses": [per step], "checkpoint": path, "step": n}."""
    out = args.out
    ckpt_path = os.path.join(out, "checkpoint.pt")
    resuming_it = args.resume and os.path.exists(args.resume) and os.path.exists(ckpt_path) and os.path.samefile(args.resume, ckpt_path)
    if os.path.exists(ckpt_path) and not resuming_it:
        raise ValueError(f"{ckpt_path} exists: pass --resume {ckpt_path} to continue it, or another --out")
    device = pick_device(args.device)
    model, tc, ckpt, clip_source = build(args)
    if tc.batch_size < 1 or tc.epochs < 1:
        raise ValueError("--batch-size and --epochs must be at least 1")
    samples = list_samples(args)
    dataset = data.AuxiliaryDataset(samples, model.cfg.image_size, model.classes)
    model.to(device)
    model.clip.visual.checkpoint_blocks = args.grad_checkpoint
    opt = torch.optim.Adam(model.parameter_groups(tc.lr_prompt, tc.lr_attention))
    step = 0
    if ckpt is not None:
        opt.load_state_dict(ckpt["optimizer"])
        step = int(ckpt["step"])
    spe = math.ceil(len(dataset) / tc.batch_size)
    total = tc.epochs * spe
    if args.max_steps:
        total = min(total, args.max_steps)
    os.makedirs(out, exist_ok=True)
    log = open(os.path.join(out, "log.jsonl"), "a", encoding="utf-8")
    losses = []

    def save(epoch):
        checkpoint.save(ckpt_path, {
            "config": model.cfg.to_dict(), "classes": model.classes, "descriptions": model.descriptions,
            "clip": clip_source, "trainable": model.trainable_state(), "optimizer": opt.state_dict(),
            "step": step, "epoch": epoch, "train": dataclasses.asdict(tc),
        })

    bar = tqdm(total=total, initial=min(step, total), desc="dive.train", unit="step", file=sys.stderr, disable=None)
    start = time.time()
    try:
        while step < total:
            epoch, skip = divmod(step, spe)
            order = epoch_order(len(dataset), tc.seed, epoch)[skip * tc.batch_size :]
            loader = torch.utils.data.DataLoader(dataset, batch_size=tc.batch_size, sampler=order,
                                                 num_workers=args.workers, pin_memory=device.type == "cuda")
            model.train()
            for images, masks, labels, classes in loader:
                images, masks = images.to(device, non_blocking=True), masks.to(device, non_blocking=True)
                labels, classes = labels.to(device), classes.to(device)
                with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=args.amp and device.type == "cuda"):
                    result = model(images)
                loss, terms = total_loss(result, labels, classes, masks, model.cfg)
                if not torch.isfinite(loss):
                    raise ValueError(f"step {step + 1}: the loss is {float(loss)} ({terms}); "
                                     f"the last checkpoint is {ckpt_path}; lower the learning rates")
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                step += 1
                losses.append(float(loss))
                log.write(json.dumps({"step": step, "epoch": epoch, "loss": float(loss), **terms}) + "\n")
                bar.update(1)
                bar.set_postfix(loss=f"{float(loss):.4f}")
                if args.save_every and step % args.save_every == 0:
                    save(epoch)
                if step >= total:
                    break
            save(epoch if step % spe else epoch + 1)
    finally:
        bar.close()
        log.close()
    print(f"dive.train: {step} steps, last loss {losses[-1] if losses else float('nan'):.4f}, "
          f"{time.time() - start:.1f} s; checkpoint {ckpt_path}", file=sys.stderr)
    return {"losses": losses, "checkpoint": ckpt_path, "step": step}


def main(argv=None):
    args = parse_args(argv)
    try:
        train(args)
    except ValueError as e:
        print(f"dive.train: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
