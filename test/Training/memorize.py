# RUN: %python %s
"""Training end to end in the reference interpreter: tiny GPT-2 and tiny
LLaMA (2 layers, hidden 64, vocabulary 256) memorise a fixed batch of
random tokens: the loss starts near ln(256) and falls below 0.05 within 300
steps (f32). Then: mixed precision (bf16 compute, f32 master weights and
optimizer state) trains from the same start; gradient accumulation over
micro-batches; a nanoGPT-style uint16 token file; the trained parameters
written with --save-trained load back with --weights and give the loss the
last step reached."""

import math
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

import aster_check as ac

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
tmp = tempfile.mkdtemp()


def tool(*args):
    return ac.run_tool(*args).stdout


def compile_step(model, name, *flags):
    out = os.path.join(tmp, name + ".mlir")
    tool("aster-compile", os.path.join(EXAMPLES, model, "config.json"),
         "--compile-to=train", "--seq", "16", "--lr", "3e-3", "-o", out, *flags)
    return out


def losses(stdout):
    return [float(m) for m in re.findall(r"^step \d+/\d+  loss (\S+)$", stdout,
                                         re.M)]


def expect(cond, what):
    if not cond:
        print("FAIL: " + what)
        sys.exit(1)
    ac.checks += 1


for model in ("tiny-gpt2", "tiny-llama"):  # about 15 s each
    step = compile_step(model, model, "--batch", "2", "--dtype=float32")
    curve = losses(tool("aster-reference", step, "--steps", "300", "--seed", "1"))
    expect(len(curve) == 300, "%s: 300 losses printed" % model)
    expect(abs(curve[0] - math.log(256)) < 0.5,
           "%s: first loss %.4f is near ln(256) = %.4f" % (model, curve[0],
                                                          math.log(256)))
    expect(curve[-1] < 0.05, "%s: loss after 300 steps %.4f < 0.05" % (model,
                                                                     curve[-1]))
    print("%s: loss %.4f -> %.4f in 300 steps" % (model, curve[0], curve[-1]))

# Mixed precision: the bf16 step starts where the f32 one does (bf16
# rounding of the same weights) and trains.
f32 = compile_step("tiny-gpt2", "gpt2-f32", "--batch", "2", "--dtype=float32")
bf16 = compile_step("tiny-gpt2", "gpt2-bf16", "--batch", "2", "--dtype=bfloat16")
text = open(bf16).read()
expect("tensor<256x64xf32> {aster.init" in text and "-> tensor<256x64xbf16>" in text,
       "bf16 step: f32 master weights cast to bf16 for compute")
a = losses(tool("aster-reference", f32, "--steps", "20", "--seed", "2"))
b = losses(tool("aster-reference", bf16, "--steps", "20", "--seed", "2"))
expect(abs(a[0] - b[0]) < 0.02, "bf16 first loss %.4f near f32's %.4f" % (b[0], a[0]))
expect(b[-1] < b[0] - 1.0, "bf16 loss falls: %.4f -> %.4f" % (b[0], b[-1]))

# Accumulation: 2 micro-batches of 1 give the same step as one batch of 2
# (no ignored tokens: the mean of means is the mean).
acc = compile_step("tiny-gpt2", "gpt2-accum", "--batch", "2", "--accum", "2",
                   "--dtype=float32")
c = losses(tool("aster-reference", acc, "--steps", "5", "--seed", "2"))
ac.assert_close(np.array(c), np.array(a[:5]), rtol=1e-9,
                what="accumulated micro-batches == one batch")

# A token file (uint16, as nanoGPT writes) and --save-trained.
# A periodic text: every window is the same pattern at another phase.
ids = np.tile(np.arange(5, 250, 7), 12)[:400].astype(np.uint16)
ids.tofile(os.path.join(tmp, "train.bin"))
saved = os.path.join(tmp, "trained.safetensors")
out = tool("aster-reference", f32, "--steps", "30", "--tokens",
           os.path.join(tmp, "train.bin"), "--save-trained", saved)
curve = losses(out)
expect(curve[-1] < curve[0], "token file: loss falls %.4f -> %.4f" % (curve[0], curve[-1]))
expect("wrote 28 trained parameters" in out, "--save-trained wrote 28 tensors")
# The saved weights load back: @loss on the same window as step 1.
window = ids[:32].reshape(2, 16).astype(np.int32)
np.save(os.path.join(tmp, "w.npy"), window)
first = tool("aster-reference", f32, "--entry", "loss", "-i",
             "tokens=" + os.path.join(tmp, "w.npy"), "--seed", "0")
after = tool("aster-reference", f32, "--entry", "loss", "--weights", saved,
             "-i", "tokens=" + os.path.join(tmp, "w.npy"))
l0 = float(re.search(r"\[(\S+)\]", first).group(1))
l1 = float(re.search(r"\[(\S+)\]", after).group(1))
ac.assert_close(l0, curve[0], rtol=1e-6, what="@loss at the start == step 1's loss")
expect(l1 < l0 - 0.5, "trained weights reload: loss %.4f -> %.4f" % (l0, l1))
ac.done("training end to end")
