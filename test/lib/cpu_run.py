"""Compiles aster IR for the CPU (aster-opt --aster-cpu-to-llvm,
mlir-translate, clang -shared) and calls a function of the shared object
through its C interface (`_mlir_ciface_<name>`, memref descriptors; results
are out-parameters after the inputs). The test-side stand-in for the
runtime until aster-run loads bundles."""

import ctypes
import os
import subprocess
import tempfile

import numpy as np

import aster_check as ac

LLVM_BIN = "/usr/lib/llvm-22/bin"

NUMPY_OF = {"f32": np.float32, "f16": np.float16, "bf16": np.uint16,
            "i32": np.int32, "i64": np.int64, "i1": np.bool_}


def _builtins():
    """compiler-rt's builtins archive (libclang-rt-22-dev): x86 without
    AVX512-BF16 rounds f32 to bf16 by calling its __truncsfbf2 where a bf16
    vector lives across basic blocks (the GPU strategies' emulation holds
    loaded tiles across a K step), which libgcc 12 lacks."""
    proc = subprocess.run(["clang-22", "--rtlib=compiler-rt",
                           "-print-libgcc-file-name"],
                          capture_output=True, text=True)
    path = proc.stdout.strip()
    return [path] if proc.returncode == 0 and os.path.exists(path) else []


def compile_so(mlir_text, tmp=None, opt="-O1", pipeline="--aster-cpu-to-llvm"):
    tmp = tmp or tempfile.mkdtemp()
    src = os.path.join(tmp, "in.mlir")
    with open(src, "w") as f:
        f.write(mlir_text)
    llvm_mlir = os.path.join(tmp, "llvm.mlir")
    ll = os.path.join(tmp, "out.ll")
    so = os.path.join(tmp, "out.so")
    for cmd in ([os.path.join(ac.TOOLS_DIR, "aster-opt"), src,
                 pipeline, "-o", llvm_mlir],
                [os.path.join(LLVM_BIN, "mlir-translate"), "--mlir-to-llvmir",
                 llvm_mlir, "-o", ll],
                ["clang-22", "-Wno-override-module", opt, "-march=native",
                 "-fopenmp", "-shared", "-fPIC", ll, "-o", so, "-lm"] + _builtins() + [
                 "-Wl,-rpath," + os.path.join(os.path.dirname(LLVM_BIN), "lib")]):
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError("%s failed:\n%s" % (cmd[0], proc.stderr))
    return so


def to_bf16_bits(x):
    """float values -> bf16 bit patterns (round to nearest even)."""
    f = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    rounded = (f + 0x7FFF + ((f >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def from_bf16_bits(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def _descriptor(array):
    rank = array.ndim
    fields = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
              ("offset", ctypes.c_int64)]
    if rank:
        fields += [("sizes", ctypes.c_int64 * rank),
                   ("strides", ctypes.c_int64 * rank)]
    Desc = type("MemRef%d" % rank, (ctypes.Structure,), {"_fields_": fields})
    d = Desc()
    d.allocated = d.aligned = array.ctypes.data
    d.offset = 0
    if rank:
        for i in range(rank):
            d.sizes[i] = array.shape[i]
            d.strides[i] = array.strides[i] // array.itemsize
    return d


def call(so, name, inputs, outputs):
    """inputs: numpy arrays (bf16 as uint16 bits); outputs: (shape, elem)
    pairs. Returns the output arrays."""
    lib = ctypes.CDLL(so)
    fn = getattr(lib, "_mlir_ciface_" + name)
    arrays = [np.ascontiguousarray(a) for a in inputs]
    outs = [np.zeros(shape, NUMPY_OF[elem]) for shape, elem in outputs]
    descs = [_descriptor(a) for a in arrays + outs]
    fn.restype = None
    fn(*[ctypes.byref(d) for d in descs])
    return outs
