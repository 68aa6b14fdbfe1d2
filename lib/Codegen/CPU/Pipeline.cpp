//===- Pipeline.cpp - The CPU lowering pipeline ---------------------------===//
//
// aster IR -> linalg on tensors -> one-shot bufferization (function
// results become out-parameters, so the caller owns every output buffer)
// -> loops -> the LLVM dialect with C-interface wrappers
// (`_mlir_ciface_<name>` taking memref descriptors). The runtime loads the
// shared object built from it. Temporaries are malloc'ed and freed inside
// each call until the memory planner gives them arena offsets.
//
// Not yet: tiling for caches, vectorization, threads, the fusion phase
// (issue 5); only upstream's elementwise fusion runs.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/CPU/Pipeline.h"
#include "aster/Codegen/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::aster::buildCPUPipeline(OpPassManager &pm) {
  buildFusionPipeline(pm);
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addPass(createCopiesToLinalg());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addNestedPass<func::FuncOp>(LLVM::createLLVMRequestCWrappersPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  // bf16 <-> f32 conversions as integer operations (no compiler-rt
  // libcall); arithmetic on 16-bit floats is done in f32 by the lowering.
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createStripParameterAttrs());
}

void mlir::aster::registerCPUPipeline() {
  PassPipelineRegistration<>(
      "aster-cpu-to-llvm",
      "Lower aster IR to the LLVM dialect for the CPU (bufferized, loops, "
      "C-interface wrappers)",
      [](OpPassManager &pm) { buildCPUPipeline(pm); });
}
