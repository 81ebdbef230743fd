"""Loss values on tiny inputs, computed by hand (section 4.4)."""

import dataclasses
import math

import pytest
import torch

from dive import losses
from dive.config import DIVEConfig


def test_focal_by_hand():
    # Two pixels: abnormal probabilities 0.8 (anomalous) and 0.3 (normal), so
    # p_t = 0.8 and 0.7:
    # (0.2^2 * -ln(0.80001) + 0.3^2 * -ln(0.70001)) / 2
    # = (0.04 * 0.2231310513 + 0.09 * 0.3566606584) / 2 = 0.0205123507
    probs = torch.tensor([[0.2, 0.7], [0.8, 0.3]]).reshape(1, 2, 1, 2)
    target = torch.tensor([[[1.0, 0.0]]])
    assert losses.focal_loss(probs, target).item() == pytest.approx(0.0205123507, abs=1e-7)
    # gamma = 0 is the cross-entropy (up to the 1e-5 inside the logarithm).
    assert losses.focal_loss(probs, target, gamma=0).item() == pytest.approx(
        -(math.log(0.80001) + math.log(0.70001)) / 2, abs=1e-7)


def test_dice_by_hand():
    # Image 1: sum(pg) = 1.5, sum(p) = 2, sum(g) = 2: Dice (3 + 1) / (4 + 1) = 0.8.
    # Image 2: all zero: Dice (0 + 1) / (0 + 1) = 1. Loss 1 - mean = 0.1.
    p = torch.tensor([[0.5, 0.5, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0]]).reshape(2, 2, 2)
    g = torch.tensor([[1.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0]]).reshape(2, 2, 2)
    assert losses.dice_loss(p, g).item() == pytest.approx(0.1, abs=1e-7)


def test_segmentation_by_hand():
    # A constant 2x2 map (abnormal 0.25) upsampled to 4x4 stays constant; the
    # mask has a 2x2 anomalous block (4 of 16 pixels).
    # Focal: (4 * 0.75^2 * -ln(0.25001) + 12 * 0.25^2 * -ln(0.75001)) / 16
    #      = (4 * 0.7797680781 + 12 * 0.0179792962) / 16 = 0.2084264917
    # Dice abnormal: 1 - (2 * 1 + 1) / (4 + 4 + 1) = 2/3
    # Dice normal:   1 - (2 * 9 + 1) / (12 + 12 + 1) = 0.24
    seg = torch.stack([torch.full((2, 2), 0.75), torch.full((2, 2), 0.25)])[None]
    mask = torch.zeros(1, 4, 4)
    mask[0, 1:3, 1:3] = 1
    assert losses.segmentation_loss(seg, mask).item() == pytest.approx(0.2084264917 + 2 / 3 + 0.24, abs=1e-6)


def test_segmentation_upsamples_bilinearly():
    seg = torch.rand(2, 1, 3, 3)
    seg = torch.cat([1 - seg, seg], dim=1)
    mask = (torch.rand(2, 12, 12) > 0.7).float()
    up = torch.nn.functional.interpolate(seg, size=(12, 12), mode="bilinear", align_corners=False)
    want = losses.focal_loss(up, mask) + losses.dice_loss(up[:, 1], mask) + losses.dice_loss(up[:, 0], 1 - mask)
    assert losses.segmentation_loss(seg, mask).item() == pytest.approx(want.item(), abs=1e-7)


def test_orthogonality_by_hand():
    # cos((1,0),(1,1))^2 = 1/2, cos((1,0),(0,1))^2 = 0: mean 1/4. Scale-free.
    a = torch.tensor([[1.0, 0.0], [3.0, 0.0]])
    b = torch.tensor([[1.0, 1.0], [0.0, 5.0]])
    assert losses.orthogonality_loss(a, b).item() == pytest.approx(0.25, abs=1e-7)


def test_prompt_regulariser_by_hand():
    # (1 + 4 + 9 + 16) / 4 elements
    assert losses.prompt_regulariser(torch.tensor([[1.0, 2.0], [3.0, 4.0]])).item() == 7.5


def test_total_loss_weights():
    # State: logits (0, ln 3) for an anomalous image: -ln(3/4) = 0.2876820725.
    # Semantic: logits (ln 2, 0), class 0: -ln(2/3) = 0.4054651081.
    # Orthogonal: 1/2 (above). Prompt: 7.5. Segmentation: as in test_segmentation_by_hand.
    seg = torch.stack([torch.full((2, 2), 0.75), torch.full((2, 2), 0.25)])[None]
    mask = torch.zeros(1, 4, 4)
    mask[0, 1:3, 1:3] = 1
    out = {
        "state_logits": torch.tensor([[0.0, math.log(3)]]),
        "semantic_logits": torch.tensor([[math.log(2), 0.0]]),
        "state_offset": torch.tensor([[1.0, 0.0]]),
        "semantic_offset": torch.tensor([[1.0, 1.0]]),
        "segmentation": seg,
        "visual_prompts": torch.tensor([[1.0, 2.0], [3.0, 4.0]]),
    }
    cfg = dataclasses.replace(DIVEConfig(), weight_semantic=2.0, weight_orthogonal=3.0, weight_prompt=0.1)
    loss, terms = losses.total_loss(out, torch.tensor([1]), torch.tensor([0]), mask, cfg)
    seg_loss = 0.2084264917 + 2 / 3 + 0.24
    assert terms["state"] == pytest.approx(0.2876820725, abs=1e-6)
    assert terms["semantic"] == pytest.approx(0.4054651081, abs=1e-6)
    assert terms["orthogonal"] == pytest.approx(0.5, abs=1e-6)
    assert terms["prompt"] == 7.5
    assert terms["segmentation"] == pytest.approx(seg_loss, abs=1e-6)
    want = 0.2876820725 + seg_loss + 2 * 0.4054651081 + 3 * 0.5 + 0.1 * 7.5
    assert loss.item() == pytest.approx(want, abs=1e-5)
