# RUN: %python %s
# embedding: result[i..., d] = table[ids[i...], d], ids of any shape (rank 0
# included), i32 and i64, f32/bf16/f16 tables. A pure gather: exact.

import numpy as np

import aster_check as ac
from aster_check import T

rng = np.random.default_rng(17)


def mlir(v, d, ids_shape, id_elem, elem):
    tt, ti = T((v, d), elem), T(ids_shape, id_elem)
    tr = T(tuple(ids_shape) + (d,), elem)
    return """
func.func @forward(%%t: %s, %%ids: %s) -> %s {
  %%r = aster.embedding %%t[%%ids] : %s, %s -> %s
  return %%r : %s
}
""" % (tt, ti, tr, tt, ti, tr, tr)


for elem, npdt, rnd in (("f32", np.float32, lambda a: a),
                        ("bf16", np.float32, ac.bf16_round),
                        ("f16", np.float16, ac.f16_round)):
    for id_elem, idt in (("i32", np.int32), ("i64", np.int64)):
        for v, d, ids_shape in ((7, 5, (3,)), (11, 3, (2, 5)), (5, 1, ()),
                                (3, 4, (2, 1, 3)), (1, 2, (4,)),
                                (6, 3, (0,))):
            table = (rng.standard_normal((v, d)) * 3).astype(npdt)
            ids = rng.integers(0, v, size=ids_shape).astype(idt)
            if ids.size >= 2:
                ids.flat[0], ids.flat[-1] = 0, v - 1  # both ends
            (r,) = ac.run(mlir(v, d, ids_shape, id_elem, elem),
                          {0: table, 1: ids})
            # bf16 tables are read from f32 and rounded: gather the rounded
            # rows.
            ac.assert_equal(r, rnd(table.astype(np.float64))[ids],
                            what="%s/%s embedding V%d D%d ids %s" %
                            (elem, id_elem, v, d, ids_shape))

# By hand.
table = np.array([[0.0, 0.5], [1.0, 1.5], [2.0, 2.5]], np.float32)
ids = np.array([[2, 0], [1, 1]], np.int32)
(r,) = ac.run(mlir(3, 2, (2, 2), "i32", "f32"), {0: table, 1: ids})
ac.assert_equal(r, np.array([[[2.0, 2.5], [0.0, 0.5]],
                             [[1.0, 1.5], [1.0, 1.5]]]), what="by hand")

# Named arguments: -i takes an aster.name too.
text = """
func.func @forward(%wte: tensor<4x3xf32> {aster.name = "transformer.wte.weight"},
                   %tokens: tensor<2xi64> {aster.name = "tokens"}) -> tensor<2x3xf32> {
  %h = aster.embedding %wte[%tokens] : tensor<4x3xf32>, tensor<2xi64> -> tensor<2x3xf32>
  return %h : tensor<2x3xf32>
}
"""
table = rng.standard_normal((4, 3)).astype(np.float32)
ids = np.array([3, 1], np.int64)
(r,) = ac.run(text, {"transformer.wte.weight": table, "tokens": ids})
ac.assert_equal(r, table.astype(np.float64)[ids], what="named arguments")

ac.done("embedding")
