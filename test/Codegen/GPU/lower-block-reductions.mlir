// RUN: aster-opt %s --pass-pipeline="builtin.module(gpu.module(aster-gpu-lower-block-reductions))" --split-input-file | FileCheck %s
// RUN: aster-opt %s --pass-pipeline="builtin.module(gpu.module(aster-gpu-lower-block-reductions{subgroup-size=64}))" --split-input-file | FileCheck %s --check-prefix=WAVE

// A block-wide sum: butterfly shuffles within each warp, the warps'
// partials through a workgroup buffer, barriers between the steps.
// CHECK-LABEL: gpu.func @sum
// CHECK-SAME: workgroup(%[[BUF:.*]] : memref<32xf32, #gpu.address_space<workgroup>>)
// CHECK: gpu.shuffle xor
// CHECK: gpu.barrier
// CHECK: gpu.shuffle xor
// CHECK-NOT: gpu.all_reduce
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @sum(%x: memref<256xf32>, %y: memref<f32>) kernel {
      %t = gpu.thread_id x
      %v = memref.load %x[%t] : memref<256xf32>
      %s = gpu.all_reduce add %v uniform {} : (f32) -> f32
      memref.store %s, %y[] : memref<f32>
      gpu.return
    }
  }
}

// -----

// A maximum over each quad of lanes (flash attention's row of an mma.sync
// accumulator): a butterfly over lane offsets 1 and 2, no workgroup buffer
// and no barrier; with 64-lane waves (AMD) the same offsets, over 64 lanes.
// CHECK-LABEL: gpu.func @quad_max
// CHECK-NOT: gpu.barrier
// CHECK: gpu.shuffle xor %{{.*}}, %c1_i32, %c32_i32 : f32
// CHECK: arith.maximumf
// CHECK: gpu.shuffle xor %{{.*}}, %c2_i32, %c32_i32 : f32
// CHECK: arith.maximumf
// CHECK-NOT: gpu.shuffle
// CHECK-NOT: gpu.subgroup_reduce
// WAVE-LABEL: gpu.func @quad_max
// WAVE: gpu.shuffle xor %{{.*}}, %c1_i32, %c64_i32 : f32
// WAVE: gpu.shuffle xor %{{.*}}, %c2_i32, %c64_i32 : f32
// WAVE-NOT: gpu.shuffle
module attributes {gpu.container_module} {
  gpu.module @rows {
    gpu.func @quad_max(%x: memref<128xf32>) kernel {
      %t = gpu.thread_id x
      %v = memref.load %x[%t] : memref<128xf32>
      %m = gpu.subgroup_reduce maximumf %v uniform cluster(size = 4) : (f32) -> f32
      memref.store %m, %x[%t] : memref<128xf32>
      gpu.return
    }
  }
}
