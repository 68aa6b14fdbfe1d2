//===- RaiseDecomposedOps.cpp - Decomposed norms, GELU, attention to ops -===//
//
// Matches the elementwise chains exporters emit for layer normalisation and
// GELU, and replaces them with the aster ops that later phases fuse and
// differentiate as one. Every check below is part of proving the chain
// computes exactly the op: same operand in every place, reductions over the
// last dimension, constants that are the op's constants in their type.
//
//===----------------------------------------------------------------------===//

#include "aster/Dialect/Aster/IR/AsterOps.h"
#include "aster/Dialect/Aster/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::aster {
#define GEN_PASS_DEF_RAISEDECOMPOSEDOPS
#include "aster/Dialect/Aster/Transforms/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;
using namespace mlir::aster;

namespace {

/// The value of a floating-point splat constant, exactly, as a double.
std::optional<double> splatValue(Value v) {
  DenseElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || !attr.isSplat() ||
      !isa<FloatType>(attr.getElementType()))
    return std::nullopt;
  APFloat value = attr.getSplatValue<APFloat>();
  bool losesInfo;
  value.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                &losesInfo);
  return value.convertToDouble();
}

/// Whether `v` is a splat of `exact` rounded to nearest in its element type.
bool isSplatOf(Value v, double exact) {
  DenseElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || !attr.isSplat() ||
      !isa<FloatType>(attr.getElementType()))
    return false;
  APFloat expected(exact);
  bool losesInfo;
  expected.convert(cast<FloatType>(attr.getElementType()).getFloatSemantics(),
                   APFloat::rmNearestTiesToEven, &losesInfo);
  return attr.getSplatValue<APFloat>().bitwiseIsEqual(expected);
}

/// The other operand of a binary op whose operand `known` is one of them.
Value other(Operation *op, Value known) {
  if (op->getOperand(0) == known)
    return op->getOperand(1);
  if (op->getOperand(1) == known)
    return op->getOperand(0);
  return {};
}

/// `mean(x)` over the last dimension with kept dims; returns x.
Value matchLastDimMean(Value v) {
  auto reduce = v.getDefiningOp<ReduceOp>();
  if (!reduce || reduce.getKind() != ReduceKind::mean || !reduce.getKeepDims())
    return {};
  int64_t rank = reduce.getInput().getType().getRank();
  if (reduce.getAxes() != ArrayRef<int64_t>{rank - 1})
    return {};
  return reduce.getInput();
}

/// `x - mean(x)`; returns x.
Value matchCentered(Value v) {
  auto sub = v.getDefiningOp<SubOp>();
  if (!sub)
    return {};
  Value x = matchLastDimMean(sub.getRhs());
  return x && x == sub.getLhs() ? x : Value();
}

/// `d * d` or `d ^ 2` where `d` computes `x - mean(x)`; returns x.
Value matchSquaredCentered(Value v, Value centered) {
  Value base;
  if (auto mul = v.getDefiningOp<MulOp>()) {
    if (mul.getLhs() != mul.getRhs())
      return {};
    base = mul.getLhs();
  } else if (auto pow = v.getDefiningOp<PowOp>()) {
    if (!isSplatOf(pow.getRhs(), 2.0))
      return {};
    base = pow.getLhs();
  } else {
    return {};
  }
  Value x = matchCentered(base);
  // The variance may reuse the centred value or recompute it.
  return x && x == matchCentered(centered) ? x : Value();
}

