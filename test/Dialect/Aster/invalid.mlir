// RUN: aster-opt %s -split-input-file -verify-diagnostics

// One case per verifier rule. Type constraints first, then op by op.

func.func @dynamic_shape(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{must be statically shaped tensor}}
  %0 = aster.exp %x : tensor<?x4xf32>
  return
}

// -----

func.func @f64_unsupported(%x: tensor<4xf64>) {
  // expected-error @+1 {{must be statically shaped tensor of 32-bit float or bfloat16 type or 16-bit float values}}
  %0 = aster.exp %x : tensor<4xf64>
  return
}

// -----

func.func @unranked(%x: tensor<*xf32>) {
  // expected-error @+1 {{invalid kind of type specified: expected builtin.tensor, but found 'tensor<*xf32>'}}
  %0 = aster.neg %x : tensor<*xf32>
  return
}

// -----

func.func @constant_f64() {
  // expected-error @+1 {{result #0 must be statically shaped tensor}}
  %0 = aster.constant dense<1.0> : tensor<2xf64>
  return
}

// -----

func.func @embedding_float_ids(%t: tensor<16x8xf32>, %ids: tensor<2xf32>) {
  // expected-error @+1 {{operand #1 must be statically shaped tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = aster.embedding %t[%ids] : tensor<16x8xf32>, tensor<2xf32> -> tensor<2x8xf32>
  return
}

// -----

func.func @embedding_table_rank(%t: tensor<16xf32>, %ids: tensor<2xi32>) {
  // expected-error @+1 {{'aster.embedding' op expects a 2-D table [vocab, dim], got rank 1}}
  %0 = aster.embedding %t[%ids] : tensor<16xf32>, tensor<2xi32> -> tensor<2x8xf32>
  return
}

// -----

func.func @embedding_wrong_result(%t: tensor<16x8xf32>, %ids: tensor<2xi32>) {
  // expected-error @+1 {{'aster.embedding' op result type 'tensor<2x4xf32>' does not match 'tensor<2x8xf32>', the type its operands and attributes give}}
  %0 = aster.embedding %t[%ids] : tensor<16x8xf32>, tensor<2xi32> -> tensor<2x4xf32>
  return
}

// -----

func.func @matmul_rank(%a: tensor<4xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+1 {{'aster.matmul' op expects operands of rank 2 or more, got ranks 1 and 2}}
  %0 = aster.matmul %a, %b : tensor<4xf32>, tensor<4x5xf32> -> tensor<5xf32>
  return
}

// -----

func.func @matmul_element_types(%a: tensor<3x4xf32>, %b: tensor<4x5xbf16>) {
  // expected-error @+1 {{'aster.matmul' op expects operands of one element type, got 'f32' and 'bf16'}}
  %0 = aster.matmul %a, %b : tensor<3x4xf32>, tensor<4x5xbf16> -> tensor<3x5xf32>
  return
}

// -----

func.func @matmul_contraction(%a: tensor<3x4xf32>, %b: tensor<5x4xf32>) {
  // expected-error @+1 {{'aster.matmul' op contraction sizes differ: lhs has K = 4, rhs has K = 5 (check the transpose_lhs / transpose_rhs flags)}}
  %0 = aster.matmul %a, %b : tensor<3x4xf32>, tensor<5x4xf32> -> tensor<3x4xf32>
  return
}

// -----

func.func @matmul_batch(%a: tensor<2x3x4xf32>, %b: tensor<3x4x5xf32>) {
  // expected-error @+1 {{'aster.matmul' op batch dimensions do not broadcast: [2] and [3]}}
  %0 = aster.matmul %a, %b : tensor<2x3x4xf32>, tensor<3x4x5xf32> -> tensor<2x3x5xf32>
  return
}

// -----

func.func @matmul_result(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+1 {{result type 'tensor<3x6xf32>' does not match 'tensor<3x5xf32>', the type its operands and attributes give}}
  %0 = aster.matmul %a, %b : tensor<3x4xf32>, tensor<4x5xf32> -> tensor<3x6xf32>
  return
}

// -----

func.func @add_element_types(%a: tensor<3xf32>, %b: tensor<3xf16>) {
  // expected-error @+1 {{'aster.add' op expects operands of one element type, got 'f32' and 'f16' (insert an aster.cast)}}
  %0 = aster.add %a, %b : tensor<3xf32>, tensor<3xf16> -> tensor<3xf32>
  return
}

// -----

func.func @mul_broadcast(%a: tensor<2x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{'aster.mul' op operand shapes [2, 3] and [2] do not broadcast}}
  %0 = aster.mul %a, %b : tensor<2x3xf32>, tensor<2xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @sub_result(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'aster.sub' op result type 'tensor<3xf32>' does not match 'tensor<2x3xf32>', the type its operands and attributes give}}
  %0 = aster.sub %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<3xf32>
  return
}

// -----

func.func @unary_int(%a: tensor<3xi32>) {
  // expected-error @+1 {{must be statically shaped tensor of 32-bit float or bfloat16 type or 16-bit float values}}
  %0 = aster.relu %a : tensor<3xi32>
  return
}

// -----

func.func @gelu_unknown_approximation(%x: tensor<3xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'approximate' [none, tanh]}}
  %0 = aster.gelu %x approximate = sigmoid : tensor<3xf32>
  return
}

// -----

func.func @softmax_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'aster.softmax' op axis 2 is out of range for a rank-2 input; expected 0 <= axis < 2}}
  %0 = aster.softmax %x, axis = 2 : tensor<2x3xf32>
  return
}

// -----

func.func @log_softmax_negative_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'aster.log_softmax' op axis -1 is out of range for a rank-2 input; expected 0 <= axis < 2}}
  %0 = aster.log_softmax %x, axis = -1 : tensor<2x3xf32>
  return
}

// -----

func.func @layer_norm_weight(%x: tensor<2x8xf32>, %w: tensor<4xf32>) {
  // expected-error @+1 {{'aster.layer_norm' op weight must be 1-D of size 8 (the input's last dimension), got 'tensor<4xf32>'}}
  %0 = aster.layer_norm %x, %w : tensor<2x8xf32>, tensor<4xf32>
  return
}

// -----

func.func @layer_norm_bias(%x: tensor<2x8xf32>, %w: tensor<8xf32>, %b: tensor<1x8xf32>) {
  // expected-error @+1 {{'aster.layer_norm' op bias must be 1-D of size 8 (the input's last dimension), got 'tensor<1x8xf32>'}}
  %0 = aster.layer_norm %x, %w, %b : tensor<2x8xf32>, tensor<8xf32>, tensor<1x8xf32>
  return
}

// -----

func.func @layer_norm_weight_type(%x: tensor<2x8xbf16>, %w: tensor<8xf32>) {
  // expected-error @+1 {{'aster.layer_norm' op weight must have the input's element type 'bf16', got 'f32'}}
  %0 = aster.layer_norm %x, %w : tensor<2x8xbf16>, tensor<8xf32>
  return
}

// -----

func.func @layer_norm_rank0(%x: tensor<f32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{'aster.layer_norm' op expects an input of rank 1 or more}}
  %0 = aster.layer_norm %x, %w : tensor<f32>, tensor<8xf32>
  return
}

// -----

func.func @layer_norm_epsilon(%x: tensor<2x8xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{'aster.layer_norm' op epsilon must be a finite value >= 0, got -1.000000e+00}}
  %0 = aster.layer_norm %x, %w epsilon = -1.0 : tensor<2x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @rms_norm_weight(%x: tensor<2x8xf32>, %w: tensor<2x8xf32>) {
  // expected-error @+1 {{'aster.rms_norm' op weight must be 1-D of size 8 (the input's last dimension), got 'tensor<2x8xf32>'}}
  %0 = aster.rms_norm %x, %w : tensor<2x8xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @rms_norm_epsilon(%x: tensor<2x8xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{'aster.rms_norm' op epsilon must be a finite value >= 0}}
  %0 = aster.rms_norm %x, %w epsilon = 0x7FF0000000000000 : tensor<2x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @rope_rank(%x: tensor<8xf32>) {
  // expected-error @+1 {{'aster.rope' op expects an input [..., seq, head_dim] of rank 2 or more, got rank 1}}
  %0 = aster.rope %x : tensor<8xf32>
  return
}

// -----

func.func @rope_odd_head_dim(%x: tensor<4x7xf32>) {
  // expected-error @+1 {{'aster.rope' op head dimension must be even to rotate pairs, got 7}}
  %0 = aster.rope %x : tensor<4x7xf32>
  return
}

// -----

func.func @rope_positions(%x: tensor<2x4x8xf32>, %p: tensor<2xi32>) {
  // expected-error @+1 {{'aster.rope' op positions must be 1-D of size 4 (the input's sequence dimension), got 'tensor<2xi32>'}}
  %0 = aster.rope %x, %p : tensor<2x4x8xf32>, tensor<2xi32>
  return
}

// -----

func.func @rope_theta(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'aster.rope' op theta must be a finite value > 0, got 0.000000e+00}}
  %0 = aster.rope %x theta = 0.0 : tensor<4x8xf32>
  return
}

