// RUN: aster-opt %s --pass-pipeline="builtin.module(gpu.module(aster-gpu-lower-block-reductions))" | FileCheck %s

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
