# RUN: %python %s %aster_src_root
"""Imported models have the published parameter counts, counted here from
the @forward signature aster-compile prints (not from the importer's own
arithmetic), and HuggingFace's state-dict keys as parameter names."""

import os
import re
import subprocess
import sys
import tempfile

import numpy as np

import aster_check

ROOT = sys.argv[1]
PUBLISHED = [
    ("examples/gpt2", 124_439_808),
    ("examples/tinyllama-1.1b", 1_100_048_384),
    ("examples/llama-2-7b", 6_738_415_616),
    ("test/Frontend/HF/Inputs/mistral-7b-v0.1.json", 7_241_732_096),
    ("test/Frontend/HF/Inputs/qwen2-0.5b.json", 494_032_768),
]
ARG = re.compile(r'%arg\d+: tensor<([0-9x]+)x(?:f32|bf16|f16)> '
                 r'\{aster.init = [^}]*aster.name = "([^"]+)"\}')


def parameters(model):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "model.mlir")
        subprocess.run([os.path.join(aster_check.TOOLS_DIR, "aster-compile"),
                        os.path.join(ROOT, model), "--seq", "8", "-o", out],
                       check=True, capture_output=True)
        text = open(out).read()
    return {name: [int(d) for d in dims.split("x")]
            for dims, name in ARG.findall(text)}


def gpt2_keys(layers):
    keys = ["transformer.wte.weight", "transformer.wpe.weight",
            "transformer.ln_f.weight", "transformer.ln_f.bias"]
    for l in range(layers):
        for m in ["ln_1", "attn.c_attn", "attn.c_proj", "ln_2", "mlp.c_fc",
                  "mlp.c_proj"]:
            keys += ["transformer.h.%d.%s.%s" % (l, m, w)
                     for w in ("weight", "bias")]
    return keys


def llama_keys(layers, tied=False, qkv_bias=False):
    keys = ["model.embed_tokens.weight", "model.norm.weight"]
    keys += [] if tied else ["lm_head.weight"]
    for l in range(layers):
        pre = "model.layers.%d." % l
        keys += [pre + m + ".weight" for m in [
            "input_layernorm", "post_attention_layernorm",
            "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
            "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj",
            "mlp.down_proj"]]
        if qkv_bias:
            keys += [pre + "self_attn.%s_proj.bias" % p for p in "qkv"]
    return keys


def main():
    for model, published in PUBLISHED:
        params = parameters(model)
        count = sum(int(np.prod(shape)) for shape in params.values())
        if count != published:
            print("FAIL %s: %d parameters, published %d" % (model, count,
                                                            published))
            sys.exit(1)
        if "gpt2" in model:
            expected = gpt2_keys(12)
        elif "qwen2" in model:
            expected = llama_keys(24, tied=True, qkv_bias=True)
        else:
            expected = llama_keys(32 if ("7b" in model) else 22)
        if sorted(params) != sorted(expected):
            print("FAIL %s: names differ from the HF state dict:\n  extra %s\n"
                  "  missing %s" % (model, sorted(set(params) - set(expected)),
                                    sorted(set(expected) - set(params))))
            sys.exit(1)
        aster_check.checks += 1
    # Shapes follow the HF modules: Conv1D [in, out] for GPT-2, nn.Linear
    # [out, in] for LLaMA.
    gpt2 = parameters("examples/gpt2")
    llama = parameters("examples/tinyllama-1.1b")
    for got, want in [(gpt2["transformer.h.0.attn.c_attn.weight"], [768, 2304]),
                      (gpt2["transformer.wpe.weight"], [1024, 768]),
                      (llama["model.layers.0.self_attn.k_proj.weight"], [256, 2048]),
                      (llama["model.layers.0.mlp.down_proj.weight"], [2048, 5632])]:
        if got != want:
            print("FAIL: shape %s, expected %s" % (got, want))
            sys.exit(1)
        aster_check.checks += 1
    aster_check.done("parameter-counts")


main()
