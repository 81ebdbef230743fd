"""OpenAI CLIP state dicts written key by key, independently of dive.clip.

The names and shapes follow OpenAI's CLIP (clip/model.py: VisionTransformer,
Transformer, ResidualAttentionBlock with nn.MultiheadAttention, CLIP); the
tests load these dicts into dive.clip and compare its forward passes with a
reference built here from torch.nn.MultiheadAttention in OpenAI's
sequence-first layout.
"""

import math

import torch
import torch.nn.functional as F


def block_shapes(prefix, w):
    return {
        prefix + "attn.in_proj_weight": (3 * w, w),
        prefix + "attn.in_proj_bias": (3 * w,),
        prefix + "attn.out_proj.weight": (w, w),
        prefix + "attn.out_proj.bias": (w,),
        prefix + "ln_1.weight": (w,),
        prefix + "ln_1.bias": (w,),
        prefix + "mlp.c_fc.weight": (4 * w, w),
        prefix + "mlp.c_fc.bias": (4 * w,),
        prefix + "mlp.c_proj.weight": (w, 4 * w),
        prefix + "mlp.c_proj.bias": (w,),
        prefix + "ln_2.weight": (w,),
        prefix + "ln_2.bias": (w,),
    }


def key_shapes(embed_dim, image_resolution, vision_layers, vision_width, patch, context_length,
               vocab_size, text_width, text_layers):
    grid = image_resolution // patch
    shapes = {
        "visual.class_embedding": (vision_width,),
        "visual.positional_embedding": (grid * grid + 1, vision_width),
        "visual.proj": (vision_width, embed_dim),
        "visual.conv1.weight": (vision_width, 3, patch, patch),
        "visual.ln_pre.weight": (vision_width,),
        "visual.ln_pre.bias": (vision_width,),
        "visual.ln_post.weight": (vision_width,),
        "visual.ln_post.bias": (vision_width,),
        "positional_embedding": (context_length, text_width),
        "text_projection": (text_width, embed_dim),
        "logit_scale": (),
        "token_embedding.weight": (vocab_size, text_width),
        "ln_final.weight": (text_width,),
        "ln_final.bias": (text_width,),
    }
    for i in range(vision_layers):
        shapes.update(block_shapes(f"visual.transformer.resblocks.{i}.", vision_width))
    for i in range(text_layers):
        shapes.update(block_shapes(f"transformer.resblocks.{i}.", text_width))
    return shapes


TINY = dict(embed_dim=64, image_resolution=64, vision_layers=4, vision_width=128, patch=8,
            context_length=77, vocab_size=49408, text_width=64, text_layers=2)


def random_state_dict(seed=0, **sizes):
    """Random weights for every OpenAI key (layer norms near 1, logit scale
    ln 100), with OpenAI's TorchScript-only entries as well."""
    sizes = {**TINY, **sizes}
    g = torch.Generator().manual_seed(seed)
    sd = {}
    for k, shape in key_shapes(**sizes).items():
        if k == "logit_scale":
            sd[k] = torch.tensor(math.log(100.0))
        elif k.endswith(("ln_1.weight", "ln_2.weight", "ln_pre.weight", "ln_post.weight", "ln_final.weight")):
            sd[k] = 1 + 0.1 * torch.randn(shape, generator=g)
        else:
            fan = shape[-1] if len(shape) > 1 else 1
            sd[k] = torch.randn(shape, generator=g) * (0.02 if len(shape) < 2 else fan ** -0.5)
    sd["input_resolution"] = torch.tensor(sizes["image_resolution"])
    sd["context_length"] = torch.tensor(sizes["context_length"])
    sd["vocab_size"] = torch.tensor(sizes["vocab_size"])
    return sd


def _block(x, sd, prefix, heads, mask=None):
    """OpenAI's ResidualAttentionBlock on x [L, N, W] with nn.MultiheadAttention."""
    w = x.shape[-1]
    mha = torch.nn.MultiheadAttention(w, heads)
    mha.in_proj_weight.data = sd[prefix + "attn.in_proj_weight"]
    mha.in_proj_bias.data = sd[prefix + "attn.in_proj_bias"]
    mha.out_proj.weight.data = sd[prefix + "attn.out_proj.weight"]
    mha.out_proj.bias.data = sd[prefix + "attn.out_proj.bias"]

    def ln(t, name):
        return F.layer_norm(t, (w,), sd[prefix + name + ".weight"], sd[prefix + name + ".bias"])

    h = ln(x, "ln_1")
    x = x + mha(h, h, h, need_weights=False, attn_mask=mask)[0]
    h = F.linear(ln(x, "ln_2"), sd[prefix + "mlp.c_fc.weight"], sd[prefix + "mlp.c_fc.bias"])
    h = h * torch.sigmoid(1.702 * h)
    return x + F.linear(h, sd[prefix + "mlp.c_proj.weight"], sd[prefix + "mlp.c_proj.bias"])


@torch.no_grad()
def reference_encode_image(sd, image, heads):
    """OpenAI's VisionTransformer.forward at the weights' native size."""
    w = sd["visual.conv1.weight"]
    x = F.conv2d(image, w, stride=w.shape[-1]).flatten(2).permute(0, 2, 1)
    cls = sd["visual.class_embedding"] + torch.zeros(x.shape[0], 1, x.shape[-1])
    x = torch.cat([cls, x], dim=1) + sd["visual.positional_embedding"]
    x = F.layer_norm(x, (x.shape[-1],), sd["visual.ln_pre.weight"], sd["visual.ln_pre.bias"])
    x = x.permute(1, 0, 2)
    i = 0
    while f"visual.transformer.resblocks.{i}.ln_1.weight" in sd:
        x = _block(x, sd, f"visual.transformer.resblocks.{i}.", heads)
        i += 1
    x = x.permute(1, 0, 2)
    x = F.layer_norm(x[:, 0], (x.shape[-1],), sd["visual.ln_post.weight"], sd["visual.ln_post.bias"])
    return x @ sd["visual.proj"]


@torch.no_grad()
def reference_encode_text(sd, tokens, heads):
    """OpenAI's CLIP.encode_text."""
    x = sd["token_embedding.weight"][tokens] + sd["positional_embedding"]
    n = tokens.shape[1]
    mask = torch.full((n, n), float("-inf")).triu_(1)
    x = x.permute(1, 0, 2)
    i = 0
    while f"transformer.resblocks.{i}.ln_1.weight" in sd:
        x = _block(x, sd, f"transformer.resblocks.{i}.", heads, mask)
        i += 1
    x = x.permute(1, 0, 2)
    x = F.layer_norm(x, (x.shape[-1],), sd["ln_final.weight"], sd["ln_final.bias"])
    return x[torch.arange(x.shape[0]), tokens.argmax(dim=-1)] @ sd["text_projection"]
