# RUN: %python %s %aster_src_root/examples
"""HuggingFace configs imported by aster-compile and run in aster-reference
match the numpy models of test/lib/reference_models.py (written from the
transformers definitions) on the same random parameters (biases and norm
weights included), for every family and the config options the importer
honours, at odd batch and sequence sizes."""

import json
import os
import subprocess
import sys
import tempfile

import aster_check
import reference_models

TOOLS = aster_check.TOOLS_DIR
EXAMPLES = sys.argv[1]


def load(name):
    with open(os.path.join(EXAMPLES, name, "config.json")) as f:
        return json.load(f)


def variants():
    gpt2 = load("tiny-gpt2")
    llama = load("tiny-llama")
    yield "tiny-gpt2", gpt2, 2, 16
    yield "gpt2 seq 1, batch 3", gpt2, 3, 1
    yield "gpt2 relu, n_inner 96", dict(gpt2, activation_function="relu", n_inner=96), 1, 7
    yield "gpt2 exact gelu", dict(gpt2, activation_function="gelu"), 2, 5
    yield "tiny-llama", llama, 2, 16
    yield "llama tied, attention_bias, mlp_bias", dict(
        llama, tie_word_embeddings=True, attention_bias=True, mlp_bias=True), 1, 9
    yield "llama head_dim 8, gelu_pytorch_tanh", dict(
        llama, head_dim=8, hidden_act="gelu_pytorch_tanh"), 2, 6
    yield "llama multi-query", dict(llama, num_key_value_heads=1), 1, 5
    yield "mistral (window beyond the sequence)", dict(
        llama, model_type="mistral", sliding_window=32, rope_theta=1e6), 2, 11
    yield "qwen2 (q/k/v biases)", dict(
        llama, model_type="qwen2", use_sliding_window=False,
        sliding_window=4, tie_word_embeddings=True), 2, 7


def main():
    for name, config, batch, seq in variants():
        with tempfile.TemporaryDirectory() as tmp:
            config_path = os.path.join(tmp, "config.json")
            with open(config_path, "w") as f:
                json.dump(config, f)
            mlir = os.path.join(tmp, "model.mlir")
            proc = subprocess.run(
                [os.path.join(TOOLS, "aster-compile"), config_path,
                 "--batch", str(batch), "--seq", str(seq), "-o", mlir],
                capture_output=True, text=True)
            if proc.returncode != 0:
                print("FAIL %s: aster-compile: %s" % (name, proc.stderr))
                sys.exit(1)
            params, (tokens,), (logits,) = \
                aster_check.run_model_with_random_params(mlir, 5)
        if tokens.shape != (batch, seq):
            print("FAIL %s: tokens %s" % (name, tokens.shape))
            sys.exit(1)
        expected = reference_models.forward(params, tokens, config)
        aster_check.assert_close(logits, expected, rtol=1e-9, atol=1e-12,
                                 what=name)
    aster_check.done("import-numerics")


main()
