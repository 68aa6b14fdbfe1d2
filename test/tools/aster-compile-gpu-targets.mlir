// GPU target selection and its bad inputs: each a one-line error, exit
// code 1, before any compilation.
// RUN: not aster-compile %s --target=sm_70 -o %t.b 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not aster-compile %s --partition=frontier -o %t.b 2>&1 | FileCheck %s --check-prefix=PARTITION
// RUN: not aster-compile %s --partition=lumi-g --target=sm_90 -o %t.b 2>&1 | FileCheck %s --check-prefix=CLASH
// RUN: not aster-compile %s --target=sm_90 --cuda-path=%t.nowhere -o %t.b 2>&1 | FileCheck %s --check-prefix=CUDA
// RUN: not aster-compile %s --target=gfx942 --rocm-path=%t.nowhere -o %t.b 2>&1 | FileCheck %s --check-prefix=ROCM
// RUN: not aster-compile %s --target=sm_90 2>&1 | FileCheck %s --check-prefix=DIR
// RUN: not aster-compile %s --target=gfx90a --gpu-matmul=mma.sync -o %t.b 2>&1 | FileCheck %s --check-prefix=MATMULAMD
// RUN: not aster-compile %s --target=sm_90 --gpu-matmul=wmma -o %t.b 2>&1 | FileCheck %s --check-prefix=MATMULBAD
// RUN: not aster-compile %s --gpu-matmul=mma.sync 2>&1 | FileCheck %s --check-prefix=MATMULNOTARGET
// RUN: not ls %t.b

// CHIP: aster-compile: error: --target=sm_70: not a target Aster compiles for (cpu, sm_80 (A100), sm_90 (H100, GH200), gfx90a (MI250X), gfx942 (MI300A/X))
// CHIP-NOT: error
// PARTITION: aster-compile: error: --partition=frontier: not a partition Aster knows (lumi-g,
// CLASH: aster-compile: error: --partition=lumi-g has gfx90a GPUs but --target=sm_90 was given
// CUDA: aster-compile: error: {{.*}}: --cuda-path={{.*}}nowhere is not a CUDA toolkit (no bin/ptxas or nvvm/libdevice)
// ROCM: aster-compile: error: {{.*}}: --rocm-path={{.*}}nowhere is not a ROCm toolkit (no amdgcn/bitcode/ocml.bc or llvm/bin/ld.lld)
// DIR: aster-compile: error: --target=sm_90 writes a bundle directory: give -o DIR
// MATMULAMD: aster-compile: error: --gpu-matmul=mma.sync is for NVIDIA targets (sm_80, sm_90), not --target=gfx90a
// MATMULBAD: aster-compile: error: --gpu-matmul=wmma: not auto, wgmma-cp.async or mma.sync
// MATMULNOTARGET: aster-compile: error: --gpu-matmul chooses GPU code: give --target=sm_80 or sm_90 as well

func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = aster.add %x, %x : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}
