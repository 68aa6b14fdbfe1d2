# RUN: %python %s
# cross_entropy: loss = logsumexp(logits) - logits[label] per position;
# reduction mean (over positions not ignored; NaN if none), sum, none (0
# where ignored); ignore_index default -100 and explicit; f32 result
# computed in f32 or wider for every logits type.

import numpy as np

import aster_check as ac
from aster_check import T

rng = np.random.default_rng(4242)


def per_position(logits, labels, ignore_index):
    m = logits.max(axis=-1, keepdims=True)
    lse = (m + np.log(np.exp(logits - m).sum(axis=-1, keepdims=True)))[..., 0]
    safe = np.where(labels == ignore_index, 0, labels)
    picked = np.take_along_axis(logits, safe[..., None].astype(np.int64),
                                axis=-1)[..., 0]
    keep = labels != ignore_index
    return np.where(keep, lse - picked, 0.0), keep


def reference(logits, labels, ignore_index, reduction):
    loss, keep = per_position(logits, labels, ignore_index)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return np.array(loss.sum())
    n = keep.sum()
    return np.array(loss.sum() / n if n else np.nan)


def mlir(lshape, label_elem, elem, ignore_index, reduction):
    tl = T(lshape, elem)
    tb = T(lshape[:-1], label_elem)
    tr = T(lshape[:-1] if reduction == "none" else (), "f32")
    attrs = ""
    if ignore_index is not None:
        attrs += " ignore_index = %d" % ignore_index
    if reduction is not None:
        attrs += " reduction = %s" % reduction
    return """
func.func @forward(%%x: %s, %%y: %s) -> %s {
  %%r = aster.cross_entropy %%x, %%y%s : %s, %s -> %s
  return %%r : %s
}
""" % (tl, tb, tr, attrs, tl, tb, tr, tr)


SHAPES = ((5, 7), (2, 3, 5), (7,), (3, 1))
IGNORES = ((None, -100), (-100, -100), (2, 2), (-1, -1))
REDUCTIONS = (None, "mean", "sum", "none")
for k, (elem, npdt, rnd) in enumerate((("f32", np.float32, None),
                                       ("bf16", np.float32, ac.bf16_round),
                                       ("f16", np.float16, ac.f16_round))):
    for label_elem, ldt in (("i32", np.int32), ("i64", np.int64)):
        # Every ignore_index with every reduction; the shape cycles so that
        # each reduction and each ignore_index meets every shape.
        for g, (ignore_attr, ignore) in enumerate(IGNORES):
            for r_i, red_attr in enumerate(REDUCTIONS):
                lshape = SHAPES[(g + r_i + k) % len(SHAPES)]
                c = lshape[-1]
                red = red_attr or "mean"
                x = (rng.standard_normal(lshape) * 3).astype(npdt)
                y = rng.integers(0, c, size=lshape[:-1]).astype(ldt)
                if y.size > 1:
                    y.flat[0] = ignore  # some positions ignored
                x64 = x.astype(np.float64)
                if rnd is not None:
                    x64 = rnd(x64)
                exp = reference(x64, y, ignore, red)
                (r,) = ac.run(mlir(lshape, label_elem, elem, ignore_attr,
                                   red_attr), {0: x, 1: y})
                # The result is f32 (held in f64), whatever the logits
                # type: no 16-bit rounding. Sum order differs: 1e-12.
                ac.assert_close(r, exp, rtol=1e-12, atol=1e-13,
                                what="%s/%s cross_entropy %s ignore %s %s"
                                % (elem, label_elem, lshape, ignore_attr,
                                   red_attr))

# By hand: logits [0, ln 3] (softmax [1/4, 3/4]): label 1 -> -ln(3/4),
# label 0 -> ln 4; mean of both = (ln 4 + ln(4/3)) / 2.
x = np.array([[0.0, np.log(3.0)], [0.0, np.log(3.0)]], np.float32)
x64 = x.astype(np.float64)
l1 = np.log(1.0 + np.exp(x64[0, 1])) - x64[0, 1]
l0 = np.log(1.0 + np.exp(x64[0, 1]))
y = np.array([1, 0], np.int32)
(r,) = ac.run(mlir((2, 2), "i32", "f32", None, "none"), {0: x, 1: y})
ac.assert_close(r, [l1, l0], rtol=1e-15, what="by hand none")
ac.assert_close(r, [-np.log(0.75), np.log(4.0)], rtol=1e-7,
                what="by hand none (approx)")
(r,) = ac.run(mlir((2, 2), "i32", "f32", None, None), {0: x, 1: y})
ac.assert_close(r, (l1 + l0) / 2, rtol=1e-15, what="by hand mean")

# Large logits must not overflow (log-sum-exp with the max subtracted).
x = np.array([[1000.0, 999.0, 0.0], [-1000.0, -999.0, -998.0]], np.float32)
y = np.array([0, 2], np.int32)
(r,) = ac.run(mlir((2, 3), "i32", "f32", None, "none"), {0: x, 1: y})
exp = reference(x.astype(np.float64), y, -100, "none")
assert np.all(np.isfinite(exp))
ac.assert_close(r, exp, rtol=1e-12, what="large logits")

# Everything ignored: mean is NaN (0 / 0), sum 0, none all zeros.
x = rng.standard_normal((3, 4)).astype(np.float32)
y = np.full((3,), -100, np.int32)
(r,) = ac.run(mlir((3, 4), "i32", "f32", None, "mean"), {0: x, 1: y})
ac.assert_close(r, np.array(np.nan), what="all ignored mean -> NaN")
(r,) = ac.run(mlir((3, 4), "i32", "f32", None, "sum"), {0: x, 1: y})
ac.assert_equal(r, np.array(0.0), what="all ignored sum -> 0")
(r,) = ac.run(mlir((3, 4), "i32", "f32", None, "none"), {0: x, 1: y})
ac.assert_equal(r, np.zeros(3), what="all ignored none -> 0")
# With a non-default ignore_index, -100 is an ordinary (out-of-range) label
# but 5 is ignored.
y = np.full((3,), 5, np.int64)
(r,) = ac.run(mlir((3, 4), "i64", "f32", 5, None), {0: x, 1: y})
ac.assert_close(r, np.array(np.nan), what="all ignored (ignore_index 5)")

ac.done("cross_entropy")
