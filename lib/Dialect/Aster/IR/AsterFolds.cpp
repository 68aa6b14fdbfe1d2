//===- AsterFolds.cpp - Aster folders and canonicalization patterns -------===//
//
// Folds that remove trivial ops (identity reshapes, transposes, casts,
// slices, arithmetic with a neutral constant) and patterns that turn shape
// ops that move no data into reshapes.
//
//===----------------------------------------------------------------------===//

#include "aster/Dialect/Aster/IR/AsterOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::aster;

namespace {
/// True when `attr` is a splat constant equal to `value` (0 or 1), for floats
/// and integers alike.
bool isSplatOf(Attribute attr, int64_t value) {
  auto splat = dyn_cast_or_null<SplatElementsAttr>(attr);
  if (!splat)
    return false;
  Type type = splat.getElementType();
  if (isa<FloatType>(type))
    return splat.getSplatValue<APFloat>().isExactlyValue(
        static_cast<double>(value));
  if (isa<IntegerType>(type))
    return splat.getSplatValue<APInt>().getSExtValue() == value;
  return false;
}

/// `operand` when it already has the op's result type (the neutral operand
/// did not broadcast it to a larger shape), else null.
OpFoldResult sameTypeOrNull(Value operand, Type resultType) {
  return operand.getType() == resultType ? OpFoldResult(operand)
                                         : OpFoldResult();
}

/// A splat constant of `attr`'s value with another shape, or null.
Attribute reshapeSplat(Attribute attr, Type resultType) {
  auto splat = dyn_cast_or_null<SplatElementsAttr>(attr);
  if (!splat)
    return {};
  return splat.reshape(cast<ShapedType>(resultType));
}

/// Whether every value of `from` is exactly a value of `to`.
bool representsExactly(Type from, Type to) {
  if (from == to)
    return true;
  auto fromFloat = dyn_cast<FloatType>(from);
  auto toFloat = dyn_cast<FloatType>(to);
  if (fromFloat && toFloat)
    return llvm::APFloatBase::isRepresentableBy(fromFloat.getFloatSemantics(),
                                                toFloat.getFloatSemantics());
  auto fromInt = dyn_cast<IntegerType>(from);
  auto toInt = dyn_cast<IntegerType>(to);
  return fromInt && toInt && toInt.getWidth() >= fromInt.getWidth();
}
} // namespace

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// Binary ops: x + 0, 0 + x, x - 0, x * 1, 1 * x, x / 1
//===----------------------------------------------------------------------===//

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  if (isSplatOf(adaptor.getRhs(), 0))
    return sameTypeOrNull(getLhs(), getType());
  if (isSplatOf(adaptor.getLhs(), 0))
    return sameTypeOrNull(getRhs(), getType());
  return {};
}

OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  if (isSplatOf(adaptor.getRhs(), 0))
    return sameTypeOrNull(getLhs(), getType());
  return {};
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (isSplatOf(adaptor.getRhs(), 1))
    return sameTypeOrNull(getLhs(), getType());
  if (isSplatOf(adaptor.getLhs(), 1))
    return sameTypeOrNull(getRhs(), getType());
  return {};
}

OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  if (isSplatOf(adaptor.getRhs(), 1))
    return sameTypeOrNull(getLhs(), getType());
  return {};
}

OpFoldResult NegOp::fold(FoldAdaptor) {
  if (auto inner = getInput().getDefiningOp<NegOp>())
    return inner.getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// reshape
//===----------------------------------------------------------------------===//

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    return dense.reshape(getType());
  // reshape(reshape(x)) only depends on x's elements: skip the inner one.
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  return {};
}

//===----------------------------------------------------------------------===//
// transpose
//===----------------------------------------------------------------------===//

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  ArrayRef<int64_t> perm = getPermutation();
  bool identity = true;
  for (auto [i, p] : llvm::enumerate(perm))
    identity &= static_cast<int64_t>(i) == p;
  if (identity)
    return getInput();
  if (Attribute splat = reshapeSplat(adaptor.getInput(), getType()))
    return splat;
  // transpose(transpose(x, p), q) == transpose(x, p o q).
  if (auto inner = getInput().getDefiningOp<TransposeOp>()) {
    ArrayRef<int64_t> innerPerm = inner.getPermutation();
    SmallVector<int64_t> composed;
    for (int64_t p : perm)
      composed.push_back(innerPerm[p]);
    getInputMutable().assign(inner.getInput());
    setPermutation(composed);
    return getResult();
  }
  return {};
}