// -----

func.func @attention_rank(%q: tensor<4x5x8xf32>, %k: tensor<2x4x5x8xf32>) {
  // expected-error @+1 {{'aster.attention' op query must be 4-D [batch, heads, seq, head_dim], got 'tensor<4x5x8xf32>'}}
  %0 = aster.attention %q, %k, %k : tensor<4x5x8xf32>, tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32> -> tensor<2x4x5x8xf32>
  return
}

// -----

func.func @attention_types(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x5x8xbf16>) {
  // expected-error @+1 {{'aster.attention' op query, key and value must share an element type, got 'f32' and 'bf16'}}
  %0 = aster.attention %q, %k, %k : tensor<2x4x5x8xf32>, tensor<2x4x5x8xbf16>, tensor<2x4x5x8xbf16> -> tensor<2x4x5x8xf32>
  return
}

// -----

func.func @attention_batch(%q: tensor<2x4x5x8xf32>, %k: tensor<3x4x5x8xf32>) {
  // expected-error @+1 {{'aster.attention' op query, key and value must have the same batch size, got 2, 3, 3}}
  %0 = aster.attention %q, %k, %k : tensor<2x4x5x8xf32>, tensor<3x4x5x8xf32>, tensor<3x4x5x8xf32> -> tensor<2x4x5x8xf32>
  return
}

// -----

func.func @attention_kv_heads(%q: tensor<2x4x5x8xf32>, %k: tensor<2x2x5x8xf32>, %v: tensor<2x4x5x8xf32>) {
  // expected-error @+1 {{'aster.attention' op key and value must have the same number of heads, got 2 and 4}}
  %0 = aster.attention %q, %k, %v : tensor<2x4x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x4x5x8xf32> -> tensor<2x4x5x8xf32>
  return
}

// -----

func.func @attention_gqa(%q: tensor<2x4x5x8xf32>, %k: tensor<2x3x5x8xf32>) {
  // expected-error @+1 {{'aster.attention' op key/value heads (3) must divide query heads (4)}}
  %0 = aster.attention %q, %k, %k : tensor<2x4x5x8xf32>, tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32> -> tensor<2x4x5x8xf32>
  return
}

// -----

func.func @attention_kv_seq(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x6x8xf32>, %v: tensor<2x4x5x8xf32>) {
  // expected-error @+1 {{'aster.attention' op key and value must have the same sequence length, got 6 and 5}}
  %0 = aster.attention %q, %k, %v : tensor<2x4x5x8xf32>, tensor<2x4x6x8xf32>, tensor<2x4x5x8xf32> -> tensor<2x4x5x8xf32>
  return
}

// -----

func.func @attention_head_dim(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x5x4xf32>) {
  // expected-error @+1 {{'aster.attention' op query and key head dimensions differ: 8 and 4}}
  %0 = aster.attention %q, %k, %k : tensor<2x4x5x8xf32>, tensor<2x4x5x4xf32>, tensor<2x4x5x4xf32> -> tensor<2x4x5x4xf32>
  return
}

// -----

func.func @attention_mask_type(%q: tensor<2x4x5x8xf32>, %m: tensor<5x5xf16>) {
  // expected-error @+1 {{'aster.attention' op mask must have the query's element type 'f32', got 'f16'}}
  %0 = aster.attention %q, %q, %q mask %m : tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>, tensor<5x5xf16> -> tensor<2x4x5x8xf32>
  return
}

// -----

func.func @attention_mask_shape(%q: tensor<2x4x5x8xf32>, %m: tensor<4x5xf32>) {
  // expected-error @+1 {{'aster.attention' op mask of shape [4, 5] does not broadcast to the scores' shape [2, 4, 5, 5]}}
  %0 = aster.attention %q, %q, %q mask %m : tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>, tensor<4x5xf32> -> tensor<2x4x5x8xf32>
  return
}

// -----

func.func @attention_mask_rank(%q: tensor<2x4x5x8xf32>, %m: tensor<1x2x4x5x5xf32>) {
  // expected-error @+1 {{'aster.attention' op mask of shape [1, 2, 4, 5, 5] does not broadcast to the scores' shape [2, 4, 5, 5]}}
  %0 = aster.attention %q, %q, %q mask %m : tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>, tensor<1x2x4x5x5xf32> -> tensor<2x4x5x8xf32>
  return
}

// -----

func.func @attention_scale(%q: tensor<2x4x5x8xf32>) {
  // expected-error @+1 {{'aster.attention' op scale must be finite}}
  %0 = aster.attention %q, %q, %q scale = 0x7FF8000000000000 : tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32> -> tensor<2x4x5x8xf32>
  return
}

// -----

func.func @reshape_element_type(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'aster.reshape' op cannot change the element type ('f32' to 'bf16'); use aster.cast}}
  %0 = aster.reshape %x : tensor<2x3xf32> -> tensor<6xbf16>
  return
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'aster.reshape' op element counts differ: 'tensor<2x3xf32>' has 6, 'tensor<7xf32>' has 7}}
  %0 = aster.reshape %x : tensor<2x3xf32> -> tensor<7xf32>
  return
}

// -----

func.func @transpose_length(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'aster.transpose' op permutation has 3 entries for a rank-2 input}}
  %0 = aster.transpose %x, [0, 1, 2] : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @transpose_not_permutation(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'aster.transpose' op [1, 1] is not a permutation of [0, 2)}}
  %0 = aster.transpose %x, [1, 1] : tensor<2x3xf32> -> tensor<3x3xf32>
  return
}

// -----

func.func @slice_lengths(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'aster.slice' op start, limit and step need one entry per dimension (2), got 1, 2 and 1}}
  %0 = aster.slice %x [0] to [2, 3] : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @slice_bounds(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'aster.slice' op dimension 1: needs 0 <= start <= limit <= 3, got start 1, limit 4}}
  %0 = aster.slice %x [0, 1] to [2, 4] : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @slice_reversed(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'aster.slice' op dimension 0: needs 0 <= start <= limit <= 2, got start 2, limit 1}}
  %0 = aster.slice %x [2, 0] to [1, 3] : tensor<2x3xf32> -> tensor<0x3xf32>
  return
}

// -----

func.func @slice_step(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'aster.slice' op dimension 1: step must be >= 1, got 0}}
  %0 = aster.slice %x [0, 0] to [2, 3] step [1, 0] : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @concat_empty() {
  // expected-error @+1 {{'aster.concat' op needs at least one input}}
  %0 = "aster.concat"() {axis = 0 : i64} : () -> tensor<2xf32>
  return
}

// -----

func.func @concat_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'aster.concat' op axis 2 is out of range for rank-2 inputs; expected 0 <= axis < 2}}
  %0 = aster.concat(%x, %x) axis = 2 : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @concat_types(%x: tensor<2x3xf32>, %y: tensor<2x3xf16>) {
  // expected-error @+1 {{'aster.concat' op input 1 has element type 'f16', input 0 has 'f32'}}
  %0 = aster.concat(%x, %y) axis = 0 : tensor<2x3xf32>, tensor<2x3xf16> -> tensor<4x3xf32>
  return
}

// -----

