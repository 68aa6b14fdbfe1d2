# RUN: %python %s
"""Compiled CPU code (convert-aster-to-linalg and the aster-cpu-to-llvm
pipeline, as a shared object) against the reference interpreter, op by
op, on random inputs of odd sizes: f32 to 1e-5 relative, bf16 to 1e-2."""

import numpy as np

import aster_check as ac
import cpu_run

rng = np.random.default_rng(5)


def T(shape, elem="f32"):
    return ac.T(shape, elem)


def case(name, args, body, results, rtol=1e-5, atol=1e-6):
    """args: [(array, elem)]; body: lines defining the results; results:
    [(ssa name, shape, elem)]."""
    sig = ", ".join("%%a%d: %s" % (i, T(a.shape, e)) for i, (a, e) in enumerate(args))
    rtypes = ", ".join(T(s, e) for _, s, e in results)
    text = "func.func @f(%s) -> (%s) {\n%s\n  return %s : %s\n}\n" % (
        sig, rtypes, body, ", ".join("%" + n for n, _, _ in results), rtypes)
    inputs = {}
    native = []
    for i, (a, e) in enumerate(args):
        if e == "bf16":
            bits = cpu_run.to_bf16_bits(a)
            native.append(bits)
            inputs[i] = cpu_run.from_bf16_bits(bits)
        else:
            native.append(a.astype(cpu_run.NUMPY_OF[e]))
            inputs[i] = native[-1]
    want = ac.run(text, inputs)
    try:
        so = cpu_run.compile_so(text)
    except RuntimeError as err:
        print("FAIL %s: %s\n%s" % (name, err, text))
        raise SystemExit(1)
    got = cpu_run.call(so, "f", native, [(s, e) for _, s, e in results])
    for g, w, (_, _, e) in zip(got, want, results):
        if e == "bf16":
            g = cpu_run.from_bf16_bits(g)
        if e in ("i32", "i64", "i1"):
            ac.assert_equal(g.astype(np.int64), w.astype(np.int64), what=name)
        else:
            ac.assert_close(g.astype(np.float64), w,
                            rtol=1e-2 if e == "bf16" else rtol,
                            atol=1e-2 if e == "bf16" else atol, what=name)


def x(*shape):
    return rng.standard_normal(shape)


def pos(*shape):
    return np.abs(rng.standard_normal(shape)) + 0.5


for op in ("add", "sub", "mul", "div"):
    case(op, [(x(3, 5), "f32"), (pos(5), "f32")],
         "  %%y = aster.%s %%a0, %%a1 : %s, %s -> %s" % (op, T((3, 5)), T((5,)), T((3, 5))),
         [("y", (3, 5), "f32")])
case("pow", [(pos(3, 5), "f32"), (x(3, 1), "f32")],
     "  %y = aster.pow %a0, %a1 : tensor<3x5xf32>, tensor<3x1xf32> -> tensor<3x5xf32>",
     [("y", (3, 5), "f32")])
case("int arithmetic", [(rng.integers(-50, 50, (7,)), "i32"), (np.array([3, -2, 4, -1, 7, 5, 1]), "i32")],
     "  %y = aster.div %a0, %a1 : tensor<7xi32>, tensor<7xi32> -> tensor<7xi32>\n"
     "  %z = aster.mul %a0, %a1 : tensor<7xi32>, tensor<7xi32> -> tensor<7xi32>",
     [("y", (7,), "i32"), ("z", (7,), "i32")])
for op in ("exp", "tanh", "erf", "silu", "relu", "sigmoid", "neg", "sin", "cos"):
    case(op, [(x(3, 7), "f32")], "  %%y = aster.%s %%a0 : %s" % (op, T((3, 7))),
         [("y", (3, 7), "f32")])
for op in ("log", "sqrt", "rsqrt"):
    case(op, [(pos(3, 7), "f32")], "  %%y = aster.%s %%a0 : %s" % (op, T((3, 7))),
         [("y", (3, 7), "f32")])
for approx in ("", " approximate = tanh"):
    case("gelu" + approx, [(x(4, 9), "f32")],
         "  %%y = aster.gelu %%a0%s : tensor<4x9xf32>" % approx, [("y", (4, 9), "f32")])
case("compare select", [(x(3, 5), "f32"), (x(5,), "f32")],
     "  %c = aster.compare lt %a0, %a1 : tensor<3x5xf32>, tensor<5xf32> -> tensor<3x5xi1>\n"
     "  %y = aster.select %c, %a0, %a1 : tensor<3x5xi1>, tensor<3x5xf32>, tensor<5xf32> -> tensor<3x5xf32>",
     [("c", (3, 5), "i1"), ("y", (3, 5), "f32")])
