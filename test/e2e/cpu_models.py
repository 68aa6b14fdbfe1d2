# RUN: %python %s
"""Tiny GPT-2 and tiny LLaMA (2 layers, hidden 64, f32) compiled for the
CPU against the reference interpreter on the same seeded weights and
tokens: the forward logits, @loss_grad's loss and every gradient, and
three @train_step steps (loss and updated parameters); then the bf16
mixed-precision step's loss and gradients.

Tolerances: f32 against f64, 1e-5 relative for logits, losses and
parameters, 1e-4 for gradients (relative to each tensor's largest value:
small gradients accumulate rounding). An AdamW update is lr * m / (sqrt(v)
+ eps), about lr * sign(g) at the first step, so for gradients near eps
its value is ill-conditioned; updated parameters are therefore compared
with an absolute tolerance of 1% of the learning rate, except for at most
1 element in 1,000 (a gradient within rounding of zero), which must stay
within the 2 lr that one update can move it."""

import glob
import os
import subprocess
import tempfile

import numpy as np

import aster_check as ac
import cpu_run

LR = 1e-3
EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")


def tool(*args):
    return ac.run_tool(*args).stdout


def numbered(folder, stem):
    paths = glob.glob(os.path.join(folder, stem + "*.npy"))
    return [np.load(p) for p in sorted(paths, key=lambda p: int(p[len(os.path.join(folder, stem)):-4]))]


def reference(ir, entry, tmp, tag, inputs=None):
    """Runs `entry` in the interpreter (seed 3), returning (inputs, results)."""
    out, dump = os.path.join(tmp, tag + "-out"), os.path.join(tmp, tag + "-in")
    args = ["aster-reference", ir, "--entry", entry, "--seed", "3", "-o", out,
            "--dump-inputs", dump]
    if inputs is not None:
        for i, a in enumerate(inputs):
            path = os.path.join(tmp, "%s-arg%d.npy" % (tag, i))
            np.save(path, a)
            args += ["-i", "%d=%s" % (i, path)]
    tool(*args)
    return numbered(dump, "arg"), numbered(out, "result")


def close(got, want, what, rtol):
    got = got.astype(np.float64)
    scale = max(float(np.max(np.abs(want))), 1e-30)
    ac.assert_close(got, want, rtol=rtol, atol=rtol * scale, what=what)


for model in ("tiny-gpt2", "tiny-llama"):
    tmp = tempfile.mkdtemp()
    ir = os.path.join(tmp, "step.mlir")
    tool("aster-compile", os.path.join(EXAMPLES, model, "config.json"),
         "--compile-to=train", "--dtype=float32", "--batch", "2", "--seq", "8",
         "--lr", "1e-3", "-o", ir)
    so = cpu_run.compile_so(open(ir).read(), tmp)
    # Forward.
    inputs, want = reference(ir, "forward", tmp, "fwd")
    got = cpu_run.call(so, "forward", inputs, [(w.shape, "f32") for w in want])
    close(got[0], want[0], model + " forward logits", 1e-5)
    # Loss and gradients.
    inputs, want = reference(ir, "loss_grad", tmp, "grad")
    got = cpu_run.call(so, "loss_grad", inputs,
                       [(w.shape, "f32") for w in want])
    close(got[0], want[0], model + " loss", 1e-5)
    for i, (g, w) in enumerate(zip(got[1:], want[1:])):
        close(g, w, "%s gradient %d" % (model, i), 1e-4)
    # Three optimizer steps, each from the interpreter's state.
    state, _ = reference(ir, "train_step", tmp, "step0")
    for step in range(3):
        state[-1] = np.array(step, np.int64)
        _, want = reference(ir, "train_step", tmp, "step%d" % (step + 1),
                            [s.astype(np.float32) if s.dtype == np.float64 else s
                             for s in state])
        args = [s.astype(np.float32) if s.dtype == np.float64 else s
                for s in state]
        got = cpu_run.call(so, "train_step", args,
                           [(w.shape, "f32") for w in want])
        close(got[0], want[0], "%s step %d loss" % (model, step), 1e-5)
        n = (len(want) - 1) // 3
        for i in range(1, n + 1):  # the updated parameters
            # Elements whose gradient is within rounding of zero may move by
            # anything in [-lr, lr]: allow 1 in 1,000 of them that far.
            g, w = got[i].astype(np.float64), want[i]
            wild = np.abs(g - w) > 1e-2 * LR + 1e-5 * np.abs(w)
            assert wild.sum() <= max(1, w.size // 1000), (
                "%s step %d param %d: %d of %d elements differ by more than "
                "1%% of lr" % (model, step, i, wild.sum(), w.size))
            ac.assert_close(np.where(wild, w, g), w, rtol=1e-5, atol=1e-2 * LR,
                            what="%s step %d param %d" % (model, step, i))
            assert np.all(np.abs(g - w) <= 2 * LR + 1e-5 * np.abs(w)), (
                "%s step %d param %d moved by more than 2 lr" % (model, step, i))
        state = [w for w in want[1:]] + state[-2:]
    print("%s: forward, gradients and 3 training steps match" % model)
# Mixed precision (bf16 compute, f32 master weights): the loss and the
# bf16 logits follow the interpreter (which rounds once per op from f64) to
# bf16 accuracy.
for model in ("tiny-gpt2", "tiny-llama"):
    tmp = tempfile.mkdtemp()
    ir = os.path.join(tmp, "step.mlir")
    tool("aster-compile", os.path.join(EXAMPLES, model, "config.json"),
         "--compile-to=train", "--dtype=bfloat16", "--batch", "2", "--seq", "8",
         "-o", ir)
    so = cpu_run.compile_so(open(ir).read(), tmp)
    inputs, want = reference(ir, "loss_grad", tmp, "grad")
    got = cpu_run.call(so, "loss_grad", inputs, [(w.shape, "f32") for w in want])
    close(got[0], want[0], model + " bf16 loss", 1e-2)
    # Gradients: relative to each tensor's largest value.
    for i, (g, w) in enumerate(zip(got[1:], want[1:])):
        close(g, w, "%s bf16 gradient %d" % (model, i), 1e-2)
    print("%s: bf16 mixed-precision loss and gradients match" % model)
ac.done("compiled models against the interpreter")