func.func @concat_ranks(%x: tensor<2x3xf32>, %y: tensor<2x3x1xf32>) {
  // expected-error @+1 {{'aster.concat' op input 1 has rank 3, input 0 has 2}}
  %0 = aster.concat(%x, %y) axis = 0 : tensor<2x3xf32>, tensor<2x3x1xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @concat_sizes(%x: tensor<2x3xf32>, %y: tensor<2x4xf32>) {
  // expected-error @+1 {{'aster.concat' op input 1 has size 4 in dimension 1 where input 0 has 3 (only the axis 0 may differ)}}
  %0 = aster.concat(%x, %y) axis = 0 : tensor<2x3xf32>, tensor<2x4xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @reduce_no_axes(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'aster.reduce' op needs at least one axis to reduce}}
  %0 = aster.reduce sum %x axes = [] : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @reduce_axis_range(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'aster.reduce' op axis 2 is out of range for a rank-2 input}}
  %0 = aster.reduce sum %x axes = [2] : tensor<2x3xf32> -> tensor<2xf32>
  return
}

// -----

func.func @reduce_axis_twice(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'aster.reduce' op axis 1 is listed twice}}
  %0 = aster.reduce max %x axes = [1, 1] : tensor<2x3xf32> -> tensor<2xf32>
  return
}

// -----

func.func @reduce_mean_int(%x: tensor<2x3xi32>) {
  // expected-error @+1 {{'aster.reduce' op mean needs a floating-point input, got 'i32'}}
  %0 = aster.reduce mean %x axes = [1] : tensor<2x3xi32> -> tensor<2xi32>
  return
}

// -----

func.func @reduce_unknown_kind(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'kind' [sum, mean, max]}}
  %0 = aster.reduce prod %x axes = [1] : tensor<2x3xf32> -> tensor<2xf32>
  return
}

// -----

func.func @cast_shape(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'aster.cast' op cannot change the shape ([2, 3] to [6]); use aster.reshape}}
  %0 = aster.cast %x : tensor<2x3xf32> -> tensor<6xbf16>
  return
}

// -----

func.func @cross_entropy_rank(%l: tensor<f32>, %t: tensor<i32>) {
  // expected-error @+1 {{'aster.cross_entropy' op logits must have a class dimension (rank 1 or more)}}
  %0 = aster.cross_entropy %l, %t : tensor<f32>, tensor<i32> -> tensor<f32>
  return
}

// -----

func.func @cross_entropy_labels(%l: tensor<2x5x7xf32>, %t: tensor<2x7xi32>) {
  // expected-error @+1 {{'aster.cross_entropy' op labels of shape [2, 7] must have the logits' shape without the class dimension, [2, 5]}}
  %0 = aster.cross_entropy %l, %t : tensor<2x5x7xf32>, tensor<2x7xi32> -> tensor<f32>
  return
}

// -----

func.func @cross_entropy_result(%l: tensor<2x5x7xf32>, %t: tensor<2x5xi32>) {
  // expected-error @+1 {{'aster.cross_entropy' op result type 'tensor<f32>' does not match 'tensor<2x5xf32>', the type its operands and attributes give}}
  %0 = aster.cross_entropy %l, %t reduction = none : tensor<2x5x7xf32>, tensor<2x5xi32> -> tensor<f32>
  return
}

// -----

func.func @cross_entropy_bf16_result(%l: tensor<5x7xbf16>, %t: tensor<5xi32>) {
  // expected-error @+1 {{result #0 must be statically shaped tensor of 32-bit float values}}
  %0 = aster.cross_entropy %l, %t : tensor<5x7xbf16>, tensor<5xi32> -> tensor<bf16>
  return
}

// -----

func.func @misspelt_attribute(%x: tensor<2x8xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{'aster.rms_norm' op has no attribute 'eps'; its attributes are epsilon}}
  %0 = aster.rms_norm %x, %w {eps = 1.0e-5 : f64} : tensor<2x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @attribute_on_attributeless_op(%x: tensor<2xf32>) {
  // expected-error @+1 {{'aster.exp' op has no attribute 'fast'; it takes none}}
  %0 = aster.exp %x {fast} : tensor<2xf32>
  return
}

// -----

func.func @unknown_aster_attribute(%x: tensor<2xf32>) {
  // expected-error @+1 {{'aster.exp' op has no attribute 'aster.fused'; it takes none}}
  %0 = aster.exp %x {aster.fused} : tensor<2xf32>
  return
}

// -----

func.func @slice_huge_step(%x: tensor<5xf32>) {
  // expected-error @+1 {{'aster.slice' op result type 'tensor<5xf32>' does not match 'tensor<1xf32>', the type its operands and attributes give}}
  %0 = aster.slice %x [0] to [5] step [9223372036854775807] : tensor<5xf32> -> tensor<5xf32>
  return
}

// -----

func.func @concat_overflow(%x: tensor<3x4611686018427387904xf32>) {
  // expected-error @+1 {{'aster.concat' op the concatenated size along axis 1 overflows a 64-bit integer}}
  %0 = aster.concat(%x, %x) axis = 1 : tensor<3x4611686018427387904xf32>, tensor<3x4611686018427387904xf32> -> tensor<3x2xf32>
  return
}

// -----

func.func @reshape_overflow(%x: tensor<4611686018427387904x4xf32>) {
  // expected-error @+1 {{'aster.reshape' op element count of 'tensor<4611686018427387904x4xf32>' overflows a 64-bit integer}}
  %0 = aster.reshape %x : tensor<4611686018427387904x4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @add_booleans(%a: tensor<3xi1>) {
  // expected-error @+1 {{operand #0 must be statically shaped tensor of 32-bit float or bfloat16 type or 16-bit float or 32-bit signless integer or 64-bit signless integer values}}
  %0 = aster.add %a, %a : tensor<3xi1>, tensor<3xi1> -> tensor<3xi1>
  return
}

// -----

func.func @pow_bool(%a: tensor<3xi1>) {
  // expected-error @+1 {{operand #0 must be statically shaped tensor of 32-bit float or bfloat16 type or 16-bit float or 32-bit signless integer or 64-bit signless integer values}}
  %0 = aster.pow %a, %a : tensor<3xi1>, tensor<3xi1> -> tensor<3xi1>
  return
}

// -----

func.func @pow_mixed(%a: tensor<3xi32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'aster.pow' op expects operands of one element type, got 'i32' and 'f32' (insert an aster.cast)}}
  %0 = aster.pow %a, %b : tensor<3xi32>, tensor<3xf32> -> tensor<3xi32>
  return
}

// -----

func.func @pow_broadcast(%a: tensor<3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{'aster.pow' op operand shapes [3] and [2] do not broadcast}}
  %0 = aster.pow %a, %b : tensor<3xf32>, tensor<2xf32> -> tensor<3xf32>
  return
}

// -----

func.func @compare_types(%a: tensor<3xf32>, %b: tensor<3xi32>) {
  // expected-error @+1 {{'aster.compare' op expects operands of one element type, got 'f32' and 'i32' (insert an aster.cast)}}
  %0 = aster.compare eq %a, %b : tensor<3xf32>, tensor<3xi32> -> tensor<3xi1>
  return
}

// -----

func.func @compare_result(%a: tensor<3xf32>) {
  // expected-error @+1 {{result #0 must be statically shaped tensor of 1-bit signless integer values}}
  %0 = aster.compare eq %a, %a : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return
}

// -----

func.func @compare_predicate(%a: tensor<3xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'predicate' [eq, ne, lt, le, gt, ge]}}
  %0 = aster.compare approx %a, %a : tensor<3xf32>, tensor<3xf32> -> tensor<3xi1>
  return
}

// -----

func.func @select_condition(%c: tensor<3xf32>, %a: tensor<3xf32>) {
  // expected-error @+1 {{operand #0 must be statically shaped tensor of 1-bit signless integer values}}
  %0 = aster.select %c, %a, %a : tensor<3xf32>, tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return
}

// -----

func.func @select_values(%c: tensor<3xi1>, %a: tensor<3xf32>, %b: tensor<3xf16>) {
  // expected-error @+1 {{'aster.select' op true and false values must share an element type, got 'f32' and 'f16'}}
  %0 = aster.select %c, %a, %b : tensor<3xi1>, tensor<3xf32>, tensor<3xf16> -> tensor<3xf32>
  return
}

// -----

