// RUN: aster-opt %s | aster-opt | FileCheck %s
// RUN: aster-opt %s --mlir-print-op-generic | aster-opt | FileCheck %s

// Round trip of every op in its custom and generic forms.

// CHECK-LABEL: func @params
// CHECK-SAME: aster.init = #aster.init<normal, std = 2.000000e-02>, aster.name = "wte"
// CHECK-SAME: aster.init = #aster.init<uniform, low = -1.000000e-01, high = 1.000000e-01>, aster.name = "u"
// CHECK-SAME: aster.init = #aster.init<constant, value = 5.000000e-01>, aster.name = "c"
// CHECK-SAME: aster.init = #aster.init<zeros>, aster.name = "z"
// CHECK-SAME: aster.init = #aster.init<normal, mean = 1.000000e+00>, aster.name = "m"
// CHECK-SAME: {aster.data = "tokens"}
func.func @params(
    %a: tensor<4x8xf32> {aster.name = "wte", aster.init = #aster.init<normal, std = 0.02>},
    %b: tensor<8xf32> {aster.name = "u", aster.init = #aster.init<uniform, low = -0.1, high = 0.1>},
    %c: tensor<8xbf16> {aster.name = "c", aster.init = #aster.init<constant, value = 0.5>},
    %d: tensor<8xf16> {aster.name = "z", aster.init = #aster.init<zeros>},
    %e: tensor<8xf32> {aster.name = "m", aster.init = #aster.init<normal, mean = 1.0, std = 1.0>},
    %f: tensor<8xf32> {aster.name = "no.init"},
    %g: tensor<2x8xi32> {aster.data = "tokens"}) {
  return
}

// CHECK-LABEL: func @constant
// CHECK: aster.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK: aster.constant dense<7> : tensor<2x3xi64>
func.func @constant() -> (tensor<2xf32>, tensor<2x3xi64>) {
  %0 = aster.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %1 = aster.constant dense<7> : tensor<2x3xi64>
  return %0, %1 : tensor<2xf32>, tensor<2x3xi64>
}

// CHECK-LABEL: func @embedding
// CHECK: aster.embedding %{{.*}}[%{{.*}}] : tensor<16x8xbf16>, tensor<2x5xi64> -> tensor<2x5x8xbf16>
func.func @embedding(%t: tensor<16x8xbf16>, %ids: tensor<2x5xi64>) -> tensor<2x5x8xbf16> {
  %0 = aster.embedding %t[%ids] : tensor<16x8xbf16>, tensor<2x5xi64> -> tensor<2x5x8xbf16>
  return %0 : tensor<2x5x8xbf16>
}

// CHECK-LABEL: func @matmul
// CHECK: aster.matmul %{{.*}}, %{{.*}} : tensor<2x3x4xf32>, tensor<4x5xf32> -> tensor<2x3x5xf32>
// CHECK: aster.matmul %{{.*}}, %{{.*}} transpose_lhs transpose_rhs : tensor<7x4x3xf16>, tensor<1x5x4xf16> -> tensor<7x3x5xf16>
// CHECK: aster.matmul %{{.*}}, %{{.*}} transpose_rhs : tensor<3x4xf32>, tensor<5x4xf32> -> tensor<3x5xf32>
func.func @matmul(%a: tensor<2x3x4xf32>, %b: tensor<4x5xf32>, %c: tensor<7x4x3xf16>, %d: tensor<1x5x4xf16>,
                  %e: tensor<3x4xf32>, %f: tensor<5x4xf32>) -> (tensor<2x3x5xf32>, tensor<7x3x5xf16>, tensor<3x5xf32>) {
  %0 = aster.matmul %a, %b : tensor<2x3x4xf32>, tensor<4x5xf32> -> tensor<2x3x5xf32>
  %1 = aster.matmul %c, %d transpose_lhs transpose_rhs : tensor<7x4x3xf16>, tensor<1x5x4xf16> -> tensor<7x3x5xf16>
  %2 = aster.matmul %e, %f transpose_rhs : tensor<3x4xf32>, tensor<5x4xf32> -> tensor<3x5xf32>
  return %0, %1, %2 : tensor<2x3x5xf32>, tensor<7x3x5xf16>, tensor<3x5xf32>
}

// CHECK-LABEL: func @binary
// CHECK: aster.add %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
// CHECK: aster.sub %{{.*}}, %{{.*}} : tensor<2x1xf32>, tensor<1x3xf32> -> tensor<2x3xf32>
// CHECK: aster.mul %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<f32> -> tensor<2x3xf32>
// CHECK: aster.div %{{.*}}, %{{.*}} : tensor<4xi32>, tensor<4xi32> -> tensor<4xi32>
func.func @binary(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<2x1xf32>, %d: tensor<1x3xf32>,
                  %s: tensor<f32>, %i: tensor<4xi32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<4xi32>) {
  %0 = aster.add %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %1 = aster.sub %c, %d : tensor<2x1xf32>, tensor<1x3xf32> -> tensor<2x3xf32>
  %2 = aster.mul %a, %s : tensor<2x3xf32>, tensor<f32> -> tensor<2x3xf32>
  %3 = aster.div %i, %i : tensor<4xi32>, tensor<4xi32> -> tensor<4xi32>
  return %0, %1, %2, %3 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<4xi32>
}

// CHECK-LABEL: func @unary
// CHECK: aster.exp %{{.*}} : tensor<2x3xf32>
// CHECK: aster.log %{{.*}} : tensor<2x3xf32>
// CHECK: aster.tanh %{{.*}} : tensor<2x3xf32>
// CHECK: aster.rsqrt %{{.*}} : tensor<2x3xf32>
// CHECK: aster.sqrt %{{.*}} : tensor<2x3xf32>
// CHECK: aster.neg %{{.*}} : tensor<2x3xf32>
// CHECK: aster.erf %{{.*}} : tensor<2x3xf32>
// CHECK: aster.silu %{{.*}} : tensor<2x3xbf16>
// CHECK: aster.relu %{{.*}} : tensor<2x3xf16>
// CHECK: aster.gelu %{{.*}} : tensor<2x3xf32>
// CHECK: aster.gelu %{{.*}} approximate = tanh : tensor<2x3xf32>
func.func @unary(%x: tensor<2x3xf32>, %y: tensor<2x3xbf16>, %z: tensor<2x3xf16>) {
  %0 = aster.exp %x : tensor<2x3xf32>
  %1 = aster.log %x : tensor<2x3xf32>
  %2 = aster.tanh %x : tensor<2x3xf32>
  %3 = aster.rsqrt %x : tensor<2x3xf32>
  %4 = aster.sqrt %x : tensor<2x3xf32>
  %5 = aster.neg %x : tensor<2x3xf32>
  %6 = aster.erf %x : tensor<2x3xf32>
  %7 = aster.silu %y : tensor<2x3xbf16>
  %8 = aster.relu %z : tensor<2x3xf16>
  %9 = aster.gelu %x : tensor<2x3xf32>
  %10 = aster.gelu %x approximate = tanh : tensor<2x3xf32>
  return
}

// CHECK-LABEL: func @softmax
// CHECK: aster.softmax %{{.*}}, axis = 1 : tensor<2x3xf32>
// CHECK: aster.log_softmax %{{.*}}, axis = 0 : tensor<2x3xf32>
func.func @softmax(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = aster.softmax %x, axis = 1 : tensor<2x3xf32>
  %1 = aster.log_softmax %x, axis = 0 : tensor<2x3xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<2x3xf32>
}

// CHECK-LABEL: func @norms
// CHECK: aster.layer_norm %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x5x8xf32>, tensor<8xf32>, tensor<8xf32>
// CHECK: aster.layer_norm %{{.*}}, %{{.*}} epsilon = 1.000000e-03 : tensor<2x5x8xf32>, tensor<8xf32>
// CHECK: aster.rms_norm %{{.*}}, %{{.*}} : tensor<2x5x8xf32>, tensor<8xf32>
// CHECK: aster.rms_norm %{{.*}}, %{{.*}} epsilon = 1.000000e-05 : tensor<2x5x8xf32>, tensor<8xf32>
func.func @norms(%x: tensor<2x5x8xf32>, %w: tensor<8xf32>, %b: tensor<8xf32>) {
  %0 = aster.layer_norm %x, %w, %b : tensor<2x5x8xf32>, tensor<8xf32>, tensor<8xf32>
  %1 = aster.layer_norm %x, %w epsilon = 1.0e-3 : tensor<2x5x8xf32>, tensor<8xf32>
  %2 = aster.rms_norm %x, %w : tensor<2x5x8xf32>, tensor<8xf32>
  %3 = aster.rms_norm %x, %w epsilon = 1.0e-5 : tensor<2x5x8xf32>, tensor<8xf32>
  return
}

// CHECK-LABEL: func @rope
// CHECK: aster.rope %{{.*}} : tensor<2x4x5x8xf32>
// CHECK: aster.rope %{{.*}}, %{{.*}} theta = 5.000000e+05 layout = interleaved : tensor<2x4x5x8xf32>, tensor<5xi32>
func.func @rope(%x: tensor<2x4x5x8xf32>, %p: tensor<5xi32>) {
  %0 = aster.rope %x : tensor<2x4x5x8xf32>
  %1 = aster.rope %x, %p theta = 5.0e5 layout = interleaved : tensor<2x4x5x8xf32>, tensor<5xi32>
  return
}

// CHECK-LABEL: func @attention
// CHECK: aster.attention %{{.*}}, %{{.*}}, %{{.*}} causal : tensor<2x6x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x4xf32> -> tensor<2x6x5x4xf32>
// CHECK: aster.attention %{{.*}}, %{{.*}}, %{{.*}} mask %{{.*}} scale = 1.250000e-01 : tensor<2x6x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x4xf32>, tensor<5x5xf32> -> tensor<2x6x5x4xf32>
func.func @attention(%q: tensor<2x6x5x8xf32>, %k: tensor<2x2x5x8xf32>, %v: tensor<2x2x5x4xf32>, %m: tensor<5x5xf32>) {
  %0 = aster.attention %q, %k, %v causal : tensor<2x6x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x4xf32> -> tensor<2x6x5x4xf32>
  %1 = aster.attention %q, %k, %v mask %m scale = 0.125 : tensor<2x6x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x4xf32>, tensor<5x5xf32> -> tensor<2x6x5x4xf32>
  return
}

// CHECK-LABEL: func @shapes
// CHECK: aster.reshape %{{.*}} : tensor<2x3x4xf32> -> tensor<6x4xf32>
// CHECK: aster.transpose %{{.*}}, [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
// CHECK: aster.slice %{{.*}} [0, 1, 0] to [2, 3, 4] : tensor<2x3x4xf32> -> tensor<2x2x4xf32>
// CHECK: aster.slice %{{.*}} [0, 0, 1] to [2, 3, 4] step [1, 2, 2] : tensor<2x3x4xf32> -> tensor<2x2x2xf32>
// CHECK: aster.concat(%{{.*}}, %{{.*}}) axis = 1 : tensor<2x3x4xf32>, tensor<2x3x4xf32> -> tensor<2x6x4xf32>
// CHECK: aster.reduce sum %{{.*}} axes = [0, 2] : tensor<2x3x4xf32> -> tensor<3xf32>
// CHECK: aster.reduce max %{{.*}} axes = [2] keep_dims : tensor<2x3x4xf32> -> tensor<2x3x1xf32>
// CHECK: aster.reduce mean %{{.*}} axes = [1] : tensor<2x3x4xf32> -> tensor<2x4xf32>
func.func @shapes(%x: tensor<2x3x4xf32>) {
  %0 = aster.reshape %x : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %1 = aster.transpose %x, [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  %2 = aster.slice %x [0, 1, 0] to [2, 3, 4] : tensor<2x3x4xf32> -> tensor<2x2x4xf32>
  %3 = aster.slice %x [0, 0, 1] to [2, 3, 4] step [1, 2, 2] : tensor<2x3x4xf32> -> tensor<2x2x2xf32>
  %4 = aster.concat(%x, %x) axis = 1 : tensor<2x3x4xf32>, tensor<2x3x4xf32> -> tensor<2x6x4xf32>
  %5 = aster.reduce sum %x axes = [0, 2] : tensor<2x3x4xf32> -> tensor<3xf32>
  %6 = aster.reduce max %x axes = [2] keep_dims : tensor<2x3x4xf32> -> tensor<2x3x1xf32>
  %7 = aster.reduce mean %x axes = [1] : tensor<2x3x4xf32> -> tensor<2x4xf32>
  return
}

// CHECK-LABEL: func @cast
// CHECK: aster.cast %{{.*}} : tensor<2x3xf32> -> tensor<2x3xbf16>
// CHECK: aster.cast %{{.*}} : tensor<2x3xf32> -> tensor<2x3xi32>
func.func @cast(%x: tensor<2x3xf32>) -> (tensor<2x3xbf16>, tensor<2x3xi32>) {
  %0 = aster.cast %x : tensor<2x3xf32> -> tensor<2x3xbf16>
  %1 = aster.cast %x : tensor<2x3xf32> -> tensor<2x3xi32>
  return %0, %1 : tensor<2x3xbf16>, tensor<2x3xi32>
}

// CHECK-LABEL: func @cross_entropy
// CHECK: aster.cross_entropy %{{.*}}, %{{.*}} : tensor<2x5x7xf32>, tensor<2x5xi32> -> tensor<f32>
// CHECK: aster.cross_entropy %{{.*}}, %{{.*}} ignore_index = 0 reduction = none : tensor<2x5x7xbf16>, tensor<2x5xi64> -> tensor<2x5xf32>
// CHECK: aster.cross_entropy %{{.*}}, %{{.*}} reduction = sum : tensor<2x5x7xf32>, tensor<2x5xi32> -> tensor<f32>
func.func @cross_entropy(%l: tensor<2x5x7xf32>, %t: tensor<2x5xi32>, %lb: tensor<2x5x7xbf16>, %t64: tensor<2x5xi64>) {
  %0 = aster.cross_entropy %l, %t : tensor<2x5x7xf32>, tensor<2x5xi32> -> tensor<f32>
  %1 = aster.cross_entropy %lb, %t64 ignore_index = 0 reduction = none : tensor<2x5x7xbf16>, tensor<2x5xi64> -> tensor<2x5xf32>
  %2 = aster.cross_entropy %l, %t reduction = sum : tensor<2x5x7xf32>, tensor<2x5xi32> -> tensor<f32>
  return
}

// Another dialect's annotations pass through.
// CHECK-LABEL: func @foreign_attribute
// CHECK: aster.exp %{{.*}} {other.tag = 1 : i64} : tensor<2xf32>
func.func @foreign_attribute(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = aster.exp %x {other.tag = 1 : i64} : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// CHECK-LABEL: func @boolean_and_indexing
// CHECK: aster.compare lt %{{.*}}, %{{.*}} : tensor<4x4xi64>, tensor<4x1xi64> -> tensor<4x4xi1>
// CHECK: aster.compare ne %{{.*}}, %{{.*}} : tensor<3xf32>, tensor<3xf32> -> tensor<3xi1>
// CHECK: aster.select %{{.*}}, %{{.*}}, %{{.*}} : tensor<4x4xi1>, tensor<4x4xf32>, tensor<f32> -> tensor<4x4xf32>
// CHECK: aster.gather %{{.*}}[%{{.*}}] axis = 1 : tensor<3x5x2xf32>, tensor<4xi64> -> tensor<3x4x2xf32>
// CHECK: aster.pow %{{.*}}, %{{.*}} : tensor<3xf32>, tensor<f32> -> tensor<3xf32>
// CHECK: aster.sigmoid %{{.*}} : tensor<3xf32>
// CHECK: aster.broadcast %{{.*}} : tensor<4x1xi64> -> tensor<2x4x3xi64>
// CHECK: aster.cast %{{.*}} : tensor<4x4xi1> -> tensor<4x4xf32>
// CHECK: aster.constant dense<[true, false]> : tensor<2xi1>
func.func @boolean_and_indexing(%a: tensor<4x4xi64>, %b: tensor<4x1xi64>, %x: tensor<4x4xf32>, %s: tensor<f32>,
                                %t: tensor<3x5x2xf32>, %i: tensor<4xi64>, %f: tensor<3xf32>) {
  %0 = aster.compare lt %a, %b : tensor<4x4xi64>, tensor<4x1xi64> -> tensor<4x4xi1>
  %1 = aster.compare ne %f, %f : tensor<3xf32>, tensor<3xf32> -> tensor<3xi1>
  %2 = aster.select %0, %x, %s : tensor<4x4xi1>, tensor<4x4xf32>, tensor<f32> -> tensor<4x4xf32>
  %3 = aster.gather %t[%i] axis = 1 : tensor<3x5x2xf32>, tensor<4xi64> -> tensor<3x4x2xf32>
  %4 = aster.pow %f, %s : tensor<3xf32>, tensor<f32> -> tensor<3xf32>
  %5 = aster.sigmoid %f : tensor<3xf32>
  %6 = aster.broadcast %b : tensor<4x1xi64> -> tensor<2x4x3xi64>
  %7 = aster.cast %0 : tensor<4x4xi1> -> tensor<4x4xf32>
  %8 = aster.constant dense<[true, false]> : tensor<2xi1>
  return
}

// Training ops: the forms that save for their backward, the backward ops and
// the adjoints of data movement.

// CHECK-LABEL: func @training_unary
// CHECK: aster.sin %{{.*}} : tensor<2x3xf32>
// CHECK: aster.cos %{{.*}} : tensor<2x3xbf16>
func.func @training_unary(%x: tensor<2x3xf32>, %y: tensor<2x3xbf16>) -> (tensor<2x3xf32>, tensor<2x3xbf16>) {
  %0 = aster.sin %x : tensor<2x3xf32>
  %1 = aster.cos %y : tensor<2x3xbf16>
  return %0, %1 : tensor<2x3xf32>, tensor<2x3xbf16>
}

// CHECK-LABEL: func @rope_inverse
// CHECK: aster.rope %{{.*}} inverse : tensor<2x4x5x8xf32>
// CHECK: aster.rope %{{.*}}, %{{.*}} theta = 5.000000e+05 layout = interleaved inverse : tensor<2x4x5x8xf32>, tensor<5xi32>
func.func @rope_inverse(%x: tensor<2x4x5x8xf32>, %p: tensor<5xi32>) -> (tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>) {
  %0 = aster.rope %x inverse : tensor<2x4x5x8xf32>
  %1 = aster.rope %x, %p theta = 5.0e5 layout = interleaved inverse : tensor<2x4x5x8xf32>, tensor<5xi32>
  return %0, %1 : tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>
}

// CHECK-LABEL: func @scatter_add
// CHECK: aster.scatter_add %{{.*}}[%{{.*}}] axis = 0 : tensor<2x5x8xf32>, tensor<2x5xi32> -> tensor<16x8xf32>
// CHECK: aster.scatter_add %{{.*}}[%{{.*}}] axis = 1 : tensor<3x4x2xbf16>, tensor<4xi64> -> tensor<3x5x2xbf16>
func.func @scatter_add(%g: tensor<2x5x8xf32>, %ids: tensor<2x5xi32>, %h: tensor<3x4x2xbf16>, %i: tensor<4xi64>)
    -> (tensor<16x8xf32>, tensor<3x5x2xbf16>) {
  %0 = aster.scatter_add %g[%ids] axis = 0 : tensor<2x5x8xf32>, tensor<2x5xi32> -> tensor<16x8xf32>
  %1 = aster.scatter_add %h[%i] axis = 1 : tensor<3x4x2xbf16>, tensor<4xi64> -> tensor<3x5x2xbf16>
  return %0, %1 : tensor<16x8xf32>, tensor<3x5x2xbf16>
}

// CHECK-LABEL: func @insert_slice
// CHECK: aster.insert_slice %{{.*}} [0, 1, 0] to [2, 3, 4] : tensor<2x2x4xf32> -> tensor<2x3x4xf32>
// CHECK: aster.insert_slice %{{.*}} [0, 0, 1] to [2, 3, 4] step [1, 2, 2] : tensor<2x2x2xf32> -> tensor<2x3x4xf32>
func.func @insert_slice(%a: tensor<2x2x4xf32>, %b: tensor<2x2x2xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>) {
  %0 = aster.insert_slice %a [0, 1, 0] to [2, 3, 4] : tensor<2x2x4xf32> -> tensor<2x3x4xf32>
  %1 = aster.insert_slice %b [0, 0, 1] to [2, 3, 4] step [1, 2, 2] : tensor<2x2x2xf32> -> tensor<2x3x4xf32>
  return %0, %1 : tensor<2x3x4xf32>, tensor<2x3x4xf32>
}

// CHECK-LABEL: func @attention_fwd_bwd
// CHECK: aster.attention_fwd %{{.*}}, %{{.*}}, %{{.*}} causal : tensor<2x6x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x4xf32> -> tensor<2x6x5x4xf32>, tensor<2x6x5xf32>
// CHECK: aster.attention_fwd %{{.*}}, %{{.*}}, %{{.*}} mask %{{.*}} scale = 1.250000e-01 : tensor<2x6x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x4xf32>, tensor<5x5xf32> -> tensor<2x6x5x4xf32>, tensor<2x6x5xf32>
// CHECK: aster.attention_bwd %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} causal : tensor<2x6x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x4xf32>, tensor<2x6x5x4xf32>, tensor<2x6x5xf32>, tensor<2x6x5x4xf32> -> tensor<2x6x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x4xf32>
// CHECK: aster.attention_bwd %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} mask %{{.*}} scale = 1.250000e-01 : tensor<2x6x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x4xf32>, tensor<2x6x5x4xf32>, tensor<2x6x5xf32>, tensor<2x6x5x4xf32>, tensor<5x5xf32> -> tensor<2x6x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x4xf32>
// CHECK: aster.attention_fwd %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x2x3x4xbf16>, tensor<1x2x3x4xbf16>, tensor<1x2x3x4xbf16> -> tensor<1x2x3x4xbf16>, tensor<1x2x3xf32>
func.func @attention_fwd_bwd(%q: tensor<2x6x5x8xf32>, %k: tensor<2x2x5x8xf32>, %v: tensor<2x2x5x4xf32>, %m: tensor<5x5xf32>,
                             %g: tensor<2x6x5x4xf32>, %qb: tensor<1x2x3x4xbf16>) {
  %o0, %l0 = aster.attention_fwd %q, %k, %v causal : tensor<2x6x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x4xf32> -> tensor<2x6x5x4xf32>, tensor<2x6x5xf32>
  %o1, %l1 = aster.attention_fwd %q, %k, %v mask %m scale = 0.125 : tensor<2x6x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x4xf32>, tensor<5x5xf32> -> tensor<2x6x5x4xf32>, tensor<2x6x5xf32>
  %dq0, %dk0, %dv0 = aster.attention_bwd %q, %k, %v, %o0, %l0, %g causal
      : tensor<2x6x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x4xf32>, tensor<2x6x5x4xf32>, tensor<2x6x5xf32>, tensor<2x6x5x4xf32>
      -> tensor<2x6x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x4xf32>
  %dq1, %dk1, %dv1 = aster.attention_bwd %q, %k, %v, %o1, %l1, %g mask %m scale = 0.125
      : tensor<2x6x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x4xf32>, tensor<2x6x5x4xf32>, tensor<2x6x5xf32>, tensor<2x6x5x4xf32>, tensor<5x5xf32>
      -> tensor<2x6x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x4xf32>
  %o2, %l2 = aster.attention_fwd %qb, %qb, %qb : tensor<1x2x3x4xbf16>, tensor<1x2x3x4xbf16>, tensor<1x2x3x4xbf16> -> tensor<1x2x3x4xbf16>, tensor<1x2x3xf32>
  return
}

// CHECK-LABEL: func @norms_fwd_bwd
// CHECK: aster.layer_norm_fwd %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x5x8xf32>, tensor<8xf32>, tensor<8xf32> -> tensor<2x5x8xf32>, tensor<2x5xf32>, tensor<2x5xf32>
// CHECK: aster.layer_norm_fwd %{{.*}}, %{{.*}} epsilon = 1.000000e-03 : tensor<2x5x8xf32>, tensor<8xf32> -> tensor<2x5x8xf32>, tensor<2x5xf32>, tensor<2x5xf32>
// CHECK: aster.layer_norm_bwd %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x5x8xf32>, tensor<8xf32>, tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5x8xf32> -> tensor<2x5x8xf32>, tensor<8xf32>, tensor<8xf32>
// CHECK: aster.rms_norm_fwd %{{.*}}, %{{.*}} : tensor<2x5x8xf32>, tensor<8xf32> -> tensor<2x5x8xf32>, tensor<2x5xf32>
// CHECK: aster.rms_norm_fwd %{{.*}}, %{{.*}} epsilon = 1.000000e-05 : tensor<3x8xbf16>, tensor<8xbf16> -> tensor<3x8xbf16>, tensor<3xf32>
// CHECK: aster.rms_norm_bwd %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x5x8xf32>, tensor<8xf32>, tensor<2x5xf32>, tensor<2x5x8xf32> -> tensor<2x5x8xf32>, tensor<8xf32>
func.func @norms_fwd_bwd(%x: tensor<2x5x8xf32>, %w: tensor<8xf32>, %b: tensor<8xf32>, %g: tensor<2x5x8xf32>,
                         %xb: tensor<3x8xbf16>, %wb: tensor<8xbf16>) {
  %y0, %m0, %r0 = aster.layer_norm_fwd %x, %w, %b : tensor<2x5x8xf32>, tensor<8xf32>, tensor<8xf32> -> tensor<2x5x8xf32>, tensor<2x5xf32>, tensor<2x5xf32>
  %y1, %m1, %r1 = aster.layer_norm_fwd %x, %w epsilon = 1.0e-3 : tensor<2x5x8xf32>, tensor<8xf32> -> tensor<2x5x8xf32>, tensor<2x5xf32>, tensor<2x5xf32>
  %dx0, %dw0, %db0 = aster.layer_norm_bwd %x, %w, %m0, %r0, %g
      : tensor<2x5x8xf32>, tensor<8xf32>, tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5x8xf32>
      -> tensor<2x5x8xf32>, tensor<8xf32>, tensor<8xf32>
  %y2, %r2 = aster.rms_norm_fwd %x, %w : tensor<2x5x8xf32>, tensor<8xf32> -> tensor<2x5x8xf32>, tensor<2x5xf32>
  %y3, %r3 = aster.rms_norm_fwd %xb, %wb epsilon = 1.0e-5 : tensor<3x8xbf16>, tensor<8xbf16> -> tensor<3x8xbf16>, tensor<3xf32>
  %dx1, %dw1 = aster.rms_norm_bwd %x, %w, %r2, %g
      : tensor<2x5x8xf32>, tensor<8xf32>, tensor<2x5xf32>, tensor<2x5x8xf32> -> tensor<2x5x8xf32>, tensor<8xf32>
  return
}

// CHECK-LABEL: func @cross_entropy_fwd_bwd
// CHECK: aster.cross_entropy_fwd %{{.*}}, %{{.*}} : tensor<2x5x7xf32>, tensor<2x5xi32> -> tensor<f32>, tensor<2x5xf32>
// CHECK: aster.cross_entropy_fwd %{{.*}}, %{{.*}} ignore_index = 0 reduction = none : tensor<2x5x7xbf16>, tensor<2x5xi64> -> tensor<2x5xf32>, tensor<2x5xf32>
// CHECK: aster.cross_entropy_fwd %{{.*}}, %{{.*}} reduction = sum : tensor<2x5x7xf32>, tensor<2x5xi32> -> tensor<f32>, tensor<2x5xf32>
// CHECK: aster.cross_entropy_bwd %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x5x7xf32>, tensor<2x5xi32>, tensor<2x5xf32>, tensor<f32> -> tensor<2x5x7xf32>
// CHECK: aster.cross_entropy_bwd %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} ignore_index = 0 reduction = none : tensor<2x5x7xbf16>, tensor<2x5xi64>, tensor<2x5xf32>, tensor<2x5xf32> -> tensor<2x5x7xbf16>
// CHECK: aster.cross_entropy_bwd %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} reduction = sum : tensor<2x5x7xf32>, tensor<2x5xi32>, tensor<2x5xf32>, tensor<f32> -> tensor<2x5x7xf32>
func.func @cross_entropy_fwd_bwd(%l: tensor<2x5x7xf32>, %t: tensor<2x5xi32>, %lb: tensor<2x5x7xbf16>, %t64: tensor<2x5xi64>) {
  %0, %lse0 = aster.cross_entropy_fwd %l, %t : tensor<2x5x7xf32>, tensor<2x5xi32> -> tensor<f32>, tensor<2x5xf32>
  %1, %lse1 = aster.cross_entropy_fwd %lb, %t64 ignore_index = 0 reduction = none : tensor<2x5x7xbf16>, tensor<2x5xi64> -> tensor<2x5xf32>, tensor<2x5xf32>
  %2, %lse2 = aster.cross_entropy_fwd %l, %t reduction = sum : tensor<2x5x7xf32>, tensor<2x5xi32> -> tensor<f32>, tensor<2x5xf32>
  %3 = aster.cross_entropy_bwd %l, %t, %lse0, %0 : tensor<2x5x7xf32>, tensor<2x5xi32>, tensor<2x5xf32>, tensor<f32> -> tensor<2x5x7xf32>
  %4 = aster.cross_entropy_bwd %lb, %t64, %lse1, %1 ignore_index = 0 reduction = none
      : tensor<2x5x7xbf16>, tensor<2x5xi64>, tensor<2x5xf32>, tensor<2x5xf32> -> tensor<2x5x7xbf16>
  %5 = aster.cross_entropy_bwd %l, %t, %lse2, %2 reduction = sum : tensor<2x5x7xf32>, tensor<2x5xi32>, tensor<2x5xf32>, tensor<f32> -> tensor<2x5x7xf32>
  return
}
