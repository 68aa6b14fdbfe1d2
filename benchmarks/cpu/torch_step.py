#!/usr/bin/env python3
"""The baseline for bench.py's training rows: the same model, batch and
optimizer in PyTorch eager on the same CPU (HuggingFace transformers,
AdamW, f32, dropout off as in Aster). Needs checks/hf/requirements.txt
(torch, transformers), kept off the default test path:

  python3 -m venv /tmp/hfvenv && /tmp/hfvenv/bin/pip install -r checks/hf/requirements.txt
  /tmp/hfvenv/bin/python benchmarks/cpu/torch_step.py examples/gpt2/config.json --batch 4 --seq 128

Prints one markdown row: model, tokens per step, tokens/s (median)."""

import argparse
import json
import os
import statistics
import time

import torch
import transformers


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--steps", type=int, default=3)
    args = ap.parse_args()
    config = json.load(open(args.config))
    for key in ("resid_pdrop", "embd_pdrop", "attn_pdrop"):
        config[key] = 0.0
    model = transformers.GPT2LMHeadModel(transformers.GPT2Config(**config))
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.1)
    tokens = torch.randint(0, config["vocab_size"], (args.batch, args.seq))
    rates = []
    for step in range(args.steps + 1):
        start = time.perf_counter()
        loss = model(tokens, labels=tokens).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad()
        elapsed = time.perf_counter() - start
        if step:  # the first step allocates the optimizer state
            rates.append(args.batch * args.seq / elapsed)
    print("| %s, f32, batch %d x seq %d | PyTorch %s eager, %d threads | %.0f tokens/s |" % (
        os.path.basename(os.path.dirname(args.config)), args.batch, args.seq,
        torch.__version__, torch.get_num_threads(), statistics.median(rates)))


if __name__ == "__main__":
    main()
