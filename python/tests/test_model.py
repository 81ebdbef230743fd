"""DIVE's modules against the paper's equations (sections 4.1 to 4.4), tiny sizes."""

import dataclasses

import pytest
import torch

from dive import clip as clipmod, config, loading
from dive.model import DIVE, TextInjection, encode_prompts, prompt_tokens

DESCRIPTIONS = {"normal": ["a photo of a flawless object"], "abnormal": ["a photo of an object with a crack",
                                                                          "a photo of an object with a stain"]}


def tiny(seed=0, classes=("bottle", "metal_nut"), **overrides):
    clip = clipmod.random_clip(config.TINY_CLIP, seed)
    cfg = dataclasses.replace(config.PRESETS["tiny"], **overrides).validate()
    torch.manual_seed(seed)
    return DIVE(clip, cfg, list(classes), DESCRIPTIONS)


def test_output_shapes():
    m = tiny()
    out = m(torch.randn(3, 3, 80, 80))
    assert out["state_logits"].shape == (3, 2)
    assert out["semantic_logits"].shape == (3, 2)
    assert out["state_offset"].shape == out["semantic_offset"].shape == (3, 64)
    assert out["segmentation"].shape == (3, 2, 10, 10)
    torch.testing.assert_close(out["segmentation"].sum(1), torch.ones(3, 10, 10))
    assert out["visual_prompts"].shape == (2, 128)


def test_only_the_new_parts_train():
    m = tiny()
    names = {n for n, p in m.named_parameters() if p.requires_grad}
    prefixes = ("normal.", "abnormal.", "semantic.", "coupling.", "injections.", "state_branch.", "semantic_branch.")
    assert names and all(n.startswith(prefixes) for n in names)
    assert all(not p.requires_grad for p in m.clip.parameters())
    assert {n.split(".")[0] for n in names} == {p[:-1] for p in prefixes}
    out = m(torch.randn(2, 3, 80, 80))
    (out["state_logits"].sum() + out["segmentation"][:, 1].sum() + out["semantic_logits"].sum()).backward()
    assert all(p.grad is None for p in m.clip.parameters())
    # Every trainable part receives a gradient (the deep tokens, the coupling
    # through the visual prompts, the cross-attention through the patches).
    for n, p in m.named_parameters():
        if p.requires_grad:
            assert p.grad is not None and p.grad.abs().sum() > 0, n


def capture_block_inputs(blocks):
    seen = []
    handles = [b.register_forward_pre_hook(lambda mod, args: seen.append(args[0].detach().clone())) for b in blocks]
    return seen, handles


def test_deep_text_prompts_eq_1_2():
    m = tiny(depth=2, deep_len=2)
    ids, end = prompt_tokens(4, ["object."], 77)
    seen, handles = capture_block_inputs(m.clip.transformer.resblocks)
    with torch.no_grad():
        encode_prompts(m.clip, m.normal, ids, end)
    for h in handles:
        h.remove()
    # Block 0 sees [SOS, ctx_1..ctx_4, "object", ".", EOS] plus positions.
    emb = m.clip.token_embedding(ids)
    want0 = torch.cat([emb[:, :1], m.normal.ctx[None], emb[:, 5:]], dim=1) + m.clip.positional_embedding
    torch.testing.assert_close(seen[0], want0.detach())
    # Block 1 (< depth 2) sees the new learnable tokens in positions 1..2 (eq. 1),
    # the rest from block 0's output.
    with torch.no_grad():
        after0 = m.clip.transformer.resblocks[0](want0, mask=clipmod.causal_mask(77))
    torch.testing.assert_close(seen[1][:, 1:3], m.normal.deep[0][None].detach())
    torch.testing.assert_close(seen[1][:, :1], after0[:, :1])
    torch.testing.assert_close(seen[1][:, 3:], after0[:, 3:])


def test_deep_tokens_stop_at_depth():
    m = tiny(depth=1)
    assert m.normal.deep.shape == (0, 2, 64)
    ids, end = prompt_tokens(4, ["object."], 77)
    seen, handles = capture_block_inputs(m.clip.transformer.resblocks)
    with torch.no_grad():
        encode_prompts(m.clip, m.normal, ids, end)
        after0 = m.clip.transformer.resblocks[0](seen[0], mask=clipmod.causal_mask(77))
    for h in handles:
        h.remove()
    torch.testing.assert_close(seen[1], after0)  # eq. 2: block 1 takes block 0's tokens


def test_state_prompts_are_object_agnostic():
    m = tiny()
    tok = m.state_ids
    # "x x x x object." and "x x x x damaged object.": the same context length,
    # no class name in either.
    from dive.tokenizer import default_tokenizer
    t = default_tokenizer()
    assert t.decode(tok[0, 1 : m.state_end[0]].tolist()) == "x x x x object . "
    assert t.decode(tok[1, 1 : m.state_end[1]].tolist()) == "x x x x damaged object . "
    assert t.decode(m.class_ids[1, 1 : m.class_end[1]].tolist()) == "x x x x metal nut . "


def test_shallow_injection():
    m = tiny()
    with torch.no_grad():
        prompts = m.visual_prompts()
        torch.testing.assert_close(prompts, m.semantic.ctx[:2] @ m.coupling.weight.t() + m.coupling.bias)
        seen, handles = capture_block_inputs(m.clip.visual.transformer.resblocks[:1])
        m.encode_image(torch.randn(2, 3, 80, 80), prompts)
        handles[0].remove()
    x = seen[0]
    assert x.shape == (2, 1 + 100 + 2, 128)  # class token, 10x10 patches, K = 2 prompts
    want = m.clip.visual.ln_pre(prompts)  # appended after the patches, before ln_pre
    torch.testing.assert_close(x[0, -2:], want)
    torch.testing.assert_close(x[1, -2:], want)


