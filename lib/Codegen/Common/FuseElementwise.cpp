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

/// For each dimension of `to`, the dimension of `from` it is, or -1 for
/// a unit dimension that `from` does not have; nullopt when the shapes
/// differ by more than unit dimensions.
std::optional<SmallVector<int64_t>> alignUnitDims(ArrayRef<int64_t> from,
                                                  ArrayRef<int64_t> to) {
  SmallVector<int64_t> alignment;
  size_t i = 0;
  for (int64_t size : to) {
    if (i < from.size() && from[i] == size) {
      alignment.push_back(i++);
      continue;
    }
    if (size != 1)
      return std::nullopt;
    alignment.push_back(-1);
  }
  while (i < from.size() && from[i] == 1)
    ++i; // trailing unit dimensions of `from` that `to` drops
  if (i != from.size())
    return std::nullopt;
  return alignment;
}

/// A generic reading a reshape that only adds or drops unit dimensions (a
/// keep-dims reduction result [64] seen as [64, 1]) reads the reshape's
/// source instead, through an indexing map without those dimensions. The
/// rows of a norm or softmax then stay connected for tiling.
struct FoldUnitReshapeIntoMap : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    for (OpOperand *input : op.getDpsInputOperands()) {
      Operation *reshape = input->get().getDefiningOp();
      if (!reshape ||
          !isa<tensor::ReshapeOp, tensor::ExpandShapeOp,
               tensor::CollapseShapeOp>(reshape))
        continue;
      Value source = reshape->getOperand(0);
      auto sourceType = dyn_cast<RankedTensorType>(source.getType());
      auto readType = cast<RankedTensorType>(input->get().getType());
      if (!sourceType || !sourceType.hasStaticShape() ||
          !readType.hasStaticShape())
        continue;
      // How the read dimensions map onto the source's.
      AffineMap map = op.getMatchingIndexingMap(input);
      SmallVector<AffineExpr> results;
      if (std::optional<SmallVector<int64_t>> drop =
              alignUnitDims(sourceType.getShape(), readType.getShape())) {
        // The read has extra unit dimensions: drop their results.
        for (auto [d, from] : llvm::enumerate(*drop))
          if (from >= 0)
            results.push_back(map.getResult(d));
        if (results.size() != size_t(sourceType.getRank()))
          continue;
      } else if (std::optional<SmallVector<int64_t>> add = alignUnitDims(
                     readType.getShape(), sourceType.getShape())) {
        // The source has extra unit dimensions: index them with 0.
        for (int64_t from : *add)
          results.push_back(from >= 0 ? map.getResult(from)
                                      : rewriter.getAffineConstantExpr(0));
      } else {
        continue;
      }
      SmallVector<AffineMap> maps = op.getIndexingMapsArray();
      maps[input->getOperandNumber()] =
          AffineMap::get(map.getNumDims(), 0, results, op.getContext());
      rewriter.modifyOpInPlace(op, [&] {
        input->set(source);
        op.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps));
      });
      return success();
    }
    return failure();
  }
};

struct FuseElementwisePass
    : mlir::aster::impl::FuseElementwiseBase<FuseElementwisePass> {
  using FuseElementwiseBase::FuseElementwiseBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<GeneralizeTranspose, FoldUnitReshapeIntoMap>(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns,
                                                 fusesWithoutRecomputation);
    linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
