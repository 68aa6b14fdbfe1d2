"""GPU benchmark: Aster's kernels beside PyTorch eager and torch.compile on
the same card, in one run. Prints one table.

  python3 benchmarks/gpu/bench.py --prepare DIR [--target sm_90] [--quick]
      on the compiler machine: writes the Aster bundles into DIR
  python3 benchmarks/gpu/bench.py --run DIR [--tools build/bin]
      on the GPU machine (PyTorch there): times both, prints the table

Rows: GEMM bf16 4096^3 and 8192^3 (TFLOP/s; on sm_90 with wgmma and TMA,
and again with --gpu-matmul=wgmma-cp.async and =mma.sync); RMSNorm and softmax over
16384 x 4096 bf16 (GB/s, read + write, against the card's copy bandwidth
measured in the same run); causal attention forward and forward+backward,
b4 h16 s4096 d128 bf16 (TFLOP/s, causal FLOPs); a GPT-2-small training
step, micro-batch 16 x 1024 tokens, bf16 mixed precision (tokens/s).
Aster times are the mean wall time of N calls after a warm-up with the
arguments already on the device (aster-run --bench); PyTorch times are
CUDA-event means of the same number of calls after warm-up."""

import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")

B, H, S, D = 4, 16, 4096, 128
ROWS, COLS = 16384, 4096


def T(shape, elem="bf16"):
    return "tensor<%s>" % "x".join([str(d) for d in shape] + [elem])


def op_irs():
    """name -> (IR of @forward, work, unit) with work in FLOP or bytes."""
    q = T((B, H, S, D))
    lse = T((B, H, S), "f32")
    irs = {}
    for n in (4096, 8192):
        irs["gemm %d" % n] = (
            "func.func @forward(%%a: %s, %%b: %s) -> %s {\n"
            "  %%y = aster.matmul %%a, %%b : %s, %s -> %s\n  return %%y : %s\n}\n"
            % ((T((n, n)),) * 7), 2.0 * n ** 3, "TFLOP/s")
    x, w = T((ROWS, COLS)), T((COLS,))
    irs["rmsnorm"] = (
        "func.func @forward(%%x: %s, %%w: %s) -> %s {\n"
        "  %%y = aster.rms_norm %%x, %%w : %s, %s\n  return %%y : %s\n}\n"
        % (x, w, x, x, w, x), 2.0 * ROWS * COLS * 2, "GB/s")
    irs["softmax"] = (
        "func.func @forward(%%x: %s) -> %s {\n"
        "  %%y = aster.softmax %%x, axis = 1 : %s\n  return %%y : %s\n}\n"
        % (x, x, x, x), 2.0 * ROWS * COLS * 2, "GB/s")
    flops = 4.0 * B * H * S * S * D / 2  # causal: half the scores
    irs["attention fwd"] = (
        "func.func @forward(%%q: %s, %%k: %s, %%v: %s) -> %s {\n"
        "  %%o = aster.attention %%q, %%k, %%v causal : %s, %s, %s -> %s\n"
        "  return %%o : %s\n}\n" % ((q,) * 9), flops, "TFLOP/s")
    sig = "%%q: %s, %%k: %s, %%v: %s, %%do: %s" % (q, q, q, q)
    irs["attention fwd+bwd"] = (
        "func.func @forward(" + sig + ") -> (%s, %s, %s) {\n" % (q, q, q)
        + "  %%o, %%l = aster.attention_fwd %%q, %%k, %%v causal : %s, %s, %s -> %s, %s\n"
        % (q, q, q, q, lse)
        + "  %%dq, %%dk, %%dv = aster.attention_bwd %%q, %%k, %%v, %%o, %%l, %%do causal"
        " : %s, %s, %s, %s, %s, %s -> %s, %s, %s\n" % (q, q, q, q, lse, q, q, q, q)
        + "  return %%dq, %%dk, %%dv : %s, %s, %s\n}\n" % (q, q, q),
        3.5 * flops, "TFLOP/s")
    return irs