def test_deep_injection_eq_3_4():
    m = tiny(inject_blocks=1, inject_lambda=0.3)
    image = torch.randn(2, 3, 80, 80)
    with torch.no_grad():
        prompts = m.visual_prompts()
        f, patches = m.encode_image(image, prompts)
        v = m.clip.visual
        x = v.ln_pre(torch.cat([v.tokens(image), prompts.expand(2, -1, -1)], dim=1))
        for block in v.transformer.resblocks:
            x = block(x)
        p = x[:, 1:101]
        p = p + 0.3 * m.injections[0](p, m.description_features)  # eq. 4, after the last block
        torch.testing.assert_close(patches, v.head(p))
        torch.testing.assert_close(f, v.head(x[:, 0]))
        # lambda 0 is the backbone alone.
        m0 = tiny(inject_blocks=1, inject_lambda=0.0)
        torch.testing.assert_close(m0.encode_image(image, prompts)[1], v.head(x[:, 1:101]))


def test_text_injection_is_cross_attention():
    torch.manual_seed(0)
    inj = TextInjection(16, 8, 2)
    ref = torch.nn.MultiheadAttention(16, 2, batch_first=True)
    ref.load_state_dict(inj.attn.state_dict())
    patches, text = torch.randn(3, 5, 16), torch.randn(7, 8)
    with torch.no_grad():
        q = inj.ln_q(patches)
        kv = inj.text_proj(text).expand(3, -1, -1)  # W_T T
        torch.testing.assert_close(inj(patches, text), ref(q, kv, kv, need_weights=False)[0])


def test_description_features_are_clip_text_embeddings():
    m = tiny()
    from dive.tokenizer import default_tokenizer
    with torch.no_grad():
        t = m.clip.encode_text(default_tokenizer().tokenize(DESCRIPTIONS["normal"] + DESCRIPTIONS["abnormal"]))
    torch.testing.assert_close(m.description_features, t / t.norm(dim=-1, keepdim=True))


def test_disentanglement_and_inference_eq_5_6():
    m = tiny()
    image = torch.randn(2, 3, 80, 80)
    with torch.no_grad():
        out = m(image)
        text, prompts = m.state_text(), m.visual_prompts()
        f, patches = m.encode_image(image, prompts)
        fs = f + m.state_branch(f)  # eq. 5, residual
        fc = f + m.semantic_branch(f)
        torch.testing.assert_close(out["state_offset"], fs - f)
        torch.testing.assert_close(out["semantic_offset"], fc - f)
        cos = (fs / fs.norm(dim=-1, keepdim=True)) @ text.t()
        torch.testing.assert_close(out["state_logits"], cos / 0.07)
        sem = m.semantic_text()
        torch.testing.assert_close(out["semantic_logits"], (fc / fc.norm(dim=-1, keepdim=True)) @ sem.t() / 0.07)
        score, amap = m.predict(image, text, prompts)
        torch.testing.assert_close(score, torch.softmax(cos / 0.07, dim=-1)[:, 1])  # eq. 6
        torch.testing.assert_close(amap, out["segmentation"][:, 1])
        pn = patches / patches.norm(dim=-1, keepdim=True)
        torch.testing.assert_close(amap.reshape(2, -1), torch.softmax(pn @ text.t() / 0.07, dim=-1)[..., 1])


def test_trainable_state_round_trip():
    a, b = tiny(seed=0), tiny(seed=1)
    state = a.trainable_state()
    assert not any(k.startswith("clip.") for k in state)
    b.load_trainable_state(state)
    for k, v in b.trainable_state().items():
        assert torch.equal(v, state[k])
    with pytest.raises(ValueError, match="does not fit"):
        b.load_trainable_state({k: v for k, v in state.items() if k != "coupling.bias"})
    bad = dict(state)
    bad["coupling.bias"] = torch.zeros(3)
    with pytest.raises(ValueError, match=r"coupling.bias has shape \(3,\)"):
        b.load_trainable_state(bad)


def test_parameter_groups():
    m = tiny()
    groups = m.parameter_groups(1e-3, 1e-4)
    attention = {id(p) for p in m.injections.parameters()}
    assert [g["lr"] for g in groups] == [1e-3, 1e-4]
    assert {id(p) for p in groups[1]["params"]} == attention
    assert len(groups[0]["params"]) + len(groups[1]["params"]) == sum(1 for p in m.parameters() if p.requires_grad)


def test_config_validation():
    with pytest.raises(ValueError, match="depth 5 outside 1..2"):
        config.preset("tiny", depth=5)
    with pytest.raises(ValueError, match="image_size 81 is not a multiple of the patch size 8"):
        config.preset("tiny", image_size=81)
    paper = config.preset("paper")
    assert (paper.clip, paper.image_size, paper.inject_blocks) == (clipmod.CLIPConfig(), 518, 4)
    assert config.DIVEConfig.from_dict(paper.to_dict()) == paper


def test_random_dive_is_deterministic():
    a, b = loading.random_dive("tiny", 7), loading.random_dive("tiny", 7)
    for k, v in a.state_dict().items():
        assert torch.equal(v, b.state_dict()[k]), k