/// `(x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps)`, also as
/// `(x - mean(x)) * rsqrt(...)`: layer_norm(x, ones, eps).
struct RaiseLayerNorm : RewritePattern {
  RaiseLayerNorm(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    Value centered, denominator;
    bool reciprocal;
    if (auto div = dyn_cast<DivOp>(op)) {
      centered = div.getLhs();
      denominator = div.getRhs();
      reciprocal = false;
    } else if (auto mul = dyn_cast<MulOp>(op)) {
      for (Value candidate : {mul.getLhs(), mul.getRhs()})
        if (candidate.getDefiningOp<RsqrtOp>()) {
          denominator = candidate;
          centered = other(mul, candidate);
        }
      reciprocal = true;
    } else {
      return failure();
    }
    if (!centered || !denominator)
      return rewriter.notifyMatchFailure(op, "not a normalisation");
    Value x = matchCentered(centered);
    if (!x || x.getType() != op->getResult(0).getType() ||
        !isa<FloatType>(cast<RankedTensorType>(x.getType()).getElementType()))
      return rewriter.notifyMatchFailure(op, "no x - mean(x)");
    Value root = reciprocal
                     ? denominator.getDefiningOp<RsqrtOp>().getInput()
                     : Value();
    if (!reciprocal) {
      auto sqrt = denominator.getDefiningOp<SqrtOp>();
      if (!sqrt)
        return rewriter.notifyMatchFailure(op, "no sqrt");
      root = sqrt.getInput();
    }
    auto add = root.getDefiningOp<AddOp>();
    if (!add)
      return rewriter.notifyMatchFailure(op, "no var + eps");
    Value eps, var;
    for (Value candidate : {add.getLhs(), add.getRhs()})
      if (splatValue(candidate)) {
        eps = candidate;
        var = other(add, candidate);
      }
    std::optional<double> epsilon = eps ? splatValue(eps) : std::nullopt;
    if (!epsilon || !(*epsilon >= 0.0) || !var ||
        var.getType() != add.getType())
      return rewriter.notifyMatchFailure(op, "no constant epsilon");
    Value squared = var.getDefiningOp<ReduceOp>()
                        ? var.getDefiningOp<ReduceOp>().getInput()
                        : Value();
    if (!squared || matchLastDimMean(var) != squared ||
        matchSquaredCentered(squared, centered) != x)
      return rewriter.notifyMatchFailure(op, "no variance of the same x");
    auto type = cast<RankedTensorType>(x.getType());
    auto channels = RankedTensorType::get({type.getShape().back()},
                                          type.getElementType());
    Value ones = ConstantOp::create(
        rewriter, op->getLoc(),
        DenseElementsAttr::get(channels, rewriter.getFloatAttr(
                                             type.getElementType(), 1.0)));
    rewriter.replaceOpWithNewOp<LayerNormOp>(op, x, ones, Value(),
                                             APFloat(*epsilon));
    return success();
  }
};

/// layer_norm(x, ones) * w and layer_norm(x, w) + b, with 1-D w and b:
/// the affine part folded into the op.
struct AbsorbLayerNormAffine : RewritePattern {
  AbsorbLayerNormAffine(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    bool isMul = isa<MulOp>(op);
    if (!isMul && !isa<AddOp>(op))
      return failure();
    for (Value candidate : op->getOperands()) {
      auto norm = candidate.getDefiningOp<LayerNormOp>();
      if (!norm || !norm->hasOneUse() || norm.getBias())
        continue;
      Value param = other(op, candidate);
      auto type = dyn_cast<RankedTensorType>(param.getType());
      if (!type || type.getRank() != 1 ||
          type != norm.getWeight().getType() ||
          op->getResult(0).getType() != norm.getType())
        continue;
      if (isMul) {
        if (!isSplatOf(norm.getWeight(), 1.0))
          continue;
        rewriter.replaceOpWithNewOp<LayerNormOp>(
            op, norm.getInput(), param, Value(), norm.getEpsilon());
      } else {
        rewriter.replaceOpWithNewOp<LayerNormOp>(
            op, norm.getInput(), norm.getWeight(), param, norm.getEpsilon());
      }
      return success();
    }
    return failure();
  }
};

/// Whether `v` is x^3: pow(x, 3), x * (x * x) or (x * x) * x.
bool isCube(Value v, Value x) {
  if (auto pow = v.getDefiningOp<PowOp>())
    return pow.getLhs() == x && isSplatOf(pow.getRhs(), 3.0);
  auto mul = v.getDefiningOp<MulOp>();
  if (!mul)
    return false;
  for (Value candidate : {mul.getLhs(), mul.getRhs()}) {
    auto square = candidate.getDefiningOp<MulOp>();
    if (square && square.getLhs() == x && square.getRhs() == x &&
        other(mul, candidate) == x)
      return true;
  }
  return false;
}

