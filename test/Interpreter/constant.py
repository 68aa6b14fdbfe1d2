# RUN: %python %s
# constant: dense literals of every element type (lists, nested lists,
# splats, rank 0, hex), constants feeding ops, and --declared-dtype output.

import numpy as np

import aster_check as ac

CASES = [
    # (literal, type, expected)
    ("dense<[1.0, -2.5, 3.0e+10]>", "tensor<3xf32>",
     np.array([1.0, -2.5, float(np.float32(3.0e10))])),
    # The attribute holds f32 values: 0.1 is the f32 nearest to 0.1.
    ("dense<[0.1, 1.0e-40]>", "tensor<2xf32>",
     np.array([np.float32(0.1), np.float32(1e-40)], dtype=np.float64)),
    ("dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]>", "tensor<2x3xf32>",
     np.arange(1.0, 7.0).reshape(2, 3)),
    ("dense<1.5>", "tensor<3x1x2xf32>", np.full((3, 1, 2), 1.5)),
    ("dense<-7.25>", "tensor<f32>", np.array(-7.25)),
    ('dense<"0x0000803F000000C0">', "tensor<2xf32>", np.array([1.0, -2.0])),
    ("dense<[1, -2, 2147483647, -2147483648]>", "tensor<4xi32>",
     np.array([1, -2, 2**31 - 1, -(2**31)], np.int32)),
    ("dense<[9223372036854775807, -9223372036854775808, 5]>", "tensor<3xi64>",
     np.array([2**63 - 1, -(2**63), 5], np.int64)),
    ("dense<3>", "tensor<2x2xi64>", np.full((2, 2), 3, np.int64)),
    # bf16 and f16 literals round to nearest even: 1 + 2^-8 is a bf16 tie
    # (-> 1), 1 + 3 * 2^-8 too (-> 1 + 2^-6); 2049 an f16 tie (-> 2048).
    ("dense<[1.00390625, 1.01171875, 0.5]>", "tensor<3xbf16>",
     np.array([1.0, 1.015625, 0.5])),
    ("dense<[2049.0, 0.1, -65504.0]>", "tensor<3xf16>",
     np.array([2048.0, float(np.float16(0.1)), -65504.0])),
    ("dense<0.0>", "tensor<0x3xf32>", np.zeros((0, 3))),
]

for literal, ty, exp in CASES:
    text = """
func.func @forward() -> %s {
  %%c = aster.constant %s : %s
  return %%c : %s
}
""" % (ty, literal, ty, ty)
    (r,) = ac.run(text, {})
    ac.assert_equal(r, exp, what="constant %s : %s" % (literal, ty))

# Constants as operands, broadcasting against an argument; several results.
text = """
func.func @forward(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<3xi32>) {
  %c = aster.constant dense<[10.0, 20.0, 30.0]> : tensor<3xf32>
  %s = aster.mul %x, %c : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %i = aster.constant dense<[7, -7, 9]> : tensor<3xi32>
  %j = aster.constant dense<2> : tensor<i32>
  %d = aster.div %i, %j : tensor<3xi32>, tensor<i32> -> tensor<3xi32>
  return %s, %d : tensor<2x3xf32>, tensor<3xi32>
}
"""
x = np.random.default_rng(3).standard_normal((2, 3)).astype(np.float32)
s, d = ac.run(text, {0: x})
ac.assert_equal(s, x.astype(np.float64) * np.array([10.0, 20.0, 30.0]),
                what="constant operand")
ac.assert_equal(d, np.array([3, -3, 4], np.int32), what="constant int div")

# A function other than @forward, chosen with --entry.
text = """
func.func @forward() -> tensor<f32> {
  %c = aster.constant dense<1.0> : tensor<f32>
  return %c : tensor<f32>
}
func.func @other() -> tensor<2xi64> {
  %c = aster.constant dense<[4, 2]> : tensor<2xi64>
  return %c : tensor<2xi64>
}
"""
(r,) = ac.run(text, {}, entry="other")
ac.assert_equal(r, np.array([4, 2], np.int64), what="--entry")

# Without --declared-dtype float results are written as <f8; with it in
# their declared width (bf16, which .npy lacks, as <f4 holding the bf16
# value).
text = """
func.func @forward() -> (tensor<2xf32>, tensor<2xbf16>, tensor<2xf16>, tensor<2xi32>) {
  %a = aster.constant dense<[0.1, 2.0]> : tensor<2xf32>
  %b = aster.constant dense<[0.1, 2.0]> : tensor<2xbf16>
  %c = aster.constant dense<[0.1, 2.0]> : tensor<2xf16>
  %d = aster.constant dense<[1, 2]> : tensor<2xi32>
  return %a, %b, %c, %d : tensor<2xf32>, tensor<2xbf16>, tensor<2xf16>, tensor<2xi32>
}
"""
vals = [np.float32(0.1), ac.bf16_round(0.1), np.float16(0.1)]
for declared, dtypes in ((False, ["<f8", "<f8", "<f8", "<i4"]),
                         (True, ["<f4", "<f4", "<f2", "<i4"])):
    results = ac.run(text, {}, extra_args=["--declared-dtype"] if declared
                     else [])
    for i, (r, dt) in enumerate(zip(results, dtypes)):
        if r.dtype.str != dt:
            print("FAIL declared-dtype=%d result %d: dtype %s, expected %s" %
                  (declared, i, r.dtype.str, dt))
            raise SystemExit(1)
        exp = (np.array([1, 2], np.int32) if i == 3 else
               np.array([float(vals[i]), 2.0]))
        ac.assert_equal(r, exp, what="declared-dtype=%d result %d" %
                        (declared, i))

ac.done("constant")
