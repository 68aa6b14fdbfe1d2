// RUN: aster-opt %s -split-input-file -convert-aster-to-linalg -canonicalize | FileCheck %s
// RUN: aster-opt %s -split-input-file -convert-aster-to-linalg="flash-attention=false" -canonicalize | FileCheck %s --check-prefix=SPELLED

// With flash-attention=false (the GPU path until its attention kernel
// family exists) attention is spelled out: the whole score matrix, no
// key-block loop.
// SPELLED-LABEL: func @causal_gqa
// SPELLED-NOT: scf.forall
// SPELLED: tensor<2x4x150x150xf32>

// Flash attention: one scf.forall over (batch, head, query block of 50),
// a loop over key blocks that stops at the query block's end (causal),
// scores of one 50 x 50 block at a time masked by index on the diagonal,
// the running max / sum / accumulator rescaled by exp(m - m'), and the
// grouped-query key/value head h / 2. No 150 x 150 scores anywhere.
// CHECK-LABEL: func @causal_gqa
// CHECK-NOT: tensor<{{.*}}150x150
// CHECK: %[[R:.*]]:2 = scf.forall (%[[B:.*]], %[[H:.*]], %[[Q:.*]]) in (2, 4, 3) shared_outs
// CHECK: %[[Q0:.*]] = arith.muli %[[Q]], %c50
// CHECK: %[[KVH:.*]] = arith.divui %[[H]], %c2
// CHECK: tensor.extract_slice %arg0[%[[B]], %[[H]], %[[Q0]], 0] [1, 1, 50, 8] [1, 1, 1, 1] : tensor<2x4x150x8xf32> to tensor<50x8xf32>
// CHECK: %[[END:.*]] = arith.addi %[[Q0]], %c50
// CHECK: scf.for %[[K0:.*]] = %c0 to %[[END]] step %c50 iter_args
// CHECK: tensor.extract_slice %arg1[%[[B]], %[[KVH]], %[[K0]], 0] [1, 1, 50, 8]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}}outs(%{{.*}} : tensor<50x50xf32>)
// CHECK: arith.cmpi ugt
// CHECK: arith.select
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: scf.yield
// CHECK: math.log
// CHECK: tensor.parallel_insert_slice {{.*}} into {{.*}}[%[[B]], %[[H]], %[[Q0]], 0] [1, 1, 50, 6]
// CHECK: tensor.parallel_insert_slice {{.*}} into {{.*}}[%[[B]], %[[H]], %[[Q0]]] [1, 1, 50]
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @causal_gqa(%q: tensor<2x4x150x8xf32>, %k: tensor<2x2x150x8xf32>, %v: tensor<2x2x150x6xf32>) -> (tensor<2x4x150x6xf32>, tensor<2x4x150xf32>) {
  %o, %l = aster.attention_fwd %q, %k, %v causal : tensor<2x4x150x8xf32>, tensor<2x2x150x8xf32>, tensor<2x2x150x6xf32> -> tensor<2x4x150x6xf32>, tensor<2x4x150xf32>
  return %o, %l : tensor<2x4x150x6xf32>, tensor<2x4x150xf32>
}

// -----

// With a mask operand the op is spelled out instead (no flash loop).
// CHECK-LABEL: func @masked
// CHECK-NOT: scf.forall
// CHECK: return
func.func @masked(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>, %m: tensor<4x4xf32>) -> tensor<1x1x4x8xf32> {
  %o = aster.attention %q, %k, %v mask %m : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<4x4xf32> -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}
