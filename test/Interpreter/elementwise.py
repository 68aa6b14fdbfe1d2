# RUN: %python %s
# Elementwise binary ops (numpy broadcasting; integer wrap-around and
# truncating division) and unary ops, checked against numpy in float64.

import math

import numpy as np

import aster_check as ac
from aster_check import T

rng = np.random.default_rng(1234)

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
}

# (lhs shape, rhs shape): trailing-aligned broadcasting, size-1 dims on
# either side, rank-0 and rank-1 operands.
SHAPES = [
    ((3, 5), (3, 5)),
    ((3, 5), (5,)),
    ((7, 1, 5), (3, 1)),
    ((1, 3), (5, 1)),
    ((), (2, 3)),
    ((4, 1, 3), ()),
    ((2, 1, 3, 1), (5, 1, 7)),
]


def binary_mlir(op, sa, sb, elem):
    sr = np.broadcast_shapes(sa, sb)
    return """
func.func @forward(%%a: %s, %%b: %s) -> %s {
  %%r = aster.%s %%a, %%b : %s, %s -> %s
  return %%r : %s
}
""" % (T(sa, elem), T(sb, elem), T(sr, elem), op, T(sa, elem), T(sb, elem),
       T(sr, elem), T(sr, elem))


# ---- f32: the interpreter computes in f64, so exact f64 numpy agrees to
# the last bit; rtol 1e-12 leaves room only for nothing but noise.
for op, fn in BINARY.items():
    for sa, sb in SHAPES:
        a = rng.standard_normal(sa).astype(np.float32)
        b = rng.standard_normal(sb).astype(np.float32)
        if op == "div" and b.size > 1:
            b.flat[0] = 0.0  # x / 0 is +-inf (or NaN for 0 / 0), IEEE
        (r,) = ac.run(binary_mlir(op, sa, sb, "f32"), {0: a, 1: b})
        ac.assert_close(r, fn(a.astype(np.float64), b.astype(np.float64)),
                        what="f32 %s %s %s" % (op, sa, sb))

# IEEE specials through f32 div and add.
a = np.array([1.0, -1.0, 0.0, np.inf, np.inf, -0.0, np.nan], np.float32)
b = np.array([0.0, 0.0, 0.0, 2.0, np.inf, 3.0, 1.0], np.float32)
(r,) = ac.run(binary_mlir("div", (7,), (7,), "f32"), {0: a, 1: b})
with np.errstate(all="ignore"):
    ac.assert_close(r, a.astype(np.float64) / b, what="f32 div specials")
(r,) = ac.run(binary_mlir("sub", (7,), (7,), "f32"), {0: a, 1: b})
with np.errstate(all="ignore"):
    ac.assert_close(r, a.astype(np.float64) - b, what="f32 sub specials")

# f32 values are held in f64 between ops: 1 + 2^-30 survives an add (an
# f32-rounding interpreter would give 1.0).
a = np.array([1.0], np.float32)
b = np.array([2.0**-30], np.float32)
(r,) = ac.run(binary_mlir("add", (1,), (1,), "f32"), {0: a, 1: b})
ac.assert_equal(r, np.array([1.0 + 2.0**-30]), what="f32 held in f64")

# ---- bf16 and f16: inputs rounded to the type, the op computed exactly in
# f64, the result rounded once to the type; must be bit-exact.
for elem, rnd, npdt in (("bf16", ac.bf16_round, np.float32),
                        ("f16", ac.f16_round, np.float16)):
    for op, fn in BINARY.items():
        for sa, sb in SHAPES[:4]:
            a = (rng.standard_normal(sa) * 3).astype(npdt)
            b = (rng.standard_normal(sb) * 3).astype(npdt)
            (r,) = ac.run(binary_mlir(op, sa, sb, elem), {0: a, 1: b})
            ac.assert_equal(r, rnd(fn(rnd(a.astype(np.float64)),
                                      rnd(b.astype(np.float64)))),
                            what="%s %s %s %s" % (elem, op, sa, sb))

