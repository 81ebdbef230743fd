"""The DIVE model (paper sections 4.1 to 4.4) around a frozen CLIP.

Trainable parts, and nothing else (section 4.4):

- three prompt learners (4.1): the state-aware ones for "normal" and
  "abnormal" (object-agnostic: ``[V_1..V_E] object.`` and ``[W_1..W_E] damaged
  object.``) and the semantic-aware one shared by every auxiliary class
  (``[U_1..U_E] {class}.``); each also has new learnable tokens for text blocks
  1..J-1 that replace the first ``deep_len`` context positions there (eq. 1;
  later blocks take the previous block's tokens, eq. 2);
- the V-L coupling function F (4.2, shallow injection): a linear map of the
  first K semantic context tokens to K visual prompts appended to the patch
  tokens before the first ViT block;
- one cross-attention module per deep block (4.2, eqs. 3-4): after each of the
  last ``inject_blocks`` ViT blocks, P <- P + lambda * CA(LN(P), W_T T), with the
  patch tokens P as queries and the projected CLIP embeddings T of the
  normality/abnormality descriptions as keys and values;
- the two residual MLP branches (4.3, eq. 5): f_s = f + phi_s(f), f_c = f + phi_c(f).

Inference (eq. 6 and the map): image score = softmax(cos(f_s, [t_n, t_a]) /
tau)[abnormal]; map = the abnormal channel of softmax(cos(patch, [t_n, t_a]) /
tau) on the final patch grid.

Choices where the paper is silent are stated where they are made: the query
of the cross-attention is layer-normalised (pre-norm, as in CLIP's own
blocks); each deep block has its own W_T; the branches are Linear-GELU-Linear;
the description embeddings are L2-normalised CLIP text features.
"""

import torch
from torch import nn

from .clip import Attention, normalize
from .tokenizer import default_tokenizer


class PromptLearner(nn.Module):
    """Learnable context [n_ctx, width] before fixed suffixes, and deep tokens
    [depth - 1, deep_len, width] for text blocks 1..depth-1 (CoOp/MaPLe
    initialisation: normal, std 0.02)."""

    def __init__(self, n_ctx, depth, deep_len, width):
        super().__init__()
        self.ctx = nn.Parameter(torch.randn(n_ctx, width) * 0.02)
        self.deep = nn.Parameter(torch.randn(depth - 1, deep_len, width) * 0.02)


def prompt_tokens(n_ctx, suffixes, context_length):
    """Token ids [P, L] of "X X ... X <suffix>" (n_ctx placeholders, each one
    token, replaced by the learned context) and the end positions [P]."""
    tok = default_tokenizer()
    ids = tok.tokenize([" ".join(["X"] * n_ctx) + " " + s for s in suffixes], context_length)
    return ids, ids.argmax(dim=-1)


def encode_prompts(clip, learner, ids, end):
    """Eqs. 1-2: text features [P, D] of the prompts ids with learner's context
    in positions 1..n_ctx and its deep tokens replacing positions 1..deep_len
    before text blocks 1..depth-1."""
    x = clip.token_embedding(ids)
    n_ctx = learner.ctx.shape[0]
    ctx = learner.ctx.to(x.dtype).expand(x.shape[0], -1, -1)
    x = torch.cat([x[:, :1], ctx, x[:, 1 + n_ctx :]], dim=1)
    deep_len = learner.deep.shape[1]

    def hook(i, t):
        if 1 <= i <= learner.deep.shape[0]:
            deep = learner.deep[i - 1].to(t.dtype).expand(t.shape[0], -1, -1)
            t = torch.cat([t[:, :1], deep, t[:, 1 + deep_len :]], dim=1)
        return t

    return clip.encode_embedded_text(x, end, hook)


