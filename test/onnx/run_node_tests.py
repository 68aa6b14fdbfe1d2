#!/usr/bin/env python3
"""Runs the ONNX backend node tests through Aster: for each test folder,
aster-compile imports model.onnx, aster-reference runs it on
test_data_set_0/input_*.pb, and the results are compared with output_*.pb at
ONNX's tolerance (rtol 1e-3, atol 1e-7; exact for integers and booleans).

Each test ends as pass, unsupported (the importer's one-line "unsupported"
diagnostic), or fail (a crash, another error, or a wrong answer). Exits 1 if
any test fails. With --table FILE, writes the per-op table (markdown).

  run_node_tests.py --tools build/bin DIR [DIR ...] [--table docs/onnx.md]
"""

import argparse
import collections
import glob
import multiprocessing
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

RTOL, ATOL = 1e-3, 1e-7

# Tests whose expected values Aster does not reproduce on purpose, with why.
# They are reported in their own column, never counted as passes.
DEVIATIONS = {
    "test_cast_FLOAT_to_BFLOAT16":
        "ONNX's test data truncates float32 to bfloat16; Aster rounds to "
        "nearest even, as PyTorch and the hardware do (1 bf16 ulp apart)",
}
DEVIATIONS["test_castlike_FLOAT_to_BFLOAT16_expanded"] = \
    DEVIATIONS["test_cast_FLOAT_to_BFLOAT16"]
CRASH = ("Stack dump", "PLEASE submit", "Assertion", "Segmentation",
         "terminate called", "runtime error:")


def to_numpy(path, declared_type):
    """The test data at `path` as numpy; `declared_type` is the element type
    the model declares for it (old test data stores bf16 as UINT16)."""
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    array = numpy_helper.to_array(tensor)
    if onnx.TensorProto.BFLOAT16 in (tensor.data_type, declared_type):
        # Depending on the onnx version, bf16 comes back as ml_dtypes'
        # bfloat16 or as its uint16 bit patterns; aster reads bf16 from f32.
        if array.dtype == np.uint16:
            array = (array.astype(np.uint32) << 16).view(np.float32)
        array = array.astype(np.float32)
    return array


