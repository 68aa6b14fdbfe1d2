# RUN: %python %s
"""Every gradient rule of aster-autodiff against central finite differences
in the f64 reference interpreter, on random inputs of odd sizes.

Each case is a function of float arguments x_i (and integer ones: ids,
labels, positions) producing y. The test differentiates
loss = sum(y * w), w a fixed random tensor (so every element of y counts),
and compares <grad, u> with (loss(x + h u) - loss(x - h u)) / 2h for three
random directions u, h = 2^-17. The perturbation is applied inside the IR, so
it is exact in f64 (the interpreter holds f32 values in f64). Required:
relative error below 1e-6.

Not checked here: aster.cast's rule (identity back to the source type):
rounding to a narrower float has derivative 0 almost everywhere, and the
straight-through identity is the convention every framework uses."""

import os
import subprocess
import sys
import tempfile

import numpy as np

import aster_check as ac

rng = np.random.default_rng(7)
H = 2.0 ** -17  # exact in f32
TOL = 1e-6


def T(shape, elem="f32"):
    return ac.T(shape, elem)


def normal(*shape):
    return rng.standard_normal(shape)


def positive(*shape):
    return np.abs(rng.standard_normal(shape)) + 0.5


def away_from_zero(*shape):
    x = rng.standard_normal(shape)
    return np.sign(x) * (np.abs(x) + 0.2)


def ints(low, high, *shape):
    return rng.integers(low, high, shape).astype(np.int32)


def check(name, args, body, out_shape):
    """args: list of (array, elem) with float arrays as f64 values of f32
    arguments, int32 arrays for index arguments."""
    names = ["a%d" % i for i in range(len(args))]
    # Float arguments are differentiated unless marked "data" (a mask).
    floats = [i for i, (a, role) in enumerate(args)
              if a.dtype.kind == "f" and role != "data"]
    sig = ", ".join("%%%s: %s%s" % (n, T(a.shape, "f32" if a.dtype.kind == "f"
                                              else "i32"),
                                    ' {aster.data = "%s"}' % n
                                    if role == "data" else "")
                    for n, (a, role) in zip(names, args))
    yt = T(out_shape)
    rank = len(out_shape)
    axes = ", ".join(str(d) for d in range(rank))
    reduce = ("%%r = aster.reduce sum %%p axes = [%s] : %s -> tensor<f32>"
              % (axes, yt)) if rank else "%r = aster.reshape %p : tensor<f32> -> tensor<f32>"
    loss = """func.func @loss({sig}, %w: {yt} {{aster.data = "w"}}) -> tensor<f32> {{
{body}
  %p = aster.mul %y, %w : {yt}, {yt} -> {yt}
  {reduce}
  return %r : tensor<f32>
}}
""".format(sig=sig, yt=yt, body=body, reduce=reduce)
    # @shifted(args..., w, u_i...) -> (loss(x + h u), loss(x - h u)).
    dirs = ", ".join("%%u%d: %s" % (i, T(args[i][0].shape)) for i in floats)
    lines = []
    plus, minus = [], []
    for i, n in enumerate(names):
        if i not in floats:
            plus.append("%" + n)
            minus.append("%" + n)
            continue
        t = T(args[i][0].shape)
        lines.append("  %%s%d = aster.mul %%u%d, %%h : %s, tensor<f32> -> %s"
                     % (i, i, t, t))
        lines.append("  %%p%d = aster.add %%%s, %%s%d : %s, %s -> %s"
                     % (i, n, i, t, t, t))
        lines.append("  %%m%d = aster.sub %%%s, %%s%d : %s, %s -> %s"
                     % (i, n, i, t, t, t))
        plus.append("%%p%d" % i)
        minus.append("%%m%d" % i)
    types = ", ".join(T(a.shape, "f32" if a.dtype.kind == "f" else "i32")
                      for a, _ in args) + ", " + yt
    shifted = """func.func @shifted({sig}, %w: {yt}, {dirs}) -> (tensor<f32>, tensor<f32>) {{
  %h = aster.constant dense<{h:.17e}> : tensor<f32>
{lines}
  %lp = func.call @loss({plus}, %w) : ({types}) -> tensor<f32>
  %lm = func.call @loss({minus}, %w) : ({types}) -> tensor<f32>
  return %lp, %lm : tensor<f32>, tensor<f32>
}}
""".format(sig=sig, yt=yt, dirs=dirs, h=H, lines="\n".join(lines),
           plus=", ".join(plus), minus=", ".join(minus), types=types)
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "f.mlir")
        with open(src, "w") as f:
            f.write(loss + shifted)
        out = os.path.join(tmp, "g.mlir")
        proc = subprocess.run([os.path.join(ac.TOOLS_DIR, "aster-opt"), src,
                               "--aster-autodiff", "-canonicalize", "-cse",
                               "-o", out], capture_output=True, text=True)
        if proc.returncode != 0:
            print("FAIL %s: aster-autodiff: %s\n%s" % (name, proc.stderr,
                                                       loss))
            sys.exit(1)
        text = open(out).read()
        w = rng.standard_normal(out_shape)
        inputs = {}
        for i, (a, _) in enumerate(args):
            inputs[i] = a.astype(np.float32) if a.dtype.kind == "f" else a
        inputs[len(args)] = w.astype(np.float32)
        # The values as the interpreter holds them (f32-rounded inputs).
        grads = ac.run(text, inputs, entry="loss_grad")[1:]
        for _ in range(3):
            us = {i: rng.standard_normal(args[i][0].shape).astype(np.float32)
                  for i in floats}
            shifted_inputs = dict(inputs)
            for k, i in enumerate(floats):
                shifted_inputs[len(args) + 1 + k] = us[i]
            lp, lm = ac.run(text, shifted_inputs, entry="shifted")
            fd = (float(lp) - float(lm)) / (2 * H)
            ad = sum(float(np.sum(g.astype(np.float64) * us[i].astype(np.float64)))
                     for g, i in zip(grads, floats))
            err = abs(fd - ad) / max(abs(fd), abs(ad), 1e-3)
            if not err < TOL:
                print("FAIL %s: autodiff %.12g, finite differences %.12g "
                      "(relative error %.3g)" % (name, ad, fd, err))
                print(text)
                sys.exit(1)
            ac.checks += 1