def prepare(folder, target, quick, tools):
    os.makedirs(folder, exist_ok=True)
    plan = {"target": target, "rows": []}
    for name, (ir, work, unit) in op_irs().items():
        path = os.path.join(folder, re.sub(r"[^a-z0-9]+", "-", name) + ".mlir")
        with open(path, "w") as f:
            f.write(ir)
        # On sm_90 the GEMMs also with wgmma fed by cp.async and with
        # mma.sync (--gpu-matmul), beside wgmma fed by TMA, in the same run.
        variants = [("", [])]
        if name.startswith("gemm") and target == "sm_90":
            variants += [(" wgmma-cp.async", ["--gpu-matmul=wgmma-cp.async"]),
                         (" mma.sync", ["--gpu-matmul=mma.sync"])]
        for suffix, flags in variants:
            tag = re.sub(r"[^a-z0-9]+", "-", name + suffix)
            subprocess.run([os.path.join(tools, "aster-compile"), path,
                            "--target=" + target, "-o",
                            os.path.join(folder, tag)] + flags, check=True)
            plan["rows"].append({"name": name + suffix, "bundle": tag,
                                 "work": work, "unit": unit})
        os.remove(path)
    if not quick:
        subprocess.run([os.path.join(tools, "aster-compile"),
                        os.path.join(ROOT, "examples", "gpt2", "config.json"),
                        "--train", "--batch", "16", "--seq", "1024",
                        "--dtype=bfloat16", "--target=" + target, "-o",
                        os.path.join(folder, "gpt2-small-step")], check=True)
        plan["rows"].append({"name": "gpt2-small step", "bundle": "gpt2-small-step",
                             "work": 16 * 1024, "unit": "tokens/s",
                             "entry": "train_step"})
    with open(os.path.join(folder, "plan.json"), "w") as f:
        json.dump(plan, f, indent=1)
    print("prepared %d benchmarks for %s in %s" % (len(plan["rows"]), target, folder))


def aster_seconds(tools, folder, row, repeat):
    out = subprocess.run([os.path.join(tools, "aster-run"),
                          os.path.join(folder, row["bundle"]), "--bench",
                          row.get("entry", "forward"), "--repeat", str(repeat)],
                         capture_output=True, text=True, timeout=300)
    m = re.search(r"([0-9.]+) ms per call", out.stdout)
    if not m:
        return None, (out.stderr or out.stdout).strip().splitlines()[-1:]
    return float(m.group(1)) / 1e3, None


