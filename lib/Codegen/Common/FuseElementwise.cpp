//===- FuseElementwise.cpp - Elementwise fusion that never recomputes -----===//
//
// Upstream's elementwise fusion with a control function: a producer is
// folded into its consumer only when every element it produces is then
// computed exactly once (docs/codegen-passes.md).
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::aster {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;

namespace {

/// True when the generic only moves data: its body yields one of its
/// inputs unchanged (a transpose or broadcast). Reading through it costs
/// the same as reading its copy, so it fuses into any consumer.
bool isPureDataMovement(Operation *op) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInits() != 1)
    return false;
  Block &body = generic.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto arg = dyn_cast<BlockArgument>(yield.getOperand(0));
  return &body.front() == yield.getOperation() && arg &&
         arg.getOwner() == &body &&
         arg.getArgNumber() < generic.getNumDpsInputs();
}

/// True when fusing the producer of `operand` into its consumer computes
/// each produced element once: the producer has no other use, and the
/// consumer reads it through a permutation of all its loops (no loop of
/// the consumer is missing from the map, so no element is read twice).
/// Pure data movement always fuses: it has nothing to recompute.
bool fusesWithoutRecomputation(OpOperand *operand) {
  Operation *producer = operand->get().getDefiningOp();
  if (producer && isPureDataMovement(producer))
    return true;
  if (!producer || !producer->hasOneUse())
    return false;
  auto consumer = dyn_cast<linalg::LinalgOp>(operand->getOwner());
  if (!consumer)
    return false;
  AffineMap map = consumer.getMatchingIndexingMap(operand);
  return map.isPermutation();
}

/// linalg.transpose as a generic, so that it can fold into the indexing
/// maps of its consumers.
struct GeneralizeTranspose : OpRewritePattern<linalg::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    return linalg::generalizeNamedOp(rewriter, op);
  }
};

struct FuseElementwisePass
    : mlir::aster::impl::FuseElementwiseBase<FuseElementwisePass> {
  using FuseElementwiseBase::FuseElementwiseBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<GeneralizeTranspose>(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns,
                                                 fusesWithoutRecomputation);
    linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