func.func @select_shapes(%c: tensor<2xi1>, %a: tensor<3xf32>) {
  // expected-error @+1 {{'aster.select' op condition, true and false shapes [2], [3] and [3] do not broadcast}}
  %0 = aster.select %c, %a, %a : tensor<2xi1>, tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return
}

// -----

func.func @gather_axis(%x: tensor<3x5xf32>, %i: tensor<2xi64>) {
  // expected-error @+1 {{'aster.gather' op axis 2 is out of range for a rank-2 input; expected 0 <= axis < 2}}
  %0 = aster.gather %x[%i] axis = 2 : tensor<3x5xf32>, tensor<2xi64> -> tensor<3x2xf32>
  return
}

// -----

func.func @gather_float_indices(%x: tensor<3x5xf32>, %i: tensor<2xf32>) {
  // expected-error @+1 {{operand #1 must be statically shaped tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = aster.gather %x[%i] axis = 0 : tensor<3x5xf32>, tensor<2xf32> -> tensor<2x5xf32>
  return
}

// -----

func.func @gather_result(%x: tensor<3x5xf32>, %i: tensor<2xi32>) {
  // expected-error @+1 {{'aster.gather' op result type 'tensor<3x2xf32>' does not match 'tensor<2x5xf32>', the type its operands and attributes give}}
  %0 = aster.gather %x[%i] axis = 0 : tensor<3x5xf32>, tensor<2xi32> -> tensor<3x2xf32>
  return
}

// -----

func.func @broadcast_shape(%x: tensor<3x2xf32>) {
  // expected-error @+1 {{'aster.broadcast' op input shape [3, 2] does not broadcast to [3, 4]}}
  %0 = aster.broadcast %x : tensor<3x2xf32> -> tensor<3x4xf32>
  return
}

// -----

func.func @broadcast_rank(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'aster.broadcast' op input shape [2, 3] does not broadcast to [3]}}
  %0 = aster.broadcast %x : tensor<2x3xf32> -> tensor<3xf32>
  return
}

// -----

func.func @broadcast_type(%x: tensor<3xf32>) {
  // expected-error @+1 {{'aster.broadcast' op cannot change the element type ('f32' to 'f16'); use aster.cast}}
  %0 = aster.broadcast %x : tensor<3xf32> -> tensor<2x3xf16>
  return
}

// -----

// Training ops.

func.func @sin_int(%a: tensor<3xi32>) {
  // expected-error @+1 {{'aster.sin' op operand #0 must be statically shaped tensor of 32-bit float or bfloat16 type or 16-bit float values, but got 'tensor<3xi32>'}}
  %0 = aster.sin %a : tensor<3xi32>
  return
}

// -----

func.func @cos_f64(%a: tensor<3xf64>) {
  // expected-error @+1 {{'aster.cos' op operand #0 must be statically shaped tensor of 32-bit float or bfloat16 type or 16-bit float values, but got 'tensor<3xf64>'}}
  %0 = aster.cos %a : tensor<3xf64>
  return
}

// -----

func.func @rope_inverse_odd_head_dim(%x: tensor<4x7xf32>) {
  // expected-error @+1 {{'aster.rope' op head dimension must be even to rotate pairs, got 7}}
  %0 = aster.rope %x inverse : tensor<4x7xf32>
  return
}

// -----

func.func @scatter_add_axis(%g: tensor<3x2xf32>, %i: tensor<2xi32>) {
  // expected-error @+1 {{'aster.scatter_add' op axis 2 is out of range for rank 2}}
  %0 = aster.scatter_add %g[%i] axis = 2 : tensor<3x2xf32>, tensor<2xi32> -> tensor<3x5xf32>
  return
}

// -----

func.func @scatter_add_negative_axis(%g: tensor<3x2xf32>, %i: tensor<2xi32>) {
  // expected-error @+1 {{'aster.scatter_add' op axis -1 is out of range for rank 2}}
  %0 = aster.scatter_add %g[%i] axis = -1 : tensor<3x2xf32>, tensor<2xi32> -> tensor<3x5xf32>
  return
}

// -----

func.func @scatter_add_updates_shape(%g: tensor<3x4xf32>, %i: tensor<2xi32>) {
  // expected-error @+1 {{'aster.scatter_add' op updates must be 'tensor<3x2xf32>', got 'tensor<3x4xf32>'}}
  %0 = aster.scatter_add %g[%i] axis = 1 : tensor<3x4xf32>, tensor<2xi32> -> tensor<3x5xf32>
  return
}

// -----

func.func @scatter_add_updates_rank(%g: tensor<2x5x8xf32>, %i: tensor<2x5xi32>) {
  // expected-error @+1 {{'aster.scatter_add' op updates must be 'tensor<2x5x8x1xf32>', got 'tensor<2x5x8xf32>'}}
  %0 = aster.scatter_add %g[%i] axis = 0 : tensor<2x5x8xf32>, tensor<2x5xi32> -> tensor<16x8x1xf32>
  return
}

// -----

func.func @scatter_add_element_type(%g: tensor<3x2xf32>, %i: tensor<2xi32>) {
  // expected-error @+1 {{'aster.scatter_add' op updates must be 'tensor<3x2xbf16>', got 'tensor<3x2xf32>'}}
  %0 = aster.scatter_add %g[%i] axis = 1 : tensor<3x2xf32>, tensor<2xi32> -> tensor<3x5xbf16>
  return
}

// -----

func.func @scatter_add_float_indices(%g: tensor<3x2xf32>, %i: tensor<2xf32>) {
  // expected-error @+1 {{operand #1 must be statically shaped tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = aster.scatter_add %g[%i] axis = 1 : tensor<3x2xf32>, tensor<2xf32> -> tensor<3x5xf32>
  return
}

// -----

