# RUN: %python %s
# cast: float -> float rounds to nearest even (ties, subnormals, overflow to
# inf), float -> int truncates toward zero, int -> int wraps, int -> float.

import numpy as np

import aster_check as ac
from aster_check import T

rng = np.random.default_rng(8)

NPDT = {"f32": np.float32, "bf16": np.float32, "f16": np.float16,
        "i32": np.int32, "i64": np.int64}


def cast_mlir(shape, src, dst):
    return """
func.func @forward(%%x: %s) -> %s {
  %%r = aster.cast %%x : %s -> %s
  return %%r : %s
}
""" % (T(shape, src), T(shape, dst), T(shape, src), T(shape, dst),
       T(shape, dst))


def check(x, src, dst, exp, what):
    (r,) = ac.run(cast_mlir(x.shape, src, dst), {0: x})
    ac.assert_equal(r, exp, what="cast %s -> %s: %s" % (src, dst, what))


h = float.fromhex

# ---- f32 -> bf16: ties to even, subnormals, overflow.
x = np.array([
    1.0 + 2**-8,              # tie between 1 and 1 + 2^-7 -> 1 (even)
    1.0 + 3 * 2**-8,          # tie -> 1 + 2^-6 (even)
    1.0 + 2**-8 + 2**-20,     # above the tie -> up
    -(1.0 + 2**-8),           # sign symmetric
    h("0x1.fep127"),          # bf16 max
    h("0x1.fefffep127"),      # just below the tie above max -> max
    h("0x1.fffffep127"),      # f32 max -> inf
    h("0x1p-133"),            # smallest bf16 subnormal
    h("0x1p-134"),            # tie between 0 and it -> 0
    h("0x1.8p-133"),          # tie between 1 and 2 subnormal ulps -> 2
    h("0x1p-126") * 1.5,      # normal f32, exactly a bf16
    0.1, -3.14159, 65504.0, -0.0, np.inf, -np.inf,
], np.float32)
exp = np.array([1.0, 1.0 + 2**-6, 1.0 + 2**-7, -1.0, h("0x1.fep127"),
                h("0x1.fep127"), np.inf, h("0x1p-133"), 0.0, h("0x1p-132"),
                h("0x1p-126") * 1.5, h("0x1.9ap-4"), -h("0x1.92p1"), 65536.0,
                -0.0, np.inf, -np.inf])
ac.assert_equal(ac.bf16_round(x.astype(np.float64)), exp, what="bf16_round")
check(x, "f32", "bf16", exp, "edges")
xn = np.array([np.nan], np.float32)
(r,) = ac.run(cast_mlir((1,), "f32", "bf16"), {0: xn})
ac.assert_close(r, [np.nan], what="cast f32 -> bf16 NaN")

x = (rng.standard_normal(200) * np.exp(rng.uniform(-20, 20, 200))).astype(
    np.float32)
check(x, "f32", "bf16", ac.bf16_round(x.astype(np.float64)), "random")

# ---- f32 -> f16.
x = np.array([
    1.0 + 2**-11,             # tie -> 1
    1.0 + 3 * 2**-11,         # tie -> 1 + 2^-9
    2049.0, 2051.0, -2051.0,  # ulp 2: ties to 2048, 2052, -2052
    65504.0, 65519.0,         # max, below the tie -> max
    65520.0, 1e6,             # tie above max and beyond -> inf
    2**-24, 2**-25, 3 * 2**-25, 2**-25 + 2**-40,  # subnormals
    2**-14, 0.1, -0.0,
], np.float32)
exp = np.array([1.0, 1.0 + 2**-9, 2048.0, 2052.0, -2052.0, 65504.0, 65504.0,
                np.inf, np.inf, 2**-24, 0.0, 2**-23, 2**-24, 2**-14,
                h("0x1.998p-4"), -0.0])
ac.assert_equal(ac.f16_round(x.astype(np.float64)), exp, what="f16_round")
check(x, "f32", "f16", exp, "edges")
x = (rng.standard_normal(200) * np.exp(rng.uniform(-12, 10, 200))).astype(
    np.float32)
check(x, "f32", "f16", ac.f16_round(x.astype(np.float64)), "random")

