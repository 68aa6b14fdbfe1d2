# RUN: %python %s %examples/tiny-gpt2.mlir
"""examples/tiny-gpt2.mlir through aster-reference against GPT-2 written in
numpy from the model definition (HuggingFace GPT2LMHeadModel: learned
positions, pre-LayerNorm blocks, fused c_attn, causal attention, gelu_new,
tied head), on the arguments the interpreter generated from the seed."""

import sys

import numpy as np

import aster_check

LAYERS, HIDDEN, HEADS = 2, 64, 4


def layer_norm(x, w, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def gelu_new(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


def gpt2(p, tokens):
    batch, seq = tokens.shape
    hd = HIDDEN // HEADS
    x = p["transformer.wte.weight"][tokens] + p["transformer.wpe.weight"][:seq]
    causal = np.triu(np.full((seq, seq), -np.inf), 1)
    for l in range(LAYERS):
        q = lambda n: p["transformer.h.%d.%s" % (l, n)]
        h = layer_norm(x, q("ln_1.weight"), q("ln_1.bias"))
        qkv = h @ q("attn.c_attn.weight") + q("attn.c_attn.bias")
        heads = [qkv[..., i * HIDDEN:(i + 1) * HIDDEN]
                 .reshape(batch, seq, HEADS, hd).transpose(0, 2, 1, 3)
                 for i in range(3)]
        s = heads[0] @ heads[1].transpose(0, 1, 3, 2) / np.sqrt(hd) + causal
        s = np.exp(s - s.max(-1, keepdims=True))
        a = (s / s.sum(-1, keepdims=True)) @ heads[2]
        a = a.transpose(0, 2, 1, 3).reshape(batch, seq, HIDDEN)
        x = x + a @ q("attn.c_proj.weight") + q("attn.c_proj.bias")
        h = layer_norm(x, q("ln_2.weight"), q("ln_2.bias"))
        m = gelu_new(h @ q("mlp.c_fc.weight") + q("mlp.c_fc.bias"))
        x = x + m @ q("mlp.c_proj.weight") + q("mlp.c_proj.bias")
    x = layer_norm(x, p["transformer.ln_f.weight"], p["transformer.ln_f.bias"])
    return x @ p["transformer.wte.weight"].T


def main():
    for seed in (0, 7):
        params, (tokens,), (logits,) = aster_check.run_seeded_model(
            sys.argv[1], seed)
        # Parameters follow their #aster.init: biases zero, norms one, and
        # the weights' spread matches GPT-2's initializer_range.
        aster_check.assert_equal(params["transformer.h.0.ln_1.bias"],
                                 np.zeros(HIDDEN), "zeros init")
        aster_check.assert_equal(params["transformer.ln_f.weight"],
                                 np.ones(HIDDEN), "ones init")
        std = params["transformer.wte.weight"].std()
        if not 0.018 < std < 0.022:
            print("FAIL: wte std %g, expected about 0.02" % std)
            sys.exit(1)
        if tokens.min() < 0 or tokens.max() >= 256:
            print("FAIL: generated tokens outside the vocabulary")
            sys.exit(1)
        aster_check.assert_close(logits, gpt2(params, tokens), rtol=1e-10,
                                 atol=1e-12, what="tiny gpt2 logits, seed %d" % seed)
    aster_check.done("tiny_gpt2")


main()
