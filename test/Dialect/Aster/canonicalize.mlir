// RUN: aster-opt %s -split-input-file -canonicalize | FileCheck %s

// CHECK-LABEL: func @reshape_identity
// CHECK-NEXT: return %arg0
func.func @reshape_identity(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = aster.reshape %x : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func @reshape_chain
// CHECK-NEXT: %[[R:.*]] = aster.reshape %arg0 : tensor<2x3x4xf32> -> tensor<24xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_chain(%x: tensor<2x3x4xf32>) -> tensor<24xf32> {
  %0 = aster.reshape %x : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %1 = aster.reshape %0 : tensor<6x4xf32> -> tensor<24xf32>
  return %1 : tensor<24xf32>
}

// -----

// CHECK-LABEL: func @reshape_round_trip
// CHECK-NEXT: return %arg0
func.func @reshape_round_trip(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = aster.reshape %x : tensor<2x3xf32> -> tensor<6xf32>
  %1 = aster.reshape %0 : tensor<6xf32> -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func @reshape_constant
// CHECK-NEXT: %[[C:.*]] = aster.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK-NEXT: return %[[C]]
func.func @reshape_constant() -> tensor<2x2xf32> {
  %c = aster.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %0 = aster.reshape %c : tensor<4xf32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// CHECK-LABEL: func @transpose_identity
// CHECK-NEXT: return %arg0
func.func @transpose_identity(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = aster.transpose %x, [0, 1] : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func @transpose_inverse_pair
// CHECK-NEXT: return %arg0
func.func @transpose_inverse_pair(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = aster.transpose %x, [1, 2, 0] : tensor<2x3x4xf32> -> tensor<3x4x2xf32>
  %1 = aster.transpose %0, [2, 0, 1] : tensor<3x4x2xf32> -> tensor<2x3x4xf32>
  return %1 : tensor<2x3x4xf32>
}

// -----

// Composition: result dim i is x's dim p[q[i]] = [1, 2, 0][[0, 2, 1][i]].
// CHECK-LABEL: func @transpose_compose
// CHECK-NEXT: %[[T:.*]] = aster.transpose %arg0, [1, 0, 2] : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
// CHECK-NEXT: return %[[T]]
func.func @transpose_compose(%x: tensor<2x3x4xf32>) -> tensor<3x2x4xf32> {
  %0 = aster.transpose %x, [1, 2, 0] : tensor<2x3x4xf32> -> tensor<3x4x2xf32>
  %1 = aster.transpose %0, [0, 2, 1] : tensor<3x4x2xf32> -> tensor<3x2x4xf32>
  return %1 : tensor<3x2x4xf32>
}

// -----

// Moving only unit dimensions moves no data.
// CHECK-LABEL: func @transpose_unit_dims
// CHECK-NEXT: %[[R:.*]] = aster.reshape %arg0 : tensor<2x1x3x1xf32> -> tensor<1x2x3x1xf32>
// CHECK-NEXT: return %[[R]]
func.func @transpose_unit_dims(%x: tensor<2x1x3x1xf32>) -> tensor<1x2x3x1xf32> {
  %0 = aster.transpose %x, [1, 0, 2, 3] : tensor<2x1x3x1xf32> -> tensor<1x2x3x1xf32>
  return %0 : tensor<1x2x3x1xf32>
}

// -----

// CHECK-LABEL: func @transpose_moves_data
// CHECK-NEXT: %[[T:.*]] = aster.transpose %arg0, [1, 0, 2] : tensor<2x3x1xf32> -> tensor<3x2x1xf32>
// CHECK-NEXT: return %[[T]]
func.func @transpose_moves_data(%x: tensor<2x3x1xf32>) -> tensor<3x2x1xf32> {
  %0 = aster.transpose %x, [1, 0, 2] : tensor<2x3x1xf32> -> tensor<3x2x1xf32>
  return %0 : tensor<3x2x1xf32>
}

// -----

// CHECK-LABEL: func @transpose_splat
// CHECK-NEXT: %[[C:.*]] = aster.constant dense<2.000000e+00> : tensor<3x2xf32>
// CHECK-NEXT: return %[[C]]
func.func @transpose_splat() -> tensor<3x2xf32> {
  %c = aster.constant dense<2.0> : tensor<2x3xf32>
  %0 = aster.transpose %c, [1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// CHECK-LABEL: func @cast_identity
// CHECK-NEXT: return %arg0
func.func @cast_identity(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = aster.cast %x : tensor<2xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// bf16 -> f32 is exact, so the round trip is the identity.
// CHECK-LABEL: func @cast_widen_narrow
// CHECK-NEXT: return %arg0
func.func @cast_widen_narrow(%x: tensor<2xbf16>) -> tensor<2xbf16> {
  %0 = aster.cast %x : tensor<2xbf16> -> tensor<2xf32>
  %1 = aster.cast %0 : tensor<2xf32> -> tensor<2xbf16>
  return %1 : tensor<2xbf16>
}

// -----

// f32 -> bf16 rounds: the round trip must stay.
// CHECK-LABEL: func @cast_narrow_widen
// CHECK-NEXT: aster.cast %arg0 : tensor<2xf32> -> tensor<2xbf16>
// CHECK-NEXT: aster.cast %{{.*}} : tensor<2xbf16> -> tensor<2xf32>
func.func @cast_narrow_widen(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = aster.cast %x : tensor<2xf32> -> tensor<2xbf16>
  %1 = aster.cast %0 : tensor<2xbf16> -> tensor<2xf32>
  return %1 : tensor<2xf32>
}

// -----

// f16 -> f32 is exact, so f16 -> f32 -> bf16 is f16 -> bf16.
// CHECK-LABEL: func @cast_through_exact
// CHECK-NEXT: %[[C:.*]] = aster.cast %arg0 : tensor<2xf16> -> tensor<2xbf16>
// CHECK-NEXT: return %[[C]]
func.func @cast_through_exact(%x: tensor<2xf16>) -> tensor<2xbf16> {
  %0 = aster.cast %x : tensor<2xf16> -> tensor<2xf32>
  %1 = aster.cast %0 : tensor<2xf32> -> tensor<2xbf16>
  return %1 : tensor<2xbf16>
}

// -----

// i64 -> i32 wraps: the chain stays.
// CHECK-LABEL: func @cast_int_narrowing
// CHECK-NEXT: aster.cast %arg0 : tensor<2xi64> -> tensor<2xi32>
// CHECK-NEXT: aster.cast %{{.*}} : tensor<2xi32> -> tensor<2xi64>
func.func @cast_int_narrowing(%x: tensor<2xi64>) -> tensor<2xi64> {
  %0 = aster.cast %x : tensor<2xi64> -> tensor<2xi32>
  %1 = aster.cast %0 : tensor<2xi32> -> tensor<2xi64>
  return %1 : tensor<2xi64>
}

// -----

// CHECK-LABEL: func @cast_splat
// CHECK-NEXT: %[[C:.*]] = aster.constant dense<3.000000e+00> : tensor<4xbf16>
// CHECK-NEXT: return %[[C]]
func.func @cast_splat() -> tensor<4xbf16> {
  %c = aster.constant dense<3.0> : tensor<4xf32>
  %0 = aster.cast %c : tensor<4xf32> -> tensor<4xbf16>
  return %0 : tensor<4xbf16>
}

// -----

// CHECK-LABEL: func @arith_neutral
// CHECK-NOT: aster.add
// CHECK-NOT: aster.sub
// CHECK-NOT: aster.mul
// CHECK-NOT: aster.div
// CHECK: return %arg0, %arg0, %arg0, %arg0, %arg0, %arg0
func.func @arith_neutral(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %zero = aster.constant dense<0.0> : tensor<3xf32>
  %one = aster.constant dense<1.0> : tensor<f32>
  %0 = aster.add %x, %zero : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %1 = aster.add %zero, %x : tensor<3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  %2 = aster.sub %x, %zero : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %3 = aster.mul %x, %one : tensor<2x3xf32>, tensor<f32> -> tensor<2x3xf32>
  %4 = aster.mul %one, %x : tensor<f32>, tensor<2x3xf32> -> tensor<2x3xf32>
  %5 = aster.div %x, %one : tensor<2x3xf32>, tensor<f32> -> tensor<2x3xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// A neutral operand that broadcasts x to a larger shape does not fold away.
// CHECK-LABEL: func @arith_neutral_broadcasts
// CHECK: aster.add %arg0, %{{.*}} : tensor<3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
// CHECK: aster.sub %{{.*}}, %arg0 : tensor<3xf32>, tensor<3xf32>
func.func @arith_neutral_broadcasts(%x: tensor<3xf32>) -> (tensor<2x3xf32>, tensor<3xf32>) {
  %zero = aster.constant dense<0.0> : tensor<2x3xf32>
  %z3 = aster.constant dense<0.0> : tensor<3xf32>
  %0 = aster.add %x, %zero : tensor<3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  %1 = aster.sub %z3, %x : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<3xf32>
}

// -----

// CHECK-LABEL: func @int_neutral
// CHECK-NEXT: return %arg0
func.func @int_neutral(%x: tensor<4xi32>) -> tensor<4xi32> {
  %one = aster.constant dense<1> : tensor<4xi32>
  %0 = aster.mul %x, %one : tensor<4xi32>, tensor<4xi32> -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// CHECK-LABEL: func @double_neg
// CHECK-NEXT: return %arg0
func.func @double_neg(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = aster.neg %x : tensor<4xf32>
  %1 = aster.neg %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func @slice_full
// CHECK-NEXT: return %arg0
func.func @slice_full(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = aster.slice %x [0, 0] to [2, 3] : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func @slice_partial
// CHECK-NEXT: aster.slice %arg0 [0, 1] to [2, 3]
func.func @slice_partial(%x: tensor<2x3xf32>) -> tensor<2x2xf32> {
  %0 = aster.slice %x [0, 1] to [2, 3] : tensor<2x3xf32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// CHECK-LABEL: func @concat_single
// CHECK-NEXT: return %arg0
func.func @concat_single(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = aster.concat(%x) axis = 1 : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func @reduce_unit_dims
// CHECK-NEXT: %[[R:.*]] = aster.reshape %arg0 : tensor<2x1x3xf32> -> tensor<2x3xf32>
// CHECK-NEXT: return %[[R]], %arg0
func.func @reduce_unit_dims(%x: tensor<2x1x3xf32>) -> (tensor<2x3xf32>, tensor<2x1x3xf32>) {
  %0 = aster.reduce sum %x axes = [1] : tensor<2x1x3xf32> -> tensor<2x3xf32>
  %1 = aster.reduce max %x axes = [1] keep_dims : tensor<2x1x3xf32> -> tensor<2x1x3xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<2x1x3xf32>
}

// -----

// CHECK-LABEL: func @reduce_real
// CHECK-NEXT: aster.reduce mean %arg0 axes = [2]
func.func @reduce_real(%x: tensor<2x1x3xf32>) -> tensor<2x1xf32> {
  %0 = aster.reduce mean %x axes = [2] : tensor<2x1x3xf32> -> tensor<2x1xf32>
  return %0 : tensor<2x1xf32>
}

// -----

// CHECK-LABEL: func @broadcast_identity
// CHECK-NEXT: return %arg0
func.func @broadcast_identity(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = aster.broadcast %x : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func @broadcast_splat
// CHECK-NEXT: %[[C:.*]] = aster.constant dense<5> : tensor<2x3xi32>
// CHECK-NEXT: return %[[C]]
func.func @broadcast_splat() -> tensor<2x3xi32> {
  %c = aster.constant dense<5> : tensor<3xi32>
  %0 = aster.broadcast %c : tensor<3xi32> -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

// Casts to i1 test x != 0; from i1 give 0 or 1 (not -1).
// CHECK-LABEL: func @cast_splat_bool
// CHECK-DAG: aster.constant dense<true> : tensor<2xi1>
// CHECK-DAG: aster.constant dense<1> : tensor<2xi32>
func.func @cast_splat_bool() -> (tensor<2xi1>, tensor<2xi32>) {
  %two = aster.constant dense<2> : tensor<2xi32>
  %0 = aster.cast %two : tensor<2xi32> -> tensor<2xi1>
  %t = aster.constant dense<true> : tensor<2xi1>
  %1 = aster.cast %t : tensor<2xi1> -> tensor<2xi32>
  return %0, %1 : tensor<2xi1>, tensor<2xi32>
}