# ---- integers: wrap-around, truncating division.
for elem, bits, npdt in (("i32", 32, np.int32), ("i64", 64, np.int64)):
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    for op in BINARY:
        for sa, sb in SHAPES[:4]:
            a = rng.integers(lo, hi, size=sa, dtype=npdt, endpoint=True)
            b = rng.integers(lo, hi, size=sb, dtype=npdt, endpoint=True)
            if op == "mul" and b.size > 2:  # small factors too
                b.flat[:2] = [3, -7]
            if op == "div":
                a.flat[:3] = [7, -7, 7]
                b = np.where(rng.random(sb) < 0.5, b,
                             rng.integers(-9, 10, size=sb)).astype(npdt)
                b[b == 0] = -3
            A = a.astype(object)
            B = b.astype(object)
            if op == "div":
                exp = ac.trunc_div(*np.broadcast_arrays(A, B))
            else:
                exp = BINARY[op](A, B)
            (r,) = ac.run(binary_mlir(op, sa, sb, elem), {0: a, 1: b})
            ac.assert_equal(r, ac.wrap(exp, bits),
                            what="%s %s %s %s" % (elem, op, sa, sb))

    # Hand-picked edges: truncation toward zero (numpy's // floors), the
    # wrap of MIN / -1, MAX + 1, MIN - 1, MIN * -1.
    a = np.array([7, -7, 7, -7, 1, -1, 0, lo, lo, hi, lo, hi], npdt)
    b = np.array([2, 2, -2, -2, 3, 3, 5, -1, 1, -1, 2, hi], npdt)
    A, B = a.astype(object), b.astype(object)
    for op in BINARY:
        exp = ac.trunc_div(A, B) if op == "div" else BINARY[op](A, B)
        (r,) = ac.run(binary_mlir(op, (12,), (12,), elem), {0: a, 1: b})
        ac.assert_equal(r, ac.wrap(exp, bits), what="%s %s edges" % (elem, op))
    if bits == 32:
        # Spelled out for the reader: 7/2=3, -7/2=-3, 7/-2=-3, -7/-2=3.
        exp = np.array([3, -3, -3, 3, 0, 0, 0, lo, lo, -hi, lo // 2, 1], npdt)
        (r,) = ac.run(binary_mlir("div", (12,), (12,), elem), {0: a, 1: b})
        ac.assert_equal(r, exp, what="i32 div spelled out")

# ---- unary ops.
SQRT2 = math.sqrt(2.0)
erf = np.vectorize(math.erf, otypes=[np.float64])
erfc = np.vectorize(math.erfc, otypes=[np.float64])


def gelu_exact(x):
    # 0.5 x (1 + erf(x / sqrt 2)) == 0.5 x erfc(-x / sqrt 2): the accurate
    # value, also for large negative x where 1 + erf cancels.
    return 0.5 * x * erfc(-x / SQRT2)


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) *
                                    (x + 0.044715 * x**3)))


UNARY = {
    "exp": (np.exp, None),
    "log": (np.log, None),
    "tanh": (np.tanh, None),
    "rsqrt": (lambda x: 1.0 / np.sqrt(x), None),
    "sqrt": (np.sqrt, None),
    "erf": (erf, None),
    "silu": (lambda x: x / (1.0 + np.exp(-x)), None),
    "relu": (lambda x: np.maximum(x, 0.0), None),
    "neg": (lambda x: -x, None),
    "gelu": (gelu_exact, ""),
    "gelu_none": (gelu_exact, " approximate = none"),
    "gelu_tanh": (gelu_tanh, " approximate = tanh"),
}


def unary_mlir(op, shape, elem):
    attr = ""
    if op.startswith("gelu_"):
        attr = UNARY[op][1]
        op = "gelu"
    return """
func.func @forward(%%x: %s) -> %s {
  %%r = aster.%s %%x%s : %s
  return %%r : %s
}
""" % (T(shape, elem), T(shape, elem), op, attr, T(shape, elem),
       T(shape, elem))


POSITIVE = {"log", "rsqrt", "sqrt"}
for op, (fn, _) in UNARY.items():
    shape = (3, 7)
    x = rng.standard_normal(shape) * 4
    if op in POSITIVE:
        x = np.abs(x) + 1e-3
    x = x.astype(np.float32)
    x64 = x.astype(np.float64)
    (r,) = ac.run(unary_mlir(op, shape, "f32"), {0: x})
    # The gelus may be evaluated as 1 + erf/tanh, which loses the tiny
    # values at large negative x: allow an absolute error of eps * |x|.
    atol = 4e-16 * np.abs(x64) if op.startswith("gelu") else 0.0
    ac.assert_close(r, fn(x64), rtol=1e-12, atol=atol, what="f32 " + op)

# Special values.
SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, 80.0, -80.0,
                    700.0, -700.0, 1e-30, -1e-30], np.float32)
for op, (fn, _) in UNARY.items():
    if op.startswith("gelu"):
        continue
    x64 = SPECIAL.astype(np.float64)
    with np.errstate(all="ignore"):
        exp = fn(x64)
    (r,) = ac.run(unary_mlir(op, (12,), "f32"), {0: SPECIAL})
    ac.assert_close(r, exp, rtol=1e-12, what="f32 %s specials" % op)

