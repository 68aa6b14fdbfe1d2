//===- MatmulToLinalg.cpp - aster.matmul to a linalg contraction ----------===//
//
// One linalg.generic over (batch..., m, n, k) in some order: the operands' batch
// dimensions broadcast as in numpy (a size-1 or missing dimension is read
// at 0), transposes are indexing maps, and 16-bit operands accumulate in
// f32 before the result is rounded once to the result type. Later phases
// tile and vectorize this generic; it is not a named op so that broadcast
// batches and transposes need no copies.
//
//===----------------------------------------------------------------------===//

#include "LinalgBuilders.h"
#include "aster/Codegen/Passes.h"
#include "aster/Dialect/Aster/IR/AsterOps.h"

using namespace mlir;
using namespace mlir::aster;
using namespace mlir::aster::codegen;

namespace {

struct MatmulToLinalg : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    RankedTensorType out = op.getType();
    int64_t rank = out.getRank(), batch = rank - 2;
    // Loops: batch..., m, k, n when the rhs is [k, n] (the innermost loop
    // then walks rows of the rhs and of the result contiguously), batch...,
    // m, n, k when it is [n, k] (a contiguous dot product). Untiled code
    // follows this order; the tiling phase chooses its own.
    bool reductionInner = op.getTransposeRhs();
    AffineExpr m = getAffineDimExpr(batch, context);
    AffineExpr n = getAffineDimExpr(batch + (reductionInner ? 1 : 2), context);
    AffineExpr k = getAffineDimExpr(batch + (reductionInner ? 2 : 1), context);
    auto operandMap = [&](Value v, AffineExpr row, AffineExpr col,
                          bool transposed) {
      ArrayRef<int64_t> shape = tensorType(v).getShape();
      int64_t vBatch = shape.size() - 2, offset = batch - vBatch;
      SmallVector<AffineExpr> exprs;
      for (int64_t d = 0; d < vBatch; ++d)
        exprs.push_back(shape[d] == 1 && out.getDimSize(offset + d) != 1
                            ? getAffineConstantExpr(0, context)
                            : getAffineDimExpr(offset + d, context));
      exprs.push_back(transposed ? col : row);
      exprs.push_back(transposed ? row : col);
      return AffineMap::get(rank + 1, 0, exprs, context);
    };
    SmallVector<AffineExpr> outExprs;
    for (int64_t d = 0; d < batch; ++d)
      outExprs.push_back(getAffineDimExpr(d, context));
    outExprs.push_back(m);
    outExprs.push_back(n);
    SmallVector<AffineMap> maps = {
        operandMap(op.getLhs(), m, k, op.getTransposeLhs()),
        operandMap(op.getRhs(), k, n, op.getTransposeRhs()),
        AffineMap::get(rank + 1, 0, outExprs, context)};
    SmallVector<utils::IteratorType> iterators(rank + 1,
                                               utils::IteratorType::parallel);
    iterators[reductionInner ? rank : rank - 1] =
        utils::IteratorType::reduction;
    Type acc = computeType(out.getElementType());
    auto accType = RankedTensorType::get(out.getShape(), acc);
    Value zero = scalarConstant(rewriter, loc, 0.0, acc);
    Value init = linalg::FillOp::create(rewriter, loc, ValueRange{zero},
                                        ValueRange{emptyLike(rewriter, loc, accType)})
                     .getResult(0);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{accType},
        ValueRange{op.getLhs(), op.getRhs()}, ValueRange{init}, maps,
        iterators, [&](OpBuilder &b, Location l, ValueRange a) {
          Value x = convertScalar(b, l, a[0], acc);
          Value y = convertScalar(b, l, a[1], acc);
          // `contract`: the multiply-add may be one FMA (one rounding), as
          // in every BLAS.
          auto contract = arith::FastMathFlags::contract;
          Value sum = arith::AddFOp::create(
              b, l, a[2], arith::MulFOp::create(b, l, x, y, contract),
              contract);
          linalg::YieldOp::create(b, l, sum);
        });
    rewriter.replaceOp(op, convertTensor(rewriter, loc, generic.getResult(0),
                                         out.getElementType()));
    return success();
  }
};

} // namespace

void mlir::aster::populateMatmulToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MatmulToLinalg>(patterns.getContext());
}
