# REQUIRES: gpu, cuda-toolkit
# RUN: %python %s
"""Tiny GPT-2 and tiny LLaMA compiled for a GPU, against the reference
interpreter (f64) and the CPU bundle on the same seeded weights and tokens:
the forward logits and three chained @train_step steps (loss and updated
parameters) in f32, and the forward and a step in bf16 mixed precision.
Every kernel family the models use runs: matmul with epilogues, row
reductions (layer/RMS norm, softmax, cross-entropy), elementwise, gather
(embedding), copies and fills. Result buffers are poisoned with NaN before
each call (ASTER_POISON_RESULTS), so an output a kernel forgets to write
fails the check. The seed is fresh each run and printed.

Tolerances, relative to each tensor's largest value: f32 1e-5 (logits,
losses), bf16 1e-2; parameters after an AdamW step as in cpu_models.py.

The check runs in two halves so that the GPU machine needs no compiler:
  gpu_models.py --prepare DIR --target sm_90   (compiler machine)
  gpu_models.py --run DIR [--tools BIN]        (GPU machine: aster-run only)
Without arguments (lit, where a GPU is present) it does both in a
temporary folder for the GPU it finds."""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import safetensors_io as st  # noqa: E402
from gpu_cases import T, op_cases  # noqa: E402

EXAMPLES = os.path.join(HERE, "..", "..", "examples")
LR = 1e-3
ST_DTYPE = {np.dtype(np.float64): "F64", np.dtype(np.float32): "F32",
            np.dtype(np.int64): "I64", np.dtype(np.int32): "I32"}


def tools_dir(given=None):
    return given or os.environ.get(
        "ASTER_TOOLS_DIR", os.path.join(HERE, "..", "..", "build", "bin"))