case("cast", [(x(3, 5) * 10, "f32")],
     "  %b = aster.cast %a0 : tensor<3x5xf32> -> tensor<3x5xbf16>\n"
     "  %i = aster.cast %a0 : tensor<3x5xf32> -> tensor<3x5xi32>",
     [("b", (3, 5), "bf16"), ("i", (3, 5), "i32")])
# Integers to bf16 (through f32: LLVM would otherwise call compiler-rt's
# __truncsfbf2, which the shared object does not link).
case("cast integers to bf16", [(np.arange(-700, 800, 100).reshape(3, 5), "i32")],
     "  %b = aster.cast %a0 : tensor<3x5xi32> -> tensor<3x5xbf16>\n"
     "  %c = aster.compare lt %a0, %a0 : tensor<3x5xi32>, tensor<3x5xi32> -> tensor<3x5xi1>\n"
     "  %d = aster.cast %c : tensor<3x5xi1> -> tensor<3x5xbf16>",
     [("b", (3, 5), "bf16"), ("d", (3, 5), "bf16")])
case("broadcast", [(x(3, 1), "f32")],
     "  %y = aster.broadcast %a0 : tensor<3x1xf32> -> tensor<2x3x5xf32>", [("y", (2, 3, 5), "f32")])
for tl, tr in ((False, False), (True, False), (False, True), (True, True)):
    a = x(5, 3) if tl else x(3, 5)
    b = x(7, 5) if tr else x(5, 7)
    flags = (" transpose_lhs" if tl else "") + (" transpose_rhs" if tr else "")
    case("matmul" + flags, [(a, "f32"), (b, "f32")],
         "  %%y = aster.matmul %%a0, %%a1%s : %s, %s -> tensor<3x7xf32>" % (flags, T(a.shape), T(b.shape)),
         [("y", (3, 7), "f32")])
case("matmul batch broadcast", [(x(2, 1, 3, 5), "f32"), (x(4, 5, 6), "f32")],
     "  %y = aster.matmul %a0, %a1 : tensor<2x1x3x5xf32>, tensor<4x5x6xf32> -> tensor<2x4x3x6xf32>",
     [("y", (2, 4, 3, 6), "f32")])
case("matmul bf16", [(x(3, 33), "bf16"), (x(33, 5), "bf16")],
     "  %y = aster.matmul %a0, %a1 : tensor<3x33xbf16>, tensor<33x5xbf16> -> tensor<3x5xbf16>",
     [("y", (3, 5), "bf16")])
for kind in ("sum", "mean", "max"):
    case("reduce " + kind, [(x(3, 5, 7), "f32")],
         "  %%y = aster.reduce %s %%a0 axes = [0, 2] : tensor<3x5x7xf32> -> tensor<5xf32>\n"
         "  %%z = aster.reduce %s %%a0 axes = [1] keep_dims : tensor<3x5x7xf32> -> tensor<3x1x7xf32>" % (kind, kind),
         [("y", (5,), "f32"), ("z", (3, 1, 7), "f32")])
case("reduce int", [(rng.integers(-9, 9, (4, 6)), "i64")],
     "  %y = aster.reduce max %a0 axes = [1] : tensor<4x6xi64> -> tensor<4xi64>",
     [("y", (4,), "i64")])
case("softmax", [(x(3, 5, 7) * 3, "f32")],
     "  %y = aster.softmax %a0, axis = 1 : tensor<3x5x7xf32>\n"
     "  %z = aster.log_softmax %a0, axis = 2 : tensor<3x5x7xf32>",
     [("y", (3, 5, 7), "f32"), ("z", (3, 5, 7), "f32")])
case("softmax bf16", [(x(3, 9), "bf16")],
     "  %y = aster.softmax %a0, axis = 1 : tensor<3x9xbf16>", [("y", (3, 9), "bf16")])
case("layer_norm", [(x(3, 5, 7), "f32"), (x(7), "f32"), (x(7), "f32")],
     "  %y = aster.layer_norm %a0, %a1, %a2 epsilon = 1.0e-3 : tensor<3x5x7xf32>, tensor<7xf32>, tensor<7xf32>\n"
     "  %z = aster.rms_norm %a0, %a1 : tensor<3x5x7xf32>, tensor<7xf32>",
     [("y", (3, 5, 7), "f32"), ("z", (3, 5, 7), "f32")])
