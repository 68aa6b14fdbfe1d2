// RUN: aster-opt %s --aster-gpu-host-memory --split-input-file --verify-diagnostics | FileCheck %s

// The arena becomes one device allocation per call, freed at the return;
// a temporary the arenas did not take too.
// CHECK-LABEL: func.func @step
// CHECK: %[[ARENA:.*]] = gpu.alloc () : memref<4096xi8>
// CHECK: %[[T:.*]] = gpu.alloc () : memref<8xf32>
// CHECK: gpu.launch
// CHECK: gpu.dealloc %[[ARENA]]
// CHECK: gpu.dealloc %[[T]]
// CHECK-NEXT: return
// CHECK-NOT: memref.global "private" @__aster_arena_step
memref.global "private" @__aster_arena_step : memref<4096xi8> = uninitialized {alignment = 64 : i64}
func.func @step(%x: memref<8xf32>) {
  %a = memref.get_global @__aster_arena_step : memref<4096xi8>
  %c0 = arith.constant 0 : index
  %v = memref.view %a[%c0][] : memref<4096xi8> to memref<8xf32>
  %t = memref.alloc() : memref<8xf32>
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1) threads(%t0, %t1, %t2) in (%s0 = %c1, %s1 = %c1, %s2 = %c1) {
    %e = memref.load %x[%t0] : memref<8xf32>
    memref.store %e, %v[%t0] : memref<8xf32>
    memref.store %e, %t[%t0] : memref<8xf32>
    gpu.terminator
  }
  return
}

// -----

// The host never touches device memory.
func.func @peek(%x: memref<8xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{GPU code generation: @peek would touch device memory on the host (memref.load)}}
  %v = memref.load %x[%c0] : memref<8xf32>
  return %v : f32
}

// -----

// Nor does a kernel read host memory.
memref.global "private" constant @table : memref<2xf32> = dense<[1.0, 2.0]>
func.func @leak(%y: memref<2xf32>) {
  %t = memref.get_global @table : memref<2xf32>
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1) threads(%t0, %t1, %t2) in (%s0 = %c1, %s1 = %c1, %s2 = %c1) {
    // expected-error @+1 {{GPU code generation: kernel @leak reads host global @table}}
    %e = memref.load %t[%t0] : memref<2xf32>
    memref.store %e, %y[%t0] : memref<2xf32>
    gpu.terminator
  }
  return
}
