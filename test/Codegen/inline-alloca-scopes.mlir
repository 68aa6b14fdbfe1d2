// RUN: aster-opt %s -aster-inline-alloca-scopes | FileCheck %s

// A scope with no alloca is inlined even when it calls a function (whose
// effects upstream's canonicalization cannot see through).
// CHECK-LABEL: func @no_alloca
// CHECK-NOT: memref.alloca_scope
// CHECK: scf.for
// CHECK: call @helper
func.func private @helper(memref<4xf32>)
func.func @no_alloca(%m: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c1 = arith.constant 1 : index
  memref.alloca_scope {
    scf.for %i = %c0 to %c4 step %c1 {
      func.call @helper(%m) : (memref<4xf32>) -> ()
    }
  }
  return
}

// A scope that allocates on the stack keeps its bound on the stack.
// CHECK-LABEL: func @with_alloca
// CHECK: memref.alloca_scope
// CHECK: memref.alloca
func.func @with_alloca() {
  memref.alloca_scope {
    %a = memref.alloca() : memref<4xf32>
    func.call @helper(%a) : (memref<4xf32>) -> ()
  }
  return
}
