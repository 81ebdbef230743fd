"""DIVE's training objective (paper section 4.4).

L = L_state + L_seg + alpha L_sem + beta L_orth + gamma L_reg, with

- L_state: cross-entropy of softmax(cos(f_s, [t_n, t_a]) / tau) against the
  image label;
- L_sem: cross-entropy of softmax(cos(f_c, t_c) / tau) over the auxiliary
  classes against the image's class;
- L_orth: the squared cosine similarity of the two residual offsets, averaged
  over the batch;
- L_seg: Focal(U(S), G) + Dice(U(S_a), G) + Dice(U(S_n), 1 - G), S the [N, 2]
  patch probability map upsampled (U) bilinearly to the mask size;
- L_reg: the sum of squares of the visual prompts over their number of elements.

Focal and Dice are those of AnomalyCLIP's code, which DIVE's paradigm comes
from (its focal loss also smooths the one-hot target by 1e-5, left out here):
the focal loss is mean(-(1 - p_t)^gamma log(p_t + 1e-5)) over pixels, p_t the
probability of the pixel's true channel, gamma 2; the Dice loss is
1 - (2 sum(p g) + 1) / (sum(p) + sum(g) + 1) per image, averaged over the batch.
"""

import torch
import torch.nn.functional as F

FOCAL_EPS = 1e-5


def focal_loss(probs, target, gamma=2.0):
    """probs [N, 2, H, W] (normal, abnormal; summing to 1), target [N, H, W] in {0, 1}."""
    p_abnormal = probs[:, 1]
    p_t = torch.where(target > 0.5, p_abnormal, probs[:, 0])
    return (-(1 - p_t) ** gamma * torch.log(p_t + FOCAL_EPS)).mean()


def dice_loss(p, g):
    """p, g [N, H, W]: 1 - Dice with smoothing 1, averaged over images."""
    p, g = p.flatten(1), g.flatten(1)
    dice = (2 * (p * g).sum(1) + 1) / (p.sum(1) + g.sum(1) + 1)
    return 1 - dice.mean()


def segmentation_loss(seg, mask, gamma=2.0):
    """seg [N, 2, g, g] probabilities, mask [N, H, W] in {0, 1}."""
    up = F.interpolate(seg, size=mask.shape[-2:], mode="bilinear", align_corners=False)
    return focal_loss(up, mask, gamma) + dice_loss(up[:, 1], mask) + dice_loss(up[:, 0], 1 - mask)


def orthogonality_loss(a, b):
    """Mean over the batch of cos(a, b)^2; a, b [N, D]."""
    return (F.cosine_similarity(a, b, dim=-1) ** 2).mean()


def prompt_regulariser(prompts):
    return (prompts ** 2).sum() / prompts.numel()


def total_loss(out, labels, classes, masks, cfg):
    """The objective and its terms (floats, for logging) from DIVE.forward's
    output, image labels [N] (0 normal, 1 anomalous), class indices [N] and
    masks [N, H, W]."""
    terms = {
        "state": F.cross_entropy(out["state_logits"], labels),
        "segmentation": segmentation_loss(out["segmentation"], masks, cfg.focal_gamma),
        "semantic": F.cross_entropy(out["semantic_logits"], classes),
        "orthogonal": orthogonality_loss(out["state_offset"], out["semantic_offset"]),
        "prompt": prompt_regulariser(out["visual_prompts"]),
    }
    loss = (terms["state"] + terms["segmentation"] + cfg.weight_semantic * terms["semantic"]
            + cfg.weight_orthogonal * terms["orthogonal"] + cfg.weight_prompt * terms["prompt"])
    return loss, {k: float(v) for k, v in terms.items()}
