// The tensor maps a sm_90 bundle's host code encodes for TMA, checked
// through a stand-in driver (test/Runtime/fake-cuda: host memory, kernels
// not run, cuTensorMapEncodeTiled printing its arguments): x [200][64]
// (A, K-major) for boxes of 128 rows x 64, w [64][96] (B, MN-major) for
// boxes of 64 x 64; bf16 (type 9), dimensions and boxes innermost first,
// strides in bytes, the 128-byte swizzle (3), L2 promotion 128 B (2),
// zeros outside (0); 16-byte aligned. Encoded once each: the warm-up
// and the timed call find them cached.
// REQUIRES: cuda-toolkit
// UNSUPPORTED: gpu
// RUN: rm -rf %t && aster-compile %s --target=sm_90 -o %t
// RUN: env LD_LIBRARY_PATH=%fake_cuda aster-run %t --bench forward --repeat 2 2>&1 | FileCheck %s
// Batched (Inputs/batched-scores.mlir, q k^T per batch and head): rank-4
// maps, [2][4][64][64] innermost first with its byte strides, boxes of one
// (batch, head)'s 64 x 64.
// RUN: rm -rf %t.batched && aster-compile %S/Inputs/batched-scores.mlir --target=sm_90 -o %t.batched
// RUN: env LD_LIBRARY_PATH=%fake_cuda aster-run %t.batched --bench forward --repeat 2 2>&1 | FileCheck %s --check-prefix=BATCH
// BATCH-COUNT-2: cuTensorMapEncodeTiled: type 9 rank 4 address%16 0 dims 64 64 4 2 strides 128 8192 32768 box 64 64 1 1 elementStrides 1 1 1 1 interleave 0 swizzle 3 l2 2 oob 0
// BATCH-NOT: cuTensorMapEncodeTiled
// BATCH: ms per call

// CHECK: cuTensorMapEncodeTiled: type 9 rank 2 address%16 0 dims 64 200 strides 128 box 64 128 elementStrides 1 1 interleave 0 swizzle 3 l2 2 oob 0
// CHECK-NEXT: cuTensorMapEncodeTiled: type 9 rank 2 address%16 0 dims 96 64 strides 192 box 64 64 elementStrides 1 1 interleave 0 swizzle 3 l2 2 oob 0
// CHECK-NOT: cuTensorMapEncodeTiled
// CHECK: ms per call
// CHECK-NOT: cuTensorMapEncodeTiled

func.func @forward(%x: tensor<200x64xbf16>, %w: tensor<64x96xbf16>) -> tensor<200x96xbf16> {
  %y = aster.matmul %x, %w : tensor<200x64xbf16>, tensor<64x96xbf16> -> tensor<200x96xbf16>
  return %y : tensor<200x96xbf16>
}
