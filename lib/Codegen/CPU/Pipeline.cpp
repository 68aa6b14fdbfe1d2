//===- Pipeline.cpp - The CPU lowering pipeline ---------------------------===//
//
// aster IR -> linalg on tensors -> one-shot bufferization (function
// results become out-parameters, so the caller owns every output buffer)
// -> loops -> the LLVM dialect with C-interface wrappers
// (`_mlir_ciface_<name>` taking memref descriptors). The runtime loads the
// shared object built from it. Temporaries are malloc'ed and freed inside
// each call until the memory planner gives them arena offsets.
//
// Kernels come from the fusion phase (buildFusionPipeline). Matmul kernels
// are tiled for caches and threads (OpenMP) and vectorized in registers
// (TileAndVectorize.cpp); row and elementwise kernels are loops that LLVM
// vectorizes.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/CPU/Pipeline.h"
#include "aster/Codegen/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/X86TargetParser.h"

using namespace mlir;

void mlir::aster::buildCPUPipeline(OpPassManager &pm, int64_t vectorWidth) {
  buildCPUBufferPipeline(pm, vectorWidth);
  buildCPULLVMPipeline(pm);
}

void mlir::aster::buildCPUBufferPipeline(OpPassManager &pm,
                                         int64_t vectorWidth) {
  buildFusionPipeline(pm);
  CPUTileAndVectorizeOptions tiling;
  tiling.vectorWidth = vectorWidth;
  pm.addPass(createCPUTileAndVectorize(tiling));
  pm.addPass(createCPUTileRows());
  pm.addPass(createCanonicalizerPass());
  // Tile-and-fuse fuses a producer once per slice that reads it: CSE
  // leaves one copy per tile.
  pm.addPass(createCSEPass());
  // A register tile's accumulator: read before its k loop, kept in vector
  // registers, written after it.
  pm.addPass(createLoopInvariantSubsetHoistingPass());
  pm.addPass(createCanonicalizerPass());
  addKernelBufferization(pm);
  pm.addPass(createCPUPlanArena());
}

void mlir::aster::addKernelBufferization(OpPassManager &pm) {
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  // Flash attention's key loop carries a running max, sum and accumulator
  // that each step recomputes from the last (new buffers per iteration).
  bufferize.allowReturnAllocsFromLoops = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
}

void mlir::aster::buildCPULLVMPipeline(OpPassManager &pm) {
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addPass(createCopiesToLinalg());
  // The cache tiles of a kernel run on OpenMP threads (libomp).
  pm.addPass(createForallToParallelLoopPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createConvertSCFToOpenMPPass());
  // Drops the alloca scopes that wrap allocation-free parallel bodies (they
  // must hold a single block, which lowering the loops inside would break).
  pm.addPass(createInlineAllocaScopes());
  pm.addPass(createCanonicalizerPass());
  // n-D vector transfers become 1-D ones (unrolled); contractions become
  // outer products, i.e. broadcast-and-FMA.
  pm.addPass(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll()));
  pm.addNestedPass<func::FuncOp>(LLVM::createLLVMRequestCWrappersPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  // bf16 <-> f32 conversions as integer operations (no compiler-rt
  // libcall); arithmetic on 16-bit floats is done in f32 by the lowering.
  // What else reaches arith with bf16 (an integer -> bf16 conversion, which
  // LLVM would make a call of compiler-rt's __truncsfbf2) goes through f32
  // first, and its truncation is then expanded like the others.
  arith::ArithEmulateUnsupportedFloatsOptions emulate;
  emulate.sourceTypeStrs = {"bf16"};
  pm.addPass(arith::createArithEmulateUnsupportedFloats(emulate));
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  pm.addPass(createArithToLLVMConversionPass());
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  vectorToLLVM.vectorContractLowering = vector::VectorContractLowering::OuterProduct;
  pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createStripParameterAttrs());
}

int64_t mlir::aster::cpuVectorWidth(llvm::StringRef cpu) {
  llvm::StringMap<bool> features;
  if (cpu == "native") {
    features = llvm::sys::getHostCPUFeatures();
  } else {
    if (llvm::X86::parseArchX86(cpu, /*Only64Bit=*/true) ==
        llvm::X86::CK_None)
      return 0;
    SmallVector<StringRef> names;
    llvm::X86::getFeaturesForCPU(cpu, names);
    for (StringRef name : names)
      features[name] = true;
  }
  if (features.lookup("avx512f"))
    return 16;
  if (features.lookup("avx2") && features.lookup("fma"))
    return 8;
  return 4;
}

namespace {
struct CPUPipelineOptions : PassPipelineOptions<CPUPipelineOptions> {
  Option<int64_t> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("f32 lanes of a vector register (8: AVX2, 16: "
                     "AVX-512)"),
      llvm::cl::init(8)};
};
} // namespace

void mlir::aster::registerCPUPipeline() {
  PassPipelineRegistration<CPUPipelineOptions>(
      "aster-cpu-to-llvm",
      "Lower aster IR to the LLVM dialect for the CPU (kernels, tiles, "
      "vectors, OpenMP threads, C-interface wrappers)",
      [](OpPassManager &pm, const CPUPipelineOptions &options) {
        buildCPUPipeline(pm, options.vectorWidth);
      });
}
