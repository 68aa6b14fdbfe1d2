// RUN: aster-opt %s -split-input-file -convert-aster-to-linalg -aster-fuse-elementwise -canonicalize -aster-form-kernels | FileCheck %s

// A matmul takes its bias and activation as an epilogue; the next matmul,
// which reads the activation, is a kernel of its own (its operand is not
// recomputed inside it).
// CHECK-LABEL: func @mlp
// CHECK: %[[H:.*]] = call @mlp_k0_matmul(%arg0, %arg1, %arg2)
// CHECK-NEXT: %[[Y:.*]] = call @mlp_k1_matmul(%[[H]], %arg3)
// CHECK-NEXT: return %[[Y]]
// CHECK-LABEL: func private @mlp_k1_matmul
// CHECK-SAME: attributes {aster.kernel = "matmul"}
// CHECK-COUNT-1: linalg.generic
// CHECK-NOT: linalg.generic
// CHECK: return
// CHECK-LABEL: func private @mlp_k0_matmul
// CHECK: linalg.fill
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK: math.tanh
// CHECK: return
func.func @mlp(%x: tensor<8x16xf32>, %w1: tensor<16x32xf32>, %b1: tensor<32xf32>, %w2: tensor<32x16xf32>) -> tensor<8x16xf32> {
  %0 = aster.matmul %x, %w1 : tensor<8x16xf32>, tensor<16x32xf32> -> tensor<8x32xf32>
  %1 = aster.add %0, %b1 : tensor<8x32xf32>, tensor<32xf32> -> tensor<8x32xf32>
  %2 = aster.gelu %1 approximate = tanh : tensor<8x32xf32>
  %3 = aster.matmul %2, %w2 : tensor<8x32xf32>, tensor<32x16xf32> -> tensor<8x16xf32>
  return %3 : tensor<8x16xf32>
}

// -----

// A residual add and the layer norm after it are one row kernel: both
// outputs (the residual stream and the normalized rows) come out of it.
// CHECK-LABEL: func @residual_norm
// CHECK: %[[K:.*]]:2 = call @residual_norm_k0_reduction(%arg0, %arg1, %arg2, %arg3)
// CHECK-NEXT: return %[[K]]#0, %[[K]]#1
// CHECK-NOT: call
func.func @residual_norm(%x: tensor<4x8xf32>, %r: tensor<4x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %0 = aster.add %x, %r : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  %1 = aster.layer_norm %0, %g, %b epsilon = 1.0e-5 : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>
  return %0, %1 : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Softmax is one row kernel (max, exp, sum and divide over each row).
// CHECK-LABEL: func @softmax
// CHECK: call @softmax_k0_reduction(%arg0)
// CHECK-NOT: call
// CHECK-LABEL: func private @softmax_k0_reduction
// CHECK-SAME: aster.kernel = "reduction"
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.divf
func.func @softmax(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = aster.softmax %x, axis = 1 : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// The norm after a matmul is not its epilogue (a contraction kernel takes
// only elementwise consumers): two kernels.
// CHECK-LABEL: func @matmul_then_norm
// CHECK: %[[M:.*]] = call @matmul_then_norm_k0_matmul(%arg0, %arg1)
// CHECK-NEXT: call @matmul_then_norm_k1_reduction(%[[M]], %arg2, %arg3)
func.func @matmul_then_norm(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %0 = aster.matmul %x, %w : tensor<4x8xf32>, tensor<8x8xf32> -> tensor<4x8xf32>
  %1 = aster.layer_norm %0, %g, %b epsilon = 1.0e-5 : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>
  return %1 : tensor<4x8xf32>
}

// -----

// %e feeds %s (a column sum, which shares no rows with it) and %s feeds
// the add that also reads %e: merging %e and the add would make a kernel
// that both feeds and reads the sum, so the three stay apart.
// CHECK-LABEL: func @no_cycle
// CHECK: %[[E:.*]] = call @no_cycle_k0_elementwise(%arg0)
// CHECK-NEXT: %[[S:.*]] = call @no_cycle_k1_reduction(%[[E]])
// CHECK-NEXT: call @no_cycle_k2_elementwise(%[[E]], %[[S]])
func.func @no_cycle(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %e = aster.exp %x : tensor<4x8xf32>
  %s = aster.reduce sum %e axes = [0] : tensor<4x8xf32> -> tensor<8xf32>
  %a = aster.add %e, %s : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x8xf32>
  return %a : tensor<4x8xf32>
}

// -----

// Slices and reshapes of a kernel's result are cloned into the kernels
// that read them: the attention scores read q and k straight out of the
// fused qkv projection.
// CHECK-LABEL: func @attention_scores
// CHECK: %[[QKV:.*]] = call @attention_scores_k0_matmul(%arg0, %arg1)
// CHECK-NEXT: call @attention_scores_k1_matmul(%[[QKV]])
// CHECK-LABEL: func private @attention_scores_k1_matmul(%arg0: tensor<2x4x24xf32>)
// CHECK: tensor.extract_slice %arg0[0, 0, 0] [2, 4, 8]
// CHECK: tensor.extract_slice %arg0[0, 0, 8] [2, 4, 8]
func.func @attention_scores(%x: tensor<2x4x8xf32>, %w: tensor<8x24xf32>) -> tensor<2x4x4xf32> {
  %qkv = aster.matmul %x, %w : tensor<2x4x8xf32>, tensor<8x24xf32> -> tensor<2x4x24xf32>
  %q = aster.slice %qkv [0, 0, 0] to [2, 4, 8] : tensor<2x4x24xf32> -> tensor<2x4x8xf32>
  %k = aster.slice %qkv [0, 0, 8] to [2, 4, 16] : tensor<2x4x24xf32> -> tensor<2x4x8xf32>
  %s = aster.matmul %q, %k transpose_rhs : tensor<2x4x8xf32>, tensor<2x4x8xf32> -> tensor<2x4x4xf32>
  return %s : tensor<2x4x4xf32>
}

// -----

// Identical kernels (two layers of one shape) are one function, called
// twice.
// CHECK-LABEL: func @two_layers
// CHECK: %[[A:.*]] = call @[[K:two_layers_k[0-9]+_matmul]](%arg0, %arg1, %arg2)
// CHECK-NEXT: call @[[K]](%[[A]], %arg1, %arg3)
// CHECK-COUNT-1: func.func private @two_layers_k
// CHECK-NOT: func.func private
func.func @two_layers(%x: tensor<8x16xf32>, %w: tensor<16x16xf32>, %b1: tensor<16xf32>, %b2: tensor<16xf32>) -> tensor<8x16xf32> {
  %0 = aster.matmul %x, %w : tensor<8x16xf32>, tensor<16x16xf32> -> tensor<8x16xf32>
  %1 = aster.add %0, %b1 : tensor<8x16xf32>, tensor<16xf32> -> tensor<8x16xf32>
  %2 = aster.gelu %1 approximate = tanh : tensor<8x16xf32>
  %3 = aster.matmul %2, %w : tensor<8x16xf32>, tensor<16x16xf32> -> tensor<8x16xf32>
  %4 = aster.add %3, %b2 : tensor<8x16xf32>, tensor<16xf32> -> tensor<8x16xf32>
  %5 = aster.gelu %4 approximate = tanh : tensor<8x16xf32>
  return %5 : tensor<8x16xf32>
}
