// RUN: aster-opt %s -convert-aster-to-linalg | FileCheck %s

// Fused ops are spelled out in upstream ops: no aster op is left. Causal
// attention with a mask (without one it is flash attention,
// convert-aster-to-linalg-attention.mlir): the scores contraction, keys
// after their query set to -inf by comparing the indices (no S x S
// constant), the max / exp / sum softmax, the value
// contraction (its reduction loop outside the contiguous one); the single
// K/V head is gathered for both query heads.
// CHECK-LABEL: func @attention
// CHECK-NOT: aster.
// CHECK: tensor.extract
// CHECK: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK-NOT: arith.constant dense<{{.*}}> : tensor<3x3xf32>
// CHECK: %[[I:.*]] = linalg.index 2 : index
// CHECK: %[[J:.*]] = linalg.index 3 : index
// CHECK: %[[LATER:.*]] = arith.cmpi ugt, %[[J]], %[[I]] : index
// CHECK: arith.select %[[LATER]], %{{.*}}, %{{.*}} : f32
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]
// CHECK-NOT: aster.
func.func @attention(%q: tensor<1x2x3x4xf32>, %k: tensor<1x1x3x4xf32>, %v: tensor<1x1x3x4xf32>, %m: tensor<3x3xf32>) -> tensor<1x2x3x4xf32> {
  %0 = aster.attention %q, %k, %v mask %m causal : tensor<1x2x3x4xf32>, tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>, tensor<3x3xf32> -> tensor<1x2x3x4xf32>
  return %0 : tensor<1x2x3x4xf32>
}

// scatter_add: a contraction of the updates with a one-hot of the indices.
// CHECK-LABEL: func @scatter_add
// CHECK-NOT: aster.
// CHECK: arith.cmpi eq
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
func.func @scatter_add(%g: tensor<2x3x4xf32>, %ids: tensor<2x3xi32>) -> tensor<11x4xf32> {
  %0 = aster.scatter_add %g[%ids] axis = 0 : tensor<2x3x4xf32>, tensor<2x3xi32> -> tensor<11x4xf32>
  return %0 : tensor<11x4xf32>
}
