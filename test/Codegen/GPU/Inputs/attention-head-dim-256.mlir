// Causal attention at head dimension 256 (Gemma's), grouped-query heads,
// forward and backward.
func.func @forward(%q: tensor<2x4x512x256xbf16>, %k: tensor<2x2x512x256xbf16>, %v: tensor<2x2x512x256xbf16>, %g: tensor<2x4x512x256xbf16>)
    -> (tensor<2x4x512x256xbf16>, tensor<2x4x512x256xbf16>, tensor<2x2x512x256xbf16>, tensor<2x2x512x256xbf16>) {
  %o, %lse = aster.attention_fwd %q, %k, %v causal : tensor<2x4x512x256xbf16>, tensor<2x2x512x256xbf16>, tensor<2x2x512x256xbf16> -> tensor<2x4x512x256xbf16>, tensor<2x4x512xf32>
  %dq, %dk, %dv = aster.attention_bwd %q, %k, %v, %o, %lse, %g causal : tensor<2x4x512x256xbf16>, tensor<2x2x512x256xbf16>, tensor<2x2x512x256xbf16>, tensor<2x4x512x256xbf16>, tensor<2x4x512xf32>, tensor<2x4x512x256xbf16> -> tensor<2x4x512x256xbf16>, tensor<2x2x512x256xbf16>, tensor<2x2x512x256xbf16>
  return %o, %dq, %dk, %dv : tensor<2x4x512x256xbf16>, tensor<2x4x512x256xbf16>, tensor<2x2x512x256xbf16>, tensor<2x2x512x256xbf16>
}