class TextInjection(nn.Module):
    """Eqs. 3-4: cross-attention of patch tokens (queries, layer-normalised) to
    W_T T (keys and values), T [M, D] the description embeddings."""

    def __init__(self, width, embed_dim, heads):
        super().__init__()
        self.text_proj = nn.Linear(embed_dim, width)  # W_T
        self.ln_q = nn.LayerNorm(width)
        self.attn = Attention(width, heads)

    def forward(self, patches, text):
        kv = self.text_proj(text).to(patches.dtype).expand(patches.shape[0], -1, -1)
        return self.attn(self.ln_q(patches), kv)


class ResidualBranch(nn.Module):
    """Eq. 5: returns the offset phi(f); the branch embedding is f + offset."""

    def __init__(self, dim, hidden):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def forward(self, f):
        return self.net(f)


class DIVE(nn.Module):
    """DIVE on a frozen CLIP. ``classes`` are the auxiliary data's class names
    (semantic prompts), ``descriptions`` a dict {"normal": [...], "abnormal":
    [...]} of texts for the deep injection."""

    def __init__(self, clip, cfg, classes, descriptions):
        super().__init__()
        cfg.validate()
        if not classes:
            raise ValueError("DIVE needs at least one auxiliary class name")
        self.cfg = cfg
        self.clip = clip
        self.classes = list(classes)
        self.descriptions = {"normal": list(descriptions["normal"]), "abnormal": list(descriptions["abnormal"])}
        c = cfg.clip
        wt, wv, d = c.transformer_width, c.vision_width, c.embed_dim
        clip.visual.set_image_size(cfg.image_size)
        self.grid = cfg.image_size // c.vision_patch_size

        self.normal = PromptLearner(cfg.n_ctx, cfg.depth, cfg.deep_len, wt)
        self.abnormal = PromptLearner(cfg.n_ctx, cfg.depth, cfg.deep_len, wt)
        self.semantic = PromptLearner(cfg.n_ctx, cfg.depth, cfg.deep_len, wt)
        self.coupling = nn.Linear(wt, wv)  # F
        self.injections = nn.ModuleList(TextInjection(wv, d, c.vision_heads) for _ in range(cfg.inject_blocks))
        hidden = cfg.branch_hidden or d
        self.state_branch = ResidualBranch(d, hidden)
        self.semantic_branch = ResidualBranch(d, hidden)

        ctx_len = c.context_length
        ids, end = prompt_tokens(cfg.n_ctx, [cfg.normal_suffix, cfg.abnormal_suffix], ctx_len)
        self.register_buffer("state_ids", ids, persistent=False)
        self.register_buffer("state_end", end, persistent=False)
        ids, end = prompt_tokens(cfg.n_ctx, [name.replace("_", " ") + "." for name in self.classes], ctx_len)
        self.register_buffer("class_ids", ids, persistent=False)
        self.register_buffer("class_end", end, persistent=False)
        texts = self.descriptions["normal"] + self.descriptions["abnormal"]
        if cfg.inject_blocks and not texts:
            raise ValueError("the deep injection needs at least one description")
        with torch.no_grad():
            desc = clip.encode_text(default_tokenizer().tokenize(texts, ctx_len)) if texts else torch.zeros(0, d)
        self.register_buffer("description_features", normalize(desc), persistent=False)

    # --- text side (constant after training) ---

    def state_text(self):
        """[2, D] L2-normalised state embeddings: normal, abnormal."""
        t_n = encode_prompts(self.clip, self.normal, self.state_ids[:1], self.state_end[:1])
        t_a = encode_prompts(self.clip, self.abnormal, self.state_ids[1:], self.state_end[1:])
        return normalize(torch.cat([t_n, t_a]))

    def semantic_text(self):
        """[C, D] L2-normalised semantic embeddings of the auxiliary classes."""
        return normalize(encode_prompts(self.clip, self.semantic, self.class_ids, self.class_end))

    def visual_prompts(self):
        """[K, W_v]: F applied to the first K semantic context tokens."""
        return self.coupling(self.semantic.ctx[: self.cfg.n_visual])

    # --- image side ---

    def encode_image(self, image, visual_prompts):
        """Global feature f [N, D] and final patch features [N, g*g, D] (not
        normalised), with the shallow and deep text injection."""
        visual = self.clip.visual
        x = visual.tokens(image)
        n_patch = x.shape[1] - 1
        prompts = visual_prompts.to(x.dtype).expand(x.shape[0], -1, -1)
        x = visual.ln_pre(torch.cat([x, prompts], dim=1))
        first = len(visual.transformer.resblocks) - len(self.injections)
        lam = self.cfg.inject_lambda

        def inject(i, t):
            if i < first:
                return t
            patches = t[:, 1 : 1 + n_patch]
            patches = patches + lam * self.injections[i - first](patches, self.description_features)
            return torch.cat([t[:, :1], patches, t[:, 1 + n_patch :]], dim=1)

        x, x_map = visual.run_blocks(x, self.cfg.vv_blocks, inject)
        return visual.head(x[:, 0]), visual.head(x_map[:, 1 : 1 + n_patch])

    def patch_probabilities(self, patches, text):
        """softmax(cos(patch, text) / tau) over the states: [N, g*g, 2]."""
        return (normalize(patches) @ text.t() / self.cfg.temperature).softmax(dim=-1)

    def forward(self, image):
        """Everything the losses need (section 4.4) for a batch of images."""
        text = self.state_text()
        prompts = self.visual_prompts()
        f, patches = self.encode_image(image, prompts)
        ds, dc = self.state_branch(f), self.semantic_branch(f)
        tau = self.cfg.temperature
        state_logits = normalize(f + ds) @ text.t() / tau
        semantic_logits = normalize(f + dc) @ self.semantic_text().t() / tau
        probs = self.patch_probabilities(patches, text)  # [N, L, 2]
        seg = probs.transpose(1, 2).reshape(image.shape[0], 2, self.grid, self.grid)
        return {
            "state_logits": state_logits,
            "semantic_logits": semantic_logits,
            "state_offset": ds,
            "semantic_offset": dc,
            "segmentation": seg,  # [N, 2, g, g]: normal, abnormal probabilities
            "visual_prompts": prompts,
        }

    def predict(self, image, text, visual_prompts):
        """Inference with the text side given: (image score [N], anomaly map
        [N, g, g]) as the ONNX contract defines them."""
        f, patches = self.encode_image(image, visual_prompts)
        fs = normalize(f + self.state_branch(f))
        score = (fs @ text.t() / self.cfg.temperature).softmax(dim=-1)[:, 1]
        amap = self.patch_probabilities(patches, text)[..., 1]
        return score, amap.reshape(-1, self.grid, self.grid)

    # --- trainable parameters ---

    def trainable_state(self):
        """The trainable parameters by name (a checkpoint holds only these)."""
        return {n: p.detach().clone() for n, p in self.named_parameters() if p.requires_grad}

    def load_trainable_state(self, state, source="checkpoint"):
        own = {n: p for n, p in self.named_parameters() if p.requires_grad}
        missing = sorted(set(own) - set(state))
        unexpected = sorted(set(state) - set(own))
        if missing or unexpected:
            raise ValueError(f"{source}: does not fit this model (missing {missing[:6]}, unexpected {unexpected[:6]})")
        with torch.no_grad():
            for n, p in own.items():
                if state[n].shape != p.shape:
                    raise ValueError(f"{source}: {n} has shape {tuple(state[n].shape)}, the model {tuple(p.shape)}")
                p.copy_(state[n])

    def parameter_groups(self, lr_prompt, lr_attention):
        """Adam groups: prompt learners, coupling and branches at lr_prompt; the
        cross-attention network at lr_attention."""
        attention = [p for p in self.injections.parameters() if p.requires_grad]
        ids = {id(p) for p in attention}
        rest = [p for p in self.parameters() if p.requires_grad and id(p) not in ids]
        return [{"params": rest, "lr": lr_prompt, "name": "prompts"},
                {"params": attention, "lr": lr_attention, "name": "cross-attention"}]
