#!/usr/bin/env python3
"""CPU performance of Aster's generated code beside numpy's BLAS, measured
in the same run on the same machine. Prints a table (markdown):

  * f32 matmul GFLOP/s: a compiled `aster.matmul` (convert-aster-to-linalg,
    aster-cpu-to-llvm, clang -O1: untiled loops today) against numpy.matmul;
  * training tokens/s of a compiled GPT-2 step (aster-run on a bundle).

  .venv/bin/python benchmarks/cpu/bench.py [--tools build/bin] [--sizes 256 512]
      [--model examples/tiny-gpt2/config.json --batch 8 --seq 64 --steps 5]

Report, do not assert: docs/performance.md records the figures."""

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "lib"))


def best_of(fn, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tools", default=os.path.join(HERE, "..", "..", "build", "bin"))
    ap.add_argument("--sizes", type=int, nargs="+", default=[128, 256, 512])
    ap.add_argument("--model", default=os.path.join(HERE, "..", "..", "examples",
                                                    "tiny-gpt2", "config.json"))
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--steps", type=int, default=5)
    args = ap.parse_args()
    os.environ["ASTER_TOOLS_DIR"] = os.path.abspath(args.tools)
    import cpu_run

    print("machine: %s, %d CPUs, numpy %s" % (platform.processor() or platform.machine(),
                                               os.cpu_count(), np.__version__))
    print()
    print("| f32 matmul n x n x n | Aster GFLOP/s | numpy (BLAS) GFLOP/s | Aster / numpy |")
    print("|---:|---:|---:|---:|")
    rng = np.random.default_rng(0)
    for n in args.sizes:
        text = ("func.func @f(%%a: tensor<%dx%dxf32>, %%b: tensor<%dx%dxf32>) -> tensor<%dx%dxf32> {\n"
                "  %%c = aster.matmul %%a, %%b : tensor<%dx%dxf32>, tensor<%dx%dxf32> -> tensor<%dx%dxf32>\n"
                "  return %%c : tensor<%dx%dxf32>\n}\n") % ((n,) * 14)
        so = cpu_run.compile_so(text)
        a = rng.standard_normal((n, n)).astype(np.float32)
        b = rng.standard_normal((n, n)).astype(np.float32)
        repeats = 3 if n >= 512 else 5
        t_aster = best_of(lambda: cpu_run.call(so, "f", [a, b], [((n, n), "f32")]), repeats)
        t_numpy = best_of(lambda: a @ b, 10)
        flops = 2.0 * n ** 3
        print("| %d | %.2f | %.2f | %.3f |" % (n, flops / t_aster / 1e9, flops / t_numpy / 1e9,
                                            t_numpy / t_aster))
    print()
    tmp = tempfile.mkdtemp()
    bundle = os.path.join(tmp, "bundle")
    subprocess.run([os.path.join(args.tools, "aster-compile"), args.model, "--train",
                    "--batch", str(args.batch), "--seq", str(args.seq), "--dtype=float32",
                    "--target=cpu", "-o", bundle], check=True, capture_output=True)
    out = subprocess.run([os.path.join(args.tools, "aster-run"), bundle, "--steps",
                          str(args.steps)], check=True, capture_output=True, text=True).stdout
    rates = [float(x) for x in re.findall(r"(\d+) tokens/s", out)]
    print("| training step | tokens per step | Aster tokens/s (median of %d) |" % len(rates))
    print("|---|---:|---:|")
    print("| %s, f32, batch %d x seq %d | %d | %.0f |" % (
        os.path.basename(os.path.dirname(args.model)), args.batch, args.seq,
        args.batch * args.seq, float(np.median(rates))))


if __name__ == "__main__":
    main()
