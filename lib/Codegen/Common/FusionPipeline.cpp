//===- FusionPipeline.cpp - aster IR to kernels on tensors ----------------===//
//
// The part of code generation that every target shares: lowering to linalg
// on tensors, elementwise fusion and kernel formation. What it prints
// (`aster-compile --compile-to=fuse`) is one private function per kernel.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::aster::buildFusionPipeline(OpPassManager &pm, bool flashAttention) {
  ConvertAsterToLinalgOptions options;
  options.flashAttention = flashAttention;
  pm.addPass(createConvertAsterToLinalg(options));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createFuseElementwise());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createFormKernels());
  pm.addPass(createCanonicalizerPass());
}

void mlir::aster::registerFusionPipeline() {
  PassPipelineRegistration<>(
      "aster-fuse",
      "Lower aster IR to linalg on tensors and form kernels (one private "
      "function per kernel)",
      [](OpPassManager &pm) { buildFusionPipeline(pm); });
}
