import math

import pytest
import torch

import openai_layout
from dive import clip as clipmod
from dive.config import TINY_CLIP
from dive.tokenizer import default_tokenizer


def weights(sd):
    """sd without the non-weight entries of OpenAI's TorchScript archives."""
    return {k: v for k, v in sd.items() if k not in ("input_resolution", "context_length", "vocab_size")}


def test_every_openai_key_loads():
    sd = openai_layout.random_state_dict(seed=1)
    model = clipmod.build_from_state_dict(weights(sd))
    want = set(openai_layout.key_shapes(**openai_layout.TINY))
    assert set(model.state_dict()) == want
    for k, shape in openai_layout.key_shapes(**openai_layout.TINY).items():
        assert tuple(model.state_dict()[k].shape) == shape, k
        assert torch.equal(model.state_dict()[k], sd[k].float()), k
    assert not any(p.requires_grad for p in model.parameters())


def test_config_inferred_from_weights():
    cfg = clipmod.config_from_state_dict(openai_layout.random_state_dict(seed=1))
    assert cfg == TINY_CLIP
    assert (cfg.vision_heads, cfg.transformer_heads, cfg.grid) == (2, 1, 8)
    # ViT-L/14@336px's shapes give the paper's backbone.
    big = {k: torch.empty(s) for k, s in openai_layout.key_shapes(
        embed_dim=768, image_resolution=336, vision_layers=24, vision_width=1024, patch=14,
        context_length=77, vocab_size=49408, text_width=768, text_layers=12).items()}
    cfg = clipmod.config_from_state_dict(big)
    assert cfg == clipmod.CLIPConfig()
    assert (cfg.vision_heads, cfg.transformer_heads, cfg.grid) == (16, 12, 24)


def test_read_state_dict_file_and_torchscript(tmp_path):
    sd = openai_layout.random_state_dict(seed=2)
    plain = tmp_path / "plain.pt"
    torch.save({k: v.half() for k, v in sd.items()}, plain)  # OpenAI ships fp16 weights
    got = clipmod.read_state_dict(str(plain))
    assert "input_resolution" not in got and all(v.dtype == torch.float32 for v in got.values())
    model = clipmod.load(str(plain))
    # A TorchScript archive, as OpenAI's ViT-*.pt files are.
    archive = tmp_path / "archive.pt"
    torch.jit.trace_module(model, {"encode_image": torch.zeros(1, 3, 64, 64)}).save(str(archive))
    again = clipmod.load(str(archive))
    for k, v in model.state_dict().items():
        assert torch.equal(again.state_dict()[k], v), k


def test_bad_weights(tmp_path):
    sd = weights(openai_layout.random_state_dict(seed=2))
    del sd["visual.transformer.resblocks.1.mlp.c_fc.bias"]
    sd["visual.extra"] = torch.zeros(1)
    with pytest.raises(ValueError, match=r"missing keys \['visual.transformer.resblocks.1.mlp.c_fc.bias'\], unexpected keys \['visual.extra'\]"):
        clipmod.build_from_state_dict(sd)
    resnet = {"visual.layer1.0.conv1.weight": torch.zeros(1)}
    with pytest.raises(ValueError, match="ResNet"):
        clipmod.build_from_state_dict(resnet)
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="junk.pt: neither a TorchScript archive nor a state dict"):
        clipmod.load(str(junk))


def test_forward_matches_openai_reference():
    sd = openai_layout.random_state_dict(seed=4)
    model = clipmod.build_from_state_dict(weights(sd))
    image = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        got = model.encode_image(image)
    want = openai_layout.reference_encode_image(sd, image, heads=2)
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-5)
    tokens = default_tokenizer().tokenize(["a photo of a damaged bottle", "flawless object."])
    with torch.no_grad():
        got = model.encode_text(tokens)
    want = openai_layout.reference_encode_text(sd, tokens, heads=1)
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-5)


def test_attention_matches_multihead_attention():
    torch.manual_seed(0)
    ours = clipmod.Attention(32, 4)
    ref = torch.nn.MultiheadAttention(32, 4, batch_first=True)
    ref.load_state_dict(ours.state_dict())
    q, kv = torch.randn(3, 5, 32), torch.randn(3, 7, 32)
    mask = clipmod.causal_mask(5)
    with torch.no_grad():
        torch.testing.assert_close(ours(q), ref(q, q, q, need_weights=False)[0])
        torch.testing.assert_close(ours(q, mask=mask), ref(q, q, q, attn_mask=mask, need_weights=False)[0])
        torch.testing.assert_close(ours(q, kv), ref(q, kv, kv, need_weights=False)[0])


def test_value_value_attention_by_hand():
    torch.manual_seed(1)
    attn = clipmod.Attention(6, 1)
    x = torch.randn(1, 4, 6)
    w, b = attn.in_proj_weight[12:], attn.in_proj_bias[12:]
    with torch.no_grad():
        v = x @ w.t() + b
        a = torch.softmax(v @ v.transpose(1, 2) / math.sqrt(6), dim=-1)
        want = attn.out_proj(a @ v)
        torch.testing.assert_close(attn(x, value_value=True), want)


def test_value_value_path():
    model = clipmod.random_clip(TINY_CLIP, 0)
    visual = model.visual
    x = visual.ln_pre(visual.tokens(torch.randn(2, 3, 64, 64)))
    with torch.no_grad():
        out0, map0 = visual.run_blocks(x, 0)
        assert map0 is out0
        out2, map2 = visual.run_blocks(x, 2)
        torch.testing.assert_close(out2, out0)  # the original stream is unchanged
        # By hand: the path starts at block 2's input and adds each block's
        # value-value attention of the original stream's input.
        blocks = visual.transformer.resblocks
        t = blocks[1](blocks[0](x))
        vv = t + blocks[2].value_value(t)
        t = blocks[2](t)
        vv = vv + blocks[3].value_value(t)
        torch.testing.assert_close(map2, vv)


def test_positional_interpolation():
    model = clipmod.random_clip(TINY_CLIP, 0)
    visual = model.visual
    before = visual.positional_embedding.clone()
    visual.set_image_size(64)
    assert torch.equal(visual.positional_embedding, before)
    with pytest.raises(ValueError, match="not a multiple of the patch size 8"):
        visual.set_image_size(60)
    visual.set_image_size(96)
    pos = visual.positional_embedding
    assert pos.shape == (12 * 12 + 1, 128) and visual.image_size == 96
    assert torch.equal(pos[0], before[0])  # the class token keeps its embedding
    assert model.encode_image(torch.randn(1, 3, 96, 96)).shape == (1, 64)
    # The grid is row-major (y, x): a field constant over the grid stays
    # constant, one varying along y only stays constant along x.
    field = torch.zeros(1 + 16, 2)
    field[1:, 0] = 3.0
    field[1:, 1] = torch.arange(4.0).repeat_interleave(4)  # value = row index
    out = clipmod.interpolate_positions(field, 8)
    torch.testing.assert_close(out[1:, 0], torch.full((64,), 3.0))
    rows = out[1:, 1].reshape(8, 8)
    for x in range(8):
        torch.testing.assert_close(rows[:, x], rows[:, 0])
    assert (rows[1:, 0] > rows[:-1, 0]).all()
