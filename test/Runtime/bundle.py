# RUN: %python %s
"""A CPU bundle end to end: aster-compile --target=cpu writes plan.json and
kernels.so; aster-run (no MLIR linked) trains from the seeded parameters
and gives the losses aster-reference gives for the same step; trained
weights saved by aster-run load back; and every malformed bundle or input
is one line and exit code 1, with no partial bundle left behind."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

import aster_check as ac

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
tmp = tempfile.mkdtemp()
config = os.path.join(EXAMPLES, "tiny-gpt2", "config.json")


def tool(*args, ok=True):
    return ac.run_tool(*args, check=ok)


expect_error = ac.expect_one_line_error


def losses(text):
    return [float(x) for x in re.findall(r"^step \d+/\d+  loss (\S+)", text, re.M)]


flags = ["--train", "--batch", "2", "--seq", "8", "--dtype=float32", "--lr", "3e-3"]
bundle = os.path.join(tmp, "bundle")
tool("aster-compile", config, *flags, "--target=cpu", "-o", bundle)
plan = json.load(open(os.path.join(bundle, "plan.json")))
if plan["format"] != "aster-bundle" or plan["version"] != 2 or \
        set(plan["entry_points"]) != {"forward", "train_step"}:
    print("FAIL: plan.json %s" % plan.keys())
    sys.exit(1)
ac.checks += 1

# Version 2's buffer-level description: every buffer inside its function's
# arena, every call argument a known argument, result, buffer or constant,
# and the buffers one call reads and writes at disjoint bytes (the arena
# planner never overlaps values that are live together).
def check_steps(name, steps, n_args, n_results):
    arena = steps["own_arena_bytes"]
    buffers = {b["id"]: b for b in steps["buffers"]}
    for b in steps["buffers"]:
        if not b.get("heap") and not (0 <= b["offset"] and b["offset"] + b["bytes"] <= arena):
            print("FAIL: %s buffer %s outside the arena of %d bytes" % (name, b, arena))
            sys.exit(1)
    for call in steps["calls"]:
        args = call.get("args", call.get("copy", []))
        used = []
        for a in args:
            ok = ("arg" in a and a["arg"] < n_args) or ("result" in a and a["result"] < n_results) \
                or ("buffer" in a and a["buffer"] in buffers) or "constant" in a or "value" in a
            if not ok:
                print("FAIL: %s call %s: argument %s" % (name, call, a))
                sys.exit(1)
            if "buffer" in a and not buffers[a["buffer"]].get("heap"):
                b = buffers[a["buffer"]]
                used.append((a["buffer"], b["offset"], b["offset"] + b["bytes"]))
        for i, (x, lo, hi) in enumerate(used):
            for y, lo2, hi2 in used[i + 1:]:
                if x != y and lo < hi2 and lo2 < hi:
                    print("FAIL: %s call %s: buffers %d and %d overlap" % (name, call, x, y))
                    sys.exit(1)
        if "kernel" in call and call["kind"] not in (
                "matmul", "reduction", "elementwise", "gather", "copy", "fill", "attention"):
            print("FAIL: %s: kernel kind %s" % (name, call["kind"]))
            sys.exit(1)
    ac.checks += 1

for name, entry in plan["entry_points"].items():
    check_steps(name, entry, len(entry["args"]), len(entry["results"]))
    if not entry["calls"] or entry["arena_bytes"] < entry["own_arena_bytes"]:
        print("FAIL: %s has no calls or an arena smaller than its own" % name)
        sys.exit(1)
for name, steps in plan["functions"].items():
    check_steps(name, steps, 10 ** 6, 10 ** 6)
if plan["collectives"] != [] or "loss_grad" not in plan["functions"]:
    print("FAIL: collectives %s, functions %s" % (plan["collectives"], list(plan["functions"])))
    sys.exit(1)
ac.checks += 1
ir = os.path.join(tmp, "step.mlir")
tool("aster-compile", config, *flags, "--compile-to=train", "-o", ir)

# Same seed, same step: the compiled f32 losses follow the f64 reference.
run = tool("aster-run", bundle, "--steps", "4", "--seed", "2",
           "--save", os.path.join(tmp, "trained.safetensors")).stdout
ref = tool("aster-reference", ir, "--steps", "4", "--seed", "2").stdout
ac.assert_close(np.array(losses(run)), np.array(losses(ref)), rtol=1e-5,
                what="aster-run losses == aster-reference losses")
if "wrote 28 parameters" not in run:
    print("FAIL: --save\n" + run)
    sys.exit(1)

# The saved weights continue training where they left off: a fresh run
# from them equals the reference run from them.
again = tool("aster-run", bundle, "--steps", "1", "--seed", "2", "--weights",
             os.path.join(tmp, "trained.safetensors")).stdout
ref_again = tool("aster-reference", ir, "--steps", "1", "--seed", "2",
                 "--weights", os.path.join(tmp, "trained.safetensors")).stdout
ac.assert_close(np.array(losses(again)), np.array(losses(ref_again)),
                rtol=1e-5, what="resumed from --save")

# A token file, and sampling.
text = os.path.join(EXAMPLES, "data", "sonnets.txt")
out = tool("aster-run", bundle, "--steps", "3", "--data", text,
           "--token-width", "1", "--sample", "20", "--prompt", "Love").stdout
if len(losses(out)) != 3 or "sample:\nLove" not in out:
    print("FAIL: token file / sample\n" + out)
    sys.exit(1)
ac.checks += 1

# Bad input.
expect_error(tool("aster-run", os.path.join(tmp, "nothing"), ok=False),
             "plan.json: cannot open", "missing bundle")
broken = os.path.join(tmp, "broken")
shutil.copytree(bundle, broken)
full = open(os.path.join(bundle, "plan.json")).read()
open(os.path.join(broken, "plan.json"), "w").write(full[:len(full) // 2])
expect_error(tool("aster-run", broken, ok=False), "not valid JSON (truncated?)",
             "truncated plan")
open(os.path.join(broken, "plan.json"), "w").write(full.replace('"version": 2', '"version": 7'))
expect_error(tool("aster-run", broken, ok=False),
             "bundle version 7, this aster-run reads version 2", "other version")
open(os.path.join(broken, "plan.json"), "w").write(full)
os.remove(os.path.join(broken, "kernels.so"))
expect_error(tool("aster-run", broken, ok=False), "cannot load kernels",
             "missing kernels")
np.array([1, 2, 300] * 10, np.uint16).tofile(os.path.join(tmp, "big.bin"))
expect_error(tool("aster-run", bundle, "--data", os.path.join(tmp, "big.bin"), ok=False),
             "token 2 is 300, outside the vocabulary of 256", "token beyond vocab")
open(os.path.join(tmp, "odd.bin"), "wb").write(b"abc")
expect_error(tool("aster-run", bundle, "--data", os.path.join(tmp, "odd.bin"), ok=False),
             "3 bytes is not a whole number of 2-byte token ids", "odd token file")
expect_error(tool("aster-run", bundle, "--steps", "x", ok=False),
             "--steps expects an integer", "bad option")
expect_error(tool("aster-compile", config, *flags, "--target=sm_70", "-o",
                  os.path.join(tmp, "gpu"), ok=False),
             "--target=sm_70: not a target Aster compiles for", "unknown gpu target")
expect_error(tool("aster-compile", config, *flags, "--target=cpu", ok=False),
             "--target=cpu writes a bundle directory: give -o DIR", "no -o")
expect_error(tool("aster-compile", config, *flags, "--target=cpu", "--cpu=pentium9",
                  "-o", os.path.join(tmp, "gpu"), ok=False),
             "--cpu=pentium9: not an x86-64 CPU that LLVM knows", "unknown cpu")
expect_error(tool("aster-compile", config, *flags, "--target=cpu", "--compile-to=fuse",
                  "-o", os.path.join(tmp, "gpu"), ok=False),
             "--compile-to prints IR and --target writes a bundle", "fuse and target")
if os.path.exists(os.path.join(tmp, "gpu")) or any(
        n.startswith("bundle.tmp") for n in os.listdir(tmp)):
    print("FAIL: a partial bundle was left behind: %s" % os.listdir(tmp))
    sys.exit(1)
ac.checks += 1
ac.done("CPU bundle and aster-run")
