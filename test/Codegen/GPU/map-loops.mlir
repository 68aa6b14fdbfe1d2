// RUN: aster-opt %s --aster-gpu-map-loops="block-size=64" --split-input-file | FileCheck %s

// A matmul in the generic strategy: the parallel dimensions (m, n) as one
// loop split into blocks of 64 threads, the reduction (k) a sequential loop
// inside each thread.
// CHECK-LABEL: func.func private @mm_k0
// CHECK: scf.parallel
// CHECK: scf.parallel
// CHECK: scf.if
// CHECK: scf.for
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: {mapping = [#gpu.loop_dim_map<processor = thread_x, {{.*}}>]}
// CHECK: {mapping = [#gpu.loop_dim_map<processor = block_x, {{.*}}>]}
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func private @mm_k0(%x: memref<5x7xf32>, %w: memref<7x9xf32>, %y: memref<5x9xf32>) attributes {aster.kernel = "matmul"} {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %w : memref<5x7xf32>, memref<7x9xf32>) outs(%y : memref<5x9xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Work with no parallel dimension runs in one thread of one block; a
// constant table every call passes is read from the global in the kernel.
// CHECK-LABEL: func.func private @sum_k0
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[ONE:.*]]) step
// CHECK: scf.for
// CHECK: memref.get_global @table
// CHECK: {mapping = [#gpu.loop_dim_map<processor = thread_x
// CHECK: {mapping = [#gpu.loop_dim_map<processor = block_x
memref.global "private" constant @table : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
#v = affine_map<(d0) -> (d0)>
#s = affine_map<(d0) -> ()>
func.func private @sum_k0(%t: memref<4xf32>, %y: memref<f32>) attributes {aster.kernel = "reduction"} {
  linalg.generic {indexing_maps = [#v, #s], iterator_types = ["reduction"]}
      ins(%t : memref<4xf32>) outs(%y : memref<f32>) {
  ^bb0(%i: f32, %o: f32):
    %s = arith.addf %o, %i : f32
    linalg.yield %s : f32
  }
  return
}
func.func @forward(%y: memref<f32>) {
  %t = memref.get_global @table : memref<4xf32>
  call @sum_k0(%t, %y) : (memref<4xf32>, memref<f32>) -> ()
  return
}
