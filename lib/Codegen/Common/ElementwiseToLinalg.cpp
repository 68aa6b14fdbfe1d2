//===- ElementwiseToLinalg.cpp - Elementwise aster ops to linalg.generic --===//
//
// constant, add/sub/mul/div/pow, the unary functions, gelu, compare,
// select, cast and broadcast: one broadcasting linalg.generic each, whose
// scalar body is the op's definition (docs/dialect.md) in arith and math.
// Float comparisons use the predicates that give C's NaN behaviour (ne is
// unordered-or-not-equal), as the reference interpreter does. Integer
// division by 0 gives 0 and by -1 negates (wrapping) instead of trapping:
// the interpreter reports those as errors, compiled code must not crash.
//
//===----------------------------------------------------------------------===//

#include "LinalgBuilders.h"
#include "aster/Codegen/Passes.h"
#include "aster/Dialect/Aster/IR/AsterOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::aster;
using namespace mlir::aster::codegen;

namespace {

bool isFloat(Value v) { return isa<FloatType>(v.getType()); }

/// Runs `fn` on the scalars promoted to f32 when they are 16-bit floats and
/// rounds the result back once: CPUs have no bf16 arithmetic, and this is
/// the reference's one rounding per op.
template <typename Fn>
Value promoted(OpBuilder &b, Location loc, ValueRange args, Fn fn) {
  Type et = args[0].getType();
  Type ct = computeType(et);
  if (ct == et)
    return fn(args);
  SmallVector<Value> wide;
  for (Value a : args)
    wide.push_back(convertScalar(b, loc, a, ct));
  return convertScalar(b, loc, fn(ValueRange(wide)), et);
}

Value constantLike(OpBuilder &b, Location loc, double value, Value like) {
  return scalarConstant(b, loc, value, like.getType());
}

Value addS(OpBuilder &b, Location loc, Value x, Value y) {
  return isFloat(x) ? arith::AddFOp::create(b, loc, x, y).getResult()
                    : arith::AddIOp::create(b, loc, x, y).getResult();
}
Value subS(OpBuilder &b, Location loc, Value x, Value y) {
  return isFloat(x) ? arith::SubFOp::create(b, loc, x, y).getResult()
                    : arith::SubIOp::create(b, loc, x, y).getResult();
}
Value mulS(OpBuilder &b, Location loc, Value x, Value y) {
  return isFloat(x) ? arith::MulFOp::create(b, loc, x, y).getResult()
                    : arith::MulIOp::create(b, loc, x, y).getResult();
}
Value divS(OpBuilder &b, Location loc, Value x, Value y) {
  if (isFloat(x))
    return arith::DivFOp::create(b, loc, x, y);
  Value zero = constantLike(b, loc, 0, x), minusOne = constantLike(b, loc, -1, x);
  Value one = constantLike(b, loc, 1, x);
  Value isZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, y, zero);
  Value isMinusOne =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, y, minusOne);
  Value safe = arith::SelectOp::create(
      b, loc, arith::OrIOp::create(b, loc, isZero, isMinusOne), one, y);
  Value q = arith::DivSIOp::create(b, loc, x, safe);
  Value negated = arith::SubIOp::create(b, loc, zero, x);
  return arith::SelectOp::create(
      b, loc, isZero, zero, arith::SelectOp::create(b, loc, isMinusOne, negated, q));
}
Value sigmoidS(OpBuilder &b, Location loc, Value x) {
  Value one = constantLike(b, loc, 1.0, x);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, one, arith::AddFOp::create(b, loc, one, e));
}

