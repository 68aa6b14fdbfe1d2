// RUN: not aster-reference %s --entry=huge 2>&1 | FileCheck %s --check-prefix=HUGE
// RUN: aster-reference %s --entry=empty | FileCheck %s --check-prefix=EMPTY
// RUN: not aster-reference %s --entry=foreign 2>&1 | FileCheck %s --check-prefix=FOREIGN

// HUGE: error: tensor 'tensor<100000x100000xf32>' has more than 1073741824 elements, the reference interpreter's limit
func.func @huge(%x: tensor<100000x100000xf32>) -> tensor<100000x100000xf32> {
  %0 = aster.exp %x : tensor<100000x100000xf32>
  return %0 : tensor<100000x100000xf32>
}

// Zero-sized dimensions run (nothing to compute) rather than divide by zero.
// EMPTY: result 0: tensor<3x0xf32>
// EMPTY: result 1: tensor<3x0xf32>
// EMPTY: result 2: tensor<2x0xf32>
func.func @empty(%x: tensor<3x0xf32>, %w: tensor<0xf32>, %r: tensor<2x0xf32>) -> (tensor<3x0xf32>, tensor<3x0xf32>, tensor<2x0xf32>) {
  %0 = aster.layer_norm %x, %w : tensor<3x0xf32>, tensor<0xf32>
  %1 = aster.rms_norm %x, %w : tensor<3x0xf32>, tensor<0xf32>
  %2 = aster.rope %r : tensor<2x0xf32>
  return %0, %1, %2 : tensor<3x0xf32>, tensor<3x0xf32>, tensor<2x0xf32>
}

// FOREIGN: error: the reference interpreter does not run 'arith.addf'
func.func @foreign(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = arith.addf %x, %x : tensor<2xf32>
  return %0 : tensor<2xf32>
}
