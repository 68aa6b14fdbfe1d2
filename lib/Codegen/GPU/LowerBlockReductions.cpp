//===- LowerBlockReductions.cpp - Block and lane reductions to shuffles ---===//
//
// Applies upstream's all-reduce lowering inside the device module (it
// needs the kernel's gpu.func for its workgroup buffer), and upstream's
// shuffle lowering of clustered subgroup reductions.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/Passes.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::aster {
#define GEN_PASS_DEF_GPULOWERBLOCKREDUCTIONS
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;

namespace {
struct GPULowerBlockReductionsPass
    : mlir::aster::impl::GPULowerBlockReductionsBase<
          GPULowerBlockReductionsPass> {
  using GPULowerBlockReductionsBase::GPULowerBlockReductionsBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateGpuAllReducePatterns(patterns);
    populateGpuLowerClusteredSubgroupReduceToShufflePatterns(patterns,
                                                            subgroupSize);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