case("reshape transpose slice concat", [(x(2, 3, 10), "f32")],
     "  %r = aster.reshape %a0 : tensor<2x3x10xf32> -> tensor<6x2x5xf32>\n"
     "  %t = aster.transpose %r, [2, 0, 1] : tensor<6x2x5xf32> -> tensor<5x6x2xf32>\n"
     "  %s = aster.slice %t [1, 0, 0] to [5, 6, 2] step [2, 3, 1] : tensor<5x6x2xf32> -> tensor<2x2x2xf32>\n"
     "  %c = aster.concat(%s, %s, %s) axis = 1 : tensor<2x2x2xf32>, tensor<2x2x2xf32>, tensor<2x2x2xf32> -> tensor<2x6x2xf32>",
     [("t", (5, 6, 2), "f32"), ("c", (2, 6, 2), "f32")])
case("gather embedding", [(x(11, 4), "f32"), (rng.integers(0, 11, (3, 5)), "i32"),
                          (np.array([-1, 3, 0]), "i64")],
     "  %e = aster.embedding %a0[%a1] : tensor<11x4xf32>, tensor<3x5xi32> -> tensor<3x5x4xf32>\n"
     "  %g = aster.gather %a0[%a2] axis = 1 : tensor<11x4xf32>, tensor<3xi64> -> tensor<11x3xf32>",
     [("e", (3, 5, 4), "f32"), ("g", (11, 3), "f32")])
case("constant", [(x(2, 3), "f32")],
     "  %c = aster.constant dense<[[1.5, -2.0, 3.25]]> : tensor<1x3xf32>\n"
     "  %y = aster.add %a0, %c : tensor<2x3xf32>, tensor<1x3xf32> -> tensor<2x3xf32>",
     [("y", (2, 3), "f32")])
# Composite ops (spelled out in elementary ops by the lowering).
mask = np.where(rng.random((5, 7)) < 0.3, -1e9, x(5, 7))
mask[:, 0] = 0
case("attention gqa mask", [(x(2, 6, 5, 4), "f32"), (x(2, 2, 7, 4), "f32"),
                            (x(2, 2, 7, 3), "f32"), (mask, "f32")],
     "  %y = aster.attention %a0, %a1, %a2 mask %a3 scale = 0.7 : tensor<2x6x5x4xf32>, tensor<2x2x7x4xf32>, tensor<2x2x7x3xf32>, tensor<5x7xf32> -> tensor<2x6x5x3xf32>",
     [("y", (2, 6, 5, 3), "f32")])
case("attention causal fwd bwd", [(x(1, 2, 5, 4), "f32"), (x(1, 1, 5, 4), "f32"),
                                  (x(1, 1, 5, 4), "f32"), (x(1, 2, 5, 4), "f32")],
     "  %o, %l = aster.attention_fwd %a0, %a1, %a2 causal : tensor<1x2x5x4xf32>, tensor<1x1x5x4xf32>, tensor<1x1x5x4xf32> -> tensor<1x2x5x4xf32>, tensor<1x2x5xf32>\n"
     "  %dq, %dk, %dv = aster.attention_bwd %a0, %a1, %a2, %o, %l, %a3 causal : tensor<1x2x5x4xf32>, tensor<1x1x5x4xf32>, tensor<1x1x5x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5xf32>, tensor<1x2x5x4xf32> -> tensor<1x2x5x4xf32>, tensor<1x1x5x4xf32>, tensor<1x1x5x4xf32>",
     [("o", (1, 2, 5, 4), "f32"), ("l", (1, 2, 5), "f32"), ("dq", (1, 2, 5, 4), "f32"),
      ("dk", (1, 1, 5, 4), "f32"), ("dv", (1, 1, 5, 4), "f32")])
# Flash attention (no mask): several query and key blocks of 50 (150 =
# 3 x 50), grouped-query heads, a value width unlike the key width; causal
# and not; a rectangular non-causal case; bf16 in and out.
case("flash attention causal gqa", [(x(1, 4, 150, 8), "f32"), (x(1, 2, 150, 8), "f32"),
                                    (x(1, 2, 150, 6), "f32")],
     "  %o, %l = aster.attention_fwd %a0, %a1, %a2 causal : tensor<1x4x150x8xf32>, tensor<1x2x150x8xf32>, tensor<1x2x150x6xf32> -> tensor<1x4x150x6xf32>, tensor<1x4x150xf32>",
     [("o", (1, 4, 150, 6), "f32"), ("l", (1, 4, 150), "f32")])
