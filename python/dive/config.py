"""DIVE's hyperparameters: the paper's configuration and a tiny one for tests.

The paper (section 5.1.3) names its backbone (CLIP ViT-L/14@336px), optimiser
(Adam), batch size (8) and which hyperparameters it sets (the two learning
rates, the learnable prompt length E, the prompting depth J, the number K of
semantic prompt tokens coupled to visual prompts, cross-attention after the
last four ViT blocks, the residual weight lambda, the temperature tau, the loss
weights), but the numbers did not survive in the text this implementation was
written from. Where they are missing, the defaults are those of the code DIVE
builds on, each marked with its source below; change them with the flags of
``python3 -m dive.train``.
"""

import dataclasses

from .clip import CLIPConfig


@dataclasses.dataclass(frozen=True)
class DIVEConfig:
    clip: CLIPConfig = CLIPConfig()
    # Input side; 518 as in AnomalyCLIP's protocol and zsadbench's DefaultSize.
    image_size: int = 518
    # E: learnable context tokens of each prompt (AnomalyCLIP: 12).
    n_ctx: int = 12
    # J: text blocks 1..J-1 get new learnable tokens (AnomalyCLIP: depth 9).
    depth: int = 9
    # Length of those deep tokens (AnomalyCLIP's t_n_ctx: 4).
    deep_len: int = 4
    # K: first semantic context tokens mapped to visual prompts (MaPLe: 2;
    # the paper picks "a relatively small value").
    n_visual: int = 2
    # Cross-attention after each of the last four ViT blocks (paper, 5.1.3).
    inject_blocks: int = 4
    # lambda: weight of the injected text in the residual (eq. 4); not given
    # in our copy of the paper.
    inject_lambda: float = 0.1
    # Last blocks with CLIP Surgery's value-value path for the patch tokens
    # (AnomalyCLIP's DPAM). The paper does not mention it: 0, off.
    vv_blocks: int = 0
    # tau: temperature of every softmax over cosine similarities (AnomalyCLIP: 0.07).
    temperature: float = 0.07
    # Hidden width of the two residual MLP branches (0: the embedding width).
    branch_hidden: int = 0
    # Object-agnostic state prompts (AnomalyCLIP's): "[V] object", "[W] damaged object".
    normal_suffix: str = "object."
    abnormal_suffix: str = "damaged object."
    # Loss weights (alpha, beta, gamma in section 4.4): semantic alignment,
    # orthogonality, visual-prompt regulariser.
    weight_semantic: float = 1.0
    weight_orthogonal: float = 1.0
    weight_prompt: float = 1.0
    focal_gamma: float = 2.0

    def validate(self):
        c = self.clip
        problems = []
        if self.image_size % c.vision_patch_size:
            problems.append(f"image_size {self.image_size} is not a multiple of the patch size {c.vision_patch_size}")
        if not 1 <= self.depth <= c.transformer_layers:
            problems.append(f"depth {self.depth} outside 1..{c.transformer_layers} (text blocks)")
        if not 1 <= self.deep_len <= self.n_ctx:
            problems.append(f"deep_len {self.deep_len} outside 1..n_ctx ({self.n_ctx})")
        if not 1 <= self.n_visual <= self.n_ctx:
            problems.append(f"n_visual {self.n_visual} outside 1..n_ctx ({self.n_ctx})")
        if not 0 <= self.inject_blocks <= c.vision_layers:
            problems.append(f"inject_blocks {self.inject_blocks} outside 0..{c.vision_layers} (ViT blocks)")
        if not 0 <= self.vv_blocks <= c.vision_layers:
            problems.append(f"vv_blocks {self.vv_blocks} outside 0..{c.vision_layers} (ViT blocks)")
        if self.temperature <= 0:
            problems.append(f"temperature {self.temperature} must be positive")
        if problems:
            raise ValueError("DIVE configuration: " + "; ".join(problems))
        return self

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d):
        d = dict(d)
        clip = CLIPConfig(**d.pop("clip"))
        return cls(clip=clip, **d)


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    # Learning rates of the prompt learners with the coupling function (and the
    # MLP branches) and of the cross-attention network; the paper's values are
    # missing from our copy: AnomalyCLIP's 0.001 and a tenth of it.
    lr_prompt: float = 1e-3
    lr_attention: float = 1e-4
    batch_size: int = 8  # paper, 5.1.3
    epochs: int = 15  # AnomalyCLIP
    seed: int = 111  # AnomalyCLIP


# A CLIP small enough to train on a CPU in seconds; the vocabulary is CLIP's,
# so the real tokeniser applies.
TINY_CLIP = CLIPConfig(
    embed_dim=64, image_resolution=64, vision_layers=4, vision_width=128, vision_patch_size=8,
    context_length=77, vocab_size=49408, transformer_width=64, transformer_layers=2,
)

PRESETS = {
    "paper": DIVEConfig(),
    # 80 px inputs on a CLIP trained at 64 px exercise the positional
    # embedding interpolation.
    "tiny": DIVEConfig(clip=TINY_CLIP, image_size=80, n_ctx=4, depth=2, deep_len=2, n_visual=2, inject_blocks=2),
}


def preset(name, clip=None, **overrides):
    """The named configuration, with the CLIP sizes of loaded weights (clip)
    and any field overridden; validated."""
    if name not in PRESETS:
        raise ValueError(f"unknown configuration {name!r} (have {', '.join(PRESETS)})")
    cfg = PRESETS[name]
    if clip is not None:
        cfg = dataclasses.replace(cfg, clip=clip)
    overrides = {k: v for k, v in overrides.items() if v is not None}
    return dataclasses.replace(cfg, **overrides).validate()