/// Whether `v` is `c * y` (either order) with `c` a splat of `exact`; returns
/// y.
Value scaledBy(Value v, double exact) {
  auto mul = v.getDefiningOp<MulOp>();
  if (!mul)
    return {};
  for (Value candidate : {mul.getLhs(), mul.getRhs()})
    if (isSplatOf(candidate, exact))
      return other(mul, candidate);
  return {};
}

/// Whether `z` is x / sqrt(2) (or x * (1 / sqrt(2))): erf's argument in the
/// exact GELU.
bool isErfArgument(Value z, Value x) {
  if (auto div = z.getDefiningOp<DivOp>())
    return div.getLhs() == x && isSplatOf(div.getRhs(), std::sqrt(2.0));
  return scaledBy(z, 1.0 / std::sqrt(2.0)) == x;
}

/// Whether `z` is sqrt(2 / pi) * (x + 0.044715 * x^3): tanh's argument in
/// the tanh GELU (GPT-2's gelu_new).
bool isTanhArgument(Value z, Value x) {
  Value sum = scaledBy(z, std::sqrt(2.0 / M_PI));
  auto add = sum ? sum.getDefiningOp<AddOp>() : AddOp();
  if (!add)
    return false;
  Value cubic = other(add, x);
  Value cube = cubic ? scaledBy(cubic, 0.044715) : Value();
  return cube && isCube(cube, x);
}

/// x * 0.5 * (1 + erf(x / sqrt(2))) and
/// x * 0.5 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3))), the products
/// in any order: gelu(x), exact or tanh.
struct RaiseGelu : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp root,
                                PatternRewriter &rewriter) const override {
    // The three factors of the product, one level of nesting deep.
    SmallVector<Value> factors;
    for (Value operand : {root.getLhs(), root.getRhs()}) {
      auto inner = operand.getDefiningOp<MulOp>();
      if (inner && inner->hasOneUse()) {
        factors.push_back(inner.getLhs());
        factors.push_back(inner.getRhs());
      } else {
        factors.push_back(operand);
      }
    }
    if (factors.size() != 3)
      return rewriter.notifyMatchFailure(root, "not three factors");
    Value half, onePlus, x;
    for (Value f : factors) {
      if (!half && isSplatOf(f, 0.5))
        half = f;
      else if (!onePlus && f.getDefiningOp<AddOp>())
        onePlus = f;
      else
        x = f;
    }
    if (!half || !onePlus || !x || x.getType() != root.getType())
      return rewriter.notifyMatchFailure(root, "not x * 0.5 * (1 + ...)");
    auto add = onePlus.getDefiningOp<AddOp>();
    Value one, activation;
    for (Value candidate : {add.getLhs(), add.getRhs()})
      if (isSplatOf(candidate, 1.0)) {
        one = candidate;
        activation = other(add, candidate);
      }
    if (!one || !activation || add.getType() != root.getType())
      return rewriter.notifyMatchFailure(root, "not 1 + f(...)");
    if (auto erf = activation.getDefiningOp<ErfOp>();
        erf && isErfArgument(erf.getInput(), x)) {
      rewriter.replaceOpWithNewOp<GeluOp>(root, x, GeluApproximation::none);
      return success();
    }
    if (auto tanh = activation.getDefiningOp<TanhOp>();
        tanh && isTanhArgument(tanh.getInput(), x)) {
      rewriter.replaceOpWithNewOp<GeluOp>(root, x, GeluApproximation::tanh);
      return success();
    }
    return rewriter.notifyMatchFailure(root, "not a GELU's erf or tanh");
  }
};

struct RaiseDecomposedOpsPass
    : mlir::aster::impl::RaiseDecomposedOpsBase<RaiseDecomposedOpsPass> {
  using RaiseDecomposedOpsBase::RaiseDecomposedOpsBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RaiseLayerNorm, AbsorbLayerNormAffine, RaiseGelu>(
        &getContext());
    populateRaiseAttentionPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
