// RUN: aster-opt %s -split-input-file -aster-fuse -aster-cpu-tile-rows -canonicalize -cse | FileCheck %s

// Softmax: tiles of 32 whole rows (4,096 elements) on threads, with the
// max, the exponentials, the sum and the division all inside the tile.
// CHECK-LABEL: func.func private @softmax_k0_reduction
// CHECK: scf.forall (%{{.*}}) = (0) to (64) step (32)
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}}tensor<32x128xf32>
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: arith.divf
// CHECK: scf.forall.in_parallel
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @softmax(%x: tensor<64x128xf32>) -> tensor<64x128xf32> {
  %0 = aster.softmax %x, axis = 1 : tensor<64x128xf32>
  return %0 : tensor<64x128xf32>
}

// -----

// A residual add and a layer norm returning the residual stream and the
// normalized rows: one tile loop yields both.
// CHECK-LABEL: func.func private @residual_norm_k0_reduction
// CHECK: %[[T:.*]]:2 = scf.forall (%{{.*}}) = (0) to (256) step (16)
// CHECK: scf.forall.in_parallel
// CHECK: return %[[T]]#1, %[[T]]#0
func.func @residual_norm(%x: tensor<256x256xf32>, %r: tensor<256x256xf32>, %g: tensor<256xf32>, %b: tensor<256xf32>) -> (tensor<256x256xf32>, tensor<256x256xf32>) {
  %0 = aster.add %x, %r : tensor<256x256xf32>, tensor<256x256xf32> -> tensor<256x256xf32>
  %1 = aster.layer_norm %0, %g, %b epsilon = 1.0e-5 : tensor<256x256xf32>, tensor<256xf32>, tensor<256xf32>
  return %0, %1 : tensor<256x256xf32>, tensor<256x256xf32>
}

// -----

// Two results that share a producer would each recompute it in a tile
// loop of its own: the kernel stays untiled.
// CHECK-LABEL: func.func private @shared_k0_elementwise
// CHECK-NOT: scf.forall
// CHECK: return
func.func @shared(%x: tensor<64x128xf32>) -> (tensor<64x128xf32>, tensor<64x128xf32>) {
  %e = aster.exp %x : tensor<64x128xf32>
  %a = aster.mul %e, %x : tensor<64x128xf32>, tensor<64x128xf32> -> tensor<64x128xf32>
  %b = aster.add %e, %x : tensor<64x128xf32>, tensor<64x128xf32> -> tensor<64x128xf32>
  return %a, %b : tensor<64x128xf32>, tensor<64x128xf32>
}