# f32 values are held in f64, and a cast rounds that value once: 1 + 2^-8
# + 2^-30 (an add of two f32 inputs) goes up to 1 + 2^-7 in bf16; rounding
# it to f32 first would make it the tie 1 + 2^-8 and give 1 (double
# rounding).
text = """
func.func @forward(%a: tensor<2xf32>, %b: tensor<2xf32>) -> (tensor<2xbf16>, tensor<2xf16>) {
  %s = aster.add %a, %b : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %r = aster.cast %s : tensor<2xf32> -> tensor<2xbf16>
  %q = aster.cast %s : tensor<2xf32> -> tensor<2xf16>
  return %r, %q : tensor<2xbf16>, tensor<2xf16>
}
"""
a = np.array([1.0 + 2**-8, 1.0 + 2**-11], np.float32)
b = np.array([2**-30, 2**-30], np.float32)
r, q = ac.run(text, {0: a, 1: b})
ac.assert_equal(r, np.array([1.0 + 2**-7, 1.0]), what="bf16 single rounding")
ac.assert_equal(q, np.array([1.0 + 2**-8, 1.0 + 2**-10]),
                what="f16 single rounding")

# ---- between 16-bit floats, and back to f32 (exact).
x = (rng.standard_normal(50) * 100).astype(np.float16)
check(x, "f16", "bf16", ac.bf16_round(x.astype(np.float64)), "random")
check(x, "f16", "f32", x.astype(np.float64), "random")
x = ac.bf16_round(np.array([1e5, -7e4, 2**-20, 1.0 + 2**-7])).astype(
    np.float32)  # exact bf16 values
check(x, "bf16", "f16", ac.f16_round(x.astype(np.float64)), "edges")
check(x, "bf16", "f32", x.astype(np.float64), "exact")

# ---- float -> int: truncation toward zero.
x = np.array([0.0, -0.0, 0.5, -0.5, 0.999, -0.999, 1.0, 2.5, -2.5, 3.75,
              -3.75, 1e9, -1e9, 2147483520.0, -2147483648.0], np.float32)
exp = np.array([0, 0, 0, 0, 0, 0, 1, 2, -2, 3, -3, 1000000000, -1000000000,
                2147483520, -2147483648], np.int32)
check(x, "f32", "i32", exp, "truncation")
check(x, "f32", "i64", exp.astype(np.int64), "truncation")
x = np.array([2.0**40 + 0.5, -(2.0**62), 2.0**62, 1e18], np.float32)
check(x, "f32", "i64", np.array([2**40, -(2**62), 2**62, int(np.float32(1e18))],
                                np.int64), "large")
x = np.array([2.5, -2.5, 255.0, -33.75], np.float32)  # exact in bf16, f16
check(x, "bf16", "i32", np.array([2, -2, 255, -33], np.int32), "truncation")
check(x.astype(np.float16), "f16", "i64", np.array([2, -2, 255, -33], np.int64),
      "truncation")
# Truncation applies to the f64 value: 2147483520 + 127.5 = 2147483647.5
# truncates to INT32_MAX, and -2147483648 - 0.875 to INT32_MIN; both in
# range after truncation.
text = """
func.func @forward(%a: tensor<2xf32>, %b: tensor<2xf32>) -> tensor<2xi32> {
  %s = aster.add %a, %b : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %r = aster.cast %s : tensor<2xf32> -> tensor<2xi32>
  return %r : tensor<2xi32>
}
"""
(r,) = ac.run(text, {0: np.array([2147483520.0, -2147483648.0], np.float32),
                     1: np.array([127.5, -0.875], np.float32)})
ac.assert_equal(r, np.array([2147483647, -2147483648], np.int32),
                what="cast f32 -> i32 truncation at the limits")

# ---- int -> int: wrap (i64 -> i32), sign extension (i32 -> i64).
x = np.array([0, 1, -1, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**32 + 5,
              -(2**32) - 5, 2**63 - 1, -(2**63), 123456789012345], np.int64)
check(x, "i64", "i32", ac.wrap([int(v) for v in x], 32), "wrap")
x = np.array([0, 1, -1, 2**31 - 1, -(2**31), 77], np.int32)
check(x, "i32", "i64", x.astype(np.int64), "sign extension")
check(x, "i32", "i32", x, "identity")

# ---- int -> float.
x = np.array([0, 1, -1, 7, -123456, 2**24, 2**24 - 1], np.int32)
check(x, "i32", "f32", x.astype(np.float64), "exact")
# Nearest even in bf16: 257 is the tie 256|258 -> 256, 259 -> 260, 2^31-1
# -> 2^31.
x = np.array([257, 259, -257, 2**31 - 1, 255, 1], np.int32)
check(x, "i32", "bf16", np.array([256.0, 260.0, -256.0, 2.0**31, 255.0, 1.0]),
      "ties")
x = np.array([2049, 2051, 65504, 65519, 65520, 100000, -70000], np.int64)
check(x, "i64", "f16", np.array([2048.0, 2052.0, 65504.0, 65504.0, np.inf,
                                 np.inf, -np.inf]), "ties and overflow")

ac.done("cast")
