"""A training-free zero-shot baseline on plain CLIP, in the same ONNX contract.

Text side (WinCLIP's compositional prompt ensemble, Jeong et al. 2023, without
its windows): every state phrase ("flawless {}", "damaged {}", ...) in every
template ("a photo of the {}.", ...), with the object-agnostic word "object"
(or a class name given by the user), is encoded by CLIP's text encoder; each
state's embeddings are L2-normalised, averaged and normalised again:
T = [t_normal, t_abnormal].

Image side: the image score is softmax(s * cos(f, T))[abnormal] with f CLIP's
global image embedding and s CLIP's own logit scale (100 for OpenAI's models).
Plain CLIP's final patch tokens do not localise (their attention is global),
so the map uses CLIP Surgery's value-value attention path in the last
``vv_blocks`` blocks (half of them by default): the abnormal channel of
softmax(s * cos(patch, T)) on the patch grid.
"""

import torch
from torch import nn

from .clip import normalize
from .tokenizer import default_tokenizer

NORMAL_STATES = ["{}", "flawless {}", "perfect {}", "unblemished {}", "{} without flaw",
                 "{} without defect", "{} without damage"]
ABNORMAL_STATES = ["damaged {}", "broken {}", "{} with flaw", "{} with defect", "{} with damage"]
TEMPLATES = [
    "a cropped photo of the {}.", "a cropped photo of a {}.", "a close-up photo of a {}.",
    "a close-up photo of the {}.", "a bright photo of a {}.", "a bright photo of the {}.",
    "a dark photo of the {}.", "a dark photo of a {}.", "a jpeg corrupted photo of a {}.",
    "a jpeg corrupted photo of the {}.", "a blurry photo of the {}.", "a blurry photo of a {}.",
    "a photo of a {}.", "a photo of the {}.", "a photo of a small {}.", "a photo of the small {}.",
    "a photo of a large {}.", "a photo of the large {}.", "a photo of the {} for visual inspection.",
    "a photo of a {} for visual inspection.", "a photo of the {} for anomaly detection.",
    "a photo of a {} for anomaly detection.",
]


def prompt_ensemble(states, object_name):
    return [t.format(s.format(object_name)) for s in states for t in TEMPLATES]


@torch.no_grad()
def ensemble_text(clip, object_name="object"):
    """[2, D]: the normal and abnormal ensemble embeddings, L2-normalised."""
    tok = default_tokenizer()
    out = []
    for states in (NORMAL_STATES, ABNORMAL_STATES):
        ids = tok.tokenize(prompt_ensemble(states, object_name), clip.config.context_length)
        t = normalize(clip.encode_text(ids.to(clip.logit_scale.device))).mean(dim=0)
        out.append(normalize(t))
    return torch.stack(out)


class ZeroShotCLIP(nn.Module):
    """image [N, 3, S, S] -> (image_score [N], anomaly_map [N, g, g])."""

    def __init__(self, clip, image_size, vv_blocks=None, object_name="object"):
        super().__init__()
        layers = clip.config.vision_layers
        self.vv_blocks = layers // 2 if vv_blocks is None else vv_blocks
        if not 1 <= self.vv_blocks <= layers:
            raise ValueError(f"vv_blocks {self.vv_blocks} outside 1..{layers} (ViT blocks)")
        self.clip = clip
        clip.visual.set_image_size(image_size)
        self.grid = image_size // clip.config.vision_patch_size
        self.register_buffer("text", ensemble_text(clip, object_name))
        self.register_buffer("scale", clip.logit_scale.detach().exp().clamp(max=100.0))

    def forward(self, image):
        visual = self.clip.visual
        x, x_map = visual.run_blocks(visual.ln_pre(visual.tokens(image)), self.vv_blocks)
        f = normalize(visual.head(x[:, 0]))
        patches = normalize(visual.head(x_map[:, 1:]))
        score = (self.scale * f @ self.text.t()).softmax(dim=-1)[:, 1]
        amap = (self.scale * patches @ self.text.t()).softmax(dim=-1)[..., 1]
        return score, amap.reshape(-1, self.grid, self.grid)
