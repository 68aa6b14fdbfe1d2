# RUN: %python %s %examples/tiny-llama.mlir
"""examples/tiny-llama.mlir through aster-reference against LLaMA written in
numpy from the model definition (HuggingFace LlamaForCausalLM: RMSNorm,
rotate_half rotary embeddings, grouped-query causal attention, SwiGLU,
untied head), on the arguments the interpreter generated from the seed."""

import sys

import aster_check
import reference_models

CONFIG = {"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4,
          "num_key_value_heads": 2, "num_hidden_layers": 2,
          "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "hidden_act": "silu",
          "tie_word_embeddings": False}


def main():
    for seed in (0, 11):
        params, (tokens,), (logits,) = aster_check.run_seeded_model(
            sys.argv[1], seed)
        aster_check.assert_close(logits, reference_models.llama(params, tokens, CONFIG), rtol=1e-10,
                                 atol=1e-12,
                                 what="tiny llama logits, seed %d" % seed)
    aster_check.done("tiny_llama")


main()
