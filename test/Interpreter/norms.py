# RUN: %python %s
# layer_norm (with and without bias, default and explicit epsilon) and
# rms_norm, over the last dimension.

import numpy as np

import aster_check as ac
from aster_check import T

rng = np.random.default_rng(5)


def layer_norm_ref(x, w, b, eps):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)  # biased
    y = (x - mean) / np.sqrt(var + eps) * w
    return y + b if b is not None else y


def rms_norm_ref(x, w, eps):
    return x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + eps) * w


def ln_mlir(shape, with_bias, eps, elem):
    n = shape[-1]
    t, tw = T(shape, elem), T((n,), elem)
    eps_s = "" if eps is None else " epsilon = %s" % ac.flt(eps)
    if with_bias:
        return """
func.func @forward(%%x: %s, %%w: %s, %%b: %s) -> %s {
  %%r = aster.layer_norm %%x, %%w, %%b%s : %s, %s, %s
  return %%r : %s
}
""" % (t, tw, tw, t, eps_s, t, tw, tw, t)
    return """
func.func @forward(%%x: %s, %%w: %s) -> %s {
  %%r = aster.layer_norm %%x, %%w%s : %s, %s
  return %%r : %s
}
""" % (t, tw, t, eps_s, t, tw, t)


def rms_mlir(shape, eps, elem):
    n = shape[-1]
    t, tw = T(shape, elem), T((n,), elem)
    eps_s = "" if eps is None else " epsilon = %s" % ac.flt(eps)
    return """
func.func @forward(%%x: %s, %%w: %s) -> %s {
  %%r = aster.rms_norm %%x, %%w%s : %s, %s
  return %%r : %s
}
""" % (t, tw, t, eps_s, t, tw, t)


# epsilon None means the attribute is left out: 1e-5 for layer_norm, 1e-6
# for rms_norm. A large epsilon (0.5) and small-variance rows make a wrong
# epsilon, or eps outside the sqrt, visible.
LN_EPS = [(None, 1e-5), (1e-5, 1e-5), (0.5, 0.5), (1e-12, 1e-12)]
RMS_EPS = [(None, 1e-6), (1e-6, 1e-6), (0.25, 0.25), (1e-12, 1e-12)]
SHAPES = [(7,), (3, 5), (2, 3, 7), (1, 1)]

for shape in SHAPES:
    for eps_attr, eps in LN_EPS:
        for with_bias in (False, True):
            x = (rng.standard_normal(shape) * 2 + 1).astype(np.float32)
            if x.ndim > 1:
                x[0] = (x[0] * 1e-3).astype(np.float32)  # small variance
            w = rng.standard_normal(shape[-1]).astype(np.float32)
            b = rng.standard_normal(shape[-1]).astype(np.float32)
            inputs = {0: x, 1: w}
            if with_bias:
                inputs[2] = b
            (r,) = ac.run(ln_mlir(shape, with_bias, eps_attr, "f32"), inputs)
            exp = layer_norm_ref(x.astype(np.float64), w.astype(np.float64),
                                 b.astype(np.float64) if with_bias else None,
                                 eps)
            # Mean and variance may be summed in another order (or the
            # variance taken as E[x^2] - E[x]^2): 1e-10 relative, with an
            # atol for outputs near 0 from (x - mean) cancelling.
            ac.assert_close(r, exp, rtol=1e-10, atol=1e-10,
                            what="f32 layer_norm %s eps %s bias %d" %
                            (shape, eps_attr, with_bias))
    for eps_attr, eps in RMS_EPS:
        x = (rng.standard_normal(shape) * 2).astype(np.float32)
        if x.ndim > 1:
            x[0] = (x[0] * 1e-3).astype(np.float32)
        w = rng.standard_normal(shape[-1]).astype(np.float32)
        (r,) = ac.run(rms_mlir(shape, eps_attr, "f32"), {0: x, 1: w})
        exp = rms_norm_ref(x.astype(np.float64), w.astype(np.float64), eps)
        ac.assert_close(r, exp, rtol=1e-12, what="f32 rms_norm %s eps %s" %
                        (shape, eps_attr))

# By hand: layer_norm([1, 3]) with eps 0: mean 2, var 1 -> [-1, 1];
# weight [2, 3], bias [10, 20] -> [8, 23]. rms_norm([3, 4]) with eps 0:
# rms sqrt(12.5) -> [3, 4] / sqrt(12.5).
x = np.array([1.0, 3.0], np.float32)
w = np.array([2.0, 3.0], np.float32)
b = np.array([10.0, 20.0], np.float32)
(r,) = ac.run(ln_mlir((2,), True, 0.0, "f32"), {0: x, 1: w, 2: b})
ac.assert_equal(r, np.array([8.0, 23.0]), what="layer_norm by hand")
x = np.array([3.0, 4.0], np.float32)
(r,) = ac.run(rms_mlir((2,), 0.0, "f32"), {0: x, 1: np.ones(2, np.float32)})
ac.assert_close(r, np.array([3.0, 4.0]) / np.sqrt(12.5), rtol=1e-15,
                what="rms_norm by hand")

# A constant row: variance 0, so the output is bias exactly (x - mean = 0).
x = np.full((2, 5), 3.25, np.float32)
w = rng.standard_normal(5).astype(np.float32)
b = rng.standard_normal(5).astype(np.float32)
(r,) = ac.run(ln_mlir((2, 5), True, 1e-5, "f32"), {0: x, 1: w, 2: b})
ac.assert_equal(r, np.broadcast_to(b.astype(np.float64), (2, 5)),
                what="layer_norm constant row")

# bf16 / f16: one rounding at the end; bit-exact.
for elem, rnd, npdt in (("bf16", ac.bf16_round, np.float32),
                        ("f16", ac.f16_round, np.float16)):
    shape = (3, 7)
    x = (rng.standard_normal(shape) * 2).astype(npdt)
    w = rng.standard_normal(7).astype(npdt)
    b = rng.standard_normal(7).astype(npdt)
    xr, wr, br = (rnd(v.astype(np.float64)) for v in (x, w, b))
    for with_bias in (False, True):
        inputs = {0: x, 1: w}
        if with_bias:
            inputs[2] = b
        (r,) = ac.run(ln_mlir(shape, with_bias, 1e-5, elem), inputs)
        ac.assert_equal(r, rnd(layer_norm_ref(xr, wr, br if with_bias else None,
                                              1e-5)),
                        what="%s layer_norm bias %d" % (elem, with_bias))
    (r,) = ac.run(rms_mlir(shape, 1e-6, elem), {0: x, 1: w})
    ac.assert_equal(r, rnd(rms_norm_ref(xr, wr, 1e-6)),
                    what="%s rms_norm" % elem)

ac.done("norms")
