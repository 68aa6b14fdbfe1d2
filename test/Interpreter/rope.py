# RUN: %python %s
# rope: half_split and interleaved layouts, with and without a positions
# operand (i32 and i64), default and explicit theta.

import numpy as np

import aster_check as ac
from aster_check import T

rng = np.random.default_rng(11)


def rope_ref(x, pos, theta, layout):
    """x: [..., S, D] float64; pos: [S] ints."""
    d = x.shape[-1]
    i = np.arange(d // 2, dtype=np.float64)
    inv_freq = theta ** (-2.0 * i / d)                      # [D/2]
    angle = np.asarray(pos, np.float64)[:, None] * inv_freq  # [S, D/2]
    cos, sin = np.cos(angle), np.sin(angle)
    if layout == "half_split":
        a, b = x[..., : d // 2], x[..., d // 2:]
    else:
        a, b = x[..., 0::2], x[..., 1::2]
    ra = a * cos - b * sin
    rb = b * cos + a * sin
    out = np.empty_like(x)
    if layout == "half_split":
        out[..., : d // 2], out[..., d // 2:] = ra, rb
    else:
        out[..., 0::2], out[..., 1::2] = ra, rb
    return out


def mlir(shape, theta, layout, pos_elem, elem):
    t = T(shape, elem)
    attrs = ""
    if theta is not None:
        attrs += " theta = %s" % ac.flt(theta)
    if layout is not None:
        attrs += " layout = %s" % layout
    if pos_elem is None:
        return """
func.func @forward(%%x: %s) -> %s {
  %%r = aster.rope %%x%s : %s
  return %%r : %s
}
""" % (t, t, attrs, t, t)
    tp = T((shape[-2],), pos_elem)
    return """
func.func @forward(%%x: %s, %%p: %s) -> %s {
  %%r = aster.rope %%x, %%p%s : %s, %s
  return %%r : %s
}
""" % (t, tp, t, attrs, t, tp, t)


SHAPES = [(5, 6), (2, 3, 7, 4), (1, 3, 2)]
# (theta attribute, theta used): None means the default, 10000.
THETAS = [(None, 10000.0), (10000.0, 10000.0), (500000.0, 500000.0),
          (3.0, 3.0)]
for shape in SHAPES:
    s = shape[-2]
    for layout in (None, "half_split", "interleaved"):
        for theta_attr, theta in THETAS:
            for pos_elem in (None, "i32", "i64"):
                x = rng.standard_normal(shape).astype(np.float32)
                inputs = {0: x}
                if pos_elem is None:
                    pos = np.arange(s)
                else:
                    # Arbitrary, repeated and large positions (KV-cache
                    # offsets, packed sequences).
                    pos = rng.integers(0, 5000, size=s).astype(
                        np.int32 if pos_elem == "i32" else np.int64)
                    pos[0] = 0
                    inputs[1] = pos
                (r,) = ac.run(mlir(shape, theta_attr, layout, pos_elem, "f32"),
                              inputs)
                exp = rope_ref(x.astype(np.float64), pos, theta,
                               layout or "half_split")
                # Angles up to 5000 rad: cos/sin of an f64 angle computed
                # as pos * theta^(-2i/D) (or exp/log of it) may differ by
                # a few ulps of the angle, ~5000 * 2^-52 ~ 1e-12 absolute.
                ac.assert_close(r, exp, rtol=1e-11, atol=1e-11,
                                what="f32 rope %s layout %s theta %s pos %s" %
                                (shape, layout, theta_attr, pos_elem))

# Negative positions rotate the other way; the spec puts no bound on them.
x = rng.standard_normal((3, 4, 6)).astype(np.float32)
pos = np.array([-7, 0, 2, -1], np.int64)
for layout in ("half_split", "interleaved"):
    (r,) = ac.run(mlir(x.shape, None, layout, "i64", "f32"), {0: x, 1: pos})
    ac.assert_close(r, rope_ref(x.astype(np.float64), pos, 10000.0, layout),
                    rtol=1e-12, atol=1e-14,
                    what="rope negative positions %s" % layout)

# By hand: D = 2, theta irrelevant (i = 0 -> frequency 1); position 1 turns
# (1, 0) by 1 radian; position 0 keeps it. Both layouts agree for D = 2.
x = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 2.0]], np.float32)
for layout in ("half_split", "interleaved"):
    (r,) = ac.run(mlir((3, 2), None, layout, None, "f32"), {0: x})
    exp = np.array([[1.0, 0.0], [np.cos(1.0), np.sin(1.0)],
                    [-2.0 * np.sin(2.0), 2.0 * np.cos(2.0)]])
    ac.assert_close(r, exp, rtol=1e-15, atol=1e-16,
                    what="rope by hand %s" % layout)

# By hand, D = 4, position 1, theta = 100: frequencies 1 and 100^(-1/2) =
# 0.1. half_split pairs (0, 2) and (1, 3); interleaved pairs (0, 1), (2, 3).
x = np.array([[0.0, 0.0, 0.0, 0.0], [1.0, 2.0, 3.0, 4.0]], np.float32)
c1, s1, c2, s2 = np.cos(1.0), np.sin(1.0), np.cos(0.1), np.sin(0.1)
exp_half = np.array([[0.0] * 4, [1 * c1 - 3 * s1, 2 * c2 - 4 * s2,
                                 3 * c1 + 1 * s1, 4 * c2 + 2 * s2]])
exp_inter = np.array([[0.0] * 4, [1 * c1 - 2 * s1, 2 * c1 + 1 * s1,
                                  3 * c2 - 4 * s2, 4 * c2 + 3 * s2]])
(r,) = ac.run(mlir((2, 4), 100.0, "half_split", None, "f32"), {0: x})
ac.assert_close(r, exp_half, rtol=1e-14, atol=1e-15, what="rope half by hand")
(r,) = ac.run(mlir((2, 4), 100.0, "interleaved", None, "f32"), {0: x})
ac.assert_close(r, exp_inter, rtol=1e-14, atol=1e-15,
                what="rope interleaved by hand")

# bf16 / f16: one rounding at the end; small positions so the f64 angle is
# exact to ~1e-15 and the result bit-exact.
for elem, rnd, npdt in (("bf16", ac.bf16_round, np.float32),
                        ("f16", ac.f16_round, np.float16)):
    for layout in ("half_split", "interleaved"):
        shape = (2, 5, 6)
        x = rng.standard_normal(shape).astype(npdt)
        pos = np.array([3, 1, 4, 1, 5], np.int32)
        (r,) = ac.run(mlir(shape, None, layout, "i32", elem), {0: x, 1: pos})
        exp = rnd(rope_ref(rnd(x.astype(np.float64)), pos, 10000.0, layout))
        ac.assert_equal(r, exp, what="%s rope %s" % (elem, layout))

ac.done("rope")
