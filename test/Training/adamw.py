# RUN: %python %s
"""@train_step against an independent numpy implementation of the step,
step for step, to 1e-12 in f64: the mean of the micro-batches' gradients,
torch.nn.utils.clip_grad_norm_, the warmup + cosine schedule and
torch.optim.AdamW (decoupled weight decay, not on rank-1 parameters unless
--decay-all).

The gradients are @loss_grad's (checked against finite differences by
test/Autodiff); this test checks everything the step does with them. The
step is an f32 program, so its hyperparameters are f32 constants; the
numpy side rounds each constant to f32 the same way (r() below), and
otherwise computes in f64, as the interpreter does. Each step starts both
sides from the same f32-rounded state."""

import math
import os
import subprocess
import sys
import tempfile

import numpy as np

import aster_check as ac

rng = np.random.default_rng(11)
tmp = tempfile.mkdtemp()

V, H, B, S = 11, 6, 2, 5

# A small causal LM: embedding, RMSNorm (a rank-1 weight: not decayed),
# a tanh MLP with a bias, an untied head.
MODEL = """func.func @forward(
    %emb: tensor<{V}x{H}xf32> {{aster.name = "emb", aster.init = #aster.init<normal, std = 0.5>}},
    %norm: tensor<{H}xf32> {{aster.name = "norm", aster.init = #aster.init<normal, mean = 1.0, std = 0.1>}},
    %w1: tensor<{H}x{H}xf32> {{aster.name = "w1", aster.init = #aster.init<normal, std = 0.5>}},
    %b1: tensor<{H}xf32> {{aster.name = "b1", aster.init = #aster.init<normal, std = 0.1>}},
    %head: tensor<{H}x{V}xf32> {{aster.name = "head", aster.init = #aster.init<normal, std = 0.5>}},
    %tokens: tensor<{B}x{S}xi32> {{aster.data = "tokens"}}) -> tensor<{B}x{S}x{V}xf32> {{
  %x = aster.embedding %emb[%tokens] : tensor<{V}x{H}xf32>, tensor<{B}x{S}xi32> -> tensor<{B}x{S}x{H}xf32>
  %n = aster.rms_norm %x, %norm : tensor<{B}x{S}x{H}xf32>, tensor<{H}xf32>
  %h = aster.matmul %n, %w1 : tensor<{B}x{S}x{H}xf32>, tensor<{H}x{H}xf32> -> tensor<{B}x{S}x{H}xf32>
  %hb = aster.add %h, %b1 : tensor<{B}x{S}x{H}xf32>, tensor<{H}xf32> -> tensor<{B}x{S}x{H}xf32>
  %t = aster.tanh %hb : tensor<{B}x{S}x{H}xf32>
  %r = aster.add %t, %x : tensor<{B}x{S}x{H}xf32>, tensor<{B}x{S}x{H}xf32> -> tensor<{B}x{S}x{H}xf32>
  %logits = aster.matmul %r, %head : tensor<{B}x{S}x{H}xf32>, tensor<{H}x{V}xf32> -> tensor<{B}x{S}x{V}xf32>
  return %logits : tensor<{B}x{S}x{V}xf32>
}}
""".format(V=V, H=H, B=B, S=S)
NAMES = ["emb", "norm", "w1", "b1", "head"]
SHAPES = [(V, H), (H,), (H, H), (H,), (H, V)]


def r(v):
    """A hyperparameter as the f32 constant the step holds."""
    return float(np.float32(v))


