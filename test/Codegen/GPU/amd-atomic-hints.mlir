// RUN: aster-opt %s --pass-pipeline='builtin.module(gpu.module(aster-amd-atomic-hints))' | FileCheck %s

// Atomics on global (1) or flat (0) memory say that it is neither
// fine-grained nor remote; an f32 add also that it may ignore the denormal
// mode (what lets gfx90a and gfx942 use global_atomic_add_f32). An integer
// add gets the first two only; an atomic on shared memory (3) none. The
// assembly that results is checked in kernel-families.test (GCNSCATTER).
// CHECK-LABEL: llvm.func @atomics
// CHECK: llvm.atomicrmw fadd %{{.*}}, %{{.*}} monotonic {rocdl.ignore_denormal_mode, rocdl.no_fine_grained_memory, rocdl.no_remote_memory} : !llvm.ptr<1>, f32
// CHECK: llvm.atomicrmw add %{{.*}}, %{{.*}} monotonic {rocdl.no_fine_grained_memory, rocdl.no_remote_memory} : !llvm.ptr<1>, i32
// CHECK: llvm.atomicrmw fadd %{{.*}}, %{{.*}} monotonic : !llvm.ptr<3>, f32
// CHECK: llvm.atomicrmw fadd %{{.*}}, %{{.*}} monotonic {rocdl.ignore_denormal_mode, rocdl.no_fine_grained_memory, rocdl.no_remote_memory} : !llvm.ptr, f32
module attributes {gpu.container_module} {
  gpu.module @kernels {
    llvm.func @atomics(%g: !llvm.ptr<1>, %s: !llvm.ptr<3>, %f: !llvm.ptr, %x: f32, %i: i32) {
      %0 = llvm.atomicrmw fadd %g, %x monotonic : !llvm.ptr<1>, f32
      %1 = llvm.atomicrmw add %g, %i monotonic : !llvm.ptr<1>, i32
      %2 = llvm.atomicrmw fadd %s, %x monotonic : !llvm.ptr<3>, f32
      %3 = llvm.atomicrmw fadd %f, %x monotonic : !llvm.ptr, f32
      llvm.return
    }
  }
}
