"""Exports a model to zsadbench's ONNX contract: ``python3 -m dive.export``.

    python3 -m dive.export --checkpoint runs/dive/checkpoint.pt --clip ViT-L-14-336px.pt --out dive.onnx
    python3 -m dive.export --arch zero-shot --clip ViT-L-14-336px.pt --out zs.onnx
    python3 -m dive.export --config tiny --seed 0 --out tiny.onnx          # random small DIVE, no weights

The contract (``go doc ./dive``): one input ``image`` float32 [N, 3, S, S]
(CLIP-normalised RGB), outputs ``image_score`` float32 [N] and
``anomaly_map`` float32 [N, h, w] (the abnormal channel of the patch
similarity, before upsampling); N is dynamic, S fixed by the export. The text
side (learned prompts through the text encoder, the visual prompts, the
description embeddings) is computed once and stored in the graph as
constants, so the graph is the image path only. Opset 17 (torch 1.13's
highest). The file is written atomically after onnx.checker accepts it and
its inputs and outputs are checked against the contract.
"""

import argparse
import os
import sys
import tempfile

import onnx
import torch
from torch import nn

from . import config as configmod, loading
from .zeroshot import ZeroShotCLIP

INPUT, SCORE, MAP = "image", "image_score", "anomaly_map"
OPSET = 17


class DIVEExport(nn.Module):
    """DIVE's inference with the text side frozen into buffers."""

    def __init__(self, model):
        super().__init__()
        self.model = model.eval()
        with torch.no_grad():
            self.register_buffer("text", model.state_text())
            self.register_buffer("prompts", model.visual_prompts())

    def forward(self, image):
        return self.model.predict(image, self.text, self.prompts)


def check_contract(path, size):
    """Raises ValueError unless the ONNX file has the contract's names, types and ranks."""
    m = onnx.load(path)
    onnx.checker.check_model(m)
    f32 = onnx.TensorProto.FLOAT

    def dims(v):
        return [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]

    ins = [i for i in m.graph.input if i.name not in {t.name for t in m.graph.initializer}]
    want = {INPUT: ["N", 3, size, size]}
    if [i.name for i in ins] != [INPUT] or dims(ins[0]) != want[INPUT] or ins[0].type.tensor_type.elem_type != f32:
        raise ValueError(f"{path}: input is {[(i.name, dims(i)) for i in ins]}, want {want}")
    outs = {o.name: o for o in m.graph.output}
    for name, rank in ((SCORE, 1), (MAP, 3)):
        o = outs.get(name)
        if o is None or len(dims(o)) != rank or o.type.tensor_type.elem_type != f32 or dims(o)[0] != "N":
            raise ValueError(f"{path}: output {name} is {o and dims(o)}, want float32 of rank {rank} with batch N")
    return m


def export(module, size, out, opset=OPSET):
    """Traces module (image -> (score, map)) and writes the ONNX file at out."""
    if opset > OPSET:
        raise ValueError(f"opset {opset}: torch {torch.__version__} exports {OPSET} at most")
    module = module.eval()
    out = os.fspath(out)
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):
        raise ValueError(f"--out {out}: folder {folder} does not exist")
    if os.path.exists(out) and not os.path.isfile(out):
        raise ValueError(f"--out {out}: exists and is not a regular file")
    fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".onnx", dir=folder)
    os.close(fd)
    try:
        dummy = torch.zeros(2, 3, size, size)  # batch 2: nothing may fold the batch into a constant
        with torch.no_grad():
            torch.onnx.export(
                module, (dummy,), tmp, input_names=[INPUT], output_names=[SCORE, MAP],
                dynamic_axes={INPUT: {0: "N"}, SCORE: {0: "N"}, MAP: {0: "N"}},
                opset_version=opset, do_constant_folding=True)
        check_contract(tmp, size)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return out


def build(args):
    """(module, input size) for the command line's arguments."""
    if args.arch == "zero-shot":
        if args.checkpoint:
            raise ValueError("--arch zero-shot is training-free: it takes --clip, not --checkpoint")
        clip, _ = loading.backbone(args.clip, args.config, args.seed)
        size = args.image_size or configmod.PRESETS[args.config].image_size
        return ZeroShotCLIP(clip, size, args.vv_blocks, args.object_name), size
    if args.vv_blocks is not None or args.object_name != "object":
        raise ValueError("--vv-blocks and --object-name apply to --arch zero-shot only")
    if args.checkpoint:
        model, _ = loading.dive_from_checkpoint(args.checkpoint, args.clip)
        if args.image_size and args.image_size != model.cfg.image_size:
            raise ValueError(f"--image-size {args.image_size}: the checkpoint was trained at {model.cfg.image_size}")
        return DIVEExport(model), model.cfg.image_size
    if args.config != "tiny" or args.clip:
        raise ValueError("--arch dive needs --checkpoint (a trained model); only --config tiny exports a random one")
    model = loading.random_dive("tiny", args.seed, args.descriptions, args.image_size or None)
    return DIVEExport(model), model.cfg.image_size


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m dive.export", description="Export DIVE or the zero-shot baseline to zsadbench's ONNX contract.")
    p.add_argument("--out", required=True, help="ONNX file to write")
    p.add_argument("--arch", choices=["dive", "zero-shot"], default="dive", help="dive (trained) or zero-shot (training-free CLIP)")
    p.add_argument("--checkpoint", default="", help="DIVE checkpoint from dive.train")
    p.add_argument("--clip", default="", help="OpenAI CLIP weights (default for --checkpoint: the ones it was trained on)")
    p.add_argument("--config", default="paper", choices=["paper", "tiny"], help="tiny: a random small model without weights (tests, demos)")
    p.add_argument("--seed", type=int, default=0, help="seed of a random tiny model")
    p.add_argument("--image-size", type=int, default=0, help="input side of the zero-shot or random tiny model (default 518; tiny: 80); a checkpoint's is fixed")
    p.add_argument("--vv-blocks", type=int, default=None, help="zero-shot: last ViT blocks with the value-value patch path (default half)")
    p.add_argument("--object-name", default="object", help="zero-shot: the object word of the prompts")
    p.add_argument("--descriptions", default="", help="random tiny DIVE: description list")
    p.add_argument("--opset", type=int, default=OPSET)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        module, size = build(args)
        export(module, size, args.out, args.opset)
    except ValueError as e:
        print(f"dive.export: {e}", file=sys.stderr)
        return 1
    print(f"dive.export: wrote {args.out} (input {size}x{size})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