def compile_step(flags):
    src = os.path.join(tmp, "model.mlir")
    with open(src, "w") as f:
        f.write(MODEL)
    out = os.path.join(tmp, "step.mlir")
    proc = subprocess.run([os.path.join(ac.TOOLS_DIR, "aster-compile"), src,
                           "--compile-to=train", "-o", out] + flags,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        print("FAIL aster-compile %s: %s" % (flags, proc.stderr))
        sys.exit(1)
    return open(out).read()


def numpy_lr(step, o):
    if o["schedule"] == "constant":
        return r(o["lr"])
    one = 1.0
    if step < r(o["warmup"]):
        return r(o["lr"]) * (step + one) / r(max(o["warmup"], 1))
    progress = (step - r(o["warmup"])) / r(o["decay"] - o["warmup"])
    progress = min(progress, one)
    cosine = math.cos(progress * r(math.pi))
    return r(o["min_lr"]) + (r(0.5) * (one + cosine)) * r(o["lr"] - o["min_lr"])


clipped = []  # whether each clipped step actually scaled its gradients


def numpy_step(params, m, v, grads_per_micro, step, o):
    accum = len(grads_per_micro)
    grads = [sum(gs[k] for gs in grads_per_micro) for k in range(len(params))]
    if accum > 1:
        grads = [g * r(1.0 / accum) for g in grads]
    if o["clip"] > 0:
        norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
        coef = min(r(o["clip"]) / (norm + r(1e-6)), 1.0)
        clipped.append(coef < 1.0)
        grads = [g * coef for g in grads]
    lr = numpy_lr(step, o)
    t = step + 1.0
    bc1 = 1.0 - r(o["beta1"]) ** t
    bc2 = 1.0 - r(o["beta2"]) ** t
    out_p, out_m, out_v = [], [], []
    for p, m0, v0, g in zip(params, m, v, grads):
        m1 = r(o["beta1"]) * m0 + r(1 - o["beta1"]) * g
        v1 = r(o["beta2"]) * v0 + r(1 - o["beta2"]) * (g * g)
        decays = o["wd"] > 0 and (o["decay_all"] or p.ndim >= 2)
        p1 = p * (1.0 - lr * r(o["wd"])) if decays else p
        denom = np.sqrt(v1) / math.sqrt(bc2) + r(o["eps"])
        p1 = p1 - (lr / bc1) * (m1 / denom)
        out_p.append(p1)
        out_m.append(m1)
        out_v.append(v1)
    return out_p, out_m, out_v


def run_case(o, steps):
    flags = ["--batch", str(B * o["accum"]), "--accum", str(o["accum"]),
             "--lr", repr(o["lr"]), "--beta1", repr(o["beta1"]),
             "--beta2", repr(o["beta2"]), "--eps", repr(o["eps"]),
             "--weight-decay", repr(o["wd"]), "--clip", repr(o["clip"]),
             "--schedule", o["schedule"]]
    if o["schedule"] == "cosine":
        flags += ["--warmup", str(o["warmup"]), "--decay-steps",
                  str(o["decay"]), "--min-lr", repr(o["min_lr"])]
    if o["decay_all"]:
        flags.append("--decay-all")
    text = compile_step(flags)
    params = [rng.standard_normal(s) * 0.5 for s in SHAPES]
    m = [np.zeros(s) for s in SHAPES]
    v = [np.zeros(s) for s in SHAPES]
    tokens = rng.integers(0, V, (B * o["accum"], S)).astype(np.int32)
    n = len(NAMES)
    for step in steps:
        # Both sides start from the same f32 state.
        params = [p.astype(np.float32).astype(np.float64) for p in params]
        m = [x.astype(np.float32).astype(np.float64) for x in m]
        v = [x.astype(np.float32).astype(np.float64) for x in v]
        inputs = {}
        for k in range(n):
            inputs[k] = params[k].astype(np.float32)
            inputs[n + k] = m[k].astype(np.float32)
            inputs[2 * n + k] = v[k].astype(np.float32)
        inputs[3 * n] = tokens
        inputs[3 * n + 1] = np.array(step, np.int64)
        out = ac.run(text, inputs, entry="train_step")
        grads_per_micro, losses = [], []
        for a in range(o["accum"]):
            micro = {k: params[k].astype(np.float32) for k in range(n)}
            micro[n] = tokens[a * B:(a + 1) * B]
            res = ac.run(text, micro, entry="loss_grad")
            losses.append(float(res[0]))
            grads_per_micro.append([g.astype(np.float64) for g in res[1:]])
        want_p, want_m, want_v = numpy_step(params, m, v, grads_per_micro,
                                            float(step), o)
        what = "%s step %d" % (o["name"], step)
        ac.assert_close(out[0], np.mean(losses) if o["accum"] > 1 else losses[0],
                        rtol=1e-12, what=what + " loss")
        for k in range(n):
            ac.assert_close(out[1 + k], want_p[k], rtol=1e-12, atol=1e-15,
                            what=what + " param " + NAMES[k])
            ac.assert_close(out[1 + n + k], want_m[k], rtol=1e-12, atol=1e-15,
                            what=what + " m " + NAMES[k])
            ac.assert_close(out[1 + 2 * n + k], want_v[k], rtol=1e-12,
                            atol=1e-18, what=what + " v " + NAMES[k])
        params, m, v = ([x.astype(np.float64) for x in out[1:1 + n]],
                        [x.astype(np.float64) for x in out[1 + n:1 + 2 * n]],
                        [x.astype(np.float64) for x in out[1 + 2 * n:]])


base = dict(name="constant", accum=1, lr=1e-2, beta1=0.9, beta2=0.999,
            eps=1e-8, wd=0.1, clip=100.0, schedule="constant", warmup=0,
            decay=0, min_lr=0.0, decay_all=False)
run_case(base, range(3))
run_case(dict(base, name="cosine, accumulation, clipping", accum=2,
              lr=3e-2, beta1=0.8, beta2=0.95, eps=1e-6, clip=0.05,
              schedule="cosine", warmup=2, decay=5, min_lr=1e-3),
         [0, 1, 2, 3, 4, 5, 6])
if not any(clipped):
    print("FAIL: the clipping case never clipped; lower its --clip")
    sys.exit(1)
run_case(dict(base, name="no clipping, decay all", clip=0.0, wd=0.5,
              decay_all=True), range(2))
ac.done("AdamW step")
