// A 2-layer GPT-2 (hidden 64, 4 heads, vocabulary 256, 32 positions) on a
// micro-batch of 2 sequences of 16 tokens, written by hand in the aster dialect.
// Parameter names are the HuggingFace GPT2LMHeadModel state-dict keys and the
// initialisers those of GPT2PreTrainedModel._init_weights (c_proj weights
// scaled by 1/sqrt(2 * n_layer)). The head is tied to transformer.wte.weight.
//
//   aster-reference examples/tiny-gpt2.mlir --seed 0

func.func @forward(
    %p0: tensor<256x64xf32> {aster.name = "transformer.wte.weight", aster.init = #aster.init<normal, std = 0.02>},
    %p1: tensor<32x64xf32> {aster.name = "transformer.wpe.weight", aster.init = #aster.init<normal, std = 0.01>},
    %p2: tensor<64xf32> {aster.name = "transformer.h.0.ln_1.weight", aster.init = #aster.init<ones>},
    %p3: tensor<64xf32> {aster.name = "transformer.h.0.ln_1.bias", aster.init = #aster.init<zeros>},
    %p4: tensor<64x192xf32> {aster.name = "transformer.h.0.attn.c_attn.weight", aster.init = #aster.init<normal, std = 0.02>},
    %p5: tensor<192xf32> {aster.name = "transformer.h.0.attn.c_attn.bias", aster.init = #aster.init<zeros>},
    %p6: tensor<64x64xf32> {aster.name = "transformer.h.0.attn.c_proj.weight", aster.init = #aster.init<normal, std = 0.01>},
    %p7: tensor<64xf32> {aster.name = "transformer.h.0.attn.c_proj.bias", aster.init = #aster.init<zeros>},
    %p8: tensor<64xf32> {aster.name = "transformer.h.0.ln_2.weight", aster.init = #aster.init<ones>},
    %p9: tensor<64xf32> {aster.name = "transformer.h.0.ln_2.bias", aster.init = #aster.init<zeros>},
    %p10: tensor<64x256xf32> {aster.name = "transformer.h.0.mlp.c_fc.weight", aster.init = #aster.init<normal, std = 0.02>},
    %p11: tensor<256xf32> {aster.name = "transformer.h.0.mlp.c_fc.bias", aster.init = #aster.init<zeros>},
    %p12: tensor<256x64xf32> {aster.name = "transformer.h.0.mlp.c_proj.weight", aster.init = #aster.init<normal, std = 0.01>},
    %p13: tensor<64xf32> {aster.name = "transformer.h.0.mlp.c_proj.bias", aster.init = #aster.init<zeros>},
    %p14: tensor<64xf32> {aster.name = "transformer.h.1.ln_1.weight", aster.init = #aster.init<ones>},
    %p15: tensor<64xf32> {aster.name = "transformer.h.1.ln_1.bias", aster.init = #aster.init<zeros>},
    %p16: tensor<64x192xf32> {aster.name = "transformer.h.1.attn.c_attn.weight", aster.init = #aster.init<normal, std = 0.02>},
    %p17: tensor<192xf32> {aster.name = "transformer.h.1.attn.c_attn.bias", aster.init = #aster.init<zeros>},
    %p18: tensor<64x64xf32> {aster.name = "transformer.h.1.attn.c_proj.weight", aster.init = #aster.init<normal, std = 0.01>},
    %p19: tensor<64xf32> {aster.name = "transformer.h.1.attn.c_proj.bias", aster.init = #aster.init<zeros>},
    %p20: tensor<64xf32> {aster.name = "transformer.h.1.ln_2.weight", aster.init = #aster.init<ones>},
    %p21: tensor<64xf32> {aster.name = "transformer.h.1.ln_2.bias", aster.init = #aster.init<zeros>},
    %p22: tensor<64x256xf32> {aster.name = "transformer.h.1.mlp.c_fc.weight", aster.init = #aster.init<normal, std = 0.02>},
    %p23: tensor<256xf32> {aster.name = "transformer.h.1.mlp.c_fc.bias", aster.init = #aster.init<zeros>},
    %p24: tensor<256x64xf32> {aster.name = "transformer.h.1.mlp.c_proj.weight", aster.init = #aster.init<normal, std = 0.01>},
    %p25: tensor<64xf32> {aster.name = "transformer.h.1.mlp.c_proj.bias", aster.init = #aster.init<zeros>},
    %p26: tensor<64xf32> {aster.name = "transformer.ln_f.weight", aster.init = #aster.init<ones>},
    %p27: tensor<64xf32> {aster.name = "transformer.ln_f.bias", aster.init = #aster.init<zeros>},
    %tokens: tensor<2x16xi32> {aster.data = "tokens"}) -> tensor<2x16x256xf32> {
  %tok = aster.embedding %p0[%tokens] : tensor<256x64xf32>, tensor<2x16xi32> -> tensor<2x16x64xf32>
  %pos = aster.slice %p1 [0, 0] to [16, 64] : tensor<32x64xf32> -> tensor<16x64xf32>
  %x0 = aster.add %tok, %pos : tensor<2x16x64xf32>, tensor<16x64xf32> -> tensor<2x16x64xf32>
  %x1 = func.call @block(%x0, %p2, %p3, %p4, %p5, %p6, %p7, %p8, %p9, %p10, %p11, %p12, %p13) : (tensor<2x16x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x192xf32>, tensor<192xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x256xf32>, tensor<256xf32>, tensor<256x64xf32>, tensor<64xf32>) -> tensor<2x16x64xf32>
  %x2 = func.call @block(%x1, %p14, %p15, %p16, %p17, %p18, %p19, %p20, %p21, %p22, %p23, %p24, %p25) : (tensor<2x16x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x192xf32>, tensor<192xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64x256xf32>, tensor<256xf32>, tensor<256x64xf32>, tensor<64xf32>) -> tensor<2x16x64xf32>
  %h = aster.layer_norm %x2, %p26, %p27 : tensor<2x16x64xf32>, tensor<64xf32>, tensor<64xf32>
  %logits = aster.matmul %h, %p0 transpose_rhs : tensor<2x16x64xf32>, tensor<256x64xf32> -> tensor<2x16x256xf32>
  return %logits : tensor<2x16x256xf32>
}

// One GPT-2 block: x + attn(ln_1(x)), then + mlp(ln_2(.)). GPT-2's Conv1D
// weights are [in, out], so the projections are plain x @ W + b.
func.func private @block(%x: tensor<2x16x64xf32>,
    %ln1_w: tensor<64xf32>, %ln1_b: tensor<64xf32>, %attn_w: tensor<64x192xf32>, %attn_b: tensor<192xf32>,
    %proj_w: tensor<64x64xf32>, %proj_b: tensor<64xf32>, %ln2_w: tensor<64xf32>, %ln2_b: tensor<64xf32>,
    %fc_w: tensor<64x256xf32>, %fc_b: tensor<256xf32>, %mproj_w: tensor<256x64xf32>, %mproj_b: tensor<64xf32>) -> tensor<2x16x64xf32> {
  %h = aster.layer_norm %x, %ln1_w, %ln1_b : tensor<2x16x64xf32>, tensor<64xf32>, tensor<64xf32>
  %qkv0 = aster.matmul %h, %attn_w : tensor<2x16x64xf32>, tensor<64x192xf32> -> tensor<2x16x192xf32>
  %qkv = aster.add %qkv0, %attn_b : tensor<2x16x192xf32>, tensor<192xf32> -> tensor<2x16x192xf32>
  %q0 = aster.slice %qkv [0, 0, 0] to [2, 16, 64] : tensor<2x16x192xf32> -> tensor<2x16x64xf32>
  %q1 = aster.reshape %q0 : tensor<2x16x64xf32> -> tensor<2x16x4x16xf32>
  %q = aster.transpose %q1, [0, 2, 1, 3] : tensor<2x16x4x16xf32> -> tensor<2x4x16x16xf32>
  %k0 = aster.slice %qkv [0, 0, 64] to [2, 16, 128] : tensor<2x16x192xf32> -> tensor<2x16x64xf32>
  %k1 = aster.reshape %k0 : tensor<2x16x64xf32> -> tensor<2x16x4x16xf32>
  %k = aster.transpose %k1, [0, 2, 1, 3] : tensor<2x16x4x16xf32> -> tensor<2x4x16x16xf32>
  %v0 = aster.slice %qkv [0, 0, 128] to [2, 16, 192] : tensor<2x16x192xf32> -> tensor<2x16x64xf32>
  %v1 = aster.reshape %v0 : tensor<2x16x64xf32> -> tensor<2x16x4x16xf32>
  %v = aster.transpose %v1, [0, 2, 1, 3] : tensor<2x16x4x16xf32> -> tensor<2x4x16x16xf32>
  %a = aster.attention %q, %k, %v causal : tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32>, tensor<2x4x16x16xf32> -> tensor<2x4x16x16xf32>
  %a1 = aster.transpose %a, [0, 2, 1, 3] : tensor<2x4x16x16xf32> -> tensor<2x16x4x16xf32>
  %a2 = aster.reshape %a1 : tensor<2x16x4x16xf32> -> tensor<2x16x64xf32>
  %o0 = aster.matmul %a2, %proj_w : tensor<2x16x64xf32>, tensor<64x64xf32> -> tensor<2x16x64xf32>
  %o = aster.add %o0, %proj_b : tensor<2x16x64xf32>, tensor<64xf32> -> tensor<2x16x64xf32>
  %x1 = aster.add %x, %o : tensor<2x16x64xf32>, tensor<2x16x64xf32> -> tensor<2x16x64xf32>
  %h2 = aster.layer_norm %x1, %ln2_w, %ln2_b : tensor<2x16x64xf32>, tensor<64xf32>, tensor<64xf32>
  %f0 = aster.matmul %h2, %fc_w : tensor<2x16x64xf32>, tensor<64x256xf32> -> tensor<2x16x256xf32>
  %f1 = aster.add %f0, %fc_b : tensor<2x16x256xf32>, tensor<256xf32> -> tensor<2x16x256xf32>
  %f = aster.gelu %f1 approximate = tanh : tensor<2x16x256xf32>
  %m0 = aster.matmul %f, %mproj_w : tensor<2x16x256xf32>, tensor<256x64xf32> -> tensor<2x16x64xf32>
  %m = aster.add %m0, %mproj_b : tensor<2x16x64xf32>, tensor<64xf32> -> tensor<2x16x64xf32>
  %x2 = aster.add %x1, %m : tensor<2x16x64xf32>, tensor<2x16x64xf32> -> tensor<2x16x64xf32>
  return %x2 : tensor<2x16x64xf32>
}