def run(folder, tools):
    import torch
    import torch.nn.functional as F

    with open(os.path.join(folder, "plan.json")) as f:
        plan = json.load(f)
    dev = torch.device("cuda")
    name = torch.cuda.get_device_name()

    def timed(fn, repeat):
        fn()
        torch.cuda.synchronize()
        start, end = torch.cuda.Event(True), torch.cuda.Event(True)
        start.record()
        for _ in range(repeat):
            fn()
        end.record()
        torch.cuda.synchronize()
        return start.elapsed_time(end) / 1e3 / repeat

    # The card's copy bandwidth: read + write of 2 GiB.
    src = torch.empty(1 << 30, dtype=torch.bfloat16, device=dev)
    dst = torch.empty_like(src)
    copy_bw = 2 * src.numel() * 2 / timed(lambda: dst.copy_(src), 20) / 1e9
    del src, dst

    def rms(x, w):
        xf = x.float()
        return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + 1e-6) * w.float()).to(x.dtype)

    def torch_fn(row_name):
        g = torch.Generator(device=dev).manual_seed(0)
        rnd = lambda *s: torch.randn(*s, device=dev, dtype=torch.bfloat16, generator=g)
        if row_name.startswith("gemm"):
            n = int(row_name.split()[1])
            a, b = rnd(n, n), rnd(n, n)
            return lambda f: (lambda: f(a, b)), (lambda a_, b_: a_ @ b_)
        if row_name == "rmsnorm":
            x, w = rnd(ROWS, COLS), rnd(COLS)
            return lambda f: (lambda: f(x, w)), rms
        if row_name == "softmax":
            x = rnd(ROWS, COLS)
            return lambda f: (lambda: f(x)), (lambda x_: torch.softmax(x_, -1))
        q, k, v = (rnd(B, H, S, D) for _ in range(3))
        if row_name == "attention fwd":
            return (lambda f: (lambda: f(q, k, v)),
                    lambda q_, k_, v_: F.scaled_dot_product_attention(q_, k_, v_, is_causal=True))
        q.requires_grad_(), k.requires_grad_(), v.requires_grad_()
        do = rnd(B, H, S, D)

        def fwd_bwd(q_, k_, v_):
            o = F.scaled_dot_product_attention(q_, k_, v_, is_causal=True)
            o.backward(do)
        return lambda f: (lambda: f(q, k, v)), fwd_bwd

    def gpt2_step(compiled):
        from transformers import GPT2Config, GPT2LMHeadModel
        model = GPT2LMHeadModel(GPT2Config()).to(dev)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)
        tokens = torch.randint(0, 50257, (16, 1024), device=dev)
        fwd = torch.compile(model) if compiled else model

        def step():
            with torch.autocast("cuda", dtype=torch.bfloat16):
                loss = fwd(tokens, labels=tokens).loss
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
        return step

    rows = []
    for row in plan["rows"]:
        repeat = 3 if row["unit"] != "GB/s" else 20
        if row["unit"] == "tokens/s":
            repeat = 2
        a_s, a_err = aster_seconds(tools, folder, row, repeat)
        results = {}
        for mode in ("eager", "compile"):
            try:
                if row["unit"] == "tokens/s":
                    fn = gpt2_step(mode == "compile")
                    fn()  # compile / warm-up
                    results[mode] = timed(fn, 5)
                else:
                    bind, f = torch_fn(row["name"])
                    if mode == "compile":
                        f = torch.compile(f)
                    results[mode] = timed(bind(f), repeat if repeat > 3 else 10)
            except Exception as err:  # report, keep going
                results[mode] = None
                print("torch %s %s: %s" % (mode, row["name"], str(err).splitlines()[0]))
            torch.cuda.empty_cache()
        rate = lambda s: None if s is None else (
            row["work"] / s / (1e12 if row["unit"] == "TFLOP/s" else 1e9 if row["unit"] == "GB/s" else 1))
        rows.append((row["name"], row["unit"], rate(a_s), rate(results["eager"]),
                     rate(results["compile"]), a_err))

    fmt = lambda v: "-" if v is None else ("%.1f" % v if v < 1e4 else "%.0f" % v)
    print("card: %s, copy bandwidth %.0f GB/s (read + write), torch %s" % (name, copy_bw, torch.__version__))
    print("%-22s %-9s %10s %10s %14s %10s" % ("benchmark", "unit", "aster", "eager", "torch.compile", "aster/best"))
    for name_, unit, a, e, c, err in rows:
        best = max([v for v in (e, c) if v is not None], default=None)
        ratio = "-" if a is None or best is None else "%.3f" % (a / best)
        print("%-22s %-9s %10s %10s %14s %10s" % (name_, unit, fmt(a), fmt(e), fmt(c), ratio))
        if err:
            print("    aster: %s" % err)
    print("norm/softmax: aster at %s and %s of the copy bandwidth" % tuple(
        "-" if r[2] is None else "%.0f%%" % (100 * r[2] / copy_bw)
        for r in rows if r[0] in ("rmsnorm", "softmax")))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--prepare")
    p.add_argument("--run")
    p.add_argument("--target", default="sm_90")
    p.add_argument("--quick", action="store_true", help="without the GPT-2 step")
    p.add_argument("--tools", default=os.path.join(ROOT, "build", "bin"))
    a = p.parse_args()
    if a.prepare:
        prepare(a.prepare, a.target, a.quick, a.tools)
    if a.run:
        run(a.run, a.tools)
    if not a.prepare and not a.run:
        p.print_help()
        sys.exit(1)


if __name__ == "__main__":
    main()