# bf16 / f16: f(rounded x) rounded once; bit-exact (a transcendental f64
# value lands within 1 f64 ulp of a bf16/f16 rounding boundary with
# negligible probability, and never exactly on one).
for elem, rnd, npdt in (("bf16", ac.bf16_round, np.float32),
                        ("f16", ac.f16_round, np.float16)):
    for op, (fn, _) in UNARY.items():
        shape = (5, 3)
        x = rng.uniform(-3, 3, shape)
        if op in POSITIVE:
            x = np.abs(x) + 1e-2
        x = x.astype(npdt)
        xr = rnd(x.astype(np.float64))
        (r,) = ac.run(unary_mlir(op, shape, elem), {0: x})
        ac.assert_equal(r, rnd(fn(xr)), what="%s %s" % (elem, op))

# Results are rounded once, from f64: for these f16 inputs the f64 result
# lies within 2^-24 of an f16 rounding boundary, so rounding it to f32 first
# (double rounding) would land on the tie and give the other neighbour.
# exp(0.0072975...) = 1.0073242076 (tie 1.00732421875) -> 1.0068359375;
# exp(0.0226898...) = 1.0229491913 (tie 1.02294921875) -> 1.0224609375;
# log(0.0053405...) = -5.2324217345 (tie -5.232421875) -> -5.23046875;
# silu(-2.7246...) = -0.1676635689 (tie -0.16766357421875) -> -0.1676025390625;
# silu(2^-24) = 2^-24 * 0.5000000... just above 2^-25, the tie between 0 and
# the smallest subnormal 2^-24 -> 2^-24.
for op, x, r_exp in (("exp", 0.007297515869140625, 1.0068359375),
                     ("exp", 0.0226898193359375, 1.0224609375),
                     ("log", 0.005340576171875, -5.23046875),
                     ("silu", -2.724609375, -0.1676025390625),
                     ("silu", 2.0**-24, 2.0**-24)):
    xs = np.array([x], np.float16)
    assert float(xs[0]) == x
    (r,) = ac.run(unary_mlir(op, (1,), "f16"), {0: xs})
    ac.assert_equal(r, np.array([r_exp]), what="f16 %s(%r) single rounding" %
                    (op, x))

# Rounding of results at the edges of the formats: overflow to inf (also by
# rounding up past the largest finite value), ties to even, subnormals.
BF16_MAX = float.fromhex("0x1.fep127")
for elem, npdt, op, a, b, r_exp in (
        # f16: 65504 + 8 = 65512 < the tie 65520 -> 65504; + 16 hits the
        # tie -> inf (even); 300 * 300 -> inf; -60000 - 60000 -> -inf.
        ("f16", np.float16, "add", 65504.0, 8.0, 65504.0),
        ("f16", np.float16, "add", 65504.0, 16.0, np.inf),
        ("f16", np.float16, "mul", 300.0, 300.0, np.inf),
        ("f16", np.float16, "sub", -60000.0, 60000.0, -np.inf),
        # 2049 is not an f16; 2048 + 1 is the tie -> 2048, 2050 + 1 -> 2052.
        ("f16", np.float16, "add", 2048.0, 1.0, 2048.0),
        ("f16", np.float16, "add", 2050.0, 1.0, 2052.0),
        # Subnormal results: 2^-12 * 2^-13 = 2^-25 (tie) -> 0;
        # 3 * 2^-25 -> 2^-23 (tie to even); 2^-24 / 2 -> 0.
        ("f16", np.float16, "mul", 2.0**-12, 2.0**-13, 0.0),
        ("f16", np.float16, "mul", 3 * 2.0**-12, 2.0**-13, 2.0**-23),
        ("f16", np.float16, "div", 2.0**-24, 2.0, 0.0),
        # bf16: max + half an ulp (2^119) ties to inf; max * 2 -> inf.
        ("bf16", np.float32, "add", BF16_MAX, 2.0**119, np.inf),
        ("bf16", np.float32, "add", BF16_MAX, 2.0**118, BF16_MAX),
        ("bf16", np.float32, "mul", BF16_MAX, 2.0, np.inf),
        # 256 + 1 is the tie 256|258 -> 256; 258 + 1 -> 260.
        ("bf16", np.float32, "add", 256.0, 1.0, 256.0),
        ("bf16", np.float32, "add", 258.0, 1.0, 260.0),
        # Subnormals: 2^-120 * 2^-14 = 2^-134 (tie) -> 0; 3 * 2^-134 ->
        # 2^-132 (tie to even); 2^-126 / 3 -> nearest multiple of 2^-133.
        ("bf16", np.float32, "mul", 2.0**-120, 2.0**-14, 0.0),
        ("bf16", np.float32, "mul", 3 * 2.0**-120, 2.0**-14, 2.0**-132),
        ("bf16", np.float32, "div", 2.0**-126, 3.0, 2.0**-133 * 43)):
    (r,) = ac.run(binary_mlir(op, (1,), (1,), elem),
                  {0: np.array([a], npdt), 1: np.array([b], npdt)})
    ac.assert_equal(r, np.array([r_exp]), what="%s %s(%r, %r) rounding" %
                    (elem, op, a, b))

ac.done("elementwise")
