# RUN: %python %s
# softmax and log_softmax along every axis, with inputs large enough to
# overflow a naive exp, and -inf entries.

import numpy as np

import aster_check as ac
from aster_check import T

rng = np.random.default_rng(99)


def softmax_ref(x, axis):
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax_ref(x, axis):
    m = np.max(x, axis=axis, keepdims=True)
    return x - m - np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))


REF = {"softmax": softmax_ref, "log_softmax": log_softmax_ref}


def mlir(op, shape, axis, elem):
    t = T(shape, elem)
    return """
func.func @forward(%%x: %s) -> %s {
  %%r = aster.%s %%x, axis = %d : %s
  return %%r : %s
}
""" % (t, t, op, axis, t, t)


# The sum's order is the implementation's: rtol 1e-12, plus a tiny atol for
# log_softmax values near 0 (x - m - log(sum) where the terms cancel).
for op, ref in REF.items():
    for shape in ((7,), (3, 5), (2, 3, 5), (3, 1, 4, 5)):
        for axis in range(len(shape)):
            x = (rng.standard_normal(shape) * 3).astype(np.float32)
            (r,) = ac.run(mlir(op, shape, axis, "f32"), {0: x})
            ac.assert_close(r, ref(x.astype(np.float64), axis), rtol=1e-12,
                            atol=1e-14, what="f32 %s %s axis %d" %
                            (op, shape, axis))

    # Large values: exp(1000) overflows unless the max is subtracted.
    x = np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -1000.5],
                  [0.0, 88.0, 89.0]], np.float32)
    for axis in (0, 1):
        (r,) = ac.run(mlir(op, (3, 3), axis, "f32"), {0: x})
        exp = ref(x.astype(np.float64), axis)
        assert np.all(np.isfinite(exp))
        ac.assert_close(r, exp, rtol=1e-12, atol=1e-14,
                        what="f32 %s large axis %d" % (op, axis))

    # -inf entries give probability 0 (log-probability -inf).
    x = np.array([[-np.inf, 0.0, 1.0], [2.0, -np.inf, -np.inf]], np.float32)
    (r,) = ac.run(mlir(op, (2, 3), 1, "f32"), {0: x})
    ac.assert_close(r, ref(x.astype(np.float64), 1), rtol=1e-12, atol=1e-14,
                    what="f32 %s -inf" % op)

# Hand-computed: softmax([0, ln 3]) = [1/4, 3/4].
x = np.array([0.0, np.log(3.0)], np.float32)
(r,) = ac.run(mlir("softmax", (2,), 0, "f32"), {0: x})
x64 = x.astype(np.float64)
ac.assert_close(r, np.array([1.0, np.exp(x64[1])]) / (1.0 + np.exp(x64[1])),
                rtol=1e-15, what="softmax by hand")
ac.assert_close(r, [0.25, 0.75], rtol=1e-7, what="softmax by hand (approx)")

# bf16 / f16: one rounding of the f64 result; bit-exact.
for elem, rnd, npdt in (("bf16", ac.bf16_round, np.float32),
                        ("f16", ac.f16_round, np.float16)):
    for op, ref in REF.items():
        shape = (3, 4, 5)
        for axis in range(3):
            x = (rng.standard_normal(shape) * 2).astype(npdt)
            (r,) = ac.run(mlir(op, shape, axis, elem), {0: x})
            ac.assert_equal(r, rnd(ref(rnd(x.astype(np.float64)), axis)),
                            what="%s %s axis %d" % (elem, op, axis))

ac.done("softmax")
