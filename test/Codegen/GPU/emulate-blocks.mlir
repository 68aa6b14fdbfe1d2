// RUN: aster-opt %s --aster-gpu-emulate-blocks | FileCheck %s

// A launch of 3 blocks of 4 threads, as loops: over the blocks, then one
// loop over the threads per phase (the barrier and the all-reduce end
// phases); the partials go through a 4-element array that the next phase
// folds; the thread test is recomputed in the phase that uses it.
// CHECK-LABEL: func.func @k
// CHECK: %[[P:.*]] = memref.alloca() : memref<4xf32>
// CHECK: scf.for %[[B:[a-z0-9]+]] = %{{.*}} to %{{.*}} step
// CHECK:   scf.for %[[T:[a-z0-9]+]] = %{{.*}} to %{{.*}} step
// CHECK:     memref.load %{{.*}}[%[[B]], %[[T]]]
// CHECK:     memref.store %{{.*}}, %[[P]][%[[T]]]
// CHECK:   scf.for %[[T2:[a-z0-9]+]] =
// CHECK:     %[[FIRST:.*]] = memref.load %[[P]][%{{.*}}]
// CHECK:     %[[SUM:.*]] = scf.for {{.*}} iter_args(%[[ACC:.*]] = %[[FIRST]])
// CHECK:       arith.addf %[[ACC]]
// CHECK:     arith.cmpi eq, %[[T2]]
// CHECK:     scf.if
// CHECK:       memref.store %[[SUM]]
// CHECK-NOT: gpu.
func.func @k(%x: memref<3x4xf32>, %y: memref<3xf32>) {
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  gpu.launch blocks(%b, %b1, %b2) in (%g0 = %c3, %g1 = %c1, %g2 = %c1) threads(%t, %t1, %t2) in (%s0 = %c4, %s1 = %c1, %s2 = %c1) {
    %c0 = arith.constant 0 : index
    %first = arith.cmpi eq, %t, %c0 : index
    %v = memref.load %x[%b, %t] : memref<3x4xf32>
    %s = gpu.all_reduce add %v uniform {} : (f32) -> f32
    scf.if %first {
      memref.store %s, %y[%b] : memref<3xf32>
    }
    gpu.barrier
    gpu.terminator
  }
  return
}
