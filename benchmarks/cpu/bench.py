#!/usr/bin/env python3
"""CPU performance of Aster's generated code beside numpy's BLAS, measured
in the same run on the same machine. Prints a table (markdown):

  * f32 matmul GFLOP/s, A @ B and A @ B^T: a compiled `aster.matmul`
    (aster-cpu-to-llvm: tiled, vectorized, OpenMP threads; clang -O2
    -march=native, as bundles are) against numpy.matmul;
  * training tokens/s of compiled steps (aster-run on bundles): tiny GPT-2
    and, with --gpt2-small, GPT-2 small (124M parameters; about 2 minutes
    to compile and 8 s a step on 2 cores). The PyTorch baseline for
    these rows is benchmarks/cpu/torch_step.py (run it beside this script).

  .venv/bin/python benchmarks/cpu/bench.py [--tools build/bin] [--sizes 256 512]
      [--model examples/tiny-gpt2/config.json --batch 8 --seq 64 --steps 5]
      [--gpt2-small]

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
    ap.add_argument("--gpt2-small", action="store_true",
                    help="also GPT-2 small, batch 4 x seq 128, 2 steps")
    args = ap.parse_args()
    os.environ["ASTER_TOOLS_DIR"] = os.path.abspath(args.tools)
    import cpu_run

    print("machine: %s, %d CPUs, numpy %s" % (platform.processor() or platform.machine(),
                                               os.cpu_count(), np.__version__))
    print()
    print("| f32 matmul n x n x n | Aster GFLOP/s | numpy (BLAS) GFLOP/s | Aster / numpy |")
    print("|---|---:|---:|---:|")
    rng = np.random.default_rng(0)
    for transposed in (False, True):
        for n in args.sizes:
            text = ("func.func @f(%%a: tensor<%dx%dxf32>, %%b: tensor<%dx%dxf32>) -> tensor<%dx%dxf32> {\n"
                    "  %%c = aster.matmul %%a, %%b%s : tensor<%dx%dxf32>, tensor<%dx%dxf32> -> tensor<%dx%dxf32>\n"
                    "  return %%c : tensor<%dx%dxf32>\n}\n") % (
                        (n,) * 6 + (" transpose_rhs" if transposed else "",) + (n,) * 8)
            so = cpu_run.compile_so(text, opt="-O2")
            a = rng.standard_normal((n, n)).astype(np.float32)
            b = rng.standard_normal((n, n)).astype(np.float32)
            got = cpu_run.call(so, "f", [a, b], [((n, n), "f32")])[0]
            want = a @ (b.T if transposed else b)
            assert np.abs(got - want).max() <= 1e-3 * np.abs(want).max(), "wrong product"
            repeats = 5 if n >= 512 else 10
            t_aster = best_of(lambda: cpu_run.call(so, "f", [a, b], [((n, n), "f32")]), repeats)
            bt = np.ascontiguousarray(b.T)
            t_numpy = best_of(lambda: a @ (bt.T if transposed else b), 10)
            flops = 2.0 * n ** 3
            print("| %d%s | %.1f | %.1f | %.2f |" % (
                n, " (B^T)" if transposed else "", flops / t_aster / 1e9,
                flops / t_numpy / 1e9, t_numpy / t_aster))
    print()
    runs = [(args.model, args.batch, args.seq, args.steps + 1)]
    if args.gpt2_small:
        runs.append((os.path.join(HERE, "..", "..", "examples", "gpt2", "config.json"),
                     4, 128, 3))
    print("| training step | tokens per step | compile s | Aster tokens/s (median after step 1) | step s |")
    print("|---|---:|---:|---:|---:|")
    for model, batch, seq, steps in runs:
        tmp = tempfile.mkdtemp()
        bundle = os.path.join(tmp, "bundle")
        start = time.perf_counter()
        subprocess.run([os.path.join(args.tools, "aster-compile"), model, "--train",
                        "--batch", str(batch), "--seq", str(seq), "--dtype=float32",
                        "--target=cpu", "-o", bundle], check=True, capture_output=True)
        compile_s = time.perf_counter() - start
        out = subprocess.run([os.path.join(args.tools, "aster-run"), bundle, "--steps",
                              str(steps)], check=True, capture_output=True, text=True).stdout
        # The first step touches the arena's and the optimizer state's pages
        # for the first time: a warm-up, left out.
        rates = [float(x) for x in re.findall(r"(\d+) tokens/s", out)][1:]
        rate = float(np.median(rates))
        print("| %s, f32, batch %d x seq %d | %d | %.0f | %.0f | %.2f |" % (
            os.path.basename(os.path.dirname(model)), batch, seq, batch * seq,
            compile_s, rate, batch * seq / rate))


if __name__ == "__main__":
    main()
