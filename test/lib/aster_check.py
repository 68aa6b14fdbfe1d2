"""Helpers for the numeric tests of aster-reference (the f64 reference
interpreter): run a function on numpy inputs, round to bf16/f16 exactly, and
compare with expected values computed independently in numpy from the op
descriptions in AsterOps.td."""

import os
import re
import subprocess
import sys
import tempfile

import numpy as np

# Expected values legitimately contain inf and NaN; do not warn about them.
np.seterr(all="ignore")

TOOLS_DIR = os.environ.get(
    "ASTER_TOOLS_DIR",
    os.path.join(os.path.dirname(__file__), "..", "..", "build", "bin"))
REFERENCE = os.path.join(TOOLS_DIR, "aster-reference")

# Number of successful comparisons, reported by done().
checks = 0


def _invoke(mlir_text, inputs, entry, extra_args, tmp):
    mlir_path = os.path.join(tmp, "test.mlir")
    with open(mlir_path, "w") as f:
        f.write(mlir_text)
    cmd = [REFERENCE, mlir_path, "-o", os.path.join(tmp, "out")]
    if entry is not None:
        cmd.append("--entry=" + entry)
    for i, (key, value) in enumerate(inputs.items()):
        if isinstance(value, str):  # a path, used as is (error tests)
            path = value
        else:
            path = os.path.join(tmp, "in%d.npy" % i)
            # C order: np.save would mark a Fortran-contiguous array so.
            np.save(path, np.array(value, order="C"))
        cmd += ["-i", "%s=%s" % (key, path)]
    cmd += list(extra_args)
    return subprocess.run(cmd, capture_output=True, text=True)


def run(mlir_text, inputs, entry=None, extra_args=()):
    """Runs aster-reference on `mlir_text` with `inputs` ({position or
    aster.name: array}) and returns the results as numpy arrays."""
    with tempfile.TemporaryDirectory() as tmp:
        proc = _invoke(mlir_text, inputs, entry, extra_args, tmp)
        if proc.returncode != 0:
            print("aster-reference failed with exit code %d" % proc.returncode)
            print(proc.stderr)
            print(mlir_text)
            sys.exit(1)
        results = []
        i = 0
        while os.path.exists(os.path.join(tmp, "out", "result%d.npy" % i)):
            results.append(np.load(os.path.join(tmp, "out", "result%d.npy" % i)))
            i += 1
        return results


def run_tool(name, *args, check=True):
    """Runs tool `name` (in TOOLS_DIR); with `check`, a non-zero exit fails
    the test with the tool's stderr."""
    proc = subprocess.run([os.path.join(TOOLS_DIR, name)] + list(args),
                          capture_output=True, text=True)
    if check and proc.returncode != 0:
        print("FAIL %s: exit %d\n%s" % (" ".join([name] + list(args)),
                                         proc.returncode, proc.stderr))
        sys.exit(1)
    return proc


def expect_one_line_error(proc, substring, what):
    """A user-facing error: exit code 1 and exactly one stderr line that
    contains `substring`."""
    global checks
    lines = proc.stderr.strip().splitlines()
    if proc.returncode != 1 or len(lines) != 1 or substring not in lines[0]:
        print("FAIL %s: expected exit 1 and one line containing %r, got exit "
              "%d:\n%s" % (what, substring, proc.returncode, proc.stderr))
        sys.exit(1)
    checks += 1