namespace {
/// A transpose that only moves size-1 dimensions keeps the elements in order:
/// it is a reshape.
struct TransposeOfUnitDimsToReshape : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    ArrayRef<int64_t> inShape = op.getInput().getType().getShape();
    int64_t last = -1;
    for (int64_t p : op.getPermutation()) {
      if (inShape[p] == 1)
        continue;
      if (p < last)
        return rewriter.notifyMatchFailure(op, "moves a non-unit dimension");
      last = p;
    }
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), op.getInput());
    return success();
  }
};
} // namespace

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<TransposeOfUnitDimsToReshape>(context);
}

OpFoldResult BroadcastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (Attribute splat = reshapeSplat(adaptor.getInput(), getType()))
    return splat;
  return {};
}

//===----------------------------------------------------------------------===//
// slice, concat
//===----------------------------------------------------------------------===//

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (Attribute splat = reshapeSplat(adaptor.getInput(), getType()))
    return splat;
  return {};
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  if (getInputs().size() == 1)
    return getInputs().front();
  return {};
}

//===----------------------------------------------------------------------===//
// reduce
//===----------------------------------------------------------------------===//

namespace {
/// Reducing only size-1 dimensions leaves every value as it is (sum, mean
/// and max of one element): a reshape, or nothing with keep_dims.
struct ReduceOfUnitDimsToReshape : OpRewritePattern<ReduceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReduceOp op,
                                PatternRewriter &rewriter) const override {
    ArrayRef<int64_t> shape = op.getInput().getType().getShape();
    for (int64_t axis : op.getAxes())
      if (shape[axis] != 1)
        return rewriter.notifyMatchFailure(op, "reduces a non-unit dimension");
    if (op.getInput().getType() == op.getType())
      rewriter.replaceOp(op, op.getInput());
    else
      rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), op.getInput());
    return success();
  }
};
} // namespace

void ReduceOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *context) {
  results.add<ReduceOfUnitDimsToReshape>(context);
}

//===----------------------------------------------------------------------===//
// cast
//===----------------------------------------------------------------------===//

/// Converts a splat constant to another element type the way the cast does
/// (round to nearest even between floats, wrap between integers). Float to
/// integer and integer to float are left to run time.
static Attribute castSplat(Attribute attr, RankedTensorType resultType) {
  auto splat = dyn_cast_or_null<SplatElementsAttr>(attr);
  if (!splat)
    return {};
  Type to = resultType.getElementType();
  if (auto toFloat = dyn_cast<FloatType>(to)) {
    if (!isa<FloatType>(splat.getElementType()))
      return {};
    APFloat value = splat.getSplatValue<APFloat>();
    bool losesInfo = false;
    value.convert(toFloat.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                  &losesInfo);
    return DenseElementsAttr::get(resultType, ArrayRef(value));
  }
  if (auto toInt = dyn_cast<IntegerType>(to)) {
    if (!isa<IntegerType>(splat.getElementType()))
      return {};
    APInt from = splat.getSplatValue<APInt>();
    // i1 is a boolean: to it, x != 0; from it, 0 or 1.
    APInt value = toInt.getWidth() == 1 ? APInt(1, !from.isZero())
                  : from.getBitWidth() == 1 ? from.zext(toInt.getWidth())
                                            : from.sextOrTrunc(toInt.getWidth());
    return DenseElementsAttr::get(resultType, ArrayRef(value));
  }
  return {};
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (Attribute folded = castSplat(adaptor.getInput(), getType()))
    return folded;
  // cast(cast(x : A) : B) : C, where B holds every value of A exactly, is
  // cast(x : A) : C, and is x itself when C is A.
  if (auto inner = getInput().getDefiningOp<CastOp>()) {
    Type source = inner.getInput().getType().getElementType();
    Type middle = inner.getType().getElementType();
    if (representsExactly(source, middle)) {
      if (inner.getInput().getType() == getType())
        return inner.getInput();
      getInputMutable().assign(inner.getInput());
      return getResult();
    }
  }
  return {};
}
