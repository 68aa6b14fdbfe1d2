// RUN: aster-opt %s -split-input-file -convert-aster-to-linalg | FileCheck %s

// Broadcasting elementwise: one generic, the [5] operand read through a
// map that drops the leading loop.
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @add_broadcast
// CHECK: %[[E:.*]] = tensor.empty() : tensor<3x5xf32>
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%arg0, %arg1 : tensor<3x5xf32>, tensor<5xf32>) outs(%[[E]] : tensor<3x5xf32>)
// CHECK: arith.addf
func.func @add_broadcast(%a: tensor<3x5xf32>, %b: tensor<5xf32>) -> tensor<3x5xf32> {
  %0 = aster.add %a, %b : tensor<3x5xf32>, tensor<5xf32> -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// bf16 arithmetic is done in f32 and rounded once.
// CHECK-LABEL: func @mul_bf16
// CHECK: ^bb0(%[[X:.*]]: bf16, %[[Y:.*]]: bf16, %{{.*}}: bf16):
// CHECK-NEXT: %[[XF:.*]] = arith.extf %[[X]] : bf16 to f32
// CHECK-NEXT: %[[YF:.*]] = arith.extf %[[Y]] : bf16 to f32
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[XF]], %[[YF]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.truncf %[[P]] : f32 to bf16
// CHECK-NEXT: linalg.yield %[[R]] : bf16
func.func @mul_bf16(%a: tensor<4xbf16>, %b: tensor<4xbf16>) -> tensor<4xbf16> {
  %0 = aster.mul %a, %b : tensor<4xbf16>, tensor<4xbf16> -> tensor<4xbf16>
  return %0 : tensor<4xbf16>
}

// -----

// matmul: a contraction over (m, n, k) with transpose_rhs as a map,
// accumulating in f32 from a zero fill.
// CHECK-DAG: #[[$A:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[$B:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[$C:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @matmul
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x3xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[$A]], #[[$B]], #[[$C]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%arg0, %arg1 : tensor<2x4xbf16>, tensor<3x4xbf16>) outs(%[[Z]] : tensor<2x3xf32>)
// CHECK: arith.extf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: arith.truncf %{{.*}} : f32 to bf16
func.func @matmul(%a: tensor<2x4xbf16>, %b: tensor<3x4xbf16>) -> tensor<2x3xbf16> {
  %0 = aster.matmul %a, %b transpose_rhs : tensor<2x4xbf16>, tensor<3x4xbf16> -> tensor<2x3xbf16>
  return %0 : tensor<2x3xbf16>
}

// -----

// softmax: max and sum reductions over the axis, kept as size 1.
// CHECK-LABEL: func @softmax
// CHECK: linalg.fill ins(%{{.*}} : f32)
// CHECK: iterator_types = ["parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: tensor.reshape
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: iterator_types = ["parallel", "reduction"]
// CHECK: arith.addf
// CHECK: arith.divf
func.func @softmax(%a: tensor<3x7xf32>) -> tensor<3x7xf32> {
  %0 = aster.softmax %a, axis = 1 : tensor<3x7xf32>
  return %0 : tensor<3x7xf32>
}

// -----

// Data movement.
// CHECK-LABEL: func @movement
// CHECK: linalg.transpose ins(%arg0 : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<4x2x3xf32>) permutation = [2, 0, 1]
// CHECK: tensor.extract_slice %arg0[0, 1, 0] [2, 1, 2] [1, 2, 2] : tensor<2x3x4xf32> to tensor<2x1x2xf32>
// CHECK: tensor.insert_slice %arg0 into %{{.*}}[0, 0, 0] [2, 3, 4] [1, 1, 1]
// CHECK: tensor.insert_slice %arg0 into %{{.*}}[0, 3, 0] [2, 3, 4] [1, 1, 1]
func.func @movement(%a: tensor<2x3x4xf32>) -> (tensor<4x2x3xf32>, tensor<2x1x2xf32>, tensor<2x6x4xf32>) {
  %t = aster.transpose %a, [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  %s = aster.slice %a [0, 1, 0] to [2, 3, 4] step [1, 2, 2] : tensor<2x3x4xf32> -> tensor<2x1x2xf32>
  %c = aster.concat(%a, %a) axis = 1 : tensor<2x3x4xf32>, tensor<2x3x4xf32> -> tensor<2x6x4xf32>
  return %t, %s, %c : tensor<4x2x3xf32>, tensor<2x1x2xf32>, tensor<2x6x4xf32>
}

// -----

// Embedding: a generic over the result reading the table with
// tensor.extract at the clamped id.
// CHECK-LABEL: func @embedding
// CHECK: linalg.generic
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: arith.index_cast
// CHECK: linalg.index 2
// CHECK: tensor.extract %arg0[
func.func @embedding(%t: tensor<11x4xf32>, %ids: tensor<2x3xi32>) -> tensor<2x3x4xf32> {
  %0 = aster.embedding %t[%ids] : tensor<11x4xf32>, tensor<2x3xi32> -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// A [k, n] rhs: loops (m, k, n), so that the innermost loop walks rows of
// the rhs and of the result contiguously.
// CHECK-DAG: #[[$LHS:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[$RHS:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func @matmul_kn
// CHECK: linalg.generic {indexing_maps = [#[[$LHS]], #[[$RHS]], #[[$OUT]]], iterator_types = ["parallel", "reduction", "parallel"]}
func.func @matmul_kn(%a: tensor<2x4xf32>, %b: tensor<4x3xf32>) -> tensor<2x3xf32> {
  %0 = aster.matmul %a, %b : tensor<2x4xf32>, tensor<4x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
