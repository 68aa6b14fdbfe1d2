# RUN: %python %s %examples/tiny-gpt2.mlir
"""examples/tiny-gpt2.mlir through aster-reference against GPT-2 written in
numpy from the model definition (HuggingFace GPT2LMHeadModel: learned
positions, pre-LayerNorm blocks, fused c_attn, causal attention, gelu_new,
tied head), on the arguments the interpreter generated from the seed."""

import sys

import numpy as np

import aster_check
import reference_models

HIDDEN = 64
CONFIG = {"model_type": "gpt2", "n_embd": HIDDEN, "n_head": 4, "n_layer": 2,
          "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new"}


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
        aster_check.assert_close(logits, reference_models.gpt2(params, tokens, CONFIG), rtol=1e-10,
                                 atol=1e-12, what="tiny gpt2 logits, seed %d" % seed)
    aster_check.done("tiny_gpt2")


main()
