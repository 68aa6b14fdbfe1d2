// A GPU bundle on a machine without the vendor's driver: one line, exit
// code 1 (aster-run loads libcuda only when a bundle needs it).
// REQUIRES: cuda-toolkit
// UNSUPPORTED: gpu
// RUN: rm -rf %t && aster-compile %s --target=sm_90 -o %t
// RUN: not aster-run %t --steps 1 2>&1 | FileCheck %s
// CHECK: aster-run: error: cannot load libcuda.so.1 (no NVIDIA driver on this machine): bundle for sm_90 cannot run here
// CHECK-NOT: error

func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = aster.add %x, %x : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}
