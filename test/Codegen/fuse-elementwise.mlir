// RUN: aster-opt %s -split-input-file -convert-aster-to-linalg -aster-fuse-elementwise -canonicalize | FileCheck %s

// An elementwise chain becomes one generic.
// CHECK-LABEL: func @chain
// CHECK-COUNT-1: linalg.generic
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @chain(%a: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %0 = aster.add %a, %b : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x8xf32>
  %1 = aster.exp %0 : tensor<4x8xf32>
  %2 = aster.mul %1, %a : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  return %2 : tensor<4x8xf32>
}

// -----

// A GELU is not fused into the matmul that reads it: the matmul reads each
// activation once per output column, so fusing would evaluate the tanh 16
// times per element.
// CHECK-LABEL: func @gelu_then_matmul
// CHECK: %[[G:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK: math.tanh
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[G]], %arg1
// CHECK-NOT: math.tanh
func.func @gelu_then_matmul(%a: tensor<4x8xf32>, %w: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %0 = aster.gelu %a approximate = tanh : tensor<4x8xf32>
  %1 = aster.matmul %0, %w : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
  return %1 : tensor<4x16xf32>
}

// -----

// A row sum reads each element of its elementwise producer once: fused.
// CHECK-LABEL: func @exp_then_sum
// CHECK-COUNT-1: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @exp_then_sum(%a: tensor<4x8xf32>) -> tensor<4xf32> {
  %0 = aster.exp %a : tensor<4x8xf32>
  %1 = aster.reduce sum %0 axes = [1] : tensor<4x8xf32> -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// A producer with two uses is not duplicated into both.
// CHECK-LABEL: func @two_uses
// CHECK-COUNT-1: math.exp
// CHECK-NOT: math.exp
func.func @two_uses(%a: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %0 = aster.exp %a : tensor<4x8xf32>
  %1 = aster.mul %0, %a : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  %2 = aster.add %0, %a : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  return %1, %2 : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// A transpose folds into the indexing map of the matmul that reads it: a
// pure data movement costs nothing to read through.
// CHECK-DAG: #[[$T:.*]] = affine_map<(d0, d1, d2) -> (d1, d0)>
// CHECK-LABEL: func @transpose_into_matmul
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic {indexing_maps = [#[[$T]]
// CHECK-SAME: ins(%arg0, %arg1 : tensor<8x4xf32>, tensor<8x16xf32>)
func.func @transpose_into_matmul(%a: tensor<8x4xf32>, %w: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %0 = aster.transpose %a, [1, 0] : tensor<8x4xf32> -> tensor<4x8xf32>
  %1 = aster.matmul %0, %w : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
  return %1 : tensor<4x16xf32>
}