template <typename OpT>
struct BinaryToLinalg : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpT op, PatternRewriter &rewriter) const override {
    Value r = elementwise(
        rewriter, op.getLoc(), op.getType(), op->getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          return promoted(b, loc, args, [&](ValueRange a) -> Value {
          if constexpr (std::is_same_v<OpT, AddOp>)
            return addS(b, loc, a[0], a[1]);
          else if constexpr (std::is_same_v<OpT, SubOp>)
            return subS(b, loc, a[0], a[1]);
          else if constexpr (std::is_same_v<OpT, MulOp>)
            return mulS(b, loc, a[0], a[1]);
          else if constexpr (std::is_same_v<OpT, DivOp>)
            return divS(b, loc, a[0], a[1]);
          else
            return isFloat(a[0])
                       ? math::PowFOp::create(b, loc, a[0], a[1]).getResult()
                       : math::IPowIOp::create(b, loc, a[0], a[1]).getResult();
          });
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// Unary ops: `fn` builds the scalar result from x.
template <typename OpT>
struct UnaryToLinalg : OpRewritePattern<OpT> {
  using Fn = Value (*)(OpBuilder &, Location, Value, OpT);
  UnaryToLinalg(MLIRContext *context, Fn fn)
      : OpRewritePattern<OpT>(context), fn(fn) {}
  LogicalResult matchAndRewrite(OpT op, PatternRewriter &rewriter) const override {
    Value r = elementwise(rewriter, op.getLoc(), op.getType(),
                          ValueRange{op.getInput()},
                          [&](OpBuilder &b, Location loc, ValueRange args) {
                            return promoted(b, loc, args, [&](ValueRange a) {
                              return fn(b, loc, a[0], op);
                            });
                          });
    rewriter.replaceOp(op, r);
    return success();
  }
  Fn fn;
};

template <typename OpT>
void addUnary(RewritePatternSet &patterns,
              Value (*fn)(OpBuilder &, Location, Value, OpT)) {
  patterns.add<UnaryToLinalg<OpT>>(patterns.getContext(), fn);
}

struct ConstantToArith : OpRewritePattern<ConstantOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConstantOp op,
                                PatternRewriter &rewriter) const override {
    auto value = dyn_cast<TypedAttr>(op.getValue());
    if (!value)
      return rewriter.notifyMatchFailure(op, "not a typed attribute");
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, value);
    return success();
  }
};

struct CompareToLinalg : OpRewritePattern<CompareOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CompareOp op,
                                PatternRewriter &rewriter) const override {
    ComparePredicate p = op.getPredicate();
    Value r = elementwise(
        rewriter, op.getLoc(), op.getType(), op->getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
          if (isFloat(a[0])) {
            arith::CmpFPredicate fp =
                p == ComparePredicate::eq   ? arith::CmpFPredicate::OEQ
                : p == ComparePredicate::ne ? arith::CmpFPredicate::UNE
                : p == ComparePredicate::lt ? arith::CmpFPredicate::OLT
                : p == ComparePredicate::le ? arith::CmpFPredicate::OLE
                : p == ComparePredicate::gt ? arith::CmpFPredicate::OGT
                                            : arith::CmpFPredicate::OGE;
            return arith::CmpFOp::create(b, loc, fp, a[0], a[1]);
          }
          arith::CmpIPredicate ip =
              p == ComparePredicate::eq   ? arith::CmpIPredicate::eq
              : p == ComparePredicate::ne ? arith::CmpIPredicate::ne
              : p == ComparePredicate::lt ? arith::CmpIPredicate::slt
              : p == ComparePredicate::le ? arith::CmpIPredicate::sle
              : p == ComparePredicate::gt ? arith::CmpIPredicate::sgt
                                          : arith::CmpIPredicate::sge;
          return arith::CmpIOp::create(b, loc, ip, a[0], a[1]);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct SelectToLinalg : OpRewritePattern<SelectOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SelectOp op,
                                PatternRewriter &rewriter) const override {
    Value r = elementwise(rewriter, op.getLoc(), op.getType(),
                          op->getOperands(),
                          [&](OpBuilder &b, Location loc, ValueRange a) {
                            return arith::SelectOp::create(b, loc, a[0], a[1],
                                                           a[2])
                                .getResult();
                          });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct CastToLinalg : OpRewritePattern<CastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CastOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, convertTensor(rewriter, op.getLoc(), op.getInput(),
                                         op.getType().getElementType()));
    return success();
  }
};