def run_expect_error(mlir_text, inputs, expected_substring, entry=None,
                     one_line=True, extra_args=()):
    """Runs aster-reference and checks that it fails cleanly: exit code 1
    (not a signal, an abort or a crash report), exactly one "error:" line,
    which contains `expected_substring`. With `one_line` (errors of the
    driver: files, options) stderr must be that line alone; without it (an
    op failing at run time) the diagnostic may carry its source excerpt and
    a "see current operation" note."""
    global checks
    with tempfile.TemporaryDirectory() as tmp:
        proc = _invoke(mlir_text, inputs, entry, extra_args, tmp)
    lines = proc.stderr.strip().splitlines()
    errors = [l for l in lines if "error:" in l]
    crashed = any(s in proc.stderr for s in
                  ("Stack dump", "PLEASE submit", "Assertion", "Traceback",
                   "Segmentation", "terminate called"))
    ok = (proc.returncode == 1 and not crashed and len(errors) == 1
          and expected_substring in errors[0]
          and (len(lines) == 1 or not one_line))
    if not ok:
        print("FAIL: expected exit code 1 and a %sdiagnostic containing %r; "
              "got exit code %d, stderr:\n%s" %
              ("one-line " if one_line else "", expected_substring,
               proc.returncode, proc.stderr))
        print(mlir_text)
        sys.exit(1)
    checks += 1
    return errors[0]


def run_seeded_model(model_path, seed):
    """Runs the @forward of the model file at `model_path` on arguments
    generated from `seed`. Returns (parameters by aster.name as float64,
    the data arguments in order, the results)."""
    with open(model_path) as f:
        names = re.findall(r'aster\.name = "([^"]*)"', f.read())
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([REFERENCE, model_path, "--seed", str(seed),
                               "--dump-inputs", tmp + "/in", "-o",
                               tmp + "/out"], capture_output=True, text=True)
        if proc.returncode != 0:
            print("aster-reference failed on %s:\n%s" % (model_path,
                                                         proc.stderr))
            sys.exit(1)
        count = len(os.listdir(tmp + "/in"))
        args = [np.load("%s/in/arg%d.npy" % (tmp, i)) for i in range(count)]
        results = [np.load("%s/out/result%d.npy" % (tmp, i))
                   for i in range(len(os.listdir(tmp + "/out")))]
    params = {n: a.astype(np.float64) for n, a in zip(names, args)}
    return params, args[len(names):], results


