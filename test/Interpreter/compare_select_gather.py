# RUN: %python %s
"""compare, select, gather, pow, sigmoid, broadcast and casts with i1,
against numpy, with booleans read and written as |b1 .npy files."""

import numpy as np

import aster_check as ac
from aster_check import T

rng = np.random.default_rng(17)


def compare_tests():
    ops = {"eq": np.equal, "ne": np.not_equal, "lt": np.less,
           "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal}
    a = rng.integers(-3, 3, (3, 5)).astype(np.int64)
    b = rng.integers(-3, 3, (5,)).astype(np.int64)
    x = np.array([1.0, np.nan, -0.0, 2.0, np.inf], np.float32)
    y = np.array([1.0, np.nan, 0.0, np.nan, 3.0], np.float32)
    for name, fn in ops.items():
        text = """func.func @forward(%a: {A}, %b: {B}) -> {R} {{
  %0 = aster.compare {p} %a, %b : {A}, {B} -> {R}
  return %0 : {R}
}}""".format(p=name, A=T((3, 5), "i64"), B=T((5,), "i64"), R=T((3, 5), "i1"))
        (r,) = ac.run(text, {0: a, 1: b})
        if r.dtype != np.bool_:
            raise SystemExit("FAIL compare: result dtype %s" % r.dtype)
        ac.assert_equal(r.astype(np.int32), fn(a, b).astype(np.int32),
                        "compare %s i64" % name)
        text = text.replace(T((3, 5), "i64"), T((5,), "f32")).replace(
            T((5,), "i64"), T((5,), "f32")).replace(T((3, 5), "i1"), T((5,), "i1"))
        (r,) = ac.run(text, {0: x, 1: y})
        # IEEE: every comparison with NaN is false except ne.
        ac.assert_equal(r.astype(np.int32), fn(x, y).astype(np.int32),
                        "compare %s f32 with NaN" % name)


def select_tests():
    cond = rng.integers(0, 2, (4, 1)).astype(np.bool_)
    a = rng.standard_normal((4, 6)).astype(np.float32)
    b = np.float32(7.5)
    text = """func.func @forward(%c: {C}, %a: {A}, %b: {B}) -> {A} {{
  %0 = aster.select %c, %a, %b : {C}, {A}, {B} -> {A}
  return %0 : {A}
}}""".format(C=T((4, 1), "i1"), A=T((4, 6)), B=T(()))
    (r,) = ac.run(text, {0: cond, 1: a, 2: np.array(b)})
    ac.assert_equal(r, np.where(cond, a, b).astype(np.float64), "select f32")
    ai = rng.integers(-9, 9, (3,)).astype(np.int32)
    bi = rng.integers(-9, 9, (2, 3)).astype(np.int32)
    ci = rng.integers(0, 2, (2, 1)).astype(np.bool_)
    text = """func.func @forward(%c: {C}, %a: {A}, %b: {B}) -> {R} {{
  %0 = aster.select %c, %a, %b : {C}, {A}, {B} -> {R}
  return %0 : {R}
}}""".format(C=T((2, 1), "i1"), A=T((3,), "i32"), B=T((2, 3), "i32"),
             R=T((2, 3), "i32"))
    (r,) = ac.run(text, {0: ci, 1: ai, 2: bi})
    ac.assert_equal(r, np.where(ci, ai, bi), "select i32 3-way broadcast")


def gather_tests():
    x = rng.standard_normal((3, 5, 2)).astype(np.float32)
    for axis, idx in [(0, np.array([2, -1, 0], np.int64)),
                      (1, np.array([[4, -5], [1, 1]], np.int64)),
                      (2, np.array(1, np.int64))]:
        res = np.take(x, idx, axis=axis)
        text = """func.func @forward(%x: {X}, %i: {I}) -> {R} {{
  %0 = aster.gather %x[%i] axis = {axis} : {X}, {I} -> {R}
  return %0 : {R}
}}""".format(X=T(x.shape), I=T(idx.shape, "i64"), R=T(res.shape), axis=axis)
        (r,) = ac.run(text, {0: x, 1: idx})
        ac.assert_equal(r, res.astype(np.float64), "gather axis %d" % axis)
    text = """func.func @forward(%x: {X}, %i: {I}) -> {R} {{
  %0 = aster.gather %x[%i] axis = 1 : {X}, {I} -> {R}
  return %0 : {R}
}}""".format(X=T((3, 5, 2)), I=T((1,), "i32"), R=T((3, 1, 2)))
    for bad in (5, -6):
        ac.run_expect_error(text, {0: x, 1: np.array([bad], np.int32)},
                            "index %d at position 0 is outside [-5, 5) for axis 1"
                            % bad, one_line=False)


def elementwise_tests():
    x = np.abs(rng.standard_normal(7)).astype(np.float32) + 0.1
    y = rng.standard_normal(7).astype(np.float32)
    text = """func.func @forward(%x: {X}, %y: {X}) -> ({X}, {X}) {{
  %0 = aster.pow %x, %y : {X}, {X} -> {X}
  %1 = aster.sigmoid %y : {X}
  return %0, %1 : {X}, {X}
}}""".format(X=T((7,)))
    p, s = ac.run(text, {0: x, 1: y})
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    ac.assert_close(p, np.power(x64, y64), what="pow")
    ac.assert_close(s, 1 / (1 + np.exp(-y64)), what="sigmoid")
    # A negative base with a fractional exponent is NaN; with an integer
    # exponent it is defined.
    text = """func.func @forward(%x: {X}, %y: {X}) -> {X} {{
  %0 = aster.pow %x, %y : {X}, {X} -> {X}
  return %0 : {X}
}}""".format(X=T((3,)))
    (p,) = ac.run(text, {0: np.array([-2, -2, 0], np.float32),
                         1: np.array([0.5, 3, -1], np.float32)})
    ac.assert_equal(p, np.array([np.nan, -8.0, np.inf]), "pow special cases")
    # Integer powers are exact and wrap at the element width; a negative
    # exponent truncates 1 / x^-y toward zero.
    for elem, bits in (("i32", 32), ("i64", 64)):
        text = """func.func @forward(%x: {X}, %y: {X}) -> {X} {{
  %0 = aster.pow %x, %y : {X}, {X} -> {X}
  return %0 : {X}
}}""".format(X=T((9,), elem))
        base = [3, -3, 7, 2, 1, -1, -1, 5, 0]
        expo = [4, 3, 0, 40, -5, -3, -4, -1, 0]
        dt = np.int32 if bits == 32 else np.int64
        (p,) = ac.run(text, {0: np.array(base, dt), 1: np.array(expo, dt)})
        want = []
        for x_, y_ in zip(base, expo):
            if y_ < 0:
                want.append(1 if x_ == 1 else (-1) ** (-y_) if x_ == -1 else 0)
            else:
                want.append(x_ ** y_)
        ac.assert_equal(p, ac.wrap(np.array(want, dtype=object), bits),
                        "integer pow (%s)" % elem)
        ac.run_expect_error(text, {0: np.array([1] * 8 + [0], dt),
                                   1: np.array([1] * 8 + [-1], dt)},
                            "integer zero to a negative power at element 8",
                            one_line=False)


def broadcast_and_cast_tests():
    x = rng.integers(-5, 5, (4, 1)).astype(np.int64)
    text = """func.func @forward(%x: {X}) -> {R} {{
  %0 = aster.broadcast %x : {X} -> {R}
  return %0 : {R}
}}""".format(X=T((4, 1), "i64"), R=T((2, 4, 3), "i64"))
    (r,) = ac.run(text, {0: x})
    ac.assert_equal(r, np.broadcast_to(x, (2, 4, 3)), "broadcast")
    f = np.array([0.0, -0.0, 0.5, -3.0, np.nan, np.inf], np.float32)
    i = np.array([0, 2, -1, 0, 7, -128], np.int32)
    text = """func.func @forward(%f: {F}, %i: {I}) -> ({B}, {B}, {F}, {L}) {{
  %0 = aster.cast %f : {F} -> {B}
  %1 = aster.cast %i : {I} -> {B}
  %2 = aster.cast %0 : {B} -> {F}
  %3 = aster.cast %1 : {B} -> {L}
  return %0, %1, %2, %3 : {B}, {B}, {F}, {L}
}}""".format(F=T((6,)), I=T((6,), "i32"), B=T((6,), "i1"), L=T((6,), "i64"))
    fb, ib, back, wide = ac.run(text, {0: f, 1: i})
    ac.assert_equal(fb.astype(np.int32), (f != 0).astype(np.int32),
                    "f32 -> i1 is x != 0 (NaN is true)")
    ac.assert_equal(ib.astype(np.int32), (i != 0).astype(np.int32),
                    "i32 -> i1")
    ac.assert_equal(back, (f != 0).astype(np.float64), "i1 -> f32 is 0 or 1")
    ac.assert_equal(wide, (i != 0).astype(np.int64), "i1 -> i64 is 0 or 1")


compare_tests()
select_tests()
gather_tests()
elementwise_tests()
broadcast_and_cast_tests()
ac.done("compare_select_gather")