case("flash attention rectangular", [(x(2, 2, 70, 8), "f32"), (x(2, 1, 130, 8), "f32"),
                                     (x(2, 1, 130, 8), "f32")],
     "  %o = aster.attention %a0, %a1, %a2 scale = 0.3 : tensor<2x2x70x8xf32>, tensor<2x1x130x8xf32>, tensor<2x1x130x8xf32> -> tensor<2x2x70x8xf32>",
     [("o", (2, 2, 70, 8), "f32")])
case("rope", [(x(2, 3, 5, 8), "f32"), (rng.integers(0, 40, (5,)), "i32")],
     "  %y = aster.rope %a0 theta = 100.0 : tensor<2x3x5x8xf32>\n"
     "  %z = aster.rope %a0, %a1 layout = interleaved inverse : tensor<2x3x5x8xf32>, tensor<5xi32>",
     [("y", (2, 3, 5, 8), "f32"), ("z", (2, 3, 5, 8), "f32")])
labels = rng.integers(0, 7, (3, 5))
labels[0, 2] = -100
for red, shape in (("mean", ()), ("sum", ()), ("none", (3, 5))):
    case("cross_entropy " + red, [(x(3, 5, 7), "f32"), (labels, "i32")],
         "  %%y = aster.cross_entropy %%a0, %%a1 reduction = %s : tensor<3x5x7xf32>, tensor<3x5xi32> -> %s"
         % (red, T(shape)), [("y", shape, "f32")])
case("cross_entropy fwd bwd", [(x(3, 5, 7), "f32"), (labels, "i32"), (x(), "f32")],
     "  %l, %s = aster.cross_entropy_fwd %a0, %a1 : tensor<3x5x7xf32>, tensor<3x5xi32> -> tensor<f32>, tensor<3x5xf32>\n"
     "  %d = aster.cross_entropy_bwd %a0, %a1, %s, %a2 : tensor<3x5x7xf32>, tensor<3x5xi32>, tensor<3x5xf32>, tensor<f32> -> tensor<3x5x7xf32>",
     [("l", (), "f32"), ("s", (3, 5), "f32"), ("d", (3, 5, 7), "f32")])
case("norm fwd bwd", [(x(3, 5, 7), "f32"), (x(7), "f32"), (x(7), "f32"), (x(3, 5, 7), "f32")],
     "  %y, %m, %r = aster.layer_norm_fwd %a0, %a1, %a2 : tensor<3x5x7xf32>, tensor<7xf32>, tensor<7xf32> -> tensor<3x5x7xf32>, tensor<3x5xf32>, tensor<3x5xf32>\n"
     "  %dx, %dw, %db = aster.layer_norm_bwd %a0, %a1, %m, %r, %a3 : tensor<3x5x7xf32>, tensor<7xf32>, tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5x7xf32> -> tensor<3x5x7xf32>, tensor<7xf32>, tensor<7xf32>\n"
     "  %z, %q = aster.rms_norm_fwd %a0, %a1 : tensor<3x5x7xf32>, tensor<7xf32> -> tensor<3x5x7xf32>, tensor<3x5xf32>\n"
     "  %ex, %ew = aster.rms_norm_bwd %a0, %a1, %q, %a3 : tensor<3x5x7xf32>, tensor<7xf32>, tensor<3x5xf32>, tensor<3x5x7xf32> -> tensor<3x5x7xf32>, tensor<7xf32>",
     [("y", (3, 5, 7), "f32"), ("m", (3, 5), "f32"), ("r", (3, 5), "f32"),
      ("dx", (3, 5, 7), "f32"), ("dw", (7,), "f32"), ("db", (7,), "f32"),
      ("z", (3, 5, 7), "f32"), ("ex", (3, 5, 7), "f32"), ("ew", (7,), "f32")])
case("scatter_add insert_slice", [(x(3, 5, 2), "f32"), (np.array([0, 6, -1, 0, 2]), "i32"), (x(2, 3), "f32")],
     "  %y = aster.scatter_add %a0[%a1] axis = 1 : tensor<3x5x2xf32>, tensor<5xi32> -> tensor<3x7x2xf32>\n"
     "  %z = aster.insert_slice %a2 [1, 0] to [5, 7] step [2, 3] : tensor<2x3xf32> -> tensor<5x7xf32>",
     [("y", (3, 7, 2), "f32"), ("z", (5, 7), "f32")])
ac.done("CPU ops against the interpreter")