def run_model_with_random_params(model_path, seed):
    """Like run_seeded_model, but every parameter (biases and norm weights
    included, which their initialisers make 0 or 1) is drawn from a normal
    distribution in numpy and passed with -i, so that each one matters."""
    params, data, _ = run_seeded_model(model_path, seed)
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [REFERENCE, model_path, "-o", tmp + "/out"]
        for i, (name, value) in enumerate(params.items()):
            params[name] = (rng.standard_normal(value.shape) * 0.2
                            + (1.0 if name.endswith("norm.weight") or
                               "ln_" in name and name.endswith("weight")
                               else 0.0)).astype(np.float32).astype(np.float64)
            path = "%s/p%d.npy" % (tmp, i)
            np.save(path, params[name].astype(np.float32))
            cmd += ["-i", "%s=%s" % (name, path)]
        for i, value in enumerate(data):
            path = "%s/d%d.npy" % (tmp, i)
            np.save(path, value)
            cmd += ["-i", "%d=%s" % (len(params) + i, path)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            print("aster-reference failed on %s:\n%s" % (model_path,
                                                         proc.stderr))
            sys.exit(1)
        results = [np.load("%s/out/result%d.npy" % (tmp, i))
                   for i in range(len(os.listdir(tmp + "/out")))]
    return params, data, results


def _round_to_format(x, precision, min_exp, max_finite):
    """Rounds float64 `x` to nearest-even in a binary format with
    `precision` significand bits (implicit bit included), minimum normal
    exponent `min_exp`, and largest finite value `max_finite`; subnormals
    and overflow to infinity as IEEE 754. Exact: frexp and the scalings by
    powers of two are exact in float64, and rint rounds half to even."""
    x = np.asarray(x, dtype=np.float64)
    finite = np.isfinite(x)
    xf = np.where(finite, x, 0.0)
    _, e = np.frexp(xf)  # xf = m * 2**e, 0.5 <= |m| < 1
    # The unit in the last place: 2**(e - precision) for normals, fixed
    # at 2**(min_exp + 1 - precision) for subnormals.
    ulp_exp = np.maximum(e, min_exp + 1) - precision
    r = np.ldexp(np.rint(np.ldexp(xf, -ulp_exp)), ulp_exp)
    r = np.where(np.abs(r) > max_finite, np.copysign(np.inf, xf), r)
    return np.where(finite, r, x)


BF16_MAX = float.fromhex("0x1.fep127")


def bf16_round(x):
    """float64 -> nearest-even bf16, returned as float64 (single rounding)."""
    return _round_to_format(x, 8, -126, BF16_MAX)


def f16_round(x):
    """float64 -> nearest-even f16, returned as float64 (single rounding)."""
    return _round_to_format(x, 11, -14, 65504.0)


def assert_close(actual, expected, rtol=1e-12, atol=0.0, what=""):
    """|actual - expected| <= atol + rtol * |expected| elementwise, with the
    same shape; NaNs and infinities must match exactly."""
    global checks
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    if actual.shape != expected.shape:
        print("FAIL %s: shape %s, expected %s" % (what, actual.shape,
                                                   expected.shape))
        sys.exit(1)
    a = actual.astype(np.float64)
    e = expected.astype(np.float64)
    special = ~np.isfinite(e) | ~np.isfinite(a)
    bad = special & ~((a == e) | (np.isnan(a) & np.isnan(e)))
    err = np.where(special, 0.0, np.abs(a - e))
    tol = atol + rtol * np.abs(np.where(special, 0.0, e))
    bad |= err > tol
    if bad.any():
        # The worst offending element (NaN/inf mismatches count as worst).
        score = np.where(bad, np.where(special, np.inf, err), -1.0)
        idx = np.unravel_index(np.argmax(score), a.shape) if a.ndim else ()
        print("FAIL %s: %d of %d elements differ (rtol %g, atol up to %g); "
              "max abs error %g; worst at %s: actual %r, expected %r, "
              "tolerance %g" %
              (what, int(bad.sum()), bad.size, rtol, float(np.max(atol)),
               float(err.max()), idx, float(a[idx]), float(e[idx]),
               float(np.broadcast_to(tol, a.shape)[idx])))
        sys.exit(1)
    checks += 1


def assert_equal(actual, expected, what=""):
    """Exact equality. Integer results must also have the expected dtype
    (<i4 or <i8) and are compared as integers, not through float64."""
    global checks
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    if expected.dtype.kind in "iu":
        if actual.dtype != expected.dtype or actual.shape != expected.shape:
            print("FAIL %s: %s %s, expected %s %s" %
                  (what, actual.dtype, actual.shape, expected.dtype,
                   expected.shape))
            sys.exit(1)
        if not np.array_equal(actual, expected):
            bad = np.argwhere(actual != expected)
            idx = tuple(bad[0])
            print("FAIL %s: %d of %d elements differ; first at %s: actual %d, "
                  "expected %d" % (what, len(bad), actual.size, idx,
                                   actual[idx], expected[idx]))
            sys.exit(1)
        checks += 1
        return
    if actual.dtype.kind != "f":
        print("FAIL %s: dtype %s, expected a float" % (what, actual.dtype))
        sys.exit(1)
    assert_close(actual, expected, rtol=0.0, atol=0.0, what=what)


def done(name):
    print("%s: %d checks passed" % (name, checks))


def T(shape, elem="f32"):
    """The MLIR tensor type of `shape` and element type `elem`."""
    return "tensor<%s%s>" % ("".join("%dx" % d for d in shape), elem)


def wrap(values, bits):
    """Python/object integers -> two's complement `bits`-bit numpy ints."""
    v = np.asarray(values, dtype=object)
    m = 1 << bits
    w = (v + (m >> 1)) % m - (m >> 1)
    return w.astype(np.int32 if bits == 32 else np.int64)


def trunc_div(a, b):
    """Integer division truncating toward zero, on Python ints (objects)."""
    a = np.asarray(a, dtype=object)
    b = np.asarray(b, dtype=object)
    q = np.vectorize(lambda x, y: abs(x) // abs(y) * (1 if (x < 0) == (y < 0)
                                                      else -1),
                     otypes=[object])
    return q(a, b)


def flt(v):
    """An MLIR float literal for the double `v` (round-trips exactly)."""
    return "%.17e" % v
