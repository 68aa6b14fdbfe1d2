// RUN: aster-opt %s --pass-pipeline='builtin.module(gpu.module(aster-gpu-align-workgroup-memory))' | FileCheck %s
// RUN: aster-opt %s --pass-pipeline='builtin.module(gpu.module(aster-gpu-align-workgroup-memory),gpu.module(convert-gpu-to-nvvm))' | FileCheck %s --check-prefix=NVVM

// Each workgroup attribution is 16-byte aligned (a bf16 tile would be 2),
// a larger alignment given is kept; the shared-memory globals the NVVM
// lowering makes carry it.
// CHECK-LABEL: gpu.func @k
// CHECK-SAME: workgroup(%{{.*}} : memref<64x40xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<8xf32, #gpu.address_space<workgroup>> {llvm.align = 64 : i64})
// NVVM-DAG: llvm.mlir.global internal @__wg_k_0() {addr_space = 3 : i32, alignment = 16 : i64}
// NVVM-DAG: llvm.mlir.global internal @__wg_k_1() {addr_space = 3 : i32, alignment = 64 : i64}
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @k(%x: memref<8xf32>) workgroup(%tile : memref<64x40xbf16, #gpu.address_space<workgroup>>, %wide : memref<8xf32, #gpu.address_space<workgroup>> {llvm.align = 64 : i64}) kernel {
      %c0 = arith.constant 0 : index
      %v = memref.load %wide[%c0] : memref<8xf32, #gpu.address_space<workgroup>>
      %t = memref.load %tile[%c0, %c0] : memref<64x40xbf16, #gpu.address_space<workgroup>>
      memref.store %v, %x[%c0] : memref<8xf32>
      gpu.return
    }
  }
}
