// RUN: aster-opt %s -aster-cpu-plan-arena | FileCheck %s

// Temporaries get 64-byte aligned offsets in one arena by first fit over
// live ranges: %c reuses %a's bytes (dead once %b is written), %b gets
// its own, and %d, copied whole into the out-parameter, becomes it.
// CHECK: memref.global "private" @__aster_kernel_scratch : memref<256xi8> = uninitialized {alignment = 64 : i64}
// CHECK: memref.global "private" @__aster_arena_step : memref<128xi8> = uninitialized {alignment = 64 : i64}
// CHECK-LABEL: func.func @step(%arg0: memref<4xf32>, %arg1: memref<4xf32>)
// CHECK-SAME: aster.arena_bytes = 128 : i64
// CHECK: %[[ARENA:.*]] = memref.get_global @__aster_arena_step
// CHECK: %[[A:.*]] = memref.view %[[ARENA]][%c0{{.*}}][] : memref<128xi8> to memref<4xf32>
// CHECK: call @kernel(%arg0, %[[A]])
// CHECK: %[[B:.*]] = memref.view %[[ARENA]][%c64{{.*}}][] : memref<128xi8> to memref<4xf32>
// CHECK: call @kernel(%[[A]], %[[B]])
// CHECK: %[[C:.*]] = memref.view %[[ARENA]][%c0{{.*}}][] : memref<128xi8> to memref<4xf32>
// CHECK: call @kernel(%[[B]], %[[C]])
// CHECK: call @kernel(%[[C]], %arg1)
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.copy
// CHECK: return
func.func private @kernel(memref<4xf32>, memref<4xf32>) attributes {aster.kernel = "elementwise"}
func.func @step(%x: memref<4xf32>, %out: memref<4xf32>) {
  %a = memref.alloc() : memref<4xf32>
  call @kernel(%x, %a) : (memref<4xf32>, memref<4xf32>) -> ()
  %b = memref.alloc() : memref<4xf32>
  call @kernel(%a, %b) : (memref<4xf32>, memref<4xf32>) -> ()
  %c = memref.alloc() : memref<4xf32>
  call @kernel(%b, %c) : (memref<4xf32>, memref<4xf32>) -> ()
  %d = memref.alloc() : memref<4xf32>
  call @kernel(%c, %d) : (memref<4xf32>, memref<4xf32>) -> ()
  memref.copy %d, %out : memref<4xf32> to memref<4xf32>
  return
}

// Kernels run one at a time: their whole-tensor temporaries (here a packed
// operand) share one scratch arena, as large as the largest kernel needs.
// CHECK-LABEL: func.func private @pack(
// CHECK: %[[S:.*]] = memref.get_global @__aster_kernel_scratch : memref<256xi8>
// CHECK: memref.view %[[S]][%{{.*}}][] : memref<256xi8> to memref<8x8xf32>
// CHECK-NOT: memref.alloc
func.func private @pack(%x: memref<8x8xf32>, %out: memref<8x8xf32>) attributes {aster.kernel = "matmul"} {
  %t = memref.alloc() : memref<8x8xf32>
  linalg.transpose ins(%x : memref<8x8xf32>) outs(%t : memref<8x8xf32>) permutation = [1, 0]
  linalg.copy ins(%t : memref<8x8xf32>) outs(%out : memref<8x8xf32>)
  return
}
