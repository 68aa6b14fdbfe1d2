// RUN: aster-opt %s --aster-gpu-row-kernels --split-input-file | FileCheck %s

// A softmax-like row kernel: a max and a sum over each row, then the
// normalized row. One launch, a block per row (6 rows), 256 threads (a
// quarter of the 1000 columns, rounded up to a power of two), each taking
// 4 consecutive f32 columns (16 bytes) per step; each reduction is a
// per-thread loop from the neutral element (-inf, 0) folding its lanes in
// turn, a gpu.all_reduce, and thread 0 folding it into the output; a
// barrier after each op. The exp is recomputed where the sum and the
// division read it, never stored.
// CHECK-LABEL: func.func private @softmax_k0
// CHECK: %[[C6:.*]] = arith.constant 6 : index
// CHECK: %[[C256:.*]] = arith.constant 256 : index
// CHECK: gpu.launch blocks(%[[ROW:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C6]], {{.*}} threads(%[[T:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C256]],
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[T]], %{{.*}} : index
// CHECK: scf.if %[[FIRST]]
// CHECK: gpu.barrier
// CHECK: %[[NEG:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MAX:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[NEG]]) -> (f32)
// CHECK:   arith.cmpi ult
// CHECK:   scf.if
// CHECK:     vector.load %{{.*}} {alignment = 16 : i64} : memref<6x1000xf32>, vector<4xf32>
// CHECK-COUNT-4: arith.maximumf
// CHECK: gpu.all_reduce maximumf %[[MAX]] uniform
// CHECK: gpu.barrier
// CHECK: gpu.all_reduce add
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK:   math.exp
// CHECK:   arith.divf
// CHECK:   vector.store %{{.*}} {alignment = 16 : i64} : memref<6x1000xf32>, vector<4xf32>
// CHECK: gpu.barrier
// CHECK-NOT: linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func private @softmax_k0(%x: memref<6x1000xf32>, %y: memref<6x1000xf32>) attributes {aster.kernel = "reduction"} {
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %max = memref.alloc() : memref<6xf32>
  %sum = memref.alloc() : memref<6xf32>
  %e = memref.alloc() : memref<6x1000xf32>
  linalg.fill ins(%ninf : f32) outs(%max : memref<6xf32>)
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<6x1000xf32>) outs(%max : memref<6xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %out : f32
    linalg.yield %m : f32
  }
  linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %max : memref<6x1000xf32>, memref<6xf32>) outs(%e : memref<6x1000xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %v = math.exp %d : f32
    linalg.yield %v : f32
  }
  linalg.fill ins(%zero : f32) outs(%sum : memref<6xf32>)
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%e : memref<6x1000xf32>) outs(%sum : memref<6xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%e, %sum : memref<6x1000xf32>, memref<6xf32>) outs(%y : memref<6x1000xf32>) {
  ^bb0(%in: f32, %s: f32, %out: f32):
    %v = arith.divf %in, %s : f32
    linalg.yield %v : f32
  }
  return
}

// -----

// A reduction over every dimension has no rows: left to the generic
// strategy.
// CHECK-LABEL: func.func private @total_k0
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
#all = affine_map<(d0, d1) -> (d0, d1)>
#none = affine_map<(d0, d1) -> ()>
func.func private @total_k0(%x: memref<6x1000xf32>, %y: memref<f32>) attributes {aster.kernel = "reduction"} {
  linalg.generic {indexing_maps = [#all, #none], iterator_types = ["reduction", "reduction"]}
      ins(%x : memref<6x1000xf32>) outs(%y : memref<f32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  }
  return
}
