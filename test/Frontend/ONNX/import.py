# RUN: %python %s
"""The ONNX importer on models built here with onnx.helper: a small
transformer-like graph with initializers (parameters whose values are
written beside the IR and run through --weights), symbolic dimensions fixed
by --batch/--seq, shape arithmetic folded to constants, and one clear
diagnostic for every malformed or unsupported model."""

import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import aster_check

TOOLS = aster_check.TOOLS_DIR
tmp = tempfile.mkdtemp()
rng = np.random.default_rng(3)


def tool(name, *args):
    return subprocess.run([os.path.join(TOOLS, name)] + list(args),
                          capture_output=True, text=True)


def save(model, name):
    path = os.path.join(tmp, name + ".onnx")
    onnx.save(model, path)
    return path


expect_error = aster_check.expect_one_line_error


def model_of(nodes, inputs, outputs, initializers=(), opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def block():
    """x[batch, seq, 8] -> softmax(layer_norm(x @ W + b) reshaped via Shape)."""
    w = rng.standard_normal((8, 6)).astype(np.float32)
    bias = rng.standard_normal(6).astype(np.float32)
    scale = rng.standard_normal(6).astype(np.float32)
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["h"]),
        helper.make_node("Add", ["h", "bias"], ["hb"]),
        helper.make_node("LayerNormalization", ["hb", "scale"], ["n"],
                         axis=-1, epsilon=1e-5),
        # Shape arithmetic a static compiler folds: shape(n)[0:2] ++ [2, 3].
        helper.make_node("Shape", ["n"], ["s"]),
        helper.make_node("Slice", ["s", "zero", "two"], ["s2"]),
        helper.make_node("Concat", ["s2", "tail"], ["target"], axis=0),
        helper.make_node("Reshape", ["n", "target"], ["r"]),
        helper.make_node("Softmax", ["r"], ["y"], axis=-1),
    ]
    inits = [numpy_helper.from_array(w, "w"),
             numpy_helper.from_array(bias, "bias"),
             numpy_helper.from_array(scale, "scale"),
             numpy_helper.from_array(np.array([0], np.int64), "zero"),
             numpy_helper.from_array(np.array([2], np.int64), "two"),
             numpy_helper.from_array(np.array([2, 3], np.int64), "tail")]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                      ["batch_size", "sequence_length", 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    return model_of(nodes, [x], [y], inits), (w, bias, scale)


def reference(x, w, bias, scale):
    h = x @ w + bias
    mu = h.mean(-1, keepdims=True)
    n = (h - mu) / np.sqrt(((h - mu) ** 2).mean(-1, keepdims=True) + 1e-5) * scale
    r = n.reshape(n.shape[0], n.shape[1], 2, 3)
    e = np.exp(r - r.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def main():
    model, (w, bias, scale) = block()
    path = save(model, "block")
    out = os.path.join(tmp, "block.mlir")
    proc = tool("aster-compile", path, "--batch", "3", "--seq", "5", "-o", out)
    if proc.returncode != 0:
        print("FAIL import: " + proc.stderr)
        sys.exit(1)
    text = open(out).read()
    # Parameters carry the initializer names; the shape arithmetic is gone.
    for needle in ['aster.name = "w"', 'aster.name = "scale"',
                   'aster.data = "x"', "tensor<3x5x8xf32>"]:
        if needle not in text:
            print("FAIL: %r not in the imported IR:\n%s" % (needle, text))
            sys.exit(1)
    if "aster.concat" in text or "aster.slice" in text:
        print("FAIL: shape arithmetic was not folded:\n" + text)
        sys.exit(1)
    x = rng.standard_normal((3, 5, 8)).astype(np.float32)
    np.save(os.path.join(tmp, "x.npy"), x)
    proc = tool("aster-reference", out, "--weights",
                os.path.join(tmp, "block.safetensors"), "-i",
                "x=" + os.path.join(tmp, "x.npy"), "-o", os.path.join(tmp, "o"))
    if proc.returncode != 0:
        print("FAIL run: " + proc.stderr)
        sys.exit(1)
    actual = np.load(os.path.join(tmp, "o", "result0.npy"))
    aster_check.assert_close(actual, reference(
        *(a.astype(np.float64) for a in (x, w, bias, scale))), rtol=1e-9,
        atol=1e-12, what="imported block")

    # Decomposed GELU and LayerNormalization, as exporters write them, are
    # raised to aster.gelu and aster.layer_norm, with the same numbers.
    x3 = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 6])
    y3 = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    gamma = rng.standard_normal(6).astype(np.float32)
    beta = rng.standard_normal(6).astype(np.float32)
    consts = [numpy_helper.from_array(np.array(v, np.float32), n) for n, v in
              [("sqrt2", np.sqrt(2.0)), ("one", 1.0), ("half", 0.5),
               ("two", 2.0), ("eps", 1e-5)]]
    nodes = [
        helper.make_node("Div", ["x", "sqrt2"], ["z"]),
        helper.make_node("Erf", ["z"], ["e"]),
        helper.make_node("Add", ["e", "one"], ["a"]),
        helper.make_node("Mul", ["x", "a"], ["m"]),
        helper.make_node("Mul", ["m", "half"], ["g"]),
        helper.make_node("ReduceMean", ["g"], ["mu"], axes=[-1]),
        helper.make_node("Sub", ["g", "mu"], ["d"]),
        helper.make_node("Pow", ["d", "two"], ["sq"]),
        helper.make_node("ReduceMean", ["sq"], ["var"], axes=[-1]),
        helper.make_node("Add", ["var", "eps"], ["ve"]),
        helper.make_node("Sqrt", ["ve"], ["s"]),
        helper.make_node("Div", ["d", "s"], ["n"]),
        helper.make_node("Mul", ["n", "gamma"], ["ng"]),
        helper.make_node("Add", ["ng", "beta"], ["y"]),
    ]
    raised = model_of(nodes, [x3], [y3], consts + [
        numpy_helper.from_array(gamma, "gamma"),
        numpy_helper.from_array(beta, "beta")], opset=13)
    out = os.path.join(tmp, "raised.mlir")
    proc = tool("aster-compile", save(raised, "raised"), "-o", out)
    if proc.returncode != 0:
        print("FAIL raised import: " + proc.stderr)
        sys.exit(1)
    text = open(out).read()
    body = text[text.index("{\n"):]
    if "aster.gelu" not in body or "aster.layer_norm" not in body or \
            "aster.erf" in body or "aster.sqrt" in body:
        print("FAIL: the decomposed ops were not raised:\n" + text)
        sys.exit(1)
    xv = rng.standard_normal((4, 6)).astype(np.float32)
    np.save(os.path.join(tmp, "x3.npy"), xv)
    proc = tool("aster-reference", out, "--weights",
                os.path.join(tmp, "raised.safetensors"), "-i",
                "x=" + os.path.join(tmp, "x3.npy"), "-o", os.path.join(tmp, "o3"))
    if proc.returncode != 0:
        print("FAIL raised run: " + proc.stderr)
        sys.exit(1)
    from math import erf
    x64 = xv.astype(np.float64)
    g = 0.5 * x64 * (1 + np.vectorize(erf)(x64 / np.sqrt(2)))
    mu = g.mean(-1, keepdims=True)
    ref = (g - mu) / np.sqrt(((g - mu) ** 2).mean(-1, keepdims=True) + 1e-5)
    # The raised ops use the exact constants; the graph's f32 sqrt(2) and
    # eps differ by their rounding, far below this tolerance.
    aster_check.assert_close(np.load(os.path.join(tmp, "o3", "result0.npy")),
                             ref * gamma.astype(np.float64) +
                             beta.astype(np.float64), rtol=1e-6, atol=1e-9,
                             what="raised GELU and layer norm")

    # Errors.
    expect_error(tool("aster-compile", path, "--batch", "3"),
                 "input 'x': unsupported: dynamic dimension 'sequence_length' "
                 "is not fixed by --batch or --seq", "dynamic dims")
    expect_error(tool("aster-compile", path, "--batch", "3", "--seq", "5"),
                 "floating-point initializers are parameters; give -o FILE",
                 "parameters need -o")
    garbage = os.path.join(tmp, "garbage.onnx")
    with open(garbage, "wb") as f:
        f.write(b"\xff\xff\xff\xff not a protobuf")
    expect_error(tool("aster-compile", garbage),
                 "not a valid ONNX model (the protobuf does not parse)", "garbage")
    truncated = os.path.join(tmp, "truncated.onnx")
    with open(path, "rb") as f:
        data = f.read()
    with open(truncated, "wb") as f:
        f.write(data[:len(data) // 2])
    proc = tool("aster-compile", truncated, "--seq", "5", "-o", os.devnull)
    if proc.returncode != 1 or len(proc.stderr.strip().splitlines()) != 1:
        print("FAIL truncated: %d %s" % (proc.returncode, proc.stderr))
        sys.exit(1)
    aster_check.checks += 1

    x2 = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])
    y2 = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    cases = [
        ("conv", [helper.make_node("Conv", ["x", "x"], ["y"], name="c0")],
         [x2], "node 'c0' (Conv): unsupported op 'Conv'"),
        ("attribute", [helper.make_node("Softmax", ["x"], ["y"], axis=1,
                                        fancy=2)],
         [x2], "(Softmax): unsupported attribute 'fancy'"),
        ("double", [helper.make_node("Relu", ["x"], ["y"])],
         [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [2])],
         "input 'x': unsupported element type DOUBLE"),
        ("undefined", [helper.make_node("Relu", ["nowhere"], ["y"])], [x2],
         "(Relu): input 'nowhere' is not defined"),
        ("dynamic-shape", [helper.make_node("Reshape", ["x", "s"], ["y"])],
         [x2, helper.make_tensor_value_info("s", TensorProto.INT64, [1])],
         "(Reshape): unsupported: input 'shape' must be a constant"),
        ("domain", [helper.make_node("Gelu", ["x"], ["y"], domain="com.microsoft")],
         [x2], "unsupported: operator domain 'com.microsoft'"),
        ("bad-axis", [helper.make_node("Softmax", ["x"], ["y"], axis=5)], [x2],
         "(Softmax): axis 5 is out of range for rank 2"),
    ]
    for name, nodes, inputs, substring in cases:
        p = save(model_of(nodes, inputs, [y2]), name)
        expect_error(tool("aster-compile", p, "-o", os.devnull), substring, name)
    no_opset = helper.make_model(helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])], "g", [x2], [y2]),
        opset_imports=[helper.make_opsetid("ai.onnx.ml", 3)])
    expect_error(tool("aster-compile", save(no_opset, "no-opset")),
                 "unsupported: no opset of the default (ai.onnx) domain",
                 "no opset")
    attention_is_raised()
    aster_check.done("onnx import")


