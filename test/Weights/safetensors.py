# RUN: %python %s %aster_src_root/examples
"""Checkpoints in safetensors (written here by test/lib/safetensors_io.py,
from the specification) drive aster-reference --weights and aster-compile
--weights: F32/F16/BF16/F64 tensors, base-model key prefixes, sharded
checkpoints with an index, --save-params round trips, and one clear error
for every malformed or mismatched checkpoint."""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np

import aster_check
import reference_models
import safetensors_io

EXAMPLES = sys.argv[1]
TOOLS = aster_check.TOOLS_DIR
BATCH, SEQ = 2, 7


def tool(name, *args):
    return subprocess.run([os.path.join(TOOLS, name)] + list(args),
                          capture_output=True, text=True)


def expect_ok(proc, what):
    if proc.returncode != 0:
        print("FAIL %s: exit %d\n%s" % (what, proc.returncode, proc.stderr))
        sys.exit(1)


expect_error = aster_check.expect_one_line_error


def main():
    tmp = tempfile.mkdtemp()
    with open(os.path.join(EXAMPLES, "tiny-gpt2", "config.json")) as f:
        config = json.load(f)
    model = os.path.join(tmp, "gpt2.mlir")
    expect_ok(tool("aster-compile", os.path.join(EXAMPLES, "tiny-gpt2"),
                   "--batch", str(BATCH), "--seq", str(SEQ), "-o", model),
              "import")
    seeded, (tokens,), _ = aster_check.run_seeded_model(model, 0)
    tokens_path = os.path.join(tmp, "tokens.npy")
    np.save(tokens_path, tokens)
    rng = np.random.default_rng(1)
    params = {n: rng.standard_normal(v.shape) * 0.3 + (n.endswith("ln_1.weight"))
              for n, v in seeded.items()}
    token_arg = "%d=%s" % (len(params), tokens_path)

    def run_with(path, *extra):
        out = os.path.join(tmp, "out")
        proc = tool("aster-reference", model, "--weights", path, "-i",
                    token_arg, "-o", out, *extra)
        expect_ok(proc, "aster-reference --weights " + path)
        return proc, np.load(os.path.join(out, "result0.npy"))

    # Every float dtype, converted to the model's f32 once from the file.
    for dtype in ["F32", "F64", "F16", "BF16"]:
        path = os.path.join(tmp, "model-%s.safetensors" % dtype)
        safetensors_io.write(path, [(n, dtype, v) for n, v in params.items()])
        stored = safetensors_io.read(path)
        values = {n: stored[n].astype(np.float32).astype(np.float64)
                  for n in params}
        _, logits = run_with(path)
        aster_check.assert_close(logits, reference_models.gpt2(
            values, tokens, config), rtol=1e-9, atol=1e-12,
            what="logits with %s weights" % dtype)

    # A base-model checkpoint (no "transformer." prefix) with the buffers and
    # tied head copy HF checkpoints carry: they are named in a warning.
    path = os.path.join(tmp, "base.safetensors")
    entries = [(n[len("transformer."):], "F32", v) for n, v in params.items()]
    entries += [("h.0.attn.bias", "F32", np.ones((1, 1, 8, 8))),
                ("lm_head.weight", "F32", params["transformer.wte.weight"])]
    safetensors_io.write(path, entries)
    proc, logits = run_with(path)
    expected = reference_models.gpt2(
        {n: v.astype(np.float32).astype(np.float64) for n, v in params.items()},
        tokens, config)
    aster_check.assert_close(logits, expected, rtol=1e-9, atol=1e-12,
                             what="base-model checkpoint")
    if "2 tensor(s) are not parameters" not in proc.stderr or \
            "h.0.attn.bias" not in proc.stderr:
        print("FAIL: expected a warning naming the unused tensors:\n" +
              proc.stderr)
        sys.exit(1)

    # Sharded: two files and an index; a directory holding them.
    shard_dir = os.path.join(tmp, "sharded")
    os.makedirs(shard_dir)
    names = sorted(params)
    weight_map = {}
    for k, part in enumerate([names[:9], names[9:]]):
        file = "model-%05d-of-00002.safetensors" % (k + 1)
        safetensors_io.write(os.path.join(shard_dir, file),
                             [(n, "F32", params[n]) for n in part])
        weight_map.update({n: file for n in part})
    with open(os.path.join(shard_dir, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": 0}, "weight_map": weight_map}, f)
    for path in [shard_dir, os.path.join(shard_dir, "model.safetensors.index.json")]:
        _, logits = run_with(path)
        aster_check.assert_close(logits, expected, rtol=1e-9, atol=1e-12,
                                 what="sharded checkpoint " + path)
    expect_ok(tool("aster-compile", os.path.join(EXAMPLES, "tiny-gpt2"),
                   "--seq", "4", "--weights", shard_dir, "-o",
                   os.path.join(tmp, "checked.mlir")), "aster-compile --weights")

    # --save-params writes what was used; reading it back gives the same.
    saved = os.path.join(tmp, "saved.safetensors")
    expect_ok(tool("aster-reference", model, "--seed", "3", "--save-params",
                   saved, "--dump-inputs", os.path.join(tmp, "dump")),
              "--save-params")
    stored = safetensors_io.read(saved)
    for i, name in enumerate(sorted(seeded, key=list(seeded).index)):
        dumped = np.load(os.path.join(tmp, "dump", "arg%d.npy" % i))
        aster_check.assert_equal(stored[name], dumped.astype(np.float64),
                                 "saved " + name)
    _, again = run_with(saved)
    proc = tool("aster-reference", model, "--seed", "3", "-i", token_arg,
                "-o", os.path.join(tmp, "seeded"))
    expect_ok(proc, "seeded run")
    aster_check.assert_equal(again, np.load(os.path.join(tmp, "seeded",
                                                         "result0.npy")),
                             "--save-params round trip")

    # Errors: one line naming the file and what is wrong.
    good = [(n, "F32", v) for n, v in params.items()]

    def bad(name, substring, tensors=good, override=None, raw=None):
        path = os.path.join(tmp, name + ".safetensors")
        if raw is not None:
            with open(path, "wb") as f:
                f.write(raw)
        else:
            safetensors_io.write(path, tensors, header_override=override)
        expect_error(tool("aster-reference", model, "--weights", path),
                     substring, name)
        expect_error(tool("aster-compile", os.path.join(EXAMPLES, "tiny-gpt2"),
                          "--batch", str(BATCH), "--seq", str(SEQ),
                          "--weights", path, "-o", os.devnull),
                     substring, name + " (aster-compile)")

    bad("missing", "has no tensor for 1 parameter(s): transformer.ln_f.bias",
        [t for t in good if t[0] != "transformer.ln_f.bias"])
    bad("shape", "tensor 'transformer.wte.weight' has shape [255, 64], "
        "parameter 'transformer.wte.weight' needs [256, 64]",
        [(n, d, v[:255] if n == "transformer.wte.weight" else v)
         for n, d, v in good])
    bad("int-dtype", "tensor 'transformer.ln_f.bias' is I32, parameter "
        "'transformer.ln_f.bias' needs floating point",
        [(n, "I32" if n == "transformer.ln_f.bias" else d, v) for n, d, v in good])
    bad("unknown-dtype", "has an unsupported dtype \"F8_E9\"", good,
        lambda h: h["transformer.ln_f.bias"].update(dtype="F8_E9"))
    bad("offsets", "bytes of data for shape [64] of F32", good,
        lambda h: h["transformer.ln_f.bias"].update(
            data_offsets=[h["transformer.ln_f.bias"]["data_offsets"][0],
                          h["transformer.ln_f.bias"]["data_offsets"][1] - 4]))
    bad("overlap", "overlaps", good,
        lambda h: h["transformer.ln_f.bias"].update(
            data_offsets=[0, 256]))
    bad("gap", "bytes of data after the last tensor",
        good + [("pad", "F32", np.zeros(3))],
        lambda h: h.pop("pad"))
    bad("outside", "fall outside the", good,
        lambda h: h["transformer.ln_f.bias"].update(
            data_offsets=[10 ** 12, 10 ** 12 + 256]))
    bad("shape-type", "must hold non-negative integers", good,
        lambda h: h["transformer.ln_f.bias"].update(shape=[-64]))
    bad("not-object", "needs dtype, shape and data_offsets", good,
        lambda h: h.update({"transformer.ln_f.bias": [1, 2]}))
    bad("short", "too short for a safetensors header", raw=b"\x01\x02")
    bad("huge-header", "exceeds the file", raw=b"\xff" * 8 + b"{}")
    bad("not-json", "the header is not a JSON object",
        raw=b"\x05\x00\x00\x00\x00\x00\x00\x00{oops")
    bad("truncated", "fall outside the",
        raw=open(os.path.join(tmp, "model-F32.safetensors"), "rb").read()[:-100])
    expect_error(tool("aster-reference", model, "--weights",
                      os.path.join(tmp, "nowhere.safetensors")),
                 "nowhere.safetensors: cannot open", "no file")
    expect_error(tool("aster-reference", model, "--weights", tmp + "/dump"),
                 "holds neither model.safetensors nor", "empty directory")
    index = os.path.join(shard_dir, "broken.index.json")
    with open(index, "w") as f:
        json.dump({"weight_map": {"transformer.wte.weight":
                                  "model-00001-of-00002.safetensors"}}, f)
    expect_error(tool("aster-reference", model, "--weights", index),
                 "weight_map puts 'transformer.wte.weight' in", "bad index")
    with open(index, "w") as f:
        json.dump({"weight_map": {"a": "../../etc/passwd"}}, f)
    expect_error(tool("aster-reference", model, "--weights", index),
                 "not a file beside the index", "escaping index")
    aster_check.done("safetensors")


main()
