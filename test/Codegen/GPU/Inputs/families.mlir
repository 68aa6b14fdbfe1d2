// One kernel of each family the GPU strategies have: elementwise (bf16 in,
// f32 out, 16-byte accesses), rows (softmax, layer norm, cross-entropy),
// the generic strategy (f32 matmul), gather (embedding), a bf16 matmul on
// tensor cores, causal flash attention and scatter-add.
func.func @forward(%x: tensor<64x1024xbf16>, %b: tensor<1024xf32>, %w: tensor<1024x256xf32>,
                   %g: tensor<1024xf32>, %t: tensor<300x256xf32>, %ids: tensor<8x16xi32>,
                   %labels: tensor<64xi32>, %x2: tensor<32x2048xbf16>, %c: tensor<2048xf32>)
    -> (tensor<64x1024xf32>, tensor<64x1024xf32>, tensor<64x256xf32>, tensor<8x16x256xf32>, tensor<f32>, tensor<32x2048xf32>) {
  %e2 = aster.cast %x2 : tensor<32x2048xbf16> -> tensor<32x2048xf32>
  %z = aster.mul %e2, %c : tensor<32x2048xf32>, tensor<2048xf32> -> tensor<32x2048xf32>
  %e = aster.cast %x : tensor<64x1024xbf16> -> tensor<64x1024xf32>
  %a = aster.add %e, %b : tensor<64x1024xf32>, tensor<1024xf32> -> tensor<64x1024xf32>
  %s = aster.softmax %a, axis = 1 : tensor<64x1024xf32>
  %n = aster.layer_norm %a, %g, %b epsilon = 1.0e-5 : tensor<64x1024xf32>, tensor<1024xf32>, tensor<1024xf32>
  %m = aster.matmul %n, %w : tensor<64x1024xf32>, tensor<1024x256xf32> -> tensor<64x256xf32>
  %v = aster.embedding %t[%ids] : tensor<300x256xf32>, tensor<8x16xi32> -> tensor<8x16x256xf32>
  %l = aster.cross_entropy %a, %labels reduction = mean : tensor<64x1024xf32>, tensor<64xi32> -> tensor<f32>
  return %a, %s, %m, %v, %l, %z : tensor<64x1024xf32>, tensor<64x1024xf32>, tensor<64x256xf32>, tensor<8x16x256xf32>, tensor<f32>, tensor<32x2048xf32>
}

// A tensor-core matmul (mma.sync on NVIDIA) with its epilogue fused: bf16
// operands, bias and GELU.
func.func @matmul_bf16(%x: tensor<256x512xbf16>, %w: tensor<512x384xbf16>, %bias: tensor<384xbf16>)
    -> tensor<256x384xbf16> {
  %m = aster.matmul %x, %w : tensor<256x512xbf16>, tensor<512x384xbf16> -> tensor<256x384xbf16>
  %a = aster.add %m, %bias : tensor<256x384xbf16>, tensor<384xbf16> -> tensor<256x384xbf16>
  %y = aster.gelu %a : tensor<256x384xbf16>
  return %y : tensor<256x384xbf16>
}

// Causal flash attention on tensor cores (aster-gpu-attention-kernels),
// forward and backward: bf16 query, key and value with head dimension 128,
// grouped-query heads, the log-sum-exp saved for the backward.
func.func @attention_bf16(%q: tensor<2x8x256x128xbf16>, %k: tensor<2x2x256x128xbf16>, %v: tensor<2x2x256x128xbf16>, %g: tensor<2x8x256x128xbf16>)
    -> (tensor<2x8x256x128xbf16>, tensor<2x8x256x128xbf16>, tensor<2x2x256x128xbf16>, tensor<2x2x256x128xbf16>) {
  %o, %lse = aster.attention_fwd %q, %k, %v causal : tensor<2x8x256x128xbf16>, tensor<2x2x256x128xbf16>, tensor<2x2x256x128xbf16> -> tensor<2x8x256x128xbf16>, tensor<2x8x256xf32>
  %dq, %dk, %dv = aster.attention_bwd %q, %k, %v, %o, %lse, %g causal : tensor<2x8x256x128xbf16>, tensor<2x2x256x128xbf16>, tensor<2x2x256x128xbf16>, tensor<2x8x256x128xbf16>, tensor<2x8x256xf32>, tensor<2x8x256x128xbf16> -> tensor<2x8x256x128xbf16>, tensor<2x2x256x128xbf16>, tensor<2x2x256x128xbf16>
  return %o, %dq, %dk, %dv : tensor<2x8x256x128xbf16>, tensor<2x8x256x128xbf16>, tensor<2x2x256x128xbf16>, tensor<2x2x256x128xbf16>
}

// The embedding gradient of a bf16 model by atomic adds
// (aster-gpu-scatter-add-kernels).
func.func @embedding_grad(%g: tensor<8x128x768xbf16>, %ids: tensor<8x128xi32>) -> tensor<50257x768xbf16> {
  %d = aster.scatter_add %g[%ids] axis = 0 : tensor<8x128x768xbf16>, tensor<8x128xi32> -> tensor<50257x768xbf16>
  return %d : tensor<50257x768xbf16>
}
