# RUN: %python %s
# Run-time errors of ops and input errors of the driver: each must end the
# run with exit code 1 and one diagnostic naming the problem, never with a
# crash, a signal (SIGFPE for INT_MIN / -1 or x / 0 included) or exit 0.

import os
import tempfile

import numpy as np

import aster_check as ac

EMBEDDING = """
func.func @forward(%t: tensor<4x3xf32>, %ids: tensor<2xIDS>) -> tensor<2x3xf32> {
  %h = aster.embedding %t[%ids] : tensor<4x3xf32>, tensor<2xIDS> -> tensor<2x3xf32>
  return %h : tensor<2x3xf32>
}
"""
table = np.zeros((4, 3), np.float32)
for ids_elem, npdt in (("i32", np.int32), ("i64", np.int64)):
    text = EMBEDDING.replace("IDS", ids_elem)
    for bad in (4, -1, 1000):
        ids = np.array([0, bad], npdt)
        ac.run_expect_error(text, {0: table, 1: ids}, "id %d" % bad,
                            one_line=False)
ac.run_expect_error(EMBEDDING.replace("IDS", "i64"),
                    {0: table, 1: np.array([2**40, 0], np.int64)},
                    "outside", one_line=False)

CROSS_ENTROPY = """
func.func @forward(%x: tensor<2x3xf32>, %y: tensor<2xi32>) -> RT {
  %h = aster.cross_entropy %x, %y ATTRS: tensor<2x3xf32>, tensor<2xi32> -> RT
  return %h : RT
}
"""
x = np.zeros((2, 3), np.float32)
for attrs, bad in (("", 3), ("", -1), ("ignore_index = -1 ", -100),
                   ("reduction = none ", 7), ("reduction = sum ", -2)):
    rt = "tensor<2xf32>" if "none" in attrs else "tensor<f32>"
    ac.run_expect_error(CROSS_ENTROPY.replace("ATTRS", attrs).replace("RT", rt),
                        {0: x, 1: np.array([0, bad], np.int32)},
                        "label %d" % bad, one_line=False)

DIV = """
func.func @forward(%a: tensor<3xE>, %b: tensor<3xE>) -> tensor<3xE> {
  %h = aster.div %a, %b : tensor<3xE>, tensor<3xE> -> tensor<3xE>
  return %h : tensor<3xE>
}
"""
for elem, npdt in (("i32", np.int32), ("i64", np.int64)):
    lo = np.iinfo(npdt).min
    for a in ([1, 2, 3], [lo, 0, 5]):
        ac.run_expect_error(DIV.replace("E>", elem + ">"),
                            {0: np.array(a, npdt),
                             1: np.array([1, 0, 3], npdt)},
                            "division by zero", one_line=False)

CAST = """
func.func @forward(%x: tensor<3xf32>) -> tensor<3xE> {
  %h = aster.cast %x : tensor<3xf32> -> tensor<3xE>
  return %h : tensor<3xE>
}
"""
for elem, bad in (("i32", np.nan), ("i64", np.nan), ("i32", 3e9),
                  ("i32", 2147483648.0), ("i32", -2147483904.0),
                  ("i32", np.inf), ("i64", -np.inf), ("i64", 2.0**63),
                  ("i64", 1e30)):
    ac.run_expect_error(CAST.replace("E>", elem + ">"),
                        {0: np.array([1.0, bad, 2.0], np.float32)},
                        "cast", one_line=False)
# Out of range after truncation, reached through f64 arithmetic:
# -2147483648 - 1 = -2147483649.
ac.run_expect_error("""
func.func @forward(%a: tensor<1xf32>, %b: tensor<1xf32>) -> tensor<1xi32> {
  %s = aster.add %a, %b : tensor<1xf32>, tensor<1xf32> -> tensor<1xf32>
  %r = aster.cast %s : tensor<1xf32> -> tensor<1xi32>
  return %r : tensor<1xi32>
}
""", {0: np.array([-2147483648.0], np.float32),
      1: np.array([-1.0], np.float32)}, "out of range", one_line=False)
# bf16 and f16 sources too.
ac.run_expect_error("""
func.func @forward(%x: tensor<2xbf16>) -> tensor<2xi32> {
  %r = aster.cast %x : tensor<2xbf16> -> tensor<2xi32>
  return %r : tensor<2xi32>
}
""", {0: np.array([1.0, 1e20], np.float32)}, "out of range", one_line=False)
ac.run_expect_error("""
func.func @forward(%x: tensor<2xf16>) -> tensor<2xi64> {
  %r = aster.cast %x : tensor<2xf16> -> tensor<2xi64>
  return %r : tensor<2xi64>
}
""", {0: np.array([1.0, np.nan], np.float16)}, "nan", one_line=False)