func.func @insert_slice_source(%s: tensor<2x3xf32>) {
  // expected-error @+1 {{'aster.insert_slice' op source must be 'tensor<2x2xf32>', got 'tensor<2x3xf32>'}}
  %0 = aster.insert_slice %s [0, 1] to [2, 3] : tensor<2x3xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @insert_slice_source_step(%s: tensor<2x2xf32>) {
  // expected-error @+1 {{'aster.insert_slice' op source must be 'tensor<2x3xf32>', got 'tensor<2x2xf32>'}}
  %0 = aster.insert_slice %s [0, 0] to [2, 5] step [1, 2] : tensor<2x2xf32> -> tensor<2x5xf32>
  return
}

// -----

func.func @insert_slice_element_type(%s: tensor<2x2xf32>) {
  // expected-error @+1 {{'aster.insert_slice' op source must be 'tensor<2x2xbf16>', got 'tensor<2x2xf32>'}}
  %0 = aster.insert_slice %s [0, 0] to [2, 2] : tensor<2x2xf32> -> tensor<2x4xbf16>
  return
}

// -----

func.func @insert_slice_rank(%s: tensor<2x2xf32>) {
  // expected-error @+1 {{'aster.insert_slice' op source must be 'tensor<2x2x1xf32>', got 'tensor<2x2xf32>'}}
  %0 = aster.insert_slice %s [0, 0, 0] to [2, 2, 1] : tensor<2x2xf32> -> tensor<2x4x1xf32>
  return
}

// -----

func.func @attention_fwd_lse_seq(%q: tensor<2x4x5x8xf32>, %k: tensor<2x2x7x8xf32>) {
  // expected-error @+1 {{'aster.attention_fwd' op lse must be 'tensor<2x4x5xf32>', got 'tensor<2x4x7xf32>'}}
  %0, %1 = aster.attention_fwd %q, %k, %k : tensor<2x4x5x8xf32>, tensor<2x2x7x8xf32>, tensor<2x2x7x8xf32> -> tensor<2x4x5x8xf32>, tensor<2x4x7xf32>
  return
}

// -----

func.func @attention_fwd_lse_heads(%q: tensor<2x4x5x8xf32>, %k: tensor<2x2x5x8xf32>) {
  // expected-error @+1 {{'aster.attention_fwd' op lse must be 'tensor<2x4x5xf32>', got 'tensor<2x2x5xf32>'}}
  %0, %1 = aster.attention_fwd %q, %k, %k : tensor<2x4x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x8xf32> -> tensor<2x4x5x8xf32>, tensor<2x2x5xf32>
  return
}

// -----

func.func @attention_fwd_lse_type(%q: tensor<2x4x5x8xbf16>) {
  // expected-error @+1 {{result #1 must be statically shaped tensor of 32-bit float values, but got 'tensor<2x4x5xbf16>'}}
  %0, %1 = aster.attention_fwd %q, %q, %q : tensor<2x4x5x8xbf16>, tensor<2x4x5x8xbf16>, tensor<2x4x5x8xbf16> -> tensor<2x4x5x8xbf16>, tensor<2x4x5xbf16>
  return
}

// -----

func.func @attention_fwd_result(%q: tensor<2x4x5x8xf32>, %v: tensor<2x4x5x3xf32>) {
  // expected-error @+1 {{'aster.attention_fwd' op result must be 'tensor<2x4x5x3xf32>', got 'tensor<2x4x5x8xf32>'}}
  %0, %1 = aster.attention_fwd %q, %q, %v : tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>, tensor<2x4x5x3xf32> -> tensor<2x4x5x8xf32>, tensor<2x4x5xf32>
  return
}

// -----

func.func @attention_fwd_gqa(%q: tensor<2x4x5x8xf32>, %k: tensor<2x3x5x8xf32>) {
  // expected-error @+1 {{'aster.attention_fwd' op key/value heads (3) must divide query heads (4)}}
  %0, %1 = aster.attention_fwd %q, %k, %k : tensor<2x4x5x8xf32>, tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32> -> tensor<2x4x5x8xf32>, tensor<2x4x5xf32>
  return
}

// -----

func.func @attention_fwd_mask(%q: tensor<2x4x5x8xf32>, %m: tensor<4x5xf32>) {
  // expected-error @+1 {{'aster.attention_fwd' op mask of shape [4, 5] does not broadcast to the scores' shape [2, 4, 5, 5]}}
  %0, %1 = aster.attention_fwd %q, %q, %q mask %m : tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>, tensor<4x5xf32> -> tensor<2x4x5x8xf32>, tensor<2x4x5xf32>
  return
}

// -----

func.func @attention_bwd_grad_query(%q: tensor<2x4x5x8xf32>, %k: tensor<2x2x5x8xf32>, %v: tensor<2x2x5x3xf32>, %o: tensor<2x4x5x3xf32>, %l: tensor<2x4x5xf32>) {
  // expected-error @+1 {{'aster.attention_bwd' op grad_query must be 'tensor<2x4x5x8xf32>', got 'tensor<2x2x5x8xf32>'}}
  %0, %1, %2 = aster.attention_bwd %q, %k, %v, %o, %l, %o
      : tensor<2x4x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x3xf32>, tensor<2x4x5x3xf32>, tensor<2x4x5xf32>, tensor<2x4x5x3xf32>
      -> tensor<2x2x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x3xf32>
  return
}

// -----

func.func @attention_bwd_grad_key(%q: tensor<2x4x5x8xf32>, %k: tensor<2x2x5x8xf32>, %v: tensor<2x2x5x3xf32>, %o: tensor<2x4x5x3xf32>, %l: tensor<2x4x5xf32>) {
  // expected-error @+1 {{'aster.attention_bwd' op grad_key must be 'tensor<2x2x5x8xf32>', got 'tensor<2x4x5x8xf32>'}}
  %0, %1, %2 = aster.attention_bwd %q, %k, %v, %o, %l, %o
      : tensor<2x4x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x3xf32>, tensor<2x4x5x3xf32>, tensor<2x4x5xf32>, tensor<2x4x5x3xf32>
      -> tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>, tensor<2x2x5x3xf32>
  return
}

// -----

func.func @attention_bwd_grad_value(%q: tensor<2x4x5x8xf32>, %k: tensor<2x2x5x8xf32>, %v: tensor<2x2x5x3xf32>, %o: tensor<2x4x5x3xf32>, %l: tensor<2x4x5xf32>) {
  // expected-error @+1 {{'aster.attention_bwd' op grad_value must be 'tensor<2x2x5x3xf32>', got 'tensor<2x2x5x8xf32>'}}
  %0, %1, %2 = aster.attention_bwd %q, %k, %v, %o, %l, %o
      : tensor<2x4x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x3xf32>, tensor<2x4x5x3xf32>, tensor<2x4x5xf32>, tensor<2x4x5x3xf32>
      -> tensor<2x4x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x8xf32>
  return
}

// -----

func.func @attention_bwd_grad_value_type(%q: tensor<2x4x5x8xf32>, %k: tensor<2x2x5x8xf32>, %v: tensor<2x2x5x3xf32>, %o: tensor<2x4x5x3xf32>, %l: tensor<2x4x5xf32>) {
  // expected-error @+1 {{'aster.attention_bwd' op grad_value must be 'tensor<2x2x5x3xf32>', got 'tensor<2x2x5x3xbf16>'}}
  %0, %1, %2 = aster.attention_bwd %q, %k, %v, %o, %l, %o
      : tensor<2x4x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x3xf32>, tensor<2x4x5x3xf32>, tensor<2x4x5xf32>, tensor<2x4x5x3xf32>
      -> tensor<2x4x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x3xbf16>
  return
}

// -----

func.func @attention_bwd_grad_shape(%q: tensor<2x4x5x8xf32>, %k: tensor<2x2x5x8xf32>, %v: tensor<2x2x5x3xf32>, %o: tensor<2x4x5x3xf32>, %l: tensor<2x4x5xf32>, %g: tensor<2x4x5x8xf32>) {
  // expected-error @+1 {{'aster.attention_bwd' op grad must be 'tensor<2x4x5x3xf32>', got 'tensor<2x4x5x8xf32>'}}
  %0, %1, %2 = aster.attention_bwd %q, %k, %v, %o, %l, %g
      : tensor<2x4x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x3xf32>, tensor<2x4x5x3xf32>, tensor<2x4x5xf32>, tensor<2x4x5x8xf32>
      -> tensor<2x4x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x3xf32>
  return
}

// -----

func.func @attention_bwd_grad_type(%q: tensor<2x4x5x8xbf16>, %l: tensor<2x4x5xf32>, %g: tensor<2x4x5x8xf32>) {
  // expected-error @+1 {{'aster.attention_bwd' op grad must be 'tensor<2x4x5x8xbf16>', got 'tensor<2x4x5x8xf32>'}}
  %0, %1, %2 = aster.attention_bwd %q, %q, %q, %q, %l, %g
      : tensor<2x4x5x8xbf16>, tensor<2x4x5x8xbf16>, tensor<2x4x5x8xbf16>, tensor<2x4x5x8xbf16>, tensor<2x4x5xf32>, tensor<2x4x5x8xf32>
      -> tensor<2x4x5x8xbf16>, tensor<2x4x5x8xbf16>, tensor<2x4x5x8xbf16>
  return
}

// -----

func.func @attention_bwd_out(%q: tensor<2x4x5x8xf32>, %k: tensor<2x2x5x8xf32>, %v: tensor<2x2x5x3xf32>, %o: tensor<2x2x5x3xf32>, %l: tensor<2x4x5xf32>, %g: tensor<2x4x5x3xf32>) {
  // expected-error @+1 {{'aster.attention_bwd' op out must be 'tensor<2x4x5x3xf32>', got 'tensor<2x2x5x3xf32>'}}
  %0, %1, %2 = aster.attention_bwd %q, %k, %v, %o, %l, %g
      : tensor<2x4x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x3xf32>, tensor<2x2x5x3xf32>, tensor<2x4x5xf32>, tensor<2x4x5x3xf32>
      -> tensor<2x4x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x3xf32>
  return
}

// -----

func.func @attention_bwd_lse_shape(%q: tensor<2x4x5x8xf32>, %k: tensor<2x2x5x8xf32>, %v: tensor<2x2x5x3xf32>, %o: tensor<2x4x5x3xf32>, %l: tensor<2x4x5x1xf32>) {
  // expected-error @+1 {{'aster.attention_bwd' op lse must be 'tensor<2x4x5xf32>', got 'tensor<2x4x5x1xf32>'}}
  %0, %1, %2 = aster.attention_bwd %q, %k, %v, %o, %l, %o
      : tensor<2x4x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x3xf32>, tensor<2x4x5x3xf32>, tensor<2x4x5x1xf32>, tensor<2x4x5x3xf32>
      -> tensor<2x4x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x3xf32>
  return
}

// -----

func.func @attention_bwd_lse_type(%q: tensor<2x4x5x8xbf16>, %l: tensor<2x4x5xbf16>) {
  // expected-error @+1 {{operand #4 must be statically shaped tensor of 32-bit float values, but got 'tensor<2x4x5xbf16>'}}
  %0, %1, %2 = aster.attention_bwd %q, %q, %q, %q, %l, %q
      : tensor<2x4x5x8xbf16>, tensor<2x4x5x8xbf16>, tensor<2x4x5x8xbf16>, tensor<2x4x5x8xbf16>, tensor<2x4x5xbf16>, tensor<2x4x5x8xbf16>
      -> tensor<2x4x5x8xbf16>, tensor<2x4x5x8xbf16>, tensor<2x4x5x8xbf16>
  return
}

// -----

func.func @attention_bwd_gqa(%q: tensor<2x4x5x8xf32>, %k: tensor<2x3x5x8xf32>, %o: tensor<2x4x5x8xf32>, %l: tensor<2x4x5xf32>) {
  // expected-error @+1 {{'aster.attention_bwd' op key/value heads (3) must divide query heads (4)}}
  %0, %1, %2 = aster.attention_bwd %q, %k, %k, %o, %l, %o
      : tensor<2x4x5x8xf32>, tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32>, tensor<2x4x5x8xf32>, tensor<2x4x5xf32>, tensor<2x4x5x8xf32>
      -> tensor<2x4x5x8xf32>, tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32>
  return
}

// -----

func.func @attention_bwd_mask(%q: tensor<2x4x5x8xf32>, %l: tensor<2x4x5xf32>, %m: tensor<3x5xf32>) {
  // expected-error @+1 {{'aster.attention_bwd' op mask of shape [3, 5] does not broadcast to the scores' shape [2, 4, 5, 5]}}
  %0, %1, %2 = aster.attention_bwd %q, %q, %q, %q, %l, %q mask %m
      : tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>, tensor<2x4x5xf32>, tensor<2x4x5x8xf32>, tensor<3x5xf32>
      -> tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>
  return
}

// -----

func.func @attention_bwd_scale(%q: tensor<2x4x5x8xf32>, %l: tensor<2x4x5xf32>) {
  // expected-error @+1 {{'aster.attention_bwd' op scale must be finite}}
  %0, %1, %2 = aster.attention_bwd %q, %q, %q, %q, %l, %q scale = 0x7FF0000000000000
      : tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>, tensor<2x4x5xf32>, tensor<2x4x5x8xf32>
      -> tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>
  return
}

// -----

func.func @layer_norm_fwd_mean_shape(%x: tensor<2x5x8xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{'aster.layer_norm_fwd' op mean must be 'tensor<2x5xf32>', got 'tensor<2x5x1xf32>'}}
  %0, %1, %2 = aster.layer_norm_fwd %x, %w : tensor<2x5x8xf32>, tensor<8xf32> -> tensor<2x5x8xf32>, tensor<2x5x1xf32>, tensor<2x5xf32>
  return
}

