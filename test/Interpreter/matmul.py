# RUN: %python %s
# matmul: the four transpose combinations, numpy batch broadcasting, odd
# sizes; f32 (f64 inside) and bf16/f16 (rounded once at the end).

import numpy as np

import aster_check as ac
from aster_check import T

rng = np.random.default_rng(7)


def matmul_ref(a, b, ta, tb):
    if ta:
        a = np.swapaxes(a, -1, -2)
    if tb:
        b = np.swapaxes(b, -1, -2)
    return np.matmul(a, b)


def mlir(sa, sb, sr, ta, tb, elem):
    flags = (" transpose_lhs" if ta else "") + (" transpose_rhs" if tb else "")
    return """
func.func @forward(%%a: %s, %%b: %s) -> %s {
  %%r = aster.matmul %%a, %%b%s : %s, %s -> %s
  return %%r : %s
}
""" % (T(sa, elem), T(sb, elem), T(sr, elem), flags, T(sa, elem),
       T(sb, elem), T(sr, elem), T(sr, elem))


def operand_shapes(batch_a, batch_b, m, k, n, ta, tb):
    sa = tuple(batch_a) + ((k, m) if ta else (m, k))
    sb = tuple(batch_b) + ((n, k) if tb else (k, n))
    return sa, sb


# (lhs batch, rhs batch, M, K, N)
CASES = [
    ((), (), 3, 5, 7),
    ((), (), 1, 1, 1),
    ((), (), 7, 1, 3),
    ((2,), (2,), 3, 4, 5),
    ((2, 1), (5,), 3, 4, 6),         # [2,1,3,4] x [5,4,6] -> [2,5,3,6]
    ((2, 3), (), 5, 7, 3),           # [B,S,H] x [H,O]
    ((), (3,), 5, 2, 7),             # unbatched lhs, batched rhs
    ((1, 4, 1), (3, 1, 2), 2, 3, 5),  # size-1 dims on both sides
]

# f32: products of f32 values are exact in f64, but the summation order is
# the implementation's; allow 1e-12 of the sum of |products|.
for ta in (False, True):
    for tb in (False, True):
        for ba, bb, m, k, n in CASES:
            sa, sb = operand_shapes(ba, bb, m, k, n, ta, tb)
            a = rng.standard_normal(sa).astype(np.float32)
            b = rng.standard_normal(sb).astype(np.float32)
            a64, b64 = a.astype(np.float64), b.astype(np.float64)
            exp = matmul_ref(a64, b64, ta, tb)
            scale = matmul_ref(np.abs(a64), np.abs(b64), ta, tb)
            (r,) = ac.run(mlir(sa, sb, exp.shape, ta, tb, "f32"), {0: a, 1: b})
            ac.assert_close(r, exp, rtol=1e-12, atol=1e-12 * scale,
                            what="f32 matmul %s x %s ta=%d tb=%d" %
                            (sa, sb, ta, tb))

# A hand-computed case, so that the reference itself is checked too:
# [[1,2],[3,4]] x [[5,6],[7,8]] = [[19,22],[43,50]]; with transpose_rhs
# the rhs is [[5,7],[6,8]], giving [[17,23],[39,53]].
a = np.array([[1, 2], [3, 4]], np.float32)
b = np.array([[5, 6], [7, 8]], np.float32)
(r,) = ac.run(mlir((2, 2), (2, 2), (2, 2), False, False, "f32"), {0: a, 1: b})
ac.assert_equal(r, np.array([[19.0, 22.0], [43.0, 50.0]]), what="2x2 by hand")
(r,) = ac.run(mlir((2, 2), (2, 2), (2, 2), False, True, "f32"), {0: a, 1: b})
ac.assert_equal(r, np.array([[17.0, 23.0], [39.0, 53.0]]),
                what="2x2 transpose_rhs by hand")
(r,) = ac.run(mlir((2, 2), (2, 2), (2, 2), True, False, "f32"), {0: a, 1: b})
ac.assert_equal(r, np.array([[26.0, 30.0], [38.0, 44.0]]),
                what="2x2 transpose_lhs by hand")

# bf16 / f16: inputs rounded to the type; products of two 8-bit (11-bit)
# significands are exact in f64 and, for K <= 7 terms of magnitude ~1, so
# is their sum, whatever the order. The exact sum rounded once must match
# bit for bit.
for elem, rnd, npdt in (("bf16", ac.bf16_round, np.float32),
                        ("f16", ac.f16_round, np.float16)):
    for ta in (False, True):
        for tb in (False, True):
            for ba, bb, m, k, n in CASES:
                sa, sb = operand_shapes(ba, bb, m, k, n, ta, tb)
                a = rng.standard_normal(sa).astype(npdt)
                b = rng.standard_normal(sb).astype(npdt)
                a64 = rnd(a.astype(np.float64))
                b64 = rnd(b.astype(np.float64))
                exp = rnd(matmul_ref(a64, b64, ta, tb))
                (r,) = ac.run(mlir(sa, sb, exp.shape, ta, tb, elem),
                              {0: a, 1: b})
                ac.assert_equal(r, exp, what="%s matmul %s x %s ta=%d tb=%d"
                                % (elem, sa, sb, ta, tb))

# bf16 accumulation must be wide: 256 + 1 + 1 + ... (K = 5) is 260 exactly,
# a bf16 value; summing in bf16 would stick at 256.
a = np.array([[256.0, 1.0, 1.0, 1.0, 1.0]], np.float32)
b = np.ones((5, 1), np.float32)
(r,) = ac.run(mlir((1, 5), (5, 1), (1, 1), False, False, "bf16"), {0: a, 1: b})
ac.assert_equal(r, np.array([[260.0]]), what="bf16 matmul wide accumulation")

ac.done("matmul")
