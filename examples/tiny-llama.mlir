// A 2-layer LLaMA (hidden 64, 4 query heads sharing 2 key/value heads,
// intermediate 176, vocabulary 256) on a micro-batch of 2 sequences of 16
// tokens, in the aster dialect: RMSNorm, rotary embeddings (theta 10000,
// HuggingFace's rotate_half layout), grouped-query causal attention, SwiGLU,
// untied head. Parameter names are the HuggingFace LlamaForCausalLM keys;
// nn.Linear weights are [out, in], hence transpose_rhs.
//
//   aster-reference examples/tiny-llama.mlir --seed 0

func.func @forward(
    %p0: tensor<256x64xf32> {aster.name = "model.embed_tokens.weight", aster.init = #aster.init<normal, std = 0.02>},
    %p1: tensor<64xf32> {aster.name = "model.layers.0.input_layernorm.weight", aster.init = #aster.init<ones>},
    %p2: tensor<64x64xf32> {aster.name = "model.layers.0.self_attn.q_proj.weight", aster.init = #aster.init<normal, std = 0.02>},
    %p3: tensor<32x64xf32> {aster.name = "model.layers.0.self_attn.k_proj.weight", aster.init = #aster.init<normal, std = 0.02>},
    %p4: tensor<32x64xf32> {aster.name = "model.layers.0.self_attn.v_proj.weight", aster.init = #aster.init<normal, std = 0.02>},
    %p5: tensor<64x64xf32> {aster.name = "model.layers.0.self_attn.o_proj.weight", aster.init = #aster.init<normal, std = 0.02>},
    %p6: tensor<64xf32> {aster.name = "model.layers.0.post_attention_layernorm.weight", aster.init = #aster.init<ones>},
    %p7: tensor<176x64xf32> {aster.name = "model.layers.0.mlp.gate_proj.weight", aster.init = #aster.init<normal, std = 0.02>},
    %p8: tensor<176x64xf32> {aster.name = "model.layers.0.mlp.up_proj.weight", aster.init = #aster.init<normal, std = 0.02>},
    %p9: tensor<64x176xf32> {aster.name = "model.layers.0.mlp.down_proj.weight", aster.init = #aster.init<normal, std = 0.02>},
    %p10: tensor<64xf32> {aster.name = "model.layers.1.input_layernorm.weight", aster.init = #aster.init<ones>},
    %p11: tensor<64x64xf32> {aster.name = "model.layers.1.self_attn.q_proj.weight", aster.init = #aster.init<normal, std = 0.02>},
    %p12: tensor<32x64xf32> {aster.name = "model.layers.1.self_attn.k_proj.weight", aster.init = #aster.init<normal, std = 0.02>},
    %p13: tensor<32x64xf32> {aster.name = "model.layers.1.self_attn.v_proj.weight", aster.init = #aster.init<normal, std = 0.02>},
    %p14: tensor<64x64xf32> {aster.name = "model.layers.1.self_attn.o_proj.weight", aster.init = #aster.init<normal, std = 0.02>},
    %p15: tensor<64xf32> {aster.name = "model.layers.1.post_attention_layernorm.weight", aster.init = #aster.init<ones>},
    %p16: tensor<176x64xf32> {aster.name = "model.layers.1.mlp.gate_proj.weight", aster.init = #aster.init<normal, std = 0.02>},
    %p17: tensor<176x64xf32> {aster.name = "model.layers.1.mlp.up_proj.weight", aster.init = #aster.init<normal, std = 0.02>},
    %p18: tensor<64x176xf32> {aster.name = "model.layers.1.mlp.down_proj.weight", aster.init = #aster.init<normal, std = 0.02>},
    %p19: tensor<64xf32> {aster.name = "model.norm.weight", aster.init = #aster.init<ones>},
    %p20: tensor<256x64xf32> {aster.name = "lm_head.weight", aster.init = #aster.init<normal, std = 0.02>},
    %tokens: tensor<2x16xi32> {aster.data = "tokens"}) -> tensor<2x16x256xf32> {
  %x0 = aster.embedding %p0[%tokens] : tensor<256x64xf32>, tensor<2x16xi32> -> tensor<2x16x64xf32>
  %x1 = func.call @decoder_layer(%x0, %p1, %p2, %p3, %p4, %p5, %p6, %p7, %p8, %p9) : (tensor<2x16x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<176x64xf32>, tensor<176x64xf32>, tensor<64x176xf32>) -> tensor<2x16x64xf32>
  %x2 = func.call @decoder_layer(%x1, %p10, %p11, %p12, %p13, %p14, %p15, %p16, %p17, %p18) : (tensor<2x16x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<32x64xf32>, tensor<32x64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<176x64xf32>, tensor<176x64xf32>, tensor<64x176xf32>) -> tensor<2x16x64xf32>
  %h = aster.rms_norm %x2, %p19 : tensor<2x16x64xf32>, tensor<64xf32>
  %logits = aster.matmul %h, %p20 transpose_rhs : tensor<2x16x64xf32>, tensor<256x64xf32> -> tensor<2x16x256xf32>
  return %logits : tensor<2x16x256xf32>
}

func.func private @decoder_layer(%x: tensor<2x16x64xf32>, %ln1: tensor<64xf32>,
    %wq: tensor<64x64xf32>, %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>, %wo: tensor<64x64xf32>,
    %ln2: tensor<64xf32>, %wg: tensor<176x64xf32>, %wu: tensor<176x64xf32>, %wd: tensor<64x176xf32>) -> tensor<2x16x64xf32> {
  %h = aster.rms_norm %x, %ln1 : tensor<2x16x64xf32>, tensor<64xf32>
  %q0 = aster.matmul %h, %wq transpose_rhs : tensor<2x16x64xf32>, tensor<64x64xf32> -> tensor<2x16x64xf32>
  %q1 = aster.reshape %q0 : tensor<2x16x64xf32> -> tensor<2x16x4x16xf32>
  %q2 = aster.transpose %q1, [0, 2, 1, 3] : tensor<2x16x4x16xf32> -> tensor<2x4x16x16xf32>
  %k0 = aster.matmul %h, %wk transpose_rhs : tensor<2x16x64xf32>, tensor<32x64xf32> -> tensor<2x16x32xf32>
  %k1 = aster.reshape %k0 : tensor<2x16x32xf32> -> tensor<2x16x2x16xf32>
  %k2 = aster.transpose %k1, [0, 2, 1, 3] : tensor<2x16x2x16xf32> -> tensor<2x2x16x16xf32>
  %v0 = aster.matmul %h, %wv transpose_rhs : tensor<2x16x64xf32>, tensor<32x64xf32> -> tensor<2x16x32xf32>
  %v1 = aster.reshape %v0 : tensor<2x16x32xf32> -> tensor<2x16x2x16xf32>
  %v2 = aster.transpose %v1, [0, 2, 1, 3] : tensor<2x16x2x16xf32> -> tensor<2x2x16x16xf32>
  %q = aster.rope %q2 : tensor<2x4x16x16xf32>
  %k = aster.rope %k2 : tensor<2x2x16x16xf32>
  %a = aster.attention %q, %k, %v2 causal : tensor<2x4x16x16xf32>, tensor<2x2x16x16xf32>, tensor<2x2x16x16xf32> -> tensor<2x4x16x16xf32>
  %a1 = aster.transpose %a, [0, 2, 1, 3] : tensor<2x4x16x16xf32> -> tensor<2x16x4x16xf32>
  %a2 = aster.reshape %a1 : tensor<2x16x4x16xf32> -> tensor<2x16x64xf32>
  %o = aster.matmul %a2, %wo transpose_rhs : tensor<2x16x64xf32>, tensor<64x64xf32> -> tensor<2x16x64xf32>
  %x1 = aster.add %x, %o : tensor<2x16x64xf32>, tensor<2x16x64xf32> -> tensor<2x16x64xf32>
  %h2 = aster.rms_norm %x1, %ln2 : tensor<2x16x64xf32>, tensor<64xf32>
  %g = aster.matmul %h2, %wg transpose_rhs : tensor<2x16x64xf32>, tensor<176x64xf32> -> tensor<2x16x176xf32>
  %u = aster.matmul %h2, %wu transpose_rhs : tensor<2x16x64xf32>, tensor<176x64xf32> -> tensor<2x16x176xf32>
  %sg = aster.silu %g : tensor<2x16x176xf32>
  %m = aster.mul %sg, %u : tensor<2x16x176xf32>, tensor<2x16x176xf32> -> tensor<2x16x176xf32>
  %d = aster.matmul %m, %wd transpose_rhs : tensor<2x16x176xf32>, tensor<64x176xf32> -> tensor<2x16x64xf32>
  %x2 = aster.add %x1, %d : tensor<2x16x64xf32>, tensor<2x16x64xf32> -> tensor<2x16x64xf32>
  return %x2 : tensor<2x16x64xf32>
}
