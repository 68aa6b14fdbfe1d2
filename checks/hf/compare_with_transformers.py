#!/usr/bin/env python3
"""Aster's training numerics against HuggingFace transformers (PyTorch) on
the same weights and tokens.

For each model config: aster-compile --compile-to=train builds @loss_grad
and @train_step; aster-reference (f64) computes the loss and the gradient
of every parameter from seeded weights, which it writes as safetensors;
transformers loads those weights into the same architecture and computes
loss.backward() in float32 and float64. Then both train N steps with the
same AdamW, and the loss curves are compared.

  python checks/hf/compare_with_transformers.py --tools build/bin \\
      examples/tiny-gpt2/config.json examples/tiny-llama/config.json

Needs checks/hf/requirements.txt (torch, transformers); not part of the
test command. Prints a table; docs/training.md records the results."""

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from safetensors.torch import load_file
from transformers import AutoConfig, AutoModelForCausalLM


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), proc.stderr))
    return proc.stdout


def rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))


def hf_model(config_path, weights, dtype):
    config = AutoConfig.from_pretrained(os.path.dirname(os.path.abspath(config_path)))
    config._attn_implementation = "eager"
    # Aster's step has no dropout (aster-compile warns when a config asks
    # for it): compare without.
    for field in ("resid_pdrop", "embd_pdrop", "attn_pdrop",
                  "attention_dropout"):
        if hasattr(config, field):
            setattr(config, field, 0.0)
    model = AutoModelForCausalLM.from_config(config).to(dtype)
    state = {k: v.to(dtype) for k, v in load_file(weights).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    # GPT-2 ties lm_head to wte; buffers (masks, rotary tables) are not
    # parameters.
    missing = [m for m in missing
               if m != "lm_head.weight" and not m.endswith((".attn.bias",
                                                            ".attn.masked_bias",
                                                            "rotary_emb.inv_freq"))]
    if missing or unexpected:
        sys.exit("weights do not match the HF model: missing %s, unexpected %s"
                 % (missing, unexpected))
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("configs", nargs="+")
    ap.add_argument("--tools", default="build/bin")
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--seq", type=int, default=16)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.manual_seed(0)
    print("| model | loss (Aster) | loss rel. err f32 / f64 | max grad rel. err f32 / f64 | "
          "loss after %d AdamW steps (Aster / PyTorch f64 / f32) |" % args.steps)
    print("|---|---|---|---|---|")
    for config in args.configs:
        tmp = tempfile.mkdtemp()
        step_ir = os.path.join(tmp, "step.mlir")
        run([os.path.join(args.tools, "aster-compile"), config,
             "--compile-to=train", "--dtype=float32", "--batch", str(args.batch),
             "--seq", str(args.seq), "--lr", repr(args.lr), "--clip", "1.0",
             "--weight-decay", "0.1", "-o", step_ir])
        weights = os.path.join(tmp, "init.safetensors")
        run([os.path.join(args.tools, "aster-reference"), step_ir, "--entry",
             "loss_grad", "--seed", str(args.seed), "--save-params", weights,
             "--dump-inputs", os.path.join(tmp, "in"), "-o",
             os.path.join(tmp, "out")])
        ins = sorted(glob.glob(os.path.join(tmp, "in", "arg*.npy")),
                     key=lambda p: int(p.split("arg")[-1][:-4]))
        tokens = np.load(ins[-1]).astype(np.int64)
        outs = sorted(glob.glob(os.path.join(tmp, "out", "result*.npy")),
                      key=lambda p: int(p.split("result")[-1][:-4]))
        aster_loss = float(np.load(outs[0]))
        aster_grads = [np.load(p) for p in outs[1:]]
        # Parameter order: the safetensors names in the order of @loss_grad's
        # arguments (aster-reference writes them in that order).
        text = open(step_ir).read()
        start = text.index("func.func @loss_grad(")
        header = text[start:text.index("{\n", start)]
        names = [part.split('aster.name = "')[1].split('"')[0]
                 for part in header.split("%arg")[1:] if 'aster.name = "' in part]
        results = {}
        for dtype in (torch.float32, torch.float64):
            model = hf_model(config, weights, dtype)
            out = model(input_ids=torch.from_numpy(tokens),
                        labels=torch.from_numpy(tokens))
            out.loss.backward()
            params = dict(model.named_parameters())
            errs = []
            for name, g in zip(names, aster_grads):
                p = params.get(name)
                if p is None and name == "lm_head.weight":
                    p = params["transformer.wte.weight"]
                errs.append((rel(g, p.grad.double().numpy()), name))
            results[dtype] = (rel(aster_loss, out.loss.item()), max(errs))
        # Training curves: N AdamW steps, same hyperparameters.
        trained = run([os.path.join(args.tools, "aster-reference"), step_ir,
                       "--steps", str(args.steps), "--weights", weights,
                       "-i", "tokens=" + ins[-1]])
        aster_curve = [float(l.split("loss")[1]) for l in trained.splitlines()
                       if l.startswith("step ")]
        curves = {}
        for dtype in (torch.float64, torch.float32):
            model = hf_model(config, weights, dtype)
            decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
            no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
            opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                                     {"params": no_decay, "weight_decay": 0.0}],
                                    lr=args.lr, betas=(0.9, 0.999), eps=1e-8)
            curve = []
            for _ in range(args.steps):
                opt.zero_grad()
                loss = model(input_ids=torch.from_numpy(tokens),
                             labels=torch.from_numpy(tokens)).loss
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                curve.append(loss.item())
            curves[dtype] = curve
        f32, f64 = results[torch.float32], results[torch.float64]
        print("| %s | %.6f | %.1e / %.1e | %.1e (%s) / %.1e | %.6f / %.6f / %.6f |" % (
            json.load(open(config))["model_type"], aster_loss, f32[0], f64[0],
            f32[1][0], f32[1][1], f64[1][0], aster_curve[-1],
            curves[torch.float64][-1], curves[torch.float32][-1]))
        print("  curve rel. err vs PyTorch f64, step by step: max %.1e" %
              max(rel(a, b) for a, b in zip(aster_curve, curves[torch.float64])))


if __name__ == "__main__":
    main()