def sh(*args, env=None):
    proc = subprocess.run(list(args), capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit("FAILED: %s\n%s%s" % (" ".join(args), proc.stdout,
                                                proc.stderr))
    return proc.stdout


def numbered(folder, stem):
    names = [n for n in os.listdir(folder) if n.startswith(stem) and n.endswith(".npy")]
    names.sort(key=lambda n: int(n[len(stem):-4]))
    return [np.load(os.path.join(folder, n)) for n in names]


def narrow(a):
    """f64 from the interpreter as f32: what the bundles take and return
    (its rounding is far below every tolerance), at half the size."""
    return a.astype(np.float32) if a.dtype == np.float64 else a


def save_inputs(path, arrays):
    st.write(path, [("arg%d" % i, ST_DTYPE[narrow(a).dtype], narrow(a))
                    for i, a in enumerate(arrays)])


def prepare(folder, target, seed, bin_dir):
    """Compiles the bundles, runs the interpreter and the CPU bundle, and
    writes DIR/manifest.json describing every GPU call to check."""
    tool = lambda name, *a: sh(os.path.join(bin_dir, name), *a)
    os.makedirs(folder, exist_ok=True)
    cases = []
    for k, (name, args, body, results) in enumerate(op_cases(np.random.default_rng(seed))):
        tag = "op%d" % k
        sig = ", ".join("%%a%d: %s" % (i, T(a.shape, e)) for i, (a, e) in enumerate(args))
        rtypes = ", ".join(T(sh_, e) for _, sh_, e in results)
        ir = os.path.join(folder, tag + ".mlir")
        with open(ir, "w") as f:
            f.write("func.func @forward(%s) -> (%s) {\n%s\n  return %s : %s\n}\n" % (
                sig, rtypes, body, ", ".join("%" + n for n, _, _ in results), rtypes))
        for t in ("cpu", target):
            tool("aster-compile", ir, "--target=" + t, "-o",
                 os.path.join(folder, "%s-%s" % (tag, t)))
        ref_args = [ir, "--seed", str(seed), "-o", os.path.join(folder, tag + "-ref")]
        for i, (a, _) in enumerate(args):
            path = os.path.join(folder, "%s-arg%d.npy" % (tag, i))
            np.save(path, a)
            ref_args += ["-i", "%d=%s" % (i, path)]
        tool("aster-reference", *ref_args)
        want = numbered(os.path.join(folder, tag + "-ref"), "result")
        save_inputs(os.path.join(folder, tag + ".in.safetensors"), [a for a, _ in args])
        tool("aster-run", os.path.join(folder, tag + "-cpu"), "--call", "forward",
             "--inputs", os.path.join(folder, tag + ".in.safetensors"),
             "--outputs", os.path.join(folder, tag + ".cpu.safetensors"))
        for i, w in enumerate(want):
            np.save(os.path.join(folder, "%s.want%d.npy" % (tag, i)), narrow(w))
        bf16 = any(e == "bf16" for _, _, e in results)
        cases.append({"name": tag + " " + name, "file": tag, "bundle": "%s-%s" % (tag, target),
                      "entry": "forward", "kind": "op",
                      "dtype": "bfloat16" if bf16 else "float32",
                      "results": len(want)})
    for model in ("tiny-gpt2", "tiny-llama"):
        for dtype in ("float32", "bfloat16"):
            tag = "%s-%s" % (model, dtype[:4] if dtype == "bfloat16" else "f32")
            ir = os.path.join(folder, tag + ".mlir")
            config = os.path.join(EXAMPLES, model, "config.json")
            common = [config, "--train", "--dtype=" + dtype, "--batch", "2",
                      "--seq", "8", "--lr", str(LR)]
            tool("aster-compile", *common, "--compile-to=train", "-o", ir)
            for t in ("cpu", target):
                tool("aster-compile", *common, "--target=" + t, "-o",
                     os.path.join(folder, "%s-%s" % (tag, t)))

            def reference(entry, name, inputs=None):
                out, dump = (os.path.join(folder, name + "-ref"),
                             os.path.join(folder, name + "-in"))
                args = [ir, "--entry", entry, "--seed", str(seed), "-o", out,
                        "--dump-inputs", dump]
                for i, a in enumerate(inputs or []):
                    path = os.path.join(folder, "%s-arg%d.npy" % (name, i))
                    np.save(path, a)
                    args += ["-i", "%d=%s" % (i, path)]
                tool("aster-reference", *args)
                ins = numbered(dump, "arg")
                save_inputs(os.path.join(folder, name + ".in.safetensors"), ins)
                return ins, numbered(out, "result")

            def case(entry, name, want, kind):
                cpu_out = os.path.join(folder, name + ".cpu.safetensors")
                tool("aster-run", os.path.join(folder, tag + "-cpu"), "--call",
                     entry, "--inputs", os.path.join(folder, name + ".in.safetensors"),
                     "--outputs", cpu_out)
                for i, w in enumerate(want):
                    np.save(os.path.join(folder, "%s.want%d.npy" % (name, i)),
                            narrow(w))
                cases.append({"name": name, "file": name,
                              "bundle": "%s-%s" % (tag, target),
                              "entry": entry, "kind": kind, "dtype": dtype,
                              "results": len(want)})

            _, want = reference("forward", tag + "-forward")
            case("forward", tag + "-forward", want, "forward")
            state, _ = reference("train_step", tag + "-step0")
            steps = 3 if dtype == "float32" else 1
            for step in range(steps):
                state[-1] = np.array(step, np.int64)
                args = [s.astype(np.float32) if s.dtype == np.float64 else s
                        for s in state]
                name = "%s-step%d" % (tag, step + 1)
                _, want = reference("train_step", name, args)
                case("train_step", name, want, "step")
                state = [w for w in want[1:]] + state[-2:]
    # Keep what the GPU half reads: the GPU bundles, inputs, results.
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        keep = (name.endswith("-" + target) or name.endswith(".safetensors")
                or ".want" in name)
        if not keep:
            sh("rm", "-rf", path)
    manifest = {"target": target, "seed": seed, "lr": LR, "cases": cases}
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print("prepared %d GPU calls for %s in %s (seed %d)" % (len(cases), target,
                                                            folder, seed))


def compare(got, want, rtol):
    """The largest error relative to the reference's largest value."""
    scale = max(float(np.max(np.abs(want))), 1e-30)
    if not np.all(np.isfinite(got)):
        return float("inf")
    return float(np.max(np.abs(got.astype(np.float64) - want))) / scale


def check_step_params(got, want, lr):
    """cpu_models.py's AdamW rule: 1% of lr, 1 element in 1,000 up to 2 lr."""
    wild = np.abs(got - want) > 1e-2 * lr + 1e-5 * np.abs(want)
    if wild.sum() > max(1, want.size // 1000):
        return False
    return bool(np.all(np.abs(got - want) <= 2 * lr + 1e-5 * np.abs(want)))


def run(folder, bin_dir):
    with open(os.path.join(folder, "manifest.json")) as f:
        manifest = json.load(f)
    env = dict(os.environ, ASTER_POISON_RESULTS="1")
    failures, rows = 0, []
    for c in manifest["cases"]:
        out = os.path.join(folder, c["file"] + ".gpu.safetensors")
        start = time.time()
        sh(os.path.join(bin_dir, "aster-run"), os.path.join(folder, c["bundle"]),
           "--call", c["entry"], "--inputs",
           os.path.join(folder, c["file"] + ".in.safetensors"), "--outputs", out,
           env=env)
        seconds = time.time() - start
        got = st.read(out)
        cpu = st.read(os.path.join(folder, c["file"] + ".cpu.safetensors"))
        rtol = 1e-5 if c["dtype"] == "float32" else 1e-2
        ok = True
        worst_ref = worst_cpu = 0.0
        for i in range(c["results"]):
            want = np.load(os.path.join(folder, "%s.want%d.npy" % (c["file"], i)))
            want = want.astype(np.float64)
            g = got["result%d" % i]
            if c["kind"] == "step" and i > 0:
                if c["dtype"] == "float32" and i <= (c["results"] - 1) // 3:
                    ok &= check_step_params(g, want, manifest["lr"])
                elif not np.all(np.isfinite(g)):
                    ok = False
                continue
            e_ref = compare(g, want, rtol)
            e_cpu = compare(g, cpu["result%d" % i], rtol)
            worst_ref, worst_cpu = max(worst_ref, e_ref), max(worst_cpu, e_cpu)
            ok &= e_ref <= rtol and e_cpu <= 2 * rtol
        failures += not ok
        rows.append((c["name"], worst_ref, worst_cpu, seconds, ok))
    print("%-32s %12s %12s %8s  %s" % ("call", "err vs ref", "err vs cpu", "s", ""))
    for name, r, p, s, ok in rows:
        print("%-32s %12.2e %12.2e %8.2f  %s" % (name, r, p, s, "ok" if ok else "FAIL"))
    print("%s: %d of %d GPU calls match (seed %d)" % (
        manifest["target"], len(rows) - failures, len(rows), manifest["seed"]))
    return failures == 0


def local_target():
    """sm_XY of the first NVIDIA GPU here, from nvidia-smi."""
    proc = subprocess.run(["nvidia-smi", "--query-gpu=compute_cap",
                           "--format=csv,noheader"], capture_output=True, text=True)
    cap = proc.stdout.split()[0] if proc.returncode == 0 and proc.stdout.split() else ""
    return "sm_" + cap.replace(".", "") if cap else None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--prepare")
    p.add_argument("--run")
    p.add_argument("--target")
    p.add_argument("--tools")
    p.add_argument("--seed", type=int)
    a = p.parse_args()
    seed = a.seed if a.seed is not None else int(time.time()) % 100000
    if a.prepare:
        prepare(a.prepare, a.target or "sm_90", seed, tools_dir(a.tools))
    if a.run:
        sys.exit(0 if run(a.run, tools_dir(a.tools)) else 1)
    if not a.prepare and not a.run:
        target = a.target or local_target()
        if not target:
            print("no NVIDIA GPU: nothing to check")
            return
        folder = tempfile.mkdtemp()
        prepare(folder, target, seed, tools_dir(a.tools))
        sys.exit(0 if run(folder, tools_dir(a.tools)) else 1)


if __name__ == "__main__":
    main()