// -----

func.func @layer_norm_fwd_rstd_shape(%x: tensor<2x5x8xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{'aster.layer_norm_fwd' op rstd must be 'tensor<2x5xf32>', got 'tensor<10xf32>'}}
  %0, %1, %2 = aster.layer_norm_fwd %x, %w : tensor<2x5x8xf32>, tensor<8xf32> -> tensor<2x5x8xf32>, tensor<2x5xf32>, tensor<10xf32>
  return
}

// -----

func.func @layer_norm_fwd_mean_type(%x: tensor<2x5x8xbf16>, %w: tensor<8xbf16>) {
  // expected-error @+1 {{result #1 must be statically shaped tensor of 32-bit float values, but got 'tensor<2x5xbf16>'}}
  %0, %1, %2 = aster.layer_norm_fwd %x, %w : tensor<2x5x8xbf16>, tensor<8xbf16> -> tensor<2x5x8xbf16>, tensor<2x5xbf16>, tensor<2x5xf32>
  return
}

// -----

func.func @layer_norm_fwd_result(%x: tensor<2x5x8xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{'aster.layer_norm_fwd' op result must be 'tensor<2x5x8xf32>', got 'tensor<2x5x8xbf16>'}}
  %0, %1, %2 = aster.layer_norm_fwd %x, %w : tensor<2x5x8xf32>, tensor<8xf32> -> tensor<2x5x8xbf16>, tensor<2x5xf32>, tensor<2x5xf32>
  return
}

// -----

func.func @layer_norm_fwd_weight(%x: tensor<2x5x8xf32>, %w: tensor<5xf32>) {
  // expected-error @+1 {{'aster.layer_norm_fwd' op weight must be 1-D of size 8 (the input's last dimension), got 'tensor<5xf32>'}}
  %0, %1, %2 = aster.layer_norm_fwd %x, %w : tensor<2x5x8xf32>, tensor<5xf32> -> tensor<2x5x8xf32>, tensor<2x5xf32>, tensor<2x5xf32>
  return
}

// -----

func.func @layer_norm_fwd_bias(%x: tensor<2x5x8xf32>, %w: tensor<8xf32>, %b: tensor<7xf32>) {
  // expected-error @+1 {{'aster.layer_norm_fwd' op bias must be 1-D of size 8 (the input's last dimension), got 'tensor<7xf32>'}}
  %0, %1, %2 = aster.layer_norm_fwd %x, %w, %b : tensor<2x5x8xf32>, tensor<8xf32>, tensor<7xf32> -> tensor<2x5x8xf32>, tensor<2x5xf32>, tensor<2x5xf32>
  return
}

// -----

func.func @layer_norm_fwd_epsilon(%x: tensor<2x5x8xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{'aster.layer_norm_fwd' op epsilon must be a finite value >= 0, got -1.000000e+00}}
  %0, %1, %2 = aster.layer_norm_fwd %x, %w epsilon = -1.0 : tensor<2x5x8xf32>, tensor<8xf32> -> tensor<2x5x8xf32>, tensor<2x5xf32>, tensor<2x5xf32>
  return
}

// -----

func.func @layer_norm_fwd_rank0(%x: tensor<f32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{'aster.layer_norm_fwd' op expects an input of rank 1 or more}}
  %0, %1, %2 = aster.layer_norm_fwd %x, %w : tensor<f32>, tensor<8xf32> -> tensor<f32>, tensor<f32>, tensor<f32>
  return
}

// -----