def run_one(args):
    tools, test_dir = args
    name = os.path.basename(test_dir)
    model_path = os.path.join(test_dir, "model.onnx")
    data_dir = os.path.join(test_dir, "test_data_set_0")
    try:
        model = onnx.load(model_path, load_external_data=False)
    except Exception as e:  # a test the onnx package itself cannot read
        return name, [], "unsupported", "onnx cannot load it: %s" % e
    ops = [n.op_type for n in model.graph.node]
    initializers = {i.name for i in model.graph.initializer}
    declared = {v.name: v.type.tensor_type.elem_type
                for v in list(model.graph.input) + list(model.graph.output)}
    shapes = {v.name: [d.dim_value if d.HasField("dim_value") else None
                       for d in v.type.tensor_type.shape.dim]
              for v in model.graph.input}
    inputs = [i.name for i in model.graph.input if i.name not in initializers]
    with tempfile.TemporaryDirectory() as tmp:
        mlir = os.path.join(tmp, "model.mlir")
        files, unreadable = {}, []
        for i, input_name in enumerate(inputs):
            pb = os.path.join(data_dir, "input_%d.pb" % i)
            if not os.path.exists(pb):
                continue  # an optional input the test leaves out
            try:
                array = to_numpy(pb, declared[input_name])
            except Exception as e:  # e.g. string tensors numpy cannot hold
                unreadable.append("%s (%s)" % (input_name, e))
                continue
            files[input_name] = (os.path.join(tmp, "in%d.npy" % i), array)
            np.save(files[input_name][0], array)

        def compile_model(bound):
            cmd = [os.path.join(tools, "aster-compile"), model_path, "-o", mlir]
            for input_name in bound:
                cmd += ["--constant-input",
                        "%s=%s" % (input_name, files[input_name][0])]
            return subprocess.run(cmd, capture_output=True, text=True,
                                  timeout=300)

        # A static compiler specialises the inputs that determine shapes (an
        # exporter's shape, axes, starts, Range's bounds, Dropout's mode):
        # when the importer asks for a constant, compile again with the
        # integer, boolean and scalar inputs given as constants.
        bound = []
        proc = compile_model(bound)
        if proc.returncode == 1 and "must be a constant" in proc.stderr:
            bound = [n for n, (_, a) in files.items()
                     if a.dtype.kind in "iub" or a.ndim == 0]
            proc = compile_model(bound)
        message = proc.stderr.strip()
        if any(c in proc.stderr for c in CRASH) or proc.returncode not in (0, 1):
            return name, ops, "fail", "aster-compile crashed: " + message
        if proc.returncode == 1:
            if "unsupported" in message and len(message.splitlines()) == 1:
                return name, ops, "unsupported", message.split(": ", 2)[-1]
            return name, ops, "fail", "aster-compile: " + message
        if unreadable:
            return name, ops, "fail", "cannot read test data: " + ", ".join(
                unreadable)

        cmd = [os.path.join(tools, "aster-reference"), mlir,
               "-o", os.path.join(tmp, "out")]
        weights = os.path.join(tmp, "model.safetensors")
        if os.path.exists(weights):
            cmd += ["--weights", weights]
        for input_name, (path, array) in files.items():
            if input_name in bound:
                continue
            if list(array.shape) != shapes[input_name]:
                return name, ops, "unsupported", (
                    "test data for input '%s' has shape %s, the model declares "
                    "%s (static shapes)" % (input_name, list(array.shape),
                                            shapes[input_name]))
            cmd += ["-i", "%s=%s" % (input_name, path)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            return name, ops, "fail", "aster-reference: " + proc.stderr.strip()
        for i in range(len(model.graph.output)):
            expected = to_numpy(os.path.join(data_dir, "output_%d.pb" % i),
                                declared[model.graph.output[i].name])
            actual = np.load(os.path.join(tmp, "out", "result%d.npy" % i))
            if actual.shape != expected.shape:
                return name, ops, "fail", "output %d: shape %s, expected %s" % (
                    i, actual.shape, expected.shape)
            if expected.dtype.kind in "biu":
                ok = np.array_equal(actual.astype(np.int64),
                                    expected.astype(np.int64))
            else:
                e = expected.astype(np.float64)
                ok = np.allclose(actual, e, rtol=RTOL, atol=ATOL, equal_nan=True)
            if not ok and name in DEVIATIONS:
                return name, ops, "deviates", DEVIATIONS[name]
            if not ok:
                with np.errstate(all="ignore"):
                    err = np.nanmax(np.abs(actual.astype(np.float64) -
                                           expected.astype(np.float64)))
                return name, ops, "fail", "output %d differs (max abs error %g)" % (
                    i, float(err))
    return name, ops, "pass", ""


def label(name, ops, single_node_ops):
    if len(ops) == 1:
        return ops[0]
    base = name.split("_expanded")[0]
    if base in single_node_ops:
        return single_node_ops[base] + " (expanded)"
    return "(multi-node)"


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("roots", nargs="*")
    parser.add_argument("--package-tests", action="store_true",
                        help="also run the node tests the onnx Python "
                        "package ships (a newer opset than Debian's)")
    parser.add_argument("--tools", required=True)
    parser.add_argument("--table")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    failures = 0
    sections = []
    roots = list(args.roots)
    if args.package_tests:
        roots.append(os.path.join(os.path.dirname(onnx.__file__), "backend",
                                  "test", "data", "node"))
    for root in roots:
        tests = sorted(d for d in glob.glob(os.path.join(root, "test_*"))
                       if os.path.isdir(d))
        with multiprocessing.Pool(args.jobs) as pool:
            results = pool.map(run_one, [(args.tools, t) for t in tests])
        single = {n: ops[0] for n, ops, _, _ in results if len(ops) == 1}
        rows = collections.defaultdict(collections.Counter)
        totals = collections.Counter()
        for name, ops, status, detail in results:
            rows[label(name, ops, single)][status] += 1
            totals[status] += 1
            if status == "fail":
                failures += 1
                print("FAIL %s: %s" % (name, detail[:500]))
        print("%s: %d tests, %d pass, %d unsupported, %d deviate (documented), "
              "%d fail" % (root, len(results), totals["pass"],
                           totals["unsupported"], totals["deviates"],
                           totals["fail"]))
        deviations = [(n, d) for n, _, st, d in results if st == "deviates"]
        sections.append((root, len(results), totals, rows, deviations))
    if args.table:
        write_table(args.table, sections)
    return 1 if failures else 0


def write_table(path, sections):
    lines = ["# ONNX backend node tests", "",
             "Generated by `test/onnx/run_node_tests.py --table docs/onnx.md`;",
             "the test command runs the same suites and fails on any wrong",
             "answer or crash. Each test imports `model.onnx` with",
             "`aster-compile`, runs it in `aster-reference` on",
             "`test_data_set_0` and compares with ONNX's tolerance (rtol 1e-3,",
             "atol 1e-7; integers and booleans exactly). *unsupported* is the",
             "importer's one-line diagnostic naming the op, attribute, element",
             "type or dynamic input it does not handle.", "",
             "What stays unsupported in ops that otherwise pass, and why:", "",
             "- element types outside the dialect (f32, f16, bf16, i32, i64,",
             "  i1): DOUBLE, the 8- and 16-bit and unsigned integers, FP8, INT4,",
             "  STRING. A transformer training compiler has no use for them yet;",
             "  FP8 will come with the GPU matmuls that read it;",
             "- Dropout in training mode with a nonzero ratio: the expected",
             "  outputs depend on numpy's random generator (a trainer's dropout",
             "  belongs to the train phase, not to an imported graph);",
             "- Mod of floats (integer Mod passes); sequences and optionals.", "",
             "Attention follows the pinned onnx release's function body and",
             "reference: a 3-D Q/K/V is reshaped straight to `[B, heads, S,",
             "hidden / heads]` and grouped K/V heads are tiled (query head `h`",
             "reads `h % kv_heads`). Without `softcap` or a `qk_matmul_output`",
             "it becomes one `aster.attention`.", ""]
    for root, count, totals, rows, deviations in sections:
        title = ("onnx %s (PyPI), opset %d" % (onnx.__version__,
                                              onnx.defs.onnx_opset_version())
                 if "site-packages" in root else "Debian libonnx-testdata (ONNX 1.12)")
        lines += ["## %s" % title, "", "`%s`" % root.split("site-packages/")[-1], "",
                  "%d tests: %d pass, %d unsupported, %d deviate (documented "
                  "below), %d fail." % (count, totals["pass"],
                                        totals["unsupported"],
                                        totals["deviates"], totals["fail"]),
                  "",
                  "| op | tests | pass | unsupported | deviates | fail |",
                  "|----|------:|-----:|------------:|---------:|-----:|"]
        for op in sorted(rows, key=lambda o: (-rows[o]["pass"], o)):
            r = rows[op]
            lines.append("| %s | %d | %d | %d | %d | %d |" % (
                op, sum(r.values()), r["pass"], r["unsupported"],
                r["deviates"], r["fail"]))
        lines.append("")
        for name, why in deviations:
            lines.append("- `%s` deviates: %s." % (name, why))
        lines.append("")
    with open(path, "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
