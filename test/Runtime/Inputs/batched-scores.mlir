// q k^T per (batch, head): both operands [2][4][64][64] bf16, K-major.
func.func @forward(%q: tensor<2x4x64x64xbf16>, %k: tensor<2x4x64x64xbf16>) -> tensor<2x4x64x64xbf16> {
  %kt = aster.transpose %k, [0, 1, 3, 2] : tensor<2x4x64x64xbf16> -> tensor<2x4x64x64xbf16>
  %s = aster.matmul %q, %kt : tensor<2x4x64x64xbf16>, tensor<2x4x64x64xbf16> -> tensor<2x4x64x64xbf16>
  return %s : tensor<2x4x64x64xbf16>
}
