"""OpenAI's CLIP (ViT variants) in OpenAI's state-dict layout, frozen.

The modules carry OpenAI's parameter names (``visual.conv1.weight``,
``visual.transformer.resblocks.N.attn.in_proj_weight``, ``token_embedding.weight``,
``ln_final``, ``text_projection``, ``logit_scale``, ...), so a released
checkpoint (a TorchScript archive such as ``ViT-L-14-336px.pt``, or a plain
state dict) loads by key with nothing missing and nothing left over:
:func:`load_state_dict` and :func:`build_from_state_dict`.

Written here rather than imported because DIVE changes the forward passes
(prompt tokens in the text encoder's layers, visual prompts before the first
ViT block, cross-attention after the last ones, the value-value attention path
of the training-free baseline) and because Debian packages no CLIP. Only the
ViT image encoders are supported; OpenAI's ResNet ones are refused by name.

Attention is computed here instead of with ``nn.MultiheadAttention`` so that
one batch-first module serves self-attention, value-value attention and the
deep injection's cross-attention, and exports to ONNX without the fused fast
path; its parameters keep ``nn.MultiheadAttention``'s names.
"""

import dataclasses
import math
import re
from collections import OrderedDict

import torch
import torch.nn.functional as F
import torch.utils.checkpoint
from torch import nn

# Normalisation of CLIP's image pre-processing (also in the Go package dive).
MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)

# Keys of OpenAI's TorchScript state dicts that are not weights (clip.build_model drops them).
_META_KEYS = ("input_resolution", "context_length", "vocab_size")


