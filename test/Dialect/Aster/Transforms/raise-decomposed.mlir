// RUN: aster-opt %s -split-input-file -aster-raise-decomposed | FileCheck %s

// LayerNormalization as ONNX exporters spell it: ReduceMean, Sub, Pow,
// ReduceMean, Add, Sqrt, Div, Mul, Add.
// CHECK-LABEL: func @layer_norm
// CHECK-NEXT: %[[N:.*]] = aster.layer_norm %arg0, %arg1, %arg2 epsilon = 9.9999997473787516E-6 : tensor<2x5x8xf32>, tensor<8xf32>, tensor<8xf32>
// CHECK-NEXT: return %[[N]]
func.func @layer_norm(%x: tensor<2x5x8xf32>, %w: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<2x5x8xf32> {
  %two = aster.constant dense<2.0> : tensor<f32>
  %eps = aster.constant dense<1.0e-5> : tensor<f32>
  %mean = aster.reduce mean %x axes = [2] keep_dims : tensor<2x5x8xf32> -> tensor<2x5x1xf32>
  %d = aster.sub %x, %mean : tensor<2x5x8xf32>, tensor<2x5x1xf32> -> tensor<2x5x8xf32>
  %sq = aster.pow %d, %two : tensor<2x5x8xf32>, tensor<f32> -> tensor<2x5x8xf32>
  %var = aster.reduce mean %sq axes = [2] keep_dims : tensor<2x5x8xf32> -> tensor<2x5x1xf32>
  %ve = aster.add %var, %eps : tensor<2x5x1xf32>, tensor<f32> -> tensor<2x5x1xf32>
  %s = aster.sqrt %ve : tensor<2x5x1xf32>
  %n = aster.div %d, %s : tensor<2x5x8xf32>, tensor<2x5x1xf32> -> tensor<2x5x8xf32>
  %y = aster.mul %n, %w : tensor<2x5x8xf32>, tensor<8xf32> -> tensor<2x5x8xf32>
  %z = aster.add %y, %b : tensor<2x5x8xf32>, tensor<8xf32> -> tensor<2x5x8xf32>
  return %z : tensor<2x5x8xf32>
}

// -----

// The rsqrt spelling, d * d for the square, no affine part.
// CHECK-LABEL: func @layer_norm_rsqrt
// CHECK: %[[ONES:.*]] = aster.constant dense<1.000000e+00> : tensor<8xbf16>
// CHECK-NEXT: %[[N:.*]] = aster.layer_norm %arg0, %[[ONES]] epsilon = 1.000000e+00 : tensor<4x8xbf16>, tensor<8xbf16>
// CHECK-NEXT: return %[[N]]
func.func @layer_norm_rsqrt(%x: tensor<4x8xbf16>) -> tensor<4x8xbf16> {
  %eps = aster.constant dense<1.0> : tensor<bf16>
  %mean = aster.reduce mean %x axes = [1] keep_dims : tensor<4x8xbf16> -> tensor<4x1xbf16>
  %d = aster.sub %x, %mean : tensor<4x8xbf16>, tensor<4x1xbf16> -> tensor<4x8xbf16>
  %sq = aster.mul %d, %d : tensor<4x8xbf16>, tensor<4x8xbf16> -> tensor<4x8xbf16>
  %var = aster.reduce mean %sq axes = [1] keep_dims : tensor<4x8xbf16> -> tensor<4x1xbf16>
  %ve = aster.add %eps, %var : tensor<bf16>, tensor<4x1xbf16> -> tensor<4x1xbf16>
  %r = aster.rsqrt %ve : tensor<4x1xbf16>
  %n = aster.mul %d, %r : tensor<4x8xbf16>, tensor<4x1xbf16> -> tensor<4x8xbf16>
  return %n : tensor<4x8xbf16>
}

// -----

// Not a layer norm: the variance is of another tensor.
// CHECK-LABEL: func @variance_of_other
// CHECK-NOT: aster.layer_norm
func.func @variance_of_other(%x: tensor<4x8xf32>, %o: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %eps = aster.constant dense<1.0e-5> : tensor<f32>
  %mean = aster.reduce mean %x axes = [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %d = aster.sub %x, %mean : tensor<4x8xf32>, tensor<4x1xf32> -> tensor<4x8xf32>
  %mo = aster.reduce mean %o axes = [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %do = aster.sub %o, %mo : tensor<4x8xf32>, tensor<4x1xf32> -> tensor<4x8xf32>
  %sq = aster.mul %do, %do : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  %var = aster.reduce mean %sq axes = [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %ve = aster.add %var, %eps : tensor<4x1xf32>, tensor<f32> -> tensor<4x1xf32>
  %s = aster.sqrt %ve : tensor<4x1xf32>
  %n = aster.div %d, %s : tensor<4x8xf32>, tensor<4x1xf32> -> tensor<4x8xf32>
  return %n : tensor<4x8xf32>
}

// -----

// Not a layer norm: the mean is over the first dimension.
// CHECK-LABEL: func @wrong_axis
// CHECK-NOT: aster.layer_norm
func.func @wrong_axis(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %eps = aster.constant dense<1.0e-5> : tensor<f32>
  %mean = aster.reduce mean %x axes = [0] keep_dims : tensor<4x8xf32> -> tensor<1x8xf32>
  %d = aster.sub %x, %mean : tensor<4x8xf32>, tensor<1x8xf32> -> tensor<4x8xf32>
  %sq = aster.mul %d, %d : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  %var = aster.reduce mean %sq axes = [0] keep_dims : tensor<4x8xf32> -> tensor<1x8xf32>
  %ve = aster.add %var, %eps : tensor<1x8xf32>, tensor<f32> -> tensor<1x8xf32>
  %s = aster.sqrt %ve : tensor<1x8xf32>
  %n = aster.div %d, %s : tensor<4x8xf32>, tensor<1x8xf32> -> tensor<4x8xf32>
  return %n : tensor<4x8xf32>
}

// -----

// GELU as exporters spell it: Div, Erf, Add, Mul, Mul.
// CHECK-LABEL: func @gelu
// CHECK-NEXT: %[[G:.*]] = aster.gelu %arg0 : tensor<2x6xf32>
// CHECK-NEXT: return %[[G]]
func.func @gelu(%x: tensor<2x6xf32>) -> tensor<2x6xf32> {
  %sqrt2 = aster.constant dense<1.41421354> : tensor<f32>
  %one = aster.constant dense<1.0> : tensor<f32>
  %half = aster.constant dense<0.5> : tensor<f32>
  %z = aster.div %x, %sqrt2 : tensor<2x6xf32>, tensor<f32> -> tensor<2x6xf32>
  %e = aster.erf %z : tensor<2x6xf32>
  %a = aster.add %e, %one : tensor<2x6xf32>, tensor<f32> -> tensor<2x6xf32>
  %m = aster.mul %x, %a : tensor<2x6xf32>, tensor<2x6xf32> -> tensor<2x6xf32>
  %g = aster.mul %m, %half : tensor<2x6xf32>, tensor<f32> -> tensor<2x6xf32>
  return %g : tensor<2x6xf32>
}

// -----

// The other order of the products, and x * (1/sqrt(2)).
// CHECK-LABEL: func @gelu_reordered
// CHECK-NEXT: %[[G:.*]] = aster.gelu %arg0 : tensor<6xf32>
// CHECK-NEXT: return %[[G]]
func.func @gelu_reordered(%x: tensor<6xf32>) -> tensor<6xf32> {
  %rsqrt2 = aster.constant dense<0.707106769> : tensor<f32>
  %one = aster.constant dense<1.0> : tensor<f32>
  %half = aster.constant dense<0.5> : tensor<f32>
  %z = aster.mul %rsqrt2, %x : tensor<f32>, tensor<6xf32> -> tensor<6xf32>
  %e = aster.erf %z : tensor<6xf32>
  %a = aster.add %one, %e : tensor<f32>, tensor<6xf32> -> tensor<6xf32>
  %h = aster.mul %half, %x : tensor<f32>, tensor<6xf32> -> tensor<6xf32>
  %g = aster.mul %h, %a : tensor<6xf32>, tensor<6xf32> -> tensor<6xf32>
  return %g : tensor<6xf32>
}

// -----

// Not GELU: the constant is 1.4 (not sqrt(2) in f32), or erf sees another x.
// CHECK-LABEL: func @not_gelu
// CHECK-NOT: aster.gelu
func.func @not_gelu(%x: tensor<6xf32>, %y: tensor<6xf32>) -> (tensor<6xf32>, tensor<6xf32>) {
  %c = aster.constant dense<1.4> : tensor<f32>
  %sqrt2 = aster.constant dense<1.41421354> : tensor<f32>
  %one = aster.constant dense<1.0> : tensor<f32>
  %half = aster.constant dense<0.5> : tensor<f32>
  %z = aster.div %x, %c : tensor<6xf32>, tensor<f32> -> tensor<6xf32>
  %e = aster.erf %z : tensor<6xf32>
  %a = aster.add %e, %one : tensor<6xf32>, tensor<f32> -> tensor<6xf32>
  %m = aster.mul %x, %a : tensor<6xf32>, tensor<6xf32> -> tensor<6xf32>
  %g = aster.mul %m, %half : tensor<6xf32>, tensor<f32> -> tensor<6xf32>
  %z2 = aster.div %y, %sqrt2 : tensor<6xf32>, tensor<f32> -> tensor<6xf32>
  %e2 = aster.erf %z2 : tensor<6xf32>
  %a2 = aster.add %e2, %one : tensor<6xf32>, tensor<f32> -> tensor<6xf32>
  %m2 = aster.mul %x, %a2 : tensor<6xf32>, tensor<6xf32> -> tensor<6xf32>
  %g2 = aster.mul %m2, %half : tensor<6xf32>, tensor<f32> -> tensor<6xf32>
  return %g, %g2 : tensor<6xf32>, tensor<6xf32>
}

// -----

// GPT-2's gelu_new: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))).
// CHECK-LABEL: func @gelu_tanh
// CHECK-NEXT: %[[G:.*]] = aster.gelu %arg0 approximate = tanh : tensor<2x6xf32>
// CHECK-NEXT: return %[[G]]
func.func @gelu_tanh(%x: tensor<2x6xf32>) -> tensor<2x6xf32> {
  %three = aster.constant dense<3.0> : tensor<f32>
  %c = aster.constant dense<0.044715> : tensor<f32>
  %k = aster.constant dense<0.797884583> : tensor<f32>
  %one = aster.constant dense<1.0> : tensor<f32>
  %half = aster.constant dense<0.5> : tensor<f32>
  %cube = aster.pow %x, %three : tensor<2x6xf32>, tensor<f32> -> tensor<2x6xf32>
  %cc = aster.mul %cube, %c : tensor<2x6xf32>, tensor<f32> -> tensor<2x6xf32>
  %s = aster.add %x, %cc : tensor<2x6xf32>, tensor<2x6xf32> -> tensor<2x6xf32>
  %z = aster.mul %k, %s : tensor<f32>, tensor<2x6xf32> -> tensor<2x6xf32>
  %t = aster.tanh %z : tensor<2x6xf32>
  %a = aster.add %one, %t : tensor<f32>, tensor<2x6xf32> -> tensor<2x6xf32>
  %h = aster.mul %half, %x : tensor<f32>, tensor<2x6xf32> -> tensor<2x6xf32>
  %g = aster.mul %h, %a : tensor<2x6xf32>, tensor<2x6xf32> -> tensor<2x6xf32>
  return %g : tensor<2x6xf32>
}

// -----

// The cube as x * (x * x).
// CHECK-LABEL: func @gelu_tanh_products
// CHECK-NEXT: %[[G:.*]] = aster.gelu %arg0 approximate = tanh : tensor<6xf32>
func.func @gelu_tanh_products(%x: tensor<6xf32>) -> tensor<6xf32> {
  %c = aster.constant dense<0.044715> : tensor<f32>
  %k = aster.constant dense<0.797884583> : tensor<f32>
  %one = aster.constant dense<1.0> : tensor<f32>
  %half = aster.constant dense<0.5> : tensor<f32>
  %sq = aster.mul %x, %x : tensor<6xf32>, tensor<6xf32> -> tensor<6xf32>
  %cube = aster.mul %x, %sq : tensor<6xf32>, tensor<6xf32> -> tensor<6xf32>
  %cc = aster.mul %c, %cube : tensor<f32>, tensor<6xf32> -> tensor<6xf32>
  %s = aster.add %cc, %x : tensor<6xf32>, tensor<6xf32> -> tensor<6xf32>
  %z = aster.mul %s, %k : tensor<6xf32>, tensor<f32> -> tensor<6xf32>
  %t = aster.tanh %z : tensor<6xf32>
  %a = aster.add %t, %one : tensor<6xf32>, tensor<f32> -> tensor<6xf32>
  %m = aster.mul %x, %a : tensor<6xf32>, tensor<6xf32> -> tensor<6xf32>
  %g = aster.mul %m, %half : tensor<6xf32>, tensor<f32> -> tensor<6xf32>
  return %g : tensor<6xf32>
}

// -----

// Not the tanh GELU: 0.0447 is not GELU's coefficient.
// CHECK-LABEL: func @not_gelu_tanh
// CHECK-NOT: aster.gelu
func.func @not_gelu_tanh(%x: tensor<6xf32>) -> tensor<6xf32> {
  %three = aster.constant dense<3.0> : tensor<f32>
  %c = aster.constant dense<0.0447> : tensor<f32>
  %k = aster.constant dense<0.797884583> : tensor<f32>
  %one = aster.constant dense<1.0> : tensor<f32>
  %half = aster.constant dense<0.5> : tensor<f32>
  %cube = aster.pow %x, %three : tensor<6xf32>, tensor<f32> -> tensor<6xf32>
  %cc = aster.mul %cube, %c : tensor<6xf32>, tensor<f32> -> tensor<6xf32>
  %s = aster.add %x, %cc : tensor<6xf32>, tensor<6xf32> -> tensor<6xf32>
  %z = aster.mul %k, %s : tensor<f32>, tensor<6xf32> -> tensor<6xf32>
  %t = aster.tanh %z : tensor<6xf32>
  %a = aster.add %one, %t : tensor<f32>, tensor<6xf32> -> tensor<6xf32>
  %m = aster.mul %x, %a : tensor<6xf32>, tensor<6xf32> -> tensor<6xf32>
  %g = aster.mul %m, %half : tensor<6xf32>, tensor<f32> -> tensor<6xf32>
  return %g : tensor<6xf32>
}