def main():
    # matmul: every transpose combination, batch broadcasting both ways.
    for tl, tr in [(False, False), (True, False), (False, True), (True, True)]:
        a = normal(5, 3) if tl else normal(3, 5)
        b = normal(7, 5) if tr else normal(5, 7)
        flags = (" transpose_lhs" if tl else "") + (" transpose_rhs" if tr else "")
        check("matmul%s" % flags, [(a, "f32"), (b, "f32")],
              "  %%y = aster.matmul %%a0, %%a1%s : %s, %s -> %s"
              % (flags, T(a.shape), T(b.shape), T((3, 7))), (3, 7))
    check("matmul batch-broadcast lhs", [(normal(2, 3, 5), ""), (normal(5, 4), "")],
          "  %y = aster.matmul %a0, %a1 : tensor<2x3x5xf32>, tensor<5x4xf32> -> tensor<2x3x4xf32>",
          (2, 3, 4))
    check("matmul batch-broadcast rhs", [(normal(3, 5), ""), (normal(2, 1, 5, 4), "")],
          "  %y = aster.matmul %a0, %a1 : tensor<3x5xf32>, tensor<2x1x5x4xf32> -> tensor<2x1x3x4xf32>",
          (2, 1, 3, 4))
    # Broadcasting binary ops.
    for op in ("add", "sub", "mul", "div"):
        rhs = positive(3, 1) if op == "div" else normal(3, 1)
        check(op, [(normal(3, 5), ""), (rhs, "")],
              "  %%y = aster.%s %%a0, %%a1 : tensor<3x5xf32>, tensor<3x1xf32> -> tensor<3x5xf32>" % op,
              (3, 5))
        check(op + " rank-broadcast", [(normal(5,), ""), (positive(2, 3, 5), "")],
              "  %%y = aster.%s %%a0, %%a1 : tensor<5xf32>, tensor<2x3x5xf32> -> tensor<2x3x5xf32>" % op,
              (2, 3, 5))
    check("pow", [(positive(3, 5), ""), (normal(5,), "")],
          "  %y = aster.pow %a0, %a1 : tensor<3x5xf32>, tensor<5xf32> -> tensor<3x5xf32>",
          (3, 5))
    # Unary ops.
    unary = {"exp": normal, "log": positive, "tanh": normal, "rsqrt": positive,
             "sqrt": positive, "erf": normal, "silu": normal,
             "relu": away_from_zero, "sigmoid": normal, "neg": normal,
             "sin": normal, "cos": normal}
    for op, gen in unary.items():
        check(op, [(gen(3, 5), "")],
              "  %%y = aster.%s %%a0 : tensor<3x5xf32>" % op, (3, 5))
    for approx in ("", " approximate = tanh"):
        check("gelu" + approx, [(normal(3, 5) * 2, "")],
              "  %%y = aster.gelu %%a0%s : tensor<3x5xf32>" % approx, (3, 5))
    check("softmax", [(normal(3, 5, 7), "")],
          "  %y = aster.softmax %a0, axis = 1 : tensor<3x5x7xf32>", (3, 5, 7))
    check("log_softmax", [(normal(3, 5, 7), "")],
          "  %y = aster.log_softmax %a0, axis = 2 : tensor<3x5x7xf32>", (3, 5, 7))
    # Norms (through their saving forms and fused backward).
    check("layer_norm", [(normal(3, 5, 7), ""), (normal(7,), ""), (normal(7,), "")],
          "  %y = aster.layer_norm %a0, %a1, %a2 epsilon = 1.0e-3 : tensor<3x5x7xf32>, tensor<7xf32>, tensor<7xf32>",
          (3, 5, 7))
    check("layer_norm no bias", [(normal(5, 9), ""), (normal(9,), "")],
          "  %y = aster.layer_norm %a0, %a1 : tensor<5x9xf32>, tensor<9xf32>", (5, 9))
    check("rms_norm", [(normal(3, 5, 7), ""), (normal(7,), "")],
          "  %y = aster.rms_norm %a0, %a1 epsilon = 1.0e-3 : tensor<3x5x7xf32>, tensor<7xf32>",
          (3, 5, 7))
    # rope, both layouts, with and without positions.
    check("rope", [(normal(2, 3, 5, 6), "")],
          "  %y = aster.rope %a0 theta = 100.0 : tensor<2x3x5x6xf32>", (2, 3, 5, 6))
    check("rope interleaved positions", [(normal(2, 5, 6), ""), (ints(0, 50, 5), "")],
          "  %y = aster.rope %a0, %a1 theta = 10.0 layout = interleaved : tensor<2x5x6xf32>, tensor<5xi32>",
          (2, 5, 6))
    # Attention (saving form, flash-style backward).
    check("attention causal", [(normal(2, 3, 5, 4), ""), (normal(2, 3, 5, 4), ""),
                               (normal(2, 3, 5, 6), "")],
          "  %y = aster.attention %a0, %a1, %a2 causal : tensor<2x3x5x4xf32>, tensor<2x3x5x4xf32>, tensor<2x3x5x6xf32> -> tensor<2x3x5x6xf32>",
          (2, 3, 5, 6))
    mask = np.where(rng.random((5, 7)) < 0.3, -1e30, normal(5, 7))
    mask[:, 0] = 0.0  # no row fully masked
    check("attention gqa mask scale", [(normal(1, 6, 5, 4), ""), (normal(1, 2, 7, 4), ""),
                                       (normal(1, 2, 7, 3), ""), (mask, "data")],
          "  %y = aster.attention %a0, %a1, %a2 mask %a3 scale = 0.7 : tensor<1x6x5x4xf32>, tensor<1x2x7x4xf32>, tensor<1x2x7x3xf32>, tensor<5x7xf32> -> tensor<1x6x5x3xf32>",
          (1, 6, 5, 3))
    # Shape ops.
    check("reshape", [(normal(3, 10), "")],
          "  %y = aster.reshape %a0 : tensor<3x10xf32> -> tensor<5x6xf32>", (5, 6))
    check("broadcast", [(normal(3, 1), "")],
          "  %y = aster.broadcast %a0 : tensor<3x1xf32> -> tensor<2x3x5xf32>", (2, 3, 5))
    check("transpose", [(normal(2, 3, 5), "")],
          "  %y = aster.transpose %a0, [2, 0, 1] : tensor<2x3x5xf32> -> tensor<5x2x3xf32>",
          (5, 2, 3))
    check("slice", [(normal(5, 7), "")],
          "  %y = aster.slice %a0 [1, 0] to [5, 7] step [2, 3] : tensor<5x7xf32> -> tensor<2x3xf32>",
          (2, 3))
    check("concat", [(normal(3, 2), ""), (normal(3, 5), "")],
          "  %y = aster.concat(%a0, %a1) axis = 1 : tensor<3x2xf32>, tensor<3x5xf32> -> tensor<3x7xf32>",
          (3, 7))
    for kind in ("sum", "mean", "max"):
        check("reduce " + kind, [(normal(3, 5, 7), "")],
              "  %%y = aster.reduce %s %%a0 axes = [0, 2] : tensor<3x5x7xf32> -> tensor<5xf32>" % kind,
              (5,))
    check("reduce keep_dims", [(normal(3, 5), "")],
          "  %y = aster.reduce mean %a0 axes = [1] keep_dims : tensor<3x5xf32> -> tensor<3x1xf32>",
          (3, 1))
    check("select", [(normal(3, 5), ""), (normal(3, 5), ""), (normal(5,), "")],
          "  %z = aster.constant dense<0.0> : tensor<f32>\n"
          "  %c = aster.compare gt %a0, %z : tensor<3x5xf32>, tensor<f32> -> tensor<3x5xi1>\n"
          "  %y = aster.select %c, %a1, %a2 : tensor<3x5xi1>, tensor<3x5xf32>, tensor<5xf32> -> tensor<3x5xf32>",
          (3, 5))
    check("gather", [(normal(3, 7, 2), ""), (ints(-7, 7, 2, 5), "")],
          "  %y = aster.gather %a0[%a1] axis = 1 : tensor<3x7x2xf32>, tensor<2x5xi32> -> tensor<3x2x5x2xf32>",
          (3, 2, 5, 2))
    check("embedding", [(normal(11, 4), ""), (ints(0, 11, 3, 5), "")],
          "  %y = aster.embedding %a0[%a1] : tensor<11x4xf32>, tensor<3x5xi32> -> tensor<3x5x4xf32>",
          (3, 5, 4))
    check("scatter_add", [(normal(3, 5, 2), ""), (ints(0, 7, 5), "")],
          "  %y = aster.scatter_add %a0[%a1] axis = 1 : tensor<3x5x2xf32>, tensor<5xi32> -> tensor<3x7x2xf32>",
          (3, 7, 2))
    check("insert_slice", [(normal(2, 3), "")],
          "  %y = aster.insert_slice %a0 [1, 0] to [5, 7] step [2, 3] : tensor<2x3xf32> -> tensor<5x7xf32>",
          (5, 7))
    # Cross-entropy (saving form, fused backward), every reduction.
    labels = ints(0, 7, 3, 5)
    labels[0, 1] = labels[2, 3] = -100
    for red in ("mean", "sum"):
        check("cross_entropy " + red, [(normal(3, 5, 7), ""), (labels, "")],
              "  %%y = aster.cross_entropy %%a0, %%a1 reduction = %s : tensor<3x5x7xf32>, tensor<3x5xi32> -> tensor<f32>" % red,
              ())
    check("cross_entropy none", [(normal(3, 5, 7), ""), (labels, "")],
          "  %y = aster.cross_entropy %a0, %a1 reduction = none : tensor<3x5x7xf32>, tensor<3x5xi32> -> tensor<3x5xf32>",
          (3, 5))
    # A value used several times: gradients are summed.
    check("fan-out", [(normal(3, 5), ""), (normal(5, 5), "")],
          "  %h = aster.matmul %a0, %a1 : tensor<3x5xf32>, tensor<5x5xf32> -> tensor<3x5xf32>\n"
          "  %t = aster.tanh %h : tensor<3x5xf32>\n"
          "  %s = aster.add %t, %a0 : tensor<3x5xf32>, tensor<3x5xf32> -> tensor<3x5xf32>\n"
          "  %y = aster.matmul %s, %a1 transpose_rhs : tensor<3x5xf32>, tensor<5x5xf32> -> tensor<3x5xf32>",
          (3, 5))
    ac.done("autodiff finite differences")


main()
