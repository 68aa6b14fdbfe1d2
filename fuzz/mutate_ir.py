#!/usr/bin/env python3
"""Mutation fuzzer for the tools' IR path: takes valid aster IR (the lit
tests and examples), mutates numbers, element types, keywords and lines,
and runs aster-opt (parse, verify, canonicalize) and aster-reference on
each mutant. Any exit other than 0 or 1, or a crash report, is a finding:
the mutant is saved under the output folder.

  fuzz/mutate_ir.py --tools build/bin --seconds 600 --out /tmp/ir-crashes
"""

import argparse
import glob
import os
import random
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CRASH_MARKS = ("Stack dump", "PLEASE submit", "Assertion", "Segmentation",
               "terminate called", "AddressSanitizer", "UndefinedBehavior",
               "runtime error:")


def corpus():
    files = glob.glob(os.path.join(ROOT, "test/Dialect/Aster/*.mlir"))
    files += glob.glob(os.path.join(ROOT, "test/tools/*.mlir"))
    files += glob.glob(os.path.join(ROOT, "examples/*.mlir"))
    functions = []
    for path in files:
        text = open(path).read()
        for chunk in text.split("// -----"):
            lines = [l for l in chunk.splitlines()
                     if not l.lstrip().startswith("//")]
            if any("func.func" in l for l in lines):
                functions.append("\n".join(lines))
    return functions


NUMBER = re.compile(r"(?<![%#\w.])-?\d+(?![\w.])")
ELEMENT = re.compile(r"x(f32|bf16|f16|i32|i64|f64)>")
KEYWORDS = ["sum", "mean", "max", "prod", "tanh", "none", "half_split",
            "interleaved", "causal", "keep_dims", "transpose_lhs",
            "transpose_rhs", "mask", "axis", "epsilon", "theta", "step"]


def mutate(text, rng):
    kind = rng.randrange(6)
    if kind == 0:  # change a number (dimension, axis, index)
        matches = list(NUMBER.finditer(text))
        if matches:
            m = rng.choice(matches)
            new = str(rng.choice([0, 1, 2, 3, 5, 7, -1, -2, 16, 1 << 31,
                                  1 << 62, int(m.group()) + 1]))
            return text[:m.start()] + new + text[m.end():]
    if kind == 1:  # change an element type
        matches = list(ELEMENT.finditer(text))
        if matches:
            m = rng.choice(matches)
            new = "x%s>" % rng.choice(["f32", "bf16", "f16", "i32", "i64",
                                       "f64", "i1"])
            return text[:m.start()] + new + text[m.end():]
    if kind == 2:  # swap a keyword
        words = [w for w in KEYWORDS if re.search(r"\b%s\b" % w, text)]
        if words:
            w = rng.choice(words)
            return re.sub(r"\b%s\b" % w, rng.choice(KEYWORDS), text, count=1)
    if kind == 3:  # delete a line
        lines = text.splitlines()
        if len(lines) > 2:
            del lines[rng.randrange(len(lines))]
            return "\n".join(lines)
    if kind == 4:  # duplicate a line
        lines = text.splitlines()
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
        return "\n".join(lines)
    # splice a token out
    tokens = text.split(" ")
    if len(tokens) > 3:
        del tokens[rng.randrange(len(tokens))]
    return " ".join(tokens)


def crashed(proc):
    return proc.returncode not in (0, 1) or any(
        m in proc.stderr for m in CRASH_MARKS)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--tools", default=os.path.join(ROOT, "build/bin"))
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="/tmp/aster-ir-fuzz")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    functions = corpus()
    opt = os.path.join(args.tools, "aster-opt")
    ref = os.path.join(args.tools, "aster-reference")
    path = os.path.join(args.out, "mutant.mlir")
    runs = findings = 0
    deadline = time.time() + args.seconds
    while time.time() < deadline:
        text = rng.choice(functions)
        for _ in range(rng.randrange(1, 4)):
            text = mutate(text, rng)
        with open(path, "w") as f:
            f.write(text)
        names = re.findall(r"func\.func (?:private )?@(\w+)", text)
        commands = [[opt, path, "-canonicalize"]]
        commands += [[ref, path, "--entry=" + n] for n in names[:2]]
        for cmd in commands:
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True,
                                      timeout=60)
            except subprocess.TimeoutExpired:
                proc = None
            runs += 1
            if proc is None or crashed(proc):
                findings += 1
                saved = os.path.join(args.out, "finding-%d.mlir" % findings)
                with open(saved, "w") as f:
                    f.write(text)
                print("finding %d: %s\n  %s" % (
                    findings, " ".join(cmd[:1] + [saved] + cmd[2:]),
                    "timeout" if proc is None else
                    (proc.stderr.strip().splitlines() or ["exit %d" % proc.returncode])[-1]))
    print("%d runs in %.0f s, %d findings" % (runs, args.seconds, findings))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
