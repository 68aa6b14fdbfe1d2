// RUN: aster-opt %s --aster-gpu-scatter-add-kernels --split-input-file | FileCheck %s

// The embedding gradient of a bf16 model: 2 x 9 tokens of width 64 into
// 300 rows. Three launches of 256 threads, grid-stride over flat
// elements: zero an f32 accumulator (19,200 elements, 75 blocks), add
// each update (1,152, 5 blocks) into row indices[j] (negative from the
// end, clamped to [0, 300)) atomically, round the accumulator to bf16.
// CHECK-LABEL: func.func @embedding_grad
// CHECK: call @embedding_grad_scatter_add(%arg0, %arg1)
// CHECK-LABEL: func.func private @embedding_grad_scatter_add
// CHECK-SAME: attributes {aster.kernel = "scatter"}
// CHECK: %[[U:.*]] = bufferization.to_buffer %arg0 read_only
// CHECK: %[[I:.*]] = bufferization.to_buffer %arg1 read_only
// CHECK: %[[R:.*]] = memref.alloc() {alignment = 64 : i64} : memref<300x64xbf16>
// CHECK: %[[UF:.*]] = memref.collapse_shape %[[U]] {{\[\[}}0, 1, 2]] : memref<2x9x64xbf16> into memref<1152xbf16>
// CHECK: %[[IF:.*]] = memref.collapse_shape %[[I]] {{\[\[}}0, 1]] : memref<2x9xi32> into memref<18xi32>
// CHECK: %[[RF:.*]] = memref.collapse_shape %[[R]] {{\[\[}}0, 1]] : memref<300x64xbf16> into memref<19200xbf16>
// CHECK: %[[ACC:.*]] = memref.alloc() {alignment = 64 : i64} : memref<19200xf32>
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c75,
// CHECK:   memref.store %{{.*}}, %[[ACC]]
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c5,
// CHECK:   scf.for %[[E:.*]] = %{{.*}} to %c1152 step %c1280
// CHECK:     memref.load %[[IF]]
// CHECK:     arith.cmpi slt
// CHECK:     arith.maxsi
// CHECK:     arith.minsi %{{.*}}, %c299
// CHECK:     %[[V:.*]] = memref.load %[[UF]][%[[E]]]
// CHECK:     %[[W:.*]] = arith.extf %[[V]] : bf16 to f32
// CHECK:     memref.atomic_rmw addf %[[W]], %[[ACC]]
// CHECK: gpu.launch
// CHECK:   memref.load %[[ACC]]
// CHECK:   arith.truncf %{{.*}} : f32 to bf16
// CHECK:   memref.store %{{.*}}, %[[RF]]
// CHECK: bufferization.to_tensor %[[R]] restrict writable
func.func @embedding_grad(%u: tensor<2x9x64xbf16>, %ids: tensor<2x9xi32>) -> tensor<300x64xbf16> {
  %d = aster.scatter_add %u[%ids] axis = 0 : tensor<2x9x64xbf16>, tensor<2x9xi32> -> tensor<300x64xbf16>
  return %d : tensor<300x64xbf16>
}

// -----

// An f32 result is its own accumulator (two launches); axis 1 puts the
// outer index o at o * 20 rows.
// CHECK-LABEL: func.func private @inner_axis_scatter_add
// CHECK: %[[R:.*]] = memref.alloc() {alignment = 64 : i64} : memref<3x20x8xf32>
// CHECK: %[[RF:.*]] = memref.collapse_shape %[[R]]
// CHECK: gpu.launch
// CHECK:   memref.store %{{.*}}, %[[RF]]
// CHECK: gpu.launch
// CHECK:   arith.muli %{{.*}}, %c20
// CHECK:   memref.atomic_rmw addf %{{.*}}, %[[RF]]
// CHECK-NOT: gpu.launch
// CHECK: return
func.func @inner_axis(%u: tensor<3x4x5x8xf32>, %ids: tensor<4x5xi64>) -> tensor<3x20x8xf32> {
  %d = aster.scatter_add %u[%ids] axis = 1 : tensor<3x4x5x8xf32>, tensor<4x5xi64> -> tensor<3x20x8xf32>
  return %d : tensor<3x20x8xf32>
}
