//===- ReductionsToLinalg.cpp - reduce and softmax to linalg --------------===//
//
// Row reductions as reduction generics plus broadcasting elementwise
// generics, in f32 for 16-bit inputs (rounded once at the end), with the
// formulas of docs/dialect.md: softmax subtracts the row maximum. (The
// norms are spelled out with their saving forms in CompositeToLinalg.cpp.)
// The fusion phase turns each of these groups
// into one pass over memory; this is only their meaning in upstream ops.
//
//===----------------------------------------------------------------------===//

#include "LinalgBuilders.h"
#include "aster/Codegen/Passes.h"
#include "aster/Dialect/Aster/IR/AsterOps.h"

using namespace mlir;
using namespace mlir::aster;
using namespace mlir::aster::codegen;

namespace {

/// Elementwise helpers on tensors of one shape (with broadcasting).
struct TensorMath {
  OpBuilder &b;
  Location loc;
  Type et;

  RankedTensorType like(Value v) const {
    return RankedTensorType::get(tensorType(v).getShape(), et);
  }
  template <typename ArithOp>
  Value binary(Value x, Value y, ArrayRef<int64_t> shape) {
    return elementwise(b, loc, RankedTensorType::get(shape, et), {x, y},
                       [](OpBuilder &nb, Location l, ValueRange a) {
                         return ArithOp::create(nb, l, a[0], a[1]).getResult();
                       });
  }
  template <typename MathOp> Value unary(Value x) {
    return elementwise(b, loc, like(x), {x},
                       [](OpBuilder &nb, Location l, ValueRange a) {
                         return MathOp::create(nb, l, a[0]).getResult();
                       });
  }
  /// x * c for a scalar constant c.
  Value scale(Value x, double c) {
    return elementwise(b, loc, like(x), {x},
                       [&](OpBuilder &nb, Location l, ValueRange a) {
                         return arith::MulFOp::create(
                                    nb, l, a[0], scalarConstant(nb, l, c, et))
                             .getResult();
                       });
  }
  /// Reduction over `axis` with the dimension kept as 1.
  Value reduceKeep(Value x, int64_t axis, Combiner c) {
    Value r = reduce(b, loc, x, {axis}, c, et);
    return keepDims(b, loc, r, tensorType(x).getShape(), {axis});
  }
};

struct ReduceToLinalg : OpRewritePattern<ReduceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReduceOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    Type et = op.getType().getElementType();
    bool isFloat = isa<FloatType>(et);
    Type acc = isFloat ? computeType(et) : et;
    ArrayRef<int64_t> axes = op.getAxes();
    Value r = reduce(rewriter, loc, input, axes,
                     op.getKind() == ReduceKind::max ? Combiner::Max
                                                     : Combiner::Sum,
                     acc);
    if (op.getKind() == ReduceKind::mean) {
      int64_t count = 1;
      for (int64_t a : axes)
        count *= tensorType(input).getDimSize(a);
      TensorMath m{rewriter, loc, acc};
      r = m.scale(r, 1.0 / std::max<int64_t>(count, 1));
    }
    r = convertTensor(rewriter, loc, r, et);
    r = reshape(rewriter, loc, r, op.getType().getShape());
    rewriter.replaceOp(op, r);
    return success();
  }
};

template <typename OpT, bool Log>
struct SoftmaxToLinalg : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpT op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type et = op.getType().getElementType();
    TensorMath m{rewriter, loc, computeType(et)};
    int64_t axis = op.getAxis();
    ArrayRef<int64_t> shape = op.getType().getShape();
    Value x = convertTensor(rewriter, loc, op.getInput(), m.et);
    Value max = m.reduceKeep(x, axis, Combiner::Max);
    Value shifted = m.template binary<arith::SubFOp>(x, max, shape);
    Value e = m.template unary<math::ExpOp>(shifted);
    Value sum = m.reduceKeep(e, axis, Combiner::Sum);
    Value y = Log ? m.template binary<arith::SubFOp>(
                        shifted, m.template unary<math::LogOp>(sum), shape)
                  : m.template binary<arith::DivFOp>(e, sum, shape);
    rewriter.replaceOp(op, convertTensor(rewriter, loc, y, et));
    return success();
  }
};

} // namespace

void mlir::aster::populateReductionsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ReduceToLinalg, SoftmaxToLinalg<SoftmaxOp, false>,
               SoftmaxToLinalg<LogSoftmaxOp, true>>(patterns.getContext());
}
