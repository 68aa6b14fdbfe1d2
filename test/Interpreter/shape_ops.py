# RUN: %python %s
# reshape, transpose, slice (with steps), concat (3 inputs, every axis) and
# reduce (sum/mean/max over several axes, keep_dims or not), on floats and
# integers. All of these move values without arithmetic (except reduce), so
# most comparisons are exact.

import itertools

import numpy as np

import aster_check as ac
from aster_check import T

rng = np.random.default_rng(31337)

ELEMS = {"f32": np.float32, "i32": np.int32, "i64": np.int64,
         "bf16": np.float32, "f16": np.float16}


def random(shape, elem):
    if elem in ("i32", "i64"):
        info = np.iinfo(ELEMS[elem])
        return rng.integers(info.min, info.max, size=shape, dtype=ELEMS[elem],
                            endpoint=True)
    x = rng.standard_normal(shape) * 3
    if elem == "bf16":  # exact bf16 values, so that the input is kept as is
        return ac.bf16_round(x).astype(np.float32)
    return x.astype(ELEMS[elem])


def expected(x):
    return x if x.dtype.kind in "iu" else x.astype(np.float64)


def unary_mlir(body, t_in, t_out):
    return """
func.func @forward(%%x: %s) -> %s {
  %%r = %s : %s -> %s
  return %%r : %s
}
""" % (t_in, t_out, body, t_in, t_out, t_out)


# ---- reshape
for elem in ELEMS:
    for src, dst in (((3, 5), (15,)), ((2, 3, 5), (5, 6)), ((7,), (1, 7, 1)),
                     ((2, 6), (3, 2, 2)), ((1,), ())):
        x = random(src, elem)
        (r,) = ac.run(unary_mlir("aster.reshape %x", T(src, elem),
                                 T(dst, elem)), {0: x})
        ac.assert_equal(r, expected(x).reshape(dst),
                        what="%s reshape %s -> %s" % (elem, src, dst))

# ---- transpose: every permutation of a rank-3 and some of rank 4.
for elem in ("f32", "i32", "i64", "f16"):
    shape = (2, 3, 5)
    x = random(shape, elem)
    for perm in itertools.permutations(range(3)):
        rs = tuple(shape[p] for p in perm)
        (r,) = ac.run(unary_mlir("aster.transpose %%x, [%s]" %
                                 ", ".join(map(str, perm)),
                                 T(shape, elem), T(rs, elem)), {0: x})
        ac.assert_equal(r, np.transpose(expected(x), perm),
                        what="%s transpose %s" % (elem, perm))
shape = (2, 3, 5, 7)
x = random(shape, "f32")
for perm in ((0, 2, 1, 3), (3, 2, 1, 0), (1, 3, 0, 2), (2, 0, 3, 1)):
    rs = tuple(shape[p] for p in perm)
    (r,) = ac.run(unary_mlir("aster.transpose %%x, [%s]" %
                             ", ".join(map(str, perm)), T(shape), T(rs)),
                  {0: x})
    ac.assert_equal(r, np.transpose(expected(x), perm),
                    what="f32 transpose %s" % (perm,))

