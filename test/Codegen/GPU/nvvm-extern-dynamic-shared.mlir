// RUN: aster-opt %s --split-input-file --pass-pipeline="builtin.module(gpu.module(aster-nvvm-extern-dynamic-shared))" | FileCheck %s
// RUN: aster-opt %s --split-input-file --pass-pipeline="builtin.module(gpu.module(convert-gpu-to-nvvm,aster-nvvm-extern-dynamic-shared))" | FileCheck %s --check-prefix=LOWERED

// The zero-sized shared-memory global is the dynamic region: external.
// A static shared array, and a zero-sized global elsewhere, keep theirs.
// CHECK: llvm.mlir.global external @__dynamic_shmem__0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
// CHECK: llvm.mlir.global internal @__wg_k_0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<64 x i8>
// CHECK: llvm.mlir.global internal @empty_global() {addr_space = 1 : i32} : !llvm.array<0 x i8>
gpu.module @kernels {
  llvm.mlir.global internal @__dynamic_shmem__0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
  llvm.mlir.global internal @__wg_k_0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<64 x i8>
  llvm.mlir.global internal @empty_global() {addr_space = 1 : i32} : !llvm.array<0 x i8>
}

// -----

// What upstream's conversion of gpu.dynamic_shared_memory makes, fixed.
// LOWERED-LABEL: gpu.module @lowered
// LOWERED: llvm.mlir.global external @__dynamic_shmem__0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
// LOWERED: llvm.mlir.addressof @__dynamic_shmem__0
gpu.module @lowered {
  gpu.func @k(%x: memref<8xf32>) kernel {
    %c0 = arith.constant 0 : index
    %dyn = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %v = memref.view %dyn[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<8xf32, #gpu.address_space<workgroup>>
    %e = memref.load %v[%c0] : memref<8xf32, #gpu.address_space<workgroup>>
    memref.store %e, %x[%c0] : memref<8xf32>
    gpu.return
  }
}
