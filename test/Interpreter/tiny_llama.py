# RUN: %python %s %examples/tiny-llama.mlir
"""examples/tiny-llama.mlir through aster-reference against LLaMA written in
numpy from the model definition (HuggingFace LlamaForCausalLM: RMSNorm,
rotate_half rotary embeddings, grouped-query causal attention, SwiGLU,
untied head), on the arguments the interpreter generated from the seed."""

import sys

import numpy as np

import aster_check

LAYERS, HIDDEN, HEADS, KV_HEADS, THETA, EPS = 2, 64, 4, 2, 10000.0, 1e-6


def rms_norm(x, w):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + EPS) * w


def rotary(x):
    seq, dim = x.shape[-2], x.shape[-1]
    inv_freq = 1.0 / THETA ** (np.arange(0, dim, 2) / dim)
    angles = np.outer(np.arange(seq), inv_freq)
    emb = np.concatenate([angles, angles], -1)
    rotate_half = np.concatenate([-x[..., dim // 2:], x[..., :dim // 2]], -1)
    return x * np.cos(emb) + rotate_half * np.sin(emb)


def llama(p, tokens):
    batch, seq = tokens.shape
    hd = HIDDEN // HEADS
    x = p["model.embed_tokens.weight"][tokens]
    causal = np.triu(np.full((seq, seq), -np.inf), 1)
    for l in range(LAYERS):
        w = lambda n: p["model.layers.%d.%s" % (l, n)]
        h = rms_norm(x, w("input_layernorm.weight"))
        split = lambda y, n: y.reshape(batch, seq, n, hd).transpose(0, 2, 1, 3)
        q = rotary(split(h @ w("self_attn.q_proj.weight").T, HEADS))
        k = rotary(split(h @ w("self_attn.k_proj.weight").T, KV_HEADS))
        v = split(h @ w("self_attn.v_proj.weight").T, KV_HEADS)
        k = np.repeat(k, HEADS // KV_HEADS, axis=1)  # repeat_kv
        v = np.repeat(v, HEADS // KV_HEADS, axis=1)
        s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(hd) + causal
        s = np.exp(s - s.max(-1, keepdims=True))
        a = (s / s.sum(-1, keepdims=True)) @ v
        a = a.transpose(0, 2, 1, 3).reshape(batch, seq, HIDDEN)
        x = x + a @ w("self_attn.o_proj.weight").T
        h = rms_norm(x, w("post_attention_layernorm.weight"))
        g = h @ w("mlp.gate_proj.weight").T
        m = g / (1 + np.exp(-g)) * (h @ w("mlp.up_proj.weight").T)
        x = x + m @ w("mlp.down_proj.weight").T
    return rms_norm(x, p["model.norm.weight"]) @ p["lm_head.weight"].T


def main():
    for seed in (0, 11):
        params, (tokens,), (logits,) = aster_check.run_seeded_model(
            sys.argv[1], seed)
        aster_check.assert_close(logits, llama(params, tokens), rtol=1e-10,
                                 atol=1e-12,
                                 what="tiny llama logits, seed %d" % seed)
    aster_check.done("tiny_llama")


main()