# ---- slice: result dim = ceil((limit - start) / step).
SLICES = [
    ((7, 5), (1, 0), (6, 5), None),
    ((7, 5), (0, 1), (7, 5), (2, 3)),
    ((7, 5), (2, 4), (7, 5), (3, 1)),  # 2,5 and 4
    ((7, 5), (3, 2), (3, 2), None),    # empty
    ((3, 8, 5), (0, 1, 0), (3, 8, 5), (1, 2, 4)),
    ((3, 8, 5), (1, 7, 2), (3, 8, 3), (5, 5, 5)),
    ((9,), (0,), (9,), (4,)),          # 0, 4, 8
    ((9,), (8,), (9,), (100,)),
]
for elem in ("f32", "i32", "i64", "bf16"):
    for shape, start, limit, step in SLICES:
        x = random(shape, elem)
        steps = step or (1,) * len(shape)
        index = tuple(slice(s, l, st) for s, l, st in zip(start, limit, steps))
        exp = expected(x)[index]
        for d, (s, l, st) in enumerate(zip(start, limit, steps)):
            assert exp.shape[d] == -(-(l - s) // st)
        body = "aster.slice %%x [%s] to [%s]" % (", ".join(map(str, start)),
                                                 ", ".join(map(str, limit)))
        if step is not None:
            body += " step [%s]" % ", ".join(map(str, step))
        (r,) = ac.run(unary_mlir(body, T(shape, elem), T(exp.shape, elem)),
                      {0: x})
        ac.assert_equal(r, exp, what="%s slice %s %s %s %s" %
                        (elem, shape, start, limit, step))

# ---- concat of 3 inputs along every axis.
for elem in ("f32", "i32", "i64", "bf16"):
    base = (2, 3, 4)
    for axis in range(3):
        parts = []
        for extra in (1, 3, 2):
            s = list(base)
            s[axis] = extra
            parts.append(random(tuple(s), elem))
        exp = np.concatenate([expected(p) for p in parts], axis=axis)
        types = [T(p.shape, elem) for p in parts]
        text = """
func.func @forward(%%a: %s, %%b: %s, %%c: %s) -> %s {
  %%r = aster.concat(%%a, %%b, %%c) axis = %d : %s, %s, %s -> %s
  return %%r : %s
}
""" % (*types, T(exp.shape, elem), axis, *types, T(exp.shape, elem),
            T(exp.shape, elem))
        (r,) = ac.run(text, {0: parts[0], 1: parts[1], 2: parts[2]})
        ac.assert_equal(r, exp, what="%s concat axis %d" % (elem, axis))

# A zero-size input contributes nothing.
x = random((2, 3), "f32")
z = np.zeros((2, 0), np.float32)
text = """
func.func @forward(%a: tensor<2x3xf32>, %b: tensor<2x0xf32>, %c: tensor<2x3xf32>) -> tensor<2x6xf32> {
  %r = aster.concat(%a, %b, %c) axis = 1 : tensor<2x3xf32>, tensor<2x0xf32>, tensor<2x3xf32> -> tensor<2x6xf32>
  return %r : tensor<2x6xf32>
}
"""
(r,) = ac.run(text, {0: x, 1: z, 2: x})
ac.assert_equal(r, np.concatenate([x, x], 1).astype(np.float64),
                what="concat with an empty input")

# ---- reduce.
REDUCE = {"sum": np.sum, "mean": np.mean, "max": np.max}
shape = (3, 4, 5, 2)
AXES = [(0,), (3,), (1, 2), (0, 3), (2, 0), (0, 1, 2, 3), (1, 2, 3)]
for kind, fn in REDUCE.items():
    for axes in AXES:
        for keep in (False, True):
            x = random(shape, "f32")
            exp = fn(x.astype(np.float64), axis=axes, keepdims=keep)
            body = "aster.reduce %s %%x axes = [%s]%s" % (
                kind, ", ".join(map(str, axes)), " keep_dims" if keep else "")
            (r,) = ac.run(unary_mlir(body, T(shape), T(exp.shape)), {0: x})
            # Summation order differs; max is exact.
            ac.assert_close(r, exp, rtol=1e-12 if kind != "max" else 0.0,
                            atol=1e-13, what="f32 reduce %s %s keep %d" %
                            (kind, axes, keep))

# Integers: sum and max (mean is float-only, rejected by the verifier).
# Small values so that sums do not overflow; max over the full range.
for elem, npdt in (("i32", np.int32), ("i64", np.int64)):
    for axes in AXES:
        for keep in (False, True):
            for kind in ("sum", "max"):
                if kind == "sum":
                    x = rng.integers(-1000, 1000, size=shape).astype(npdt)
                else:
                    x = random(shape, elem)
                exp = REDUCE[kind](x, axis=axes, keepdims=keep).astype(npdt)
                body = "aster.reduce %s %%x axes = [%s]%s" % (
                    kind, ", ".join(map(str, axes)),
                    " keep_dims" if keep else "")
                (r,) = ac.run(unary_mlir(body, T(shape, elem),
                                         T(exp.shape, elem)), {0: x})
                ac.assert_equal(r, exp, what="%s reduce %s %s keep %d" %
                                (elem, kind, axes, keep))

# Max of all-negative values is not 0; -inf entries are fine.
x = np.array([[-3.0, -1.5, -np.inf], [-np.inf, -np.inf, -7.0]], np.float32)
(r,) = ac.run(unary_mlir("aster.reduce max %x axes = [1]", T((2, 3)),
                         T((2,))), {0: x})
ac.assert_equal(r, np.array([-1.5, -7.0]), what="reduce max negative")

# bf16 reduce: one rounding of the exact f64 sum / mean (sums of <= 40
# bf16 values of magnitude ~3 are exact in f64, so the order is moot).
for kind, fn in REDUCE.items():
    for axes in ((1,), (0, 2)):
        x = random((3, 4, 5), "bf16")
        exp = ac.bf16_round(fn(x.astype(np.float64), axis=axes))
        body = "aster.reduce %s %%x axes = [%s]" % (kind,
                                                    ", ".join(map(str, axes)))
        (r,) = ac.run(unary_mlir(body, T((3, 4, 5), "bf16"),
                                 T(exp.shape, "bf16")), {0: x})
        ac.assert_equal(r, exp, what="bf16 reduce %s %s" % (kind, axes))

# Chained: slice with steps -> transpose -> reshape -> concat, on i32.
x = rng.integers(-50, 50, size=(6, 7)).astype(np.int32)
text = """
func.func @forward(%x: tensor<6x7xi32>) -> tensor<12x2xi32> {
  %s = aster.slice %x [1, 0] to [6, 7] step [2, 3] : tensor<6x7xi32> -> tensor<3x3xi32>
  %t = aster.transpose %s, [1, 0] : tensor<3x3xi32> -> tensor<3x3xi32>
  %c = aster.concat(%t, %s, %t) axis = 0 : tensor<3x3xi32>, tensor<3x3xi32>, tensor<3x3xi32> -> tensor<9x3xi32>
  %p = aster.slice %c [0, 0] to [9, 3] step [3, 1] : tensor<9x3xi32> -> tensor<3x3xi32>
  %e = aster.concat(%c, %p) axis = 0 : tensor<9x3xi32>, tensor<3x3xi32> -> tensor<12x3xi32>
  %q = aster.slice %e [0, 1] to [12, 3] : tensor<12x3xi32> -> tensor<12x2xi32>
  return %q : tensor<12x2xi32>
}
"""
s = x[1:6:2, 0:7:3]
c = np.concatenate([s.T, s, s.T], 0)
e = np.concatenate([c, c[0:9:3]], 0)
(r,) = ac.run(text, {0: x})
ac.assert_equal(r, e[:, 1:3], what="i32 shape chain")

ac.done("shape_ops")