def attention_is_raised():
    """GPT-2's eager attention as torch.onnx exports it (q @ k^T, / sqrt(d),
    Where(causal, scores, finfo.min), Softmax, @ v) becomes one
    aster.attention with the same numbers; queries of another head count
    (MQA) broadcast through the matmuls."""
    b, h, s, d = 2, 3, 5, 8
    causal = np.tril(np.ones((s, s), bool)).reshape(1, 1, s, s)
    q = helper.make_tensor_value_info("q", TensorProto.FLOAT, [b, h, s, d])
    k = helper.make_tensor_value_info("k", TensorProto.FLOAT, [b, 1, s, d])
    v = helper.make_tensor_value_info("v", TensorProto.FLOAT, [b, 1, s, d])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    consts = [numpy_helper.from_array(causal, "causal"),
              numpy_helper.from_array(np.array(np.sqrt(d), np.float32), "sd"),
              numpy_helper.from_array(
                  np.array(np.finfo(np.float32).min, np.float32), "min")]
    nodes = [
        helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 1, 3, 2]),
        helper.make_node("MatMul", ["q", "kt"], ["qk"]),
        helper.make_node("Div", ["qk", "sd"], ["w"]),
        helper.make_node("Where", ["causal", "w", "min"], ["m"]),
        helper.make_node("Softmax", ["m"], ["p"], axis=-1),
        helper.make_node("MatMul", ["p", "v"], ["y"]),
    ]
    path = save(model_of(nodes, [q, k, v], [y], consts), "attention")
    out = os.path.join(tmp, "attention.mlir")
    proc = tool("aster-compile", path, "-o", out)
    if proc.returncode != 0:
        print("FAIL attention import: " + proc.stderr)
        sys.exit(1)
    text = open(out).read()
    if "aster.attention" not in text or "aster.softmax" in text or \
            "causal" not in text:
        print("FAIL: attention was not raised:\n" + text)
        sys.exit(1)
    arrays = {"q": rng.standard_normal((b, h, s, d)),
              "k": rng.standard_normal((b, 1, s, d)),
              "v": rng.standard_normal((b, 1, s, d))}
    args = []
    for name, a in arrays.items():
        arrays[name] = a.astype(np.float32)
        np.save(os.path.join(tmp, name + ".npy"), arrays[name])
        args += ["-i", "%s=%s" % (name, os.path.join(tmp, name + ".npy"))]
    proc = tool("aster-reference", out, *args, "-o", os.path.join(tmp, "oa"))
    if proc.returncode != 0:
        print("FAIL attention run: " + proc.stderr)
        sys.exit(1)
    q64, k64, v64 = (arrays[n].astype(np.float64) for n in "qkv")
    scores = q64 @ np.swapaxes(k64, -1, -2) / float(np.float32(np.sqrt(d)))
    scores = np.where(causal, scores, -np.inf)
    p = np.exp(scores - scores.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    # The graph divides by sqrt(8) rounded to f32; the raised op scales by
    # the reciprocal of that, in f64.
    aster_check.assert_close(np.load(os.path.join(tmp, "oa", "result0.npy")),
                             p @ v64, rtol=1e-12, atol=1e-14,
                             what="raised attention")


main()