# ---- driver errors: one line each.
SIMPLE = """
func.func @forward(%x: tensor<4x3xf32> {aster.name = "w"}, %i: tensor<2xi32>) -> tensor<4x3xf32> {
  %r = aster.neg %x : tensor<4x3xf32>
  return %r : tensor<4x3xf32>
}
"""
good = np.zeros((4, 3), np.float32)
with tempfile.TemporaryDirectory() as tmp:
    missing = os.path.join(tmp, "missing.npy")
    ac.run_expect_error(SIMPLE, {0: missing}, "missing.npy")

    path = os.path.join(tmp, "good.npy")
    np.save(path, good)
    data = open(path, "rb").read()
    for name, blob, what in (("short_data.npy", data[:-5], "data size"),
                             ("short_header.npy", data[:40], "truncated"),
                             ("empty.npy", b"", ".npy"),
                             ("garbage.npy", b"hello, world" * 10, ".npy")):
        p = os.path.join(tmp, name)
        with open(p, "wb") as f:
            f.write(blob)
        err = ac.run_expect_error(SIMPLE, {0: p}, name)
        if what not in err:
            print("FAIL: %r does not mention %r" % (err, what))
            raise SystemExit(1)
        ac.checks += 1

    # The data region has more bytes than the shape needs.
    p = os.path.join(tmp, "long_data.npy")
    with open(p, "wb") as f:
        f.write(data + b"\0" * 8)
    ac.run_expect_error(SIMPLE, {0: p}, "long_data.npy")

# dtype mismatches: f64 for f32, f32 for f16, i64 for i32, big-endian f32.
ac.run_expect_error(SIMPLE, {0: good.astype(np.float64)}, "dtype")
ac.run_expect_error(SIMPLE, {0: good, 1: np.zeros(2, np.int64)}, "dtype")
ac.run_expect_error(SIMPLE, {1: np.zeros(2, np.float32)}, "dtype")
ac.run_expect_error(SIMPLE, {0: good.astype(">f4")}, ">f4")
ac.run_expect_error("""
func.func @forward(%x: tensor<2xf16>) -> tensor<2xf16> {
  return %x : tensor<2xf16>
}
""", {0: np.zeros(2, np.float32)}, "dtype")

# Shape mismatches: transposed, wrong rank, scalar.
ac.run_expect_error(SIMPLE, {0: np.zeros((3, 4), np.float32)}, "shape")
ac.run_expect_error(SIMPLE, {0: np.zeros((12,), np.float32)}, "shape")
ac.run_expect_error(SIMPLE, {0: np.zeros((1, 4, 3), np.float32)}, "shape")
ac.run_expect_error(SIMPLE, {1: np.array(1, np.int32)}, "shape")

# Unknown -i names and positions, an argument given twice, a malformed -i.
ac.run_expect_error(SIMPLE, {"x": good}, "'x'")  # %x is not its aster.name
ac.run_expect_error(SIMPLE, {"nope": good}, "nope")
ac.run_expect_error(SIMPLE, {2: good}, "'2'")
ac.run_expect_error(SIMPLE, {"-1": good}, "-1")
ac.run_expect_error(SIMPLE, {0: good, "w": good}, "twice")
ac.run_expect_error(SIMPLE, {}, "NAME=file.npy", extra_args=["-i", "0"])
# An unknown entry function.
ac.run_expect_error(SIMPLE, {}, "@nope", entry="nope")

# A Fortran-ordered array is either read correctly or refused cleanly.
fortran = np.asfortranarray(np.arange(12, dtype=np.float32).reshape(4, 3))
with tempfile.TemporaryDirectory() as tmp:
    p = os.path.join(tmp, "fortran.npy")
    np.save(p, fortran)
    header = open(p, "rb").read(128)
    assert b"'fortran_order': True" in header
    import subprocess
    m = os.path.join(tmp, "m.mlir")
    open(m, "w").write(SIMPLE)
    proc = subprocess.run([ac.REFERENCE, m, "-i", "0=" + p, "-o", tmp],
                          capture_output=True, text=True)
    if proc.returncode == 0:
        ac.assert_equal(np.load(os.path.join(tmp, "result0.npy")),
                        -np.arange(12.0).reshape(4, 3), what="fortran order")
    elif (proc.returncode != 1 or len(proc.stderr.strip().splitlines()) != 1
          or "ortran" not in proc.stderr):
        print("FAIL: Fortran-ordered input: exit %d, stderr %r" %
              (proc.returncode, proc.stderr))
        raise SystemExit(1)
    else:
        ac.checks += 1

# Sanity: the same function runs fine with good inputs.
(r,) = ac.run(SIMPLE, {"w": good + 1, 1: np.zeros(2, np.int32)})
ac.assert_equal(r, -np.ones((4, 3)), what="good inputs")

ac.done("errors")