func.func @layer_norm_bwd_mean(%x: tensor<2x5x8xf32>, %w: tensor<8xf32>, %m: tensor<2x8xf32>, %r: tensor<2x5xf32>) {
  // expected-error @+1 {{'aster.layer_norm_bwd' op mean must be 'tensor<2x5xf32>', got 'tensor<2x8xf32>'}}
  %0, %1, %2 = aster.layer_norm_bwd %x, %w, %m, %r, %x
      : tensor<2x5x8xf32>, tensor<8xf32>, tensor<2x8xf32>, tensor<2x5xf32>, tensor<2x5x8xf32>
      -> tensor<2x5x8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

func.func @layer_norm_bwd_rstd(%x: tensor<2x5x8xf32>, %w: tensor<8xf32>, %m: tensor<2x5xf32>, %r: tensor<5xf32>) {
  // expected-error @+1 {{'aster.layer_norm_bwd' op rstd must be 'tensor<2x5xf32>', got 'tensor<5xf32>'}}
  %0, %1, %2 = aster.layer_norm_bwd %x, %w, %m, %r, %x
      : tensor<2x5x8xf32>, tensor<8xf32>, tensor<2x5xf32>, tensor<5xf32>, tensor<2x5x8xf32>
      -> tensor<2x5x8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

func.func @layer_norm_bwd_grad(%x: tensor<2x5x8xf32>, %w: tensor<8xf32>, %m: tensor<2x5xf32>, %g: tensor<5x8xf32>) {
  // expected-error @+1 {{'aster.layer_norm_bwd' op grad must be 'tensor<2x5x8xf32>', got 'tensor<5x8xf32>'}}
  %0, %1, %2 = aster.layer_norm_bwd %x, %w, %m, %m, %g
      : tensor<2x5x8xf32>, tensor<8xf32>, tensor<2x5xf32>, tensor<2x5xf32>, tensor<5x8xf32>
      -> tensor<2x5x8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

func.func @layer_norm_bwd_grad_input(%x: tensor<2x5x8xf32>, %w: tensor<8xf32>, %m: tensor<2x5xf32>) {
  // expected-error @+1 {{'aster.layer_norm_bwd' op grad_input must be 'tensor<2x5x8xf32>', got 'tensor<2x5x8xbf16>'}}
  %0, %1, %2 = aster.layer_norm_bwd %x, %w, %m, %m, %x
      : tensor<2x5x8xf32>, tensor<8xf32>, tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5x8xf32>
      -> tensor<2x5x8xbf16>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

func.func @layer_norm_bwd_grad_weight(%x: tensor<2x5x8xf32>, %w: tensor<8xf32>, %m: tensor<2x5xf32>) {
  // expected-error @+1 {{'aster.layer_norm_bwd' op grad_weight must be 'tensor<8xf32>', got 'tensor<5x8xf32>'}}
  %0, %1, %2 = aster.layer_norm_bwd %x, %w, %m, %m, %x
      : tensor<2x5x8xf32>, tensor<8xf32>, tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5x8xf32>
      -> tensor<2x5x8xf32>, tensor<5x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @layer_norm_bwd_grad_bias(%x: tensor<2x5x8xf32>, %w: tensor<8xf32>, %m: tensor<2x5xf32>) {
  // expected-error @+1 {{'aster.layer_norm_bwd' op grad_bias must be 'tensor<8xf32>', got 'tensor<7xf32>'}}
  %0, %1, %2 = aster.layer_norm_bwd %x, %w, %m, %m, %x
      : tensor<2x5x8xf32>, tensor<8xf32>, tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5x8xf32>
      -> tensor<2x5x8xf32>, tensor<8xf32>, tensor<7xf32>
  return
}

// -----

func.func @layer_norm_bwd_weight(%x: tensor<2x5x8xf32>, %w: tensor<5xf32>, %m: tensor<2x5xf32>) {
  // expected-error @+1 {{'aster.layer_norm_bwd' op weight must be 1-D of size 8 (the input's last dimension), got 'tensor<5xf32>'}}
  %0, %1, %2 = aster.layer_norm_bwd %x, %w, %m, %m, %x
      : tensor<2x5x8xf32>, tensor<5xf32>, tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5x8xf32>
      -> tensor<2x5x8xf32>, tensor<5xf32>, tensor<5xf32>
  return
}

// -----

func.func @rms_norm_fwd_rstd_shape(%x: tensor<2x5x8xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{'aster.rms_norm_fwd' op rstd must be 'tensor<2x5xf32>', got 'tensor<2x8xf32>'}}
  %0, %1 = aster.rms_norm_fwd %x, %w : tensor<2x5x8xf32>, tensor<8xf32> -> tensor<2x5x8xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @rms_norm_fwd_rstd_type(%x: tensor<2x5x8xf16>, %w: tensor<8xf16>) {
  // expected-error @+1 {{result #1 must be statically shaped tensor of 32-bit float values, but got 'tensor<2x5xf16>'}}
  %0, %1 = aster.rms_norm_fwd %x, %w : tensor<2x5x8xf16>, tensor<8xf16> -> tensor<2x5x8xf16>, tensor<2x5xf16>
  return
}

// -----

func.func @rms_norm_fwd_result(%x: tensor<2x5x8xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{'aster.rms_norm_fwd' op result must be 'tensor<2x5x8xf32>', got 'tensor<2x5x4xf32>'}}
  %0, %1 = aster.rms_norm_fwd %x, %w : tensor<2x5x8xf32>, tensor<8xf32> -> tensor<2x5x4xf32>, tensor<2x5xf32>
  return
}

// -----

func.func @rms_norm_fwd_weight(%x: tensor<2x5x8xf32>, %w: tensor<2x8xf32>) {
  // expected-error @+1 {{'aster.rms_norm_fwd' op weight must be 1-D of size 8 (the input's last dimension), got 'tensor<2x8xf32>'}}
  %0, %1 = aster.rms_norm_fwd %x, %w : tensor<2x5x8xf32>, tensor<2x8xf32> -> tensor<2x5x8xf32>, tensor<2x5xf32>
  return
}

// -----

func.func @rms_norm_fwd_epsilon(%x: tensor<2x5x8xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{'aster.rms_norm_fwd' op epsilon must be a finite value >= 0, got -2.000000e+00}}
  %0, %1 = aster.rms_norm_fwd %x, %w epsilon = -2.0 : tensor<2x5x8xf32>, tensor<8xf32> -> tensor<2x5x8xf32>, tensor<2x5xf32>
  return
}

// -----

func.func @rms_norm_bwd_rstd(%x: tensor<2x5x8xf32>, %w: tensor<8xf32>, %r: tensor<2x5x1xf32>) {
  // expected-error @+1 {{'aster.rms_norm_bwd' op rstd must be 'tensor<2x5xf32>', got 'tensor<2x5x1xf32>'}}
  %0, %1 = aster.rms_norm_bwd %x, %w, %r, %x
      : tensor<2x5x8xf32>, tensor<8xf32>, tensor<2x5x1xf32>, tensor<2x5x8xf32> -> tensor<2x5x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @rms_norm_bwd_grad(%x: tensor<2x5x8xf32>, %w: tensor<8xf32>, %r: tensor<2x5xf32>, %g: tensor<2x5x8xbf16>) {
  // expected-error @+1 {{'aster.rms_norm_bwd' op grad must be 'tensor<2x5x8xf32>', got 'tensor<2x5x8xbf16>'}}
  %0, %1 = aster.rms_norm_bwd %x, %w, %r, %g
      : tensor<2x5x8xf32>, tensor<8xf32>, tensor<2x5xf32>, tensor<2x5x8xbf16> -> tensor<2x5x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @rms_norm_bwd_grad_input(%x: tensor<2x5x8xf32>, %w: tensor<8xf32>, %r: tensor<2x5xf32>) {
  // expected-error @+1 {{'aster.rms_norm_bwd' op grad_input must be 'tensor<2x5x8xf32>', got 'tensor<10x8xf32>'}}
  %0, %1 = aster.rms_norm_bwd %x, %w, %r, %x
      : tensor<2x5x8xf32>, tensor<8xf32>, tensor<2x5xf32>, tensor<2x5x8xf32> -> tensor<10x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @rms_norm_bwd_grad_weight(%x: tensor<2x5x8xf32>, %w: tensor<8xf32>, %r: tensor<2x5xf32>) {
  // expected-error @+1 {{'aster.rms_norm_bwd' op grad_weight must be 'tensor<8xf32>', got 'tensor<1x8xf32>'}}
  %0, %1 = aster.rms_norm_bwd %x, %w, %r, %x
      : tensor<2x5x8xf32>, tensor<8xf32>, tensor<2x5xf32>, tensor<2x5x8xf32> -> tensor<2x5x8xf32>, tensor<1x8xf32>
  return
}

// -----

func.func @rms_norm_bwd_weight_type(%x: tensor<2x5x8xf32>, %w: tensor<8xbf16>, %r: tensor<2x5xf32>) {
  // expected-error @+1 {{'aster.rms_norm_bwd' op weight must have the input's element type 'f32', got 'bf16'}}
  %0, %1 = aster.rms_norm_bwd %x, %w, %r, %x
      : tensor<2x5x8xf32>, tensor<8xbf16>, tensor<2x5xf32>, tensor<2x5x8xf32> -> tensor<2x5x8xf32>, tensor<8xbf16>
  return
}

// -----

func.func @rms_norm_bwd_epsilon(%x: tensor<2x5x8xf32>, %w: tensor<8xf32>, %r: tensor<2x5xf32>) {
  // expected-error @+1 {{'aster.rms_norm_bwd' op has no attribute 'epsilon'; it takes none}}
  %0, %1 = aster.rms_norm_bwd %x, %w, %r, %x {epsilon = 1.0e-5 : f64}
      : tensor<2x5x8xf32>, tensor<8xf32>, tensor<2x5xf32>, tensor<2x5x8xf32> -> tensor<2x5x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @cross_entropy_fwd_loss_none(%l: tensor<2x5x7xf32>, %t: tensor<2x5xi32>) {
  // expected-error @+1 {{'aster.cross_entropy_fwd' op result must be 'tensor<2x5xf32>', got 'tensor<f32>'}}
  %0, %1 = aster.cross_entropy_fwd %l, %t reduction = none : tensor<2x5x7xf32>, tensor<2x5xi32> -> tensor<f32>, tensor<2x5xf32>
  return
}

// -----

func.func @cross_entropy_fwd_loss_mean(%l: tensor<2x5x7xf32>, %t: tensor<2x5xi32>) {
  // expected-error @+1 {{'aster.cross_entropy_fwd' op result must be 'tensor<f32>', got 'tensor<2x5xf32>'}}
  %0, %1 = aster.cross_entropy_fwd %l, %t : tensor<2x5x7xf32>, tensor<2x5xi32> -> tensor<2x5xf32>, tensor<2x5xf32>
  return
}

// -----

func.func @cross_entropy_fwd_loss_type(%l: tensor<2x5x7xbf16>, %t: tensor<2x5xi32>) {
  // expected-error @+1 {{result #0 must be statically shaped tensor of 32-bit float values, but got 'tensor<bf16>'}}
  %0, %1 = aster.cross_entropy_fwd %l, %t : tensor<2x5x7xbf16>, tensor<2x5xi32> -> tensor<bf16>, tensor<2x5xf32>
  return
}

// -----

func.func @cross_entropy_fwd_lse_shape(%l: tensor<2x5x7xf32>, %t: tensor<2x5xi32>) {
  // expected-error @+1 {{'aster.cross_entropy_fwd' op lse must be 'tensor<2x5xf32>', got 'tensor<2x5x7xf32>'}}
  %0, %1 = aster.cross_entropy_fwd %l, %t : tensor<2x5x7xf32>, tensor<2x5xi32> -> tensor<f32>, tensor<2x5x7xf32>
  return
}

// -----

func.func @cross_entropy_fwd_lse_scalar(%l: tensor<2x5x7xf32>, %t: tensor<2x5xi32>) {
  // expected-error @+1 {{'aster.cross_entropy_fwd' op lse must be 'tensor<2x5xf32>', got 'tensor<f32>'}}
  %0, %1 = aster.cross_entropy_fwd %l, %t : tensor<2x5x7xf32>, tensor<2x5xi32> -> tensor<f32>, tensor<f32>
  return
}

// -----

func.func @cross_entropy_fwd_lse_type(%l: tensor<2x5x7xbf16>, %t: tensor<2x5xi32>) {
  // expected-error @+1 {{result #1 must be statically shaped tensor of 32-bit float values, but got 'tensor<2x5xbf16>'}}
  %0, %1 = aster.cross_entropy_fwd %l, %t : tensor<2x5x7xbf16>, tensor<2x5xi32> -> tensor<f32>, tensor<2x5xbf16>
  return
}

// -----

func.func @cross_entropy_bwd_result_type(%l: tensor<2x5x7xf32>, %t: tensor<2x5xi32>, %lse: tensor<2x5xf32>, %g: tensor<f32>) {
  // expected-error @+1 {{'aster.cross_entropy_bwd' op result must be 'tensor<2x5x7xf32>', got 'tensor<2x5x7xbf16>'}}
  %0 = aster.cross_entropy_bwd %l, %t, %lse, %g : tensor<2x5x7xf32>, tensor<2x5xi32>, tensor<2x5xf32>, tensor<f32> -> tensor<2x5x7xbf16>
  return
}

// -----

func.func @cross_entropy_bwd_result_shape(%l: tensor<2x5x7xf32>, %t: tensor<2x5xi32>, %lse: tensor<2x5xf32>, %g: tensor<f32>) {
  // expected-error @+1 {{'aster.cross_entropy_bwd' op result must be 'tensor<2x5x7xf32>', got 'tensor<10x7xf32>'}}
  %0 = aster.cross_entropy_bwd %l, %t, %lse, %g : tensor<2x5x7xf32>, tensor<2x5xi32>, tensor<2x5xf32>, tensor<f32> -> tensor<10x7xf32>
  return
}

// -----

func.func @cross_entropy_bwd_lse(%l: tensor<2x5x7xf32>, %t: tensor<2x5xi32>, %lse: tensor<5xf32>, %g: tensor<f32>) {
  // expected-error @+1 {{'aster.cross_entropy_bwd' op lse must be 'tensor<2x5xf32>', got 'tensor<5xf32>'}}
  %0 = aster.cross_entropy_bwd %l, %t, %lse, %g : tensor<2x5x7xf32>, tensor<2x5xi32>, tensor<5xf32>, tensor<f32> -> tensor<2x5x7xf32>
  return
}

// -----

func.func @cross_entropy_bwd_grad_mean(%l: tensor<2x5x7xf32>, %t: tensor<2x5xi32>, %lse: tensor<2x5xf32>) {
  // expected-error @+1 {{'aster.cross_entropy_bwd' op grad must be 'tensor<f32>', got 'tensor<2x5xf32>'}}
  %0 = aster.cross_entropy_bwd %l, %t, %lse, %lse : tensor<2x5x7xf32>, tensor<2x5xi32>, tensor<2x5xf32>, tensor<2x5xf32> -> tensor<2x5x7xf32>
  return
}

// -----

func.func @cross_entropy_bwd_grad_sum(%l: tensor<2x5x7xf32>, %t: tensor<2x5xi32>, %lse: tensor<2x5xf32>, %g: tensor<1xf32>) {
  // expected-error @+1 {{'aster.cross_entropy_bwd' op grad must be 'tensor<f32>', got 'tensor<1xf32>'}}
  %0 = aster.cross_entropy_bwd %l, %t, %lse, %g reduction = sum : tensor<2x5x7xf32>, tensor<2x5xi32>, tensor<2x5xf32>, tensor<1xf32> -> tensor<2x5x7xf32>
  return
}

// -----

func.func @cross_entropy_bwd_grad_none(%l: tensor<2x5x7xf32>, %t: tensor<2x5xi32>, %lse: tensor<2x5xf32>, %g: tensor<f32>) {
  // expected-error @+1 {{'aster.cross_entropy_bwd' op grad must be 'tensor<2x5xf32>', got 'tensor<f32>'}}
  %0 = aster.cross_entropy_bwd %l, %t, %lse, %g reduction = none : tensor<2x5x7xf32>, tensor<2x5xi32>, tensor<2x5xf32>, tensor<f32> -> tensor<2x5x7xf32>
  return
}

// -----

func.func @cross_entropy_bwd_grad_type(%l: tensor<2x5x7xf32>, %t: tensor<2x5xi32>, %lse: tensor<2x5xf32>, %g: tensor<bf16>) {
  // expected-error @+1 {{operand #3 must be statically shaped tensor of 32-bit float values, but got 'tensor<bf16>'}}
  %0 = aster.cross_entropy_bwd %l, %t, %lse, %g : tensor<2x5x7xf32>, tensor<2x5xi32>, tensor<2x5xf32>, tensor<bf16> -> tensor<2x5x7xf32>
  return
}

// -----

func.func @insert_slice_bounds(%s: tensor<2x2xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'aster.insert_slice' op dimension 1: needs 0 <= start <= limit <= 4, got start 3, limit 5}}
  %0 = aster.insert_slice %s [0, 3] to [2, 5] : tensor<2x2xf32> -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @insert_slice_step(%s: tensor<2x2xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'aster.insert_slice' op dimension 1: step must be >= 1, got 0}}
  %0 = aster.insert_slice %s [0, 0] to [2, 2] step [1, 0] : tensor<2x2xf32> -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @cross_entropy_fwd_labels(%l: tensor<2x5x7xf32>, %y: tensor<2x7xi32>) {
  // expected-error @+1 {{'aster.cross_entropy_fwd' op labels of shape [2, 7] must have the logits' shape without the class dimension, [2, 5]}}
  %0, %1 = aster.cross_entropy_fwd %l, %y : tensor<2x5x7xf32>, tensor<2x7xi32> -> tensor<f32>, tensor<2x7xf32>
  return
}
