// RUN: aster-opt %s -convert-aster-to-linalg -verify-diagnostics

func.func @rope(%x: tensor<1x2x4xf32>) -> tensor<1x2x4xf32> {
  // expected-error @+1 {{failed to legalize operation 'aster.rope'}}
  %0 = aster.rope %x : tensor<1x2x4xf32>
  return %0 : tensor<1x2x4xf32>
}
