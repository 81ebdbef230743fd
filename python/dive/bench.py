"""Times DIVE on this machine: ``python3 -m dive.bench``.

    python3 -m dive.bench --config paper --device cuda --batch-size 8

Builds the configuration on a random CLIP of its sizes (no weights needed:
the cost does not depend on the values), then times, after one warm-up each,
the inference forward pass (what the exported model computes) and one
training step (forward, backward, Adam) on random batches, and prints one
JSON line: seconds per inference batch and per training step, and peak GPU
memory on CUDA.
"""

import argparse
import json
import sys
import time

import torch

from . import clip as clipmod, config as configmod, loading
from .losses import total_loss
from .model import DIVE


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m dive.bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default="paper", choices=sorted(configmod.PRESETS))
    p.add_argument("--device", default="auto", choices=["auto", "cuda", "cpu"])
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--grad-checkpoint", action="store_true")
    p.add_argument("--amp", action="store_true", help="bfloat16 autocast on CUDA")
    args = p.parse_args(argv)
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available() else
                          ("cpu" if args.device == "auto" else args.device))
    cfg = configmod.PRESETS[args.config]
    t0 = time.perf_counter()
    clip = clipmod.random_clip(cfg.clip, 0)
    torch.manual_seed(0)
    model = DIVE(clip, cfg, ["object", "thing"], loading.descriptions()).to(device)
    model.clip.visual.checkpoint_blocks = args.grad_checkpoint
    build = time.perf_counter() - t0
    n, s = args.batch_size, cfg.image_size
    image = torch.randn(n, 3, s, s, device=device)
    masks = (torch.rand(n, s, s, device=device) > 0.9).float()
    labels = torch.arange(n, device=device) % 2
    classes = torch.zeros(n, dtype=torch.long, device=device)
    opt = torch.optim.Adam(model.parameter_groups(1e-3, 1e-4))
    amp = dict(device_type=device.type, dtype=torch.bfloat16, enabled=args.amp and device.type == "cuda")

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def infer():
        with torch.no_grad(), torch.autocast(**amp):
            model.predict(image, text, prompts)

    def step():
        with torch.autocast(**amp):
            out = model(image)
        loss, _ = total_loss(out, labels, classes, masks, model.cfg)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    with torch.no_grad():
        text, prompts = model.state_text(), model.visual_prompts()
    result = {"config": args.config, "device": str(device), "torch": torch.__version__, "threads": torch.get_num_threads(),
              "batch": n, "image_size": s, "build_s": round(build, 2)}
    if device.type == "cuda":
        result["gpu"] = torch.cuda.get_device_name(device)
        torch.cuda.reset_peak_memory_stats(device)
    for name, fn in (("inference_s_per_batch", infer), ("train_s_per_step", step)):
        fn()
        sync()
        t0 = time.perf_counter()
        for _ in range(args.repeats):
            fn()
        sync()
        result[name] = round((time.perf_counter() - t0) / args.repeats, 3)
    if device.type == "cuda":
        result["peak_gpu_memory_gib"] = round(torch.cuda.max_memory_allocated(device) / 2 ** 30, 2)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
