// RUN: aster-opt %s -split-input-file -aster-autodiff -verify-diagnostics

// expected-error @+1 {{aster-autodiff: @loss must return one rank-0 float tensor, got 'tensor<3xf32>'}}
func.func @loss(%p: tensor<3xf32>) -> tensor<3xf32> {
  return %p : tensor<3xf32>
}

// -----

// expected-error @+1 {{aster-autodiff: @loss must return one rank-0 float tensor, got 'tensor<i32>'}}
func.func @loss(%p: tensor<i32>) -> tensor<i32> {
  return %p : tensor<i32>
}

// -----

func.func @loss(%q: tensor<1x1x2x4xf32>, %m: tensor<2x2xf32>) -> tensor<f32> {
  // expected-error @+1 {{'aster.attention_fwd' op cannot differentiate through its mask, which depends on a differentiated argument}}
  %a = aster.attention %q, %q, %q mask %m : tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>, tensor<2x2xf32> -> tensor<1x1x2x4xf32>
  %r = aster.reduce sum %a axes = [0, 1, 2, 3] : tensor<1x1x2x4xf32> -> tensor<f32>
  return %r : tensor<f32>
}

// -----

func.func @loss(%x: tensor<2x4xf32>, %w: tensor<4xf32>, %s: tensor<2xf32> {aster.data = "s"}) -> tensor<f32> {
  // expected-error @+1 {{'aster.rms_norm_bwd' op has no gradient rule (second-order gradients are not supported)}}
  %dx, %dw = aster.rms_norm_bwd %x, %w, %s, %x : tensor<2x4xf32>, tensor<4xf32>, tensor<2xf32>, tensor<2x4xf32> -> tensor<2x4xf32>, tensor<4xf32>
  %r = aster.reduce sum %dw axes = [0] : tensor<4xf32> -> tensor<f32>
  return %r : tensor<f32>
}

// -----

// expected-error @+1 {{aster-autodiff: @loss_grad already exists}}
func.func @loss(%p: tensor<f32>) -> tensor<f32> {
  return %p : tensor<f32>
}
func.func @loss_grad() {
  return
}