@dataclasses.dataclass(frozen=True)
class CLIPConfig:
    """Sizes of a CLIP model; the defaults are ViT-L/14@336px."""

    embed_dim: int = 768
    image_resolution: int = 336
    vision_layers: int = 24
    vision_width: int = 1024
    vision_patch_size: int = 14
    context_length: int = 77
    vocab_size: int = 49408
    transformer_width: int = 768
    transformer_layers: int = 12
    head_width: int = 64  # OpenAI's: heads = width // 64 in both encoders

    @property
    def vision_heads(self):
        return max(1, self.vision_width // self.head_width)

    @property
    def transformer_heads(self):
        return max(1, self.transformer_width // self.head_width)

    @property
    def grid(self):
        return self.image_resolution // self.vision_patch_size


class Attention(nn.Module):
    """Multi-head attention with ``nn.MultiheadAttention``'s parameter names.

    Batch first: query [N, Lq, W], key_value [N, Lk, W]. ``mask`` is added to
    the logits ([Lq, Lk], -inf where a query must not look). ``value_value``
    computes the value-value attention of CLIP Surgery (softmax(v v^T) v), used
    by the training-free baseline's patch path.
    """

    def __init__(self, width, heads):
        super().__init__()
        if width % heads:
            raise ValueError(f"width {width} is not a multiple of {heads} heads")
        self.heads = heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * width, width))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * width))
        self.out_proj = nn.Linear(width, width)
        nn.init.xavier_uniform_(self.in_proj_weight)
        nn.init.zeros_(self.out_proj.bias)

    def _split(self, x):
        n, length, width = x.shape
        return x.reshape(n, length, self.heads, width // self.heads).transpose(1, 2)

    def forward(self, query, key_value=None, mask=None, value_value=False):
        width = query.shape[-1]
        w, b = self.in_proj_weight, self.in_proj_bias
        if key_value is None and not value_value:
            q, k, v = F.linear(query, w, b).chunk(3, dim=-1)
        elif value_value:
            v = F.linear(query, w[2 * width :], b[2 * width :])
            q = k = v
        else:
            q = F.linear(query, w[:width], b[:width])
            k, v = F.linear(key_value, w[width:], b[width:]).chunk(2, dim=-1)
        q, k, v = self._split(q), self._split(k), self._split(v)
        logits = (q @ k.transpose(-2, -1)) * (q.shape[-1] ** -0.5)
        if mask is not None:
            logits = logits + mask
        out = logits.softmax(dim=-1) @ v  # [N, heads, Lq, head width]
        out = out.transpose(1, 2).reshape(query.shape[0], query.shape[1], width)
        return self.out_proj(out)


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class ResidualAttentionBlock(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.attn = Attention(width, heads)
        self.ln_1 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(OrderedDict([
            ("c_fc", nn.Linear(width, width * 4)),
            ("gelu", QuickGELU()),
            ("c_proj", nn.Linear(width * 4, width)),
        ]))
        self.ln_2 = nn.LayerNorm(width)

    def forward(self, x, mask=None):
        x = x + self.attn(self.ln_1(x), mask=mask)
        return x + self.mlp(self.ln_2(x))

    def value_value(self, x):
        """The value-value path's residual update from the block's input x
        (CLIP Surgery: attention only, no MLP)."""
        return self.attn(self.ln_1(x), value_value=True)


class Transformer(nn.Module):
    def __init__(self, width, layers, heads):
        super().__init__()
        self.width = width
        self.layers = layers
        self.resblocks = nn.Sequential(*[ResidualAttentionBlock(width, heads) for _ in range(layers)])


class VisionTransformer(nn.Module):
    """CLIP's image encoder. :meth:`tokens` and :meth:`head` split the forward
    pass so that DIVE can insert prompts and cross-attention between blocks."""

    def __init__(self, cfg):
        super().__init__()
        width = cfg.vision_width
        self.patch_size = cfg.vision_patch_size
        self.conv1 = nn.Conv2d(3, width, kernel_size=self.patch_size, stride=self.patch_size, bias=False)
        scale = width ** -0.5
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(scale * torch.randn(cfg.grid ** 2 + 1, width))
        self.ln_pre = nn.LayerNorm(width)
        self.transformer = Transformer(width, cfg.vision_layers, cfg.vision_heads)
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(scale * torch.randn(width, cfg.embed_dim))
        # Recompute blocks in the backward pass instead of keeping their
        # activations (training on a GPU with little memory).
        self.checkpoint_blocks = False

    @property
    def grid(self):
        return round(math.sqrt(self.positional_embedding.shape[0] - 1))

    @property
    def image_size(self):
        return self.grid * self.patch_size

    def set_image_size(self, size):
        """Resizes the positional embeddings for size x size inputs (bicubic
        interpolation of the patch grid, align_corners=False; the class token's
        embedding is kept). A no-op at the current size."""
        if size % self.patch_size:
            raise ValueError(f"image size {size} is not a multiple of the patch size {self.patch_size}")
        grid = size // self.patch_size
        if grid == self.grid:
            return
        with torch.no_grad():
            self.positional_embedding.data = interpolate_positions(self.positional_embedding.data, grid)

    def tokens(self, image):
        """Patch embedding, class token and positional embeddings: [N, 1 + g*g, W]
        (before ln_pre)."""
        x = self.conv1(image)  # [N, W, g, g]
        x = x.flatten(2).transpose(1, 2)
        cls = self.class_embedding.to(x.dtype).expand(x.shape[0], 1, -1)
        return torch.cat([cls, x], dim=1) + self.positional_embedding.to(x.dtype)

    def head(self, x):
        """ln_post and the projection, for any token(s) [..., W] -> [..., D]."""
        return self.ln_post(x) @ self.proj

    def run_blocks(self, x, vv_blocks=0, after_block=None):
        """Runs tokens x [N, T, W] (after ln_pre) through the blocks.

        Returns (x, x_map): the output tokens, and the tokens whose patches give
        the anomaly map. With vv_blocks = 0 they are the same tensor. With
        vv_blocks = k > 0 the last k blocks also feed CLIP Surgery's
        value-value path (as AnomalyCLIP's DPAM does): it starts as the input of
        the first of them and adds each block's value-value attention of that
        block's input, without MLP; x_map is that path.

        after_block(i, t) -> t runs after block i on x_map's tokens (on x itself
        while there is no separate path), so what it adds flows into the later
        blocks.
        """
        blocks = self.transformer.resblocks
        first_vv = len(blocks) - vv_blocks
        vv = None
        for i, block in enumerate(blocks):
            if i >= first_vv:
                vv = (x if vv is None else vv) + block.value_value(x)
            if self.checkpoint_blocks and torch.is_grad_enabled():
                x = torch.utils.checkpoint.checkpoint(block, x, use_reentrant=False)
            else:
                x = block(x)
            if after_block is not None:
                if vv is None:
                    x = after_block(i, x)
                else:
                    vv = after_block(i, vv)
        return x, (x if vv is None else vv)

    def forward(self, image):
        x, _ = self.run_blocks(self.ln_pre(self.tokens(image)))
        return self.head(x[:, 0])


def interpolate_positions(pos, grid):
    """[1 + g0*g0, W] positional embeddings to [1 + grid*grid, W]."""
    g0 = round(math.sqrt(pos.shape[0] - 1))
    if g0 * g0 + 1 != pos.shape[0]:
        raise ValueError(f"positional embedding of {pos.shape[0]} rows is not 1 + a square")
    patches = pos[1:].reshape(1, g0, g0, -1).permute(0, 3, 1, 2)
    patches = F.interpolate(patches.float(), size=(grid, grid), mode="bicubic", align_corners=False)
    patches = patches.permute(0, 2, 3, 1).reshape(grid * grid, -1).to(pos.dtype)
    return torch.cat([pos[:1], patches], dim=0)


class CLIP(nn.Module):
    """CLIP with OpenAI's module and parameter names."""

    def __init__(self, cfg):
        super().__init__()
        self.config = cfg
        self.visual = VisionTransformer(cfg)
        self.transformer = Transformer(cfg.transformer_width, cfg.transformer_layers, cfg.transformer_heads)
        self.token_embedding = nn.Embedding(cfg.vocab_size, cfg.transformer_width)
        self.positional_embedding = nn.Parameter(torch.empty(cfg.context_length, cfg.transformer_width))
        self.ln_final = nn.LayerNorm(cfg.transformer_width)
        self.text_projection = nn.Parameter(torch.empty(cfg.transformer_width, cfg.embed_dim))
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
        self._init_text()

    def _init_text(self):
        """OpenAI's initialisation (CLIP.initialize_parameters), for random models."""
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        nn.init.normal_(self.positional_embedding, std=0.01)
        width, layers = self.transformer.width, self.transformer.layers
        proj_std = (width ** -0.5) * ((2 * layers) ** -0.5)
        attn_std = width ** -0.5
        fc_std = (2 * width) ** -0.5
        for block in self.transformer.resblocks:
            nn.init.normal_(block.attn.in_proj_weight, std=attn_std)
            nn.init.normal_(block.attn.out_proj.weight, std=proj_std)
            nn.init.normal_(block.mlp.c_fc.weight, std=fc_std)
            nn.init.normal_(block.mlp.c_proj.weight, std=proj_std)
        nn.init.normal_(self.text_projection, std=width ** -0.5)

    def encode_image(self, image):
        return self.visual(image)

    def encode_embedded_text(self, x, end, layer_hook=None):
        """The text encoder from token embeddings x [P, L, Wt] (positional
        embeddings not yet added) to projected features [P, D] at the end-token
        positions end [P]. layer_hook(i, x) may replace the tokens before block i
        (DIVE's deep prompts)."""
        x = x + self.positional_embedding.to(x.dtype)
        mask = causal_mask(x.shape[1]).to(x.device, x.dtype)
        for i, block in enumerate(self.transformer.resblocks):
            if layer_hook is not None:
                x = layer_hook(i, x)
            x = block(x, mask=mask)
        x = self.ln_final(x)
        return x[torch.arange(x.shape[0], device=x.device), end] @ self.text_projection

    def encode_text(self, tokens):
        """Projected features [P, D] of token ids [P, L] (CLIP's encode_text:
        the end token is the highest id in each row)."""
        return self.encode_embedded_text(self.token_embedding(tokens), tokens.argmax(dim=-1))


def normalize(x):
    """x / ||x|| over the last axis, as CLIP's own code normalises features
    (F.normalize's clamp would export to ONNX as an untyped constant in torch
    1.13; CLIP features are never zero vectors)."""
    return x / x.norm(dim=-1, keepdim=True)


def causal_mask(length):
    return torch.full((length, length), float("-inf")).triu(1)


def config_from_state_dict(sd, head_width=64):
    """The CLIPConfig of an OpenAI-layout state dict (as clip.build_model infers it)."""
    if "visual.conv1.weight" not in sd:
        if "visual.layer1.0.conv1.weight" in sd:
            raise ValueError("a ResNet CLIP: only the ViT models (ViT-B/32, ViT-B/16, ViT-L/14, ViT-L/14@336px) are supported")
        raise ValueError("not an OpenAI CLIP state dict: no visual.conv1.weight")

    def count(prefix):
        pat = re.compile(re.escape(prefix) + r"(\d+)\.attn\.in_proj_weight$")
        return len({m.group(1) for k in sd for m in [pat.match(k)] if m})

    conv = sd["visual.conv1.weight"]
    grid = round(math.sqrt(sd["visual.positional_embedding"].shape[0] - 1))
    return CLIPConfig(
        embed_dim=sd["text_projection"].shape[1],
        image_resolution=conv.shape[-1] * grid,
        vision_layers=count("visual.transformer.resblocks."),
        vision_width=conv.shape[0],
        vision_patch_size=conv.shape[-1],
        context_length=sd["positional_embedding"].shape[0],
        vocab_size=sd["token_embedding.weight"].shape[0],
        transformer_width=sd["ln_final.weight"].shape[0],
        transformer_layers=count("transformer.resblocks."),
        head_width=head_width,
    )


def read_state_dict(path):
    """The weights of a CLIP checkpoint file: OpenAI's TorchScript archive (read
    with torch.jit.load, never unpickled) or a plain state dict (read with
    torch.load(weights_only=True)), as float32 tensors, without the
    non-weight entries of OpenAI's archives."""
    try:
        sd = torch.jit.load(path, map_location="cpu").state_dict()
    except (RuntimeError, ValueError):
        try:
            sd = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as e:  # noqa: BLE001: any failure means "not a weights file"
            raise ValueError(f"{path}: neither a TorchScript archive nor a state dict file ({e})") from None
    if isinstance(sd, dict) and "state_dict" in sd and isinstance(sd["state_dict"], dict):
        sd = sd["state_dict"]
    if not isinstance(sd, dict) or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        raise ValueError(f"{path}: not a state dict of tensors")
    return {k: v.float() for k, v in sd.items() if k not in _META_KEYS}


def load_state_dict(model, sd, source="state dict"):
    """Loads an OpenAI-layout state dict into a CLIP built for its sizes; an
    error names every missing or unexpected key."""
    missing, unexpected = model.load_state_dict(sd, strict=False)
    if missing or unexpected:
        raise ValueError(f"{source}: missing keys {sorted(missing)[:8]}, unexpected keys {sorted(unexpected)[:8]}"
                         f" ({len(missing)} missing, {len(unexpected)} unexpected)")


def build_from_state_dict(sd, source="state dict", head_width=64):
    """A frozen float32 CLIP in eval mode holding the weights of sd."""
    try:
        cfg = config_from_state_dict(sd, head_width)
        model = CLIP(cfg)
    except (KeyError, IndexError) as e:
        raise ValueError(f"{source}: not an OpenAI CLIP state dict (no {e})") from None
    load_state_dict(model, sd, source)
    return freeze(model)


def load(path, head_width=64):
    """A frozen CLIP from a checkpoint file (see read_state_dict)."""
    return build_from_state_dict(read_state_dict(path), str(path), head_width)


def random_clip(cfg, seed):
    """A frozen CLIP of the given sizes with OpenAI's random initialisation,
    deterministic in seed (for tests and demos without weights)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = CLIP(cfg)
    return freeze(model)


def freeze(model):
    model.float().eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model