struct BroadcastToLinalg : OpRewritePattern<BroadcastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BroadcastOp op,
                                PatternRewriter &rewriter) const override {
    Value r = elementwise(rewriter, op.getLoc(), op.getType(),
                          ValueRange{op.getInput()},
                          [](OpBuilder &, Location, ValueRange a) { return a[0]; });
    rewriter.replaceOp(op, r);
    return success();
  }
};

} // namespace

void mlir::aster::populateElementwiseToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ConstantToArith, BinaryToLinalg<AddOp>, BinaryToLinalg<SubOp>,
               BinaryToLinalg<MulOp>, BinaryToLinalg<DivOp>,
               BinaryToLinalg<PowOp>, CompareToLinalg, SelectToLinalg,
               CastToLinalg, BroadcastToLinalg>(patterns.getContext());
  addUnary<ExpOp>(patterns, [](OpBuilder &b, Location l, Value x, ExpOp) {
    return math::ExpOp::create(b, l, x).getResult();
  });
  addUnary<LogOp>(patterns, [](OpBuilder &b, Location l, Value x, LogOp) {
    return math::LogOp::create(b, l, x).getResult();
  });
  addUnary<TanhOp>(patterns, [](OpBuilder &b, Location l, Value x, TanhOp) {
    return math::TanhOp::create(b, l, x).getResult();
  });
  addUnary<RsqrtOp>(patterns, [](OpBuilder &b, Location l, Value x, RsqrtOp) {
    return math::RsqrtOp::create(b, l, x).getResult();
  });
  addUnary<SqrtOp>(patterns, [](OpBuilder &b, Location l, Value x, SqrtOp) {
    return math::SqrtOp::create(b, l, x).getResult();
  });
  addUnary<ErfOp>(patterns, [](OpBuilder &b, Location l, Value x, ErfOp) {
    return math::ErfOp::create(b, l, x).getResult();
  });
  addUnary<SinOp>(patterns, [](OpBuilder &b, Location l, Value x, SinOp) {
    return math::SinOp::create(b, l, x).getResult();
  });
  addUnary<CosOp>(patterns, [](OpBuilder &b, Location l, Value x, CosOp) {
    return math::CosOp::create(b, l, x).getResult();
  });
  addUnary<SigmoidOp>(patterns, [](OpBuilder &b, Location l, Value x,
                                   SigmoidOp) { return sigmoidS(b, l, x); });
  addUnary<SiluOp>(patterns, [](OpBuilder &b, Location l, Value x, SiluOp) {
    return arith::MulFOp::create(b, l, x, sigmoidS(b, l, x)).getResult();
  });
  addUnary<ReluOp>(patterns, [](OpBuilder &b, Location l, Value x, ReluOp) {
    // maximumf propagates NaN, as the interpreter's relu does.
    return arith::MaximumFOp::create(b, l, x, constantLike(b, l, 0.0, x))
        .getResult();
  });
  addUnary<NegOp>(patterns, [](OpBuilder &b, Location l, Value x, NegOp) {
    return isFloat(x) ? arith::NegFOp::create(b, l, x).getResult()
                      : arith::SubIOp::create(b, l, constantLike(b, l, 0, x), x)
                            .getResult();
  });
  addUnary<GeluOp>(patterns, [](OpBuilder &b, Location l, Value x,
                                GeluOp op) -> Value {
    Value half = constantLike(b, l, 0.5, x), one = constantLike(b, l, 1.0, x);
    Value inner;
    if (op.getApproximate() == GeluApproximation::none) {
      inner = math::ErfOp::create(
          b, l, arith::MulFOp::create(b, l, x, constantLike(b, l, M_SQRT1_2, x)));
    } else {
      Value x3 = arith::MulFOp::create(b, l, x, arith::MulFOp::create(b, l, x, x));
      Value u = arith::AddFOp::create(
          b, l, x, arith::MulFOp::create(b, l, constantLike(b, l, 0.044715, x), x3));
      inner = math::TanhOp::create(
          b, l,
          arith::MulFOp::create(b, l, constantLike(b, l, std::sqrt(2.0 / M_PI), x), u));
    }
    return arith::MulFOp::create(
        b, l, arith::MulFOp::create(b, l, half, x),
        arith::AddFOp::create(b, l, one, inner));
  });
}
