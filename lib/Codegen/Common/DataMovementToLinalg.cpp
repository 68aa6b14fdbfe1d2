//===- DataMovementToLinalg.cpp - Shape and indexing ops to tensor/linalg -===//
//
// reshape -> tensor.reshape, transpose -> linalg.transpose, slice ->
// tensor.extract_slice, concat -> tensor.insert_slice into one destination, and gather / embedding ->
// a linalg.generic over the result whose body reads the source with
// tensor.extract. Indices are normalised (negative counts from the end)
// and clamped into range so that compiled code never reads outside a
// buffer; the interpreter reports them as errors and the runtime checks
// token ids before a step.
//
//===----------------------------------------------------------------------===//

#include "LinalgBuilders.h"
#include "aster/Codegen/Passes.h"
#include "aster/Dialect/Aster/IR/AsterOps.h"

using namespace mlir;
using namespace mlir::aster;
using namespace mlir::aster::codegen;

namespace {

struct ReshapeToTensor : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, reshape(rewriter, op.getLoc(), op.getInput(),
                                   op.getType().getShape()));
    return success();
  }
};

struct TransposeToLinalg : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    Value init = emptyLike(rewriter, op.getLoc(), op.getType());
    rewriter.replaceOp(op, linalg::TransposeOp::create(
                               rewriter, op.getLoc(), op.getInput(), init,
                               op.getPermutation())
                               ->getResult(0));
    return success();
  }
};

struct SliceToTensor : OpRewritePattern<SliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SliceOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<OpFoldResult> offsets, sizes, strides;
    SmallVector<int64_t> steps = op.getSteps();
    for (auto [d, size] : llvm::enumerate(op.getType().getShape())) {
      offsets.push_back(rewriter.getIndexAttr(op.getStart()[d]));
      sizes.push_back(rewriter.getIndexAttr(size));
      strides.push_back(rewriter.getIndexAttr(steps[d]));
    }
    rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
        op, op.getType(), op.getInput(), offsets, sizes, strides);
    return success();
  }
};

struct ConcatToTensor : OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConcatOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getInputs().size() == 1) {
      rewriter.replaceOp(op, op.getInputs()[0]);
      return success();
    }
    // Each input inserted at its offset into one destination (what
    // tensor.concat decomposes to; bufferizes in place).
    Location loc = op.getLoc();
    Value dest = emptyLike(rewriter, loc, op.getType());
    int64_t axis = op.getAxis(), offset = 0;
    for (Value input : op.getInputs()) {
      RankedTensorType t = tensorType(input);
      SmallVector<OpFoldResult> offsets, sizes, strides;
      for (int64_t d = 0; d < t.getRank(); ++d) {
        offsets.push_back(rewriter.getIndexAttr(d == axis ? offset : 0));
        sizes.push_back(rewriter.getIndexAttr(t.getDimSize(d)));
        strides.push_back(rewriter.getIndexAttr(1));
      }
      dest = tensor::InsertSliceOp::create(rewriter, loc, input, dest, offsets,
                                           sizes, strides);
      offset += t.getDimSize(axis);
    }
    rewriter.replaceOp(op, dest);
    return success();
  }
};

/// result[i..., j..., k...] = input[i..., idx(indices[j...]), k...].
Value gatherAlong(OpBuilder &b, Location loc, RankedTensorType resultType,
                  Value input, Value indices, int64_t axis) {
  MLIRContext *context = b.getContext();
  int64_t rank = resultType.getRank();
  int64_t idxRank = tensorType(indices).getRank();
  int64_t n = tensorType(input).getDimSize(axis);
  SmallVector<AffineExpr> idxExprs;
  for (int64_t d = axis; d < axis + idxRank; ++d)
    idxExprs.push_back(getAffineDimExpr(d, context));
  SmallVector<AffineMap> maps = {
      AffineMap::get(rank, 0, idxExprs, context),
      AffineMap::getMultiDimIdentityMap(rank, context)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{indices},
      ValueRange{emptyLike(b, loc, resultType)}, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Type it = args[0].getType();
        Value id = args[0];
        // Negative ids count from the end; then clamp into [0, n).
        Value zero = scalarConstant(nb, l, 0, it);
        Value size = scalarConstant(nb, l, n, it);
        Value negative =
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, id, zero);
        id = arith::SelectOp::create(nb, l, negative,
                                     arith::AddIOp::create(nb, l, id, size), id);
        id = arith::MaxSIOp::create(nb, l, id, zero);
        id = arith::MinSIOp::create(nb, l, id,
                                    scalarConstant(nb, l, n - 1, it));
        Value index = arith::IndexCastOp::create(nb, l, nb.getIndexType(), id);
        SmallVector<Value> coords;
        for (int64_t d = 0; d < axis; ++d)
          coords.push_back(linalg::IndexOp::create(nb, l, d));
        coords.push_back(index);
        for (int64_t d = axis + idxRank; d < rank; ++d)
          coords.push_back(linalg::IndexOp::create(nb, l, d));
        Value v = tensor::ExtractOp::create(nb, l, input, coords);
        linalg::YieldOp::create(nb, l, v);
      });
  return generic.getResult(0);
}

struct GatherToLinalg : OpRewritePattern<GatherOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GatherOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, gatherAlong(rewriter, op.getLoc(), op.getType(),
                                       op.getInput(), op.getIndices(),
                                       op.getAxis()));
    return success();
  }
};

struct EmbeddingToLinalg : OpRewritePattern<EmbeddingOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(EmbeddingOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, gatherAlong(rewriter, op.getLoc(), op.getType(),
                                       op.getTable(), op.getIds(), 0));
    return success();
  }
};

} // namespace

void mlir::aster::populateDataMovementToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ReshapeToTensor, TransposeToLinalg, SliceToTensor,
               ConcatToTensor, GatherToLinalg, EmbeddingToLinalg>(
      patterns.getContext());
}
