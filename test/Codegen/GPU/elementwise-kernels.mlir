// RUN: aster-opt %s --aster-gpu-elementwise-kernels="block-size=128 max-blocks=8" --split-input-file | FileCheck %s

// bf16 in, f32 out, a bias broadcast along rows: four f32 lanes (16
// bytes) per thread. The input and the bias are contiguous along the
// innermost dimension (one vector load each), the output one aligned
// 16-byte vector store; 64 x 1024 / 4 = 16384 chunks over 8 blocks of 128
// threads, each striding by 1024 chunks.
// CHECK-LABEL: func.func private @bias_k0
// CHECK: %[[C8:.*]] = arith.constant 8 : index
// CHECK: %[[C128:.*]] = arith.constant 128 : index
// CHECK: gpu.launch blocks(%[[B:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C8]], {{.*}} threads(%[[T:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C128]],
// CHECK: %[[START:.*]] = arith.addi %{{.*}}, %[[T]] : index
// CHECK: %[[CHUNKS:.*]] = arith.constant 16384 : index
// CHECK: %[[STRIDE:.*]] = arith.constant 1024 : index
// CHECK: scf.for %[[C:.*]] = %[[START]] to %[[CHUNKS]] step %[[STRIDE]]
// CHECK: vector.load %{{.*}} {alignment = 8 : i64} : memref<64x1024xbf16>, vector<4xbf16>
// CHECK: vector.load %{{.*}} {alignment = 16 : i64} : memref<1024xf32>, vector<4xf32>
// CHECK-COUNT-4: arith.addf
// CHECK: vector.from_elements
// CHECK: vector.store %{{.*}} {alignment = 16 : i64} : memref<64x1024xf32>, vector<4xf32>
// CHECK-NOT: linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
func.func private @bias_k0(%x: memref<64x1024xbf16>, %b: memref<1024xf32>, %y: memref<64x1024xf32>) attributes {aster.kernel = "elementwise"} {
  linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : memref<64x1024xbf16>, memref<1024xf32>) outs(%y : memref<64x1024xf32>) {
  ^bb0(%in: bf16, %bias: f32, %out: f32):
    %e = arith.extf %in : bf16 to f32
    %s = arith.addf %e, %bias : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A transpose: the output is written in order, the input read across
// rows, one element per lane.
// CHECK-LABEL: func.func private @transpose_k0
// CHECK: gpu.launch
// CHECK-COUNT-4: memref.load %{{.*}} : memref<32x16xf32>
// CHECK: vector.store
#t = affine_map<(d0, d1) -> (d1, d0)>
#o = affine_map<(d0, d1) -> (d0, d1)>
func.func private @transpose_k0(%x: memref<32x16xf32>, %y: memref<16x32xf32>) attributes {aster.kernel = "copy"} {
  linalg.generic {indexing_maps = [#t, #o], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<32x16xf32>) outs(%y : memref<16x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  return
}

// -----

// i1 output: a byte per element in memory, packed in vectors: no vector
// accesses, one element per thread.
// CHECK-LABEL: func.func private @mask_k0
// CHECK: gpu.launch
// CHECK-NOT: vector.
// CHECK: memref.store %{{.*}} : memref<3x4xi1>
#m = affine_map<(d0, d1) -> (d0, d1)>
func.func private @mask_k0(%x: memref<3x4xi32>, %y: memref<3x4xi1>) attributes {aster.kernel = "elementwise"} {
  %c = arith.constant -100 : i32
  linalg.generic {indexing_maps = [#m, #m], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<3x4xi32>) outs(%y : memref<3x4xi1>) {
  ^bb0(%in: i32, %out: i1):
    %ne = arith.cmpi ne, %in, %c : i32
    linalg.yield %ne : i1
  }
  return
}
