// RUN: aster-opt %s -split-input-file -aster-autodiff -canonicalize -cse | FileCheck %s
// RUN: not aster-opt %s -split-input-file -aster-autodiff=function=missing 2>&1 | FileCheck %s --check-prefix=MISSING

// The fused ops become their saving forms; their backward reads the saved
// log-sum-exp and statistics (no S x S probabilities, no softmax); the
// gradient of %k, used as key and value, is the sum of both; forward values
// the backward does not read are gone after -canonicalize -cse; @loss is
// unchanged.
// CHECK-LABEL: func.func @loss(
// CHECK: aster.rms_norm %
// CHECK: aster.attention %
// CHECK: aster.cross_entropy %
// CHECK-LABEL: func.func @loss_grad(
// CHECK-SAME: %[[X:.*]]: tensor<2x4x8xf32>, %[[W:.*]]: tensor<8xf32>, %[[Q:.*]]: tensor<2x2x4x8xf32>, %[[L:.*]]: tensor<2x4xi32>)
// CHECK-SAME: -> (tensor<f32>, tensor<2x4x8xf32>, tensor<8xf32>, tensor<2x2x4x8xf32>)
// CHECK: %[[ONE:.*]] = aster.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[N:.*]], %[[RSTD:.*]] = aster.rms_norm_fwd %[[X]], %[[W]]
// CHECK: %[[K:.*]] = aster.reshape %[[N]]
// CHECK: %[[O:.*]], %[[LSE:.*]] = aster.attention_fwd %[[Q]], %[[K]], %[[K]] causal
// CHECK: %[[CE:.*]], %[[CELSE:.*]] = aster.cross_entropy_fwd %[[LOGITS:.*]], %[[L]]
// CHECK: %[[DLOGITS:.*]] = aster.cross_entropy_bwd %[[LOGITS]], %[[L]], %[[CELSE]], %[[ONE]]
// CHECK: %[[DO:.*]] = aster.insert_slice
// CHECK: %[[DQ:.*]], %[[DK:.*]], %[[DV:.*]] = aster.attention_bwd %[[Q]], %[[K]], %[[K]], %[[O]], %[[LSE]], %[[DO]] causal
// CHECK: %[[DKV:.*]] = aster.add %[[DK]], %[[DV]]
// CHECK: %[[DN:.*]] = aster.reshape %[[DKV]]
// CHECK: %[[DX:.*]], %[[DW:.*]] = aster.rms_norm_bwd %[[X]], %[[W]], %[[RSTD]], %[[DN]]
// CHECK: return %[[CE]], %[[DX]], %[[DW]], %[[DQ]]
// CHECK-NOT: aster.softmax
func.func @loss(%x: tensor<2x4x8xf32>, %w: tensor<8xf32>, %q: tensor<2x2x4x8xf32>, %labels: tensor<2x4xi32>) -> tensor<f32> {
  %n = aster.rms_norm %x, %w : tensor<2x4x8xf32>, tensor<8xf32>
  %k = aster.reshape %n : tensor<2x4x8xf32> -> tensor<2x1x4x8xf32>
  %a = aster.attention %q, %k, %k causal : tensor<2x2x4x8xf32>, tensor<2x1x4x8xf32>, tensor<2x1x4x8xf32> -> tensor<2x2x4x8xf32>
  %s = aster.slice %a [0, 0, 0, 0] to [2, 1, 4, 8] : tensor<2x2x4x8xf32> -> tensor<2x1x4x8xf32>
  %l = aster.reshape %s : tensor<2x1x4x8xf32> -> tensor<2x4x8xf32>
  %ce = aster.cross_entropy %l, %labels : tensor<2x4x8xf32>, tensor<2x4xi32> -> tensor<f32>
  return %ce : tensor<f32>
}

// -----

// Data arguments (aster.data) and integers get no gradient; an argument
// the loss does not depend on gets zeros.
// CHECK-LABEL: func.func @loss_grad(
// CHECK-SAME: -> (tensor<f32>, tensor<3xf32>, tensor<3xf32>)
// CHECK-DAG: %[[ZERO:.*]] = aster.constant dense<0.000000e+00> : tensor<3xf32>
// CHECK: return %{{.*}}, %{{.*}}, %[[ZERO]]
func.func @loss(%p: tensor<3xf32>, %data: tensor<3xf32> {aster.data = "x"}, %unused: tensor<3xf32>, %i: tensor<3xi32>) -> tensor<f32> {
  %m = aster.mul %p, %data : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  %r = aster.reduce sum %m axes = [0] : tensor<3xf32> -> tensor<f32>
  return %r : tensor<f32>
}

// MISSING: error: aster-autodiff: no function @missing
