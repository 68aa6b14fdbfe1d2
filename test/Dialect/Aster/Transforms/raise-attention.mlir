// RUN: aster-opt %s -split-input-file -aster-raise-decomposed | FileCheck %s

// HuggingFace eager GPT-2: (q @ k^T) / sqrt(d), torch.where(causal, w,
// finfo(f32).min), softmax, @ v.
// CHECK-LABEL: func @hf_gpt2
// CHECK-NEXT: %[[O:.*]] = aster.attention %arg0, %arg1, %arg2 causal scale = 0.35355339
// CHECK-NEXT: return %[[O]]
func.func @hf_gpt2(%q: tensor<2x3x4x8xf32>, %k: tensor<2x3x4x8xf32>, %v: tensor<2x3x4x8xf32>) -> tensor<2x3x4x8xf32> {
  %kt = aster.transpose %k, [0, 1, 3, 2] : tensor<2x3x4x8xf32> -> tensor<2x3x8x4xf32>
  %s = aster.matmul %q, %kt : tensor<2x3x4x8xf32>, tensor<2x3x8x4xf32> -> tensor<2x3x4x4xf32>
  %d = aster.constant dense<2.82842708> : tensor<f32>
  %w = aster.div %s, %d : tensor<2x3x4x4xf32>, tensor<f32> -> tensor<2x3x4x4xf32>
  %c = aster.constant dense<[[[[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]]]> : tensor<1x1x4x4xi1>
  %min = aster.constant dense<-3.40282347E+38> : tensor<f32>
  %m = aster.select %c, %w, %min : tensor<1x1x4x4xi1>, tensor<2x3x4x4xf32>, tensor<f32> -> tensor<2x3x4x4xf32>
  %p = aster.softmax %m, axis = 3 : tensor<2x3x4x4xf32>
  %o = aster.matmul %p, %v : tensor<2x3x4x4xf32>, tensor<2x3x4x8xf32> -> tensor<2x3x4x8xf32>
  return %o : tensor<2x3x4x8xf32>
}

// -----

// torch.onnx's scaled_dot_product_attention(is_causal=True): sqrt(scale)
// on q and on k^T, an additive -inf bias; then a padding mask.
// CHECK-LABEL: func @torch_export
// CHECK-NEXT: %[[O:.*]] = aster.attention %arg0, %arg1, %arg2 mask %arg3 causal scale = 2.500000e-01
// CHECK-NEXT: return %[[O]]
func.func @torch_export(%q: tensor<2x3x4x8xf32>, %k: tensor<2x3x4x8xf32>, %v: tensor<2x3x4x8xf32>, %pad: tensor<2x1x1x4xf32>) -> tensor<2x3x4x8xf32> {
  %r = aster.constant dense<0.5> : tensor<f32>
  %qs = aster.mul %q, %r : tensor<2x3x4x8xf32>, tensor<f32> -> tensor<2x3x4x8xf32>
  %kt = aster.transpose %k, [0, 1, 3, 2] : tensor<2x3x4x8xf32> -> tensor<2x3x8x4xf32>
  %ks = aster.mul %r, %kt : tensor<f32>, tensor<2x3x8x4xf32> -> tensor<2x3x8x4xf32>
  %s = aster.matmul %qs, %ks : tensor<2x3x4x8xf32>, tensor<2x3x8x4xf32> -> tensor<2x3x4x4xf32>
  %b = aster.constant dense<[[0.0, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0, 0.0]]> : tensor<4x4xf32>
  %sb = aster.add %s, %b : tensor<2x3x4x4xf32>, tensor<4x4xf32> -> tensor<2x3x4x4xf32>
  %sp = aster.add %pad, %sb : tensor<2x1x1x4xf32>, tensor<2x3x4x4xf32> -> tensor<2x3x4x4xf32>
  %p = aster.softmax %sp, axis = 3 : tensor<2x3x4x4xf32>
  %o = aster.matmul %p, %v : tensor<2x3x4x4xf32>, tensor<2x3x4x8xf32> -> tensor<2x3x4x8xf32>
  return %o : tensor<2x3x4x8xf32>
}

// -----

// Multi-query (one K/V head, broadcast by the matmuls), transpose_rhs,
// bf16, no mask, no scale.
// CHECK-LABEL: func @mqa
// CHECK-NEXT: %[[O:.*]] = aster.attention %arg0, %arg1, %arg2 scale = 1.000000e+00
// CHECK-NEXT: return %[[O]]
func.func @mqa(%q: tensor<2x3x4x8xbf16>, %k: tensor<2x1x4x8xbf16>, %v: tensor<2x1x4x8xbf16>) -> tensor<2x3x4x8xbf16> {
  %s = aster.matmul %q, %k transpose_rhs : tensor<2x3x4x8xbf16>, tensor<2x1x4x8xbf16> -> tensor<2x3x4x4xbf16>
  %p = aster.softmax %s, axis = 3 : tensor<2x3x4x4xbf16>
  %o = aster.matmul %p, %v : tensor<2x3x4x4xbf16>, tensor<2x1x4x8xbf16> -> tensor<2x3x4x8xbf16>
  return %o : tensor<2x3x4x8xbf16>
}

// -----

// Rank 3 ([batch * heads, S, D]) is read as one batch of heads.
// CHECK-LABEL: func @rank3
// CHECK: %[[Q:.*]] = aster.reshape %arg0 : tensor<6x4x8xf32> -> tensor<1x6x4x8xf32>
// CHECK: %[[O:.*]] = aster.attention %[[Q]], %{{.*}}, %{{.*}} causal scale = 1.250000e-01
// CHECK: aster.reshape %[[O]] : tensor<1x6x4x8xf32> -> tensor<6x4x8xf32>
func.func @rank3(%q: tensor<6x4x8xf32>, %k: tensor<6x4x8xf32>, %v: tensor<6x4x8xf32>) -> tensor<6x4x8xf32> {
  %s = aster.matmul %q, %k transpose_rhs : tensor<6x4x8xf32>, tensor<6x4x8xf32> -> tensor<6x4x4xf32>
  %c = aster.constant dense<0.125> : tensor<1xf32>
  %w = aster.mul %s, %c : tensor<6x4x4xf32>, tensor<1xf32> -> tensor<6x4x4xf32>
  %b = aster.constant dense<[[[0.0, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0, 0.0]]]> : tensor<1x4x4xf32>
  %sb = aster.add %w, %b : tensor<6x4x4xf32>, tensor<1x4x4xf32> -> tensor<6x4x4xf32>
  %p = aster.softmax %sb, axis = 2 : tensor<6x4x4xf32>
  %o = aster.matmul %p, %v : tensor<6x4x4xf32>, tensor<6x4x8xf32> -> tensor<6x4x8xf32>
  return %o : tensor<6x4x8xf32>
}

// -----

// Not raised: a mask value of -1e4 (GPT-2's old masked_bias) is not
// provably zero after the softmax.
// CHECK-LABEL: func @weak_mask
// CHECK-NOT: aster.attention
func.func @weak_mask(%q: tensor<2x3x4x8xf32>, %k: tensor<2x3x4x8xf32>, %v: tensor<2x3x4x8xf32>) -> tensor<2x3x4x8xf32> {
  %s = aster.matmul %q, %k transpose_rhs : tensor<2x3x4x8xf32>, tensor<2x3x4x8xf32> -> tensor<2x3x4x4xf32>
  %c = aster.constant dense<[[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]> : tensor<4x4xi1>
  %min = aster.constant dense<-1.0e+04> : tensor<f32>
  %m = aster.select %c, %s, %min : tensor<4x4xi1>, tensor<2x3x4x4xf32>, tensor<f32> -> tensor<2x3x4x4xf32>
  %p = aster.softmax %m, axis = 3 : tensor<2x3x4x4xf32>
  %o = aster.matmul %p, %v : tensor<2x3x4x4xf32>, tensor<2x3x4x8xf32> -> tensor<2x3x4x8xf32>
  return %o : tensor<2x3x4x8xf32>
}

// -----

// A bottom-right causal bias (two queries at the end of four keys) is not
// aster.attention's top-left causal: it stays an additive mask operand.
// CHECK-LABEL: func @bottom_right
// CHECK: %[[B:.*]] = aster.constant
// CHECK-NEXT: %[[O:.*]] = aster.attention %arg0, %arg1, %arg2 mask %[[B]] scale = 1.000000e+00 :
// CHECK-NEXT: return %[[O]]
func.func @bottom_right(%q: tensor<2x3x2x8xf32>, %k: tensor<2x3x4x8xf32>, %v: tensor<2x3x4x8xf32>) -> tensor<2x3x2x8xf32> {
  %s = aster.matmul %q, %k transpose_rhs : tensor<2x3x2x8xf32>, tensor<2x3x4x8xf32> -> tensor<2x3x2x4xf32>
  %b = aster.constant dense<[[0.0, 0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0, 0.0]]> : tensor<2x4xf32>
  %sb = aster.add %s, %b : tensor<2x3x2x4xf32>, tensor<2x4xf32> -> tensor<2x3x2x4xf32>
  %p = aster.softmax %sb, axis = 3 : tensor<2x3x2x4xf32>
  %o = aster.matmul %p, %v : tensor<2x3x2x4xf32>, tensor<2x3x4x8xf32> -> tensor<2x3x2x8xf32>
  return %o : tensor<2x3x2x8xf32>
}

// -----

// Not raised: the softmax over another axis; a transpose of other
// dimensions; a bottom-right boolean condition in a select.
// CHECK-LABEL: func @not_attention
// CHECK-NOT: aster.attention
func.func @not_attention(%q: tensor<2x3x4x8xf32>, %k: tensor<2x3x4x8xf32>, %v: tensor<2x3x4x8xf32>, %q2: tensor<2x3x2x8xf32>) -> (tensor<2x3x4x8xf32>, tensor<2x3x4x8xf32>, tensor<2x3x2x8xf32>) {
  %s = aster.matmul %q, %k transpose_rhs : tensor<2x3x4x8xf32>, tensor<2x3x4x8xf32> -> tensor<2x3x4x4xf32>
  %p = aster.softmax %s, axis = 2 : tensor<2x3x4x4xf32>
  %o = aster.matmul %p, %v : tensor<2x3x4x4xf32>, tensor<2x3x4x8xf32> -> tensor<2x3x4x8xf32>
  %kt = aster.transpose %k, [1, 0, 3, 2] : tensor<2x3x4x8xf32> -> tensor<3x2x8x4xf32>
  %kt2 = aster.reshape %kt : tensor<3x2x8x4xf32> -> tensor<2x3x8x4xf32>
  %s2 = aster.matmul %q, %kt2 : tensor<2x3x4x8xf32>, tensor<2x3x8x4xf32> -> tensor<2x3x4x4xf32>
  %p2 = aster.softmax %s2, axis = 3 : tensor<2x3x4x4xf32>
  %o2 = aster.matmul %p2, %v : tensor<2x3x4x4xf32>, tensor<2x3x4x8xf32> -> tensor<2x3x4x8xf32>
  %s4 = aster.matmul %q2, %k transpose_rhs : tensor<2x3x2x8xf32>, tensor<2x3x4x8xf32> -> tensor<2x3x2x4xf32>
  %c = aster.constant dense<[[true, true, true, false], [true, true, true, true]]> : tensor<2x4xi1>
  %min = aster.constant dense<0xFF800000> : tensor<f32>
  %m = aster.select %c, %s4, %min : tensor<2x4xi1>, tensor<2x3x2x4xf32>, tensor<f32> -> tensor<2x3x2x4xf32>
  %p4 = aster.softmax %m, axis = 3 : tensor<2x3x2x4xf32>
  %o4 = aster.matmul %p4, %v : tensor<2x3x2x4xf32>, tensor<2x3x4x8xf32> -> tensor<2x3x2x8xf32>
  return %o, %o2, %o4 : tensor<2x3x4x8xf32>, tensor<2x3x4x8xf32>, tensor<2x3x2x8xf32>
}
