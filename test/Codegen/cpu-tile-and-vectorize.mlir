// RUN: aster-opt %s -split-input-file -aster-fuse -aster-cpu-tile-and-vectorize -canonicalize | FileCheck %s
// RUN: aster-opt %s -split-input-file -aster-fuse -aster-cpu-tile-and-vectorize=vector-width=16 -canonicalize | FileCheck %s --check-prefix=AVX512

// A linear layer: 64 x 256 output tiles on threads (scf.forall), the fill,
// 4 x 16 register tiles (two AVX2 registers wide) with k innermost,
// multiply-adds that may become FMAs, and the bias epilogue on each tile.
// CHECK-LABEL: func.func private @linear_k0_matmul
// CHECK: scf.forall (%{{.*}}, %{{.*}}) = (0, 0) to (128, 512) step (64, 256)
// CHECK: linalg.fill {{.*}} -> tensor<64x256xf32>
// CHECK: scf.for {{.*}} step %c4
// CHECK: scf.for {{.*}} step %c16
// CHECK: scf.for {{.*}} step %c1
// CHECK: arith.mulf {{.*}} fastmath<contract> : vector<4x1x16xf32>
// CHECK: arith.addf {{.*}} fastmath<contract> : vector<4x16xf32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<64x256xf32>, tensor<256xf32>)
// CHECK: scf.forall.in_parallel
// AVX512-LABEL: func.func private @linear_k0_matmul
// AVX512: scf.for {{.*}} step %c32
// AVX512: arith.mulf {{.*}} fastmath<contract> : vector<4x1x32xf32>
func.func @linear(%x: tensor<128x64xf32>, %w: tensor<64x512xf32>, %b: tensor<512xf32>) -> tensor<128x512xf32> {
  %0 = aster.matmul %x, %w : tensor<128x64xf32>, tensor<64x512xf32> -> tensor<128x512xf32>
  %1 = aster.add %0, %b : tensor<128x512xf32>, tensor<512xf32> -> tensor<128x512xf32>
  return %1 : tensor<128x512xf32>
}

// -----

// Sizes that 64 and 256 do not divide get the largest tiles that do (here
// 48 rows, a multiple of the 4-row register tile, and all 40 columns, whose
// single tile the loop drops), so every tile has a static shape.
// CHECK-LABEL: func.func private @odd_k0_matmul
// CHECK: scf.forall (%{{.*}}) = (0) to (96) step (48)
// CHECK: scf.for {{.*}} step %c4
// CHECK: scf.for {{.*}} step %c8
// CHECK: vector<4x1x8xf32>
func.func @odd(%x: tensor<96x8xf32>, %w: tensor<8x40xf32>) -> tensor<96x40xf32> {
  %0 = aster.matmul %x, %w : tensor<96x8xf32>, tensor<8x40xf32> -> tensor<96x40xf32>
  return %0 : tensor<96x40xf32>
}

// -----

// Row kernels are left as they are.
// CHECK-LABEL: func.func private @softmax_k0_reduction
// CHECK-NOT: scf.forall
// CHECK-NOT: vector.
// CHECK: return
func.func @softmax(%x: tensor<64x128xf32>) -> tensor<64x128xf32> {
  %0 = aster.softmax %x, axis = 1 : tensor<64x128xf32>
  return %0 : tensor<64x128xf32>
}
