// RUN: aster-opt %s --aster-gpu-dynamic-shared-memory=static-limit=4096 | FileCheck %s

// @big's attributions (4096 + 512 bytes, the second aligned to 64) exceed
// the limit: they become views of the dynamic shared memory at 16-byte
// (64-byte where asked) aligned offsets, and its launch asks for the total.
// @small (1024 bytes) is left as it is, and so is its launch.
// CHECK-LABEL: gpu.func @big
// CHECK-SAME: kernel
// CHECK-NOT: workgroup(
// CHECK: %[[DYN:.*]] = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C4096:.*]] = arith.constant 4096 : index
// CHECK-DAG: %[[C4160:.*]] = arith.constant 4160 : index
// CHECK-DAG: %[[TILE:.*]] = memref.view %[[DYN]][%[[C0]]][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<2x32x32xf16, #gpu.address_space<workgroup>>
// CHECK-DAG: %[[ONE:.*]] = memref.view %[[DYN]][%[[C4096]]][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<3xi8, #gpu.address_space<workgroup>>
// CHECK-DAG: %[[WIDE:.*]] = memref.view %[[DYN]][%[[C4160]]][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<128xf32, #gpu.address_space<workgroup>>
// CHECK: memref.load %[[WIDE]]
// CHECK: memref.load %[[ONE]]
// CHECK: memref.store %{{.*}}, %[[TILE]]
// CHECK-LABEL: gpu.func @small
// CHECK-SAME: workgroup(%{{.*}} : memref<256xf32, #gpu.address_space<workgroup>>)
// CHECK-NOT: gpu.dynamic_shared_memory
// CHECK-LABEL: func.func @host
// CHECK: %[[BYTES:.*]] = arith.constant 4672 : i32
// CHECK: gpu.launch_func @kernels::@big {{.*}} dynamic_shared_memory_size %[[BYTES]]
// CHECK: gpu.launch_func @kernels::@small
// CHECK-NOT: dynamic_shared_memory_size
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @big(%x: memref<8xf32>) workgroup(%tile : memref<2x32x32xf16, #gpu.address_space<workgroup>>, %one : memref<3xi8, #gpu.address_space<workgroup>>, %wide : memref<128xf32, #gpu.address_space<workgroup>> {llvm.align = 64 : i64}) kernel {
      %c0 = arith.constant 0 : index
      %v = memref.load %wide[%c0] : memref<128xf32, #gpu.address_space<workgroup>>
      %b = memref.load %one[%c0] : memref<3xi8, #gpu.address_space<workgroup>>
      %h = arith.truncf %v : f32 to f16
      memref.store %h, %tile[%c0, %c0, %c0] : memref<2x32x32xf16, #gpu.address_space<workgroup>>
      memref.store %v, %x[%c0] : memref<8xf32>
      gpu.return
    }
    gpu.func @small(%x: memref<8xf32>) workgroup(%buf : memref<256xf32, #gpu.address_space<workgroup>>) kernel {
      %c0 = arith.constant 0 : index
      %v = memref.load %buf[%c0] : memref<256xf32, #gpu.address_space<workgroup>>
      memref.store %v, %x[%c0] : memref<8xf32>
      gpu.return
    }
  }
  func.func @host(%x: memref<8xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @kernels::@big blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<8xf32>)
    gpu.launch_func @kernels::@small blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<8xf32>)
    return
  }
}
