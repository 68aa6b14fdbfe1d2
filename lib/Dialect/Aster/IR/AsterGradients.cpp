//===- AsterGradients.cpp - Reverse-mode gradient rules of the ops --------===//
//
// GradientOpInterface for every aster op: given the gradients of an op's
// results, build those of its operands out of aster ops. Broadcasting
// operands receive their gradient summed over the broadcast dimensions.
// The fused ops (attention, layer_norm, rms_norm, cross_entropy) first
// become their saving forms, whose backward is one fused op that reads the
// saved statistics instead of recomputing or storing intermediates.
//
//===----------------------------------------------------------------------===//

#include "aster/Dialect/Aster/IR/AsterOps.h"

#include "mlir/IR/Builders.h"

#include <cmath>

using namespace mlir;
using namespace mlir::aster;

#include "aster/Dialect/Aster/IR/AsterInterfaces.cpp.inc"

namespace {

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

bool isFloat(Value v) { return isa<FloatType>(typeOf(v).getElementType()); }

/// A rank-0 constant of `elementType`.
Value scalar(OpBuilder &b, Location loc, double value, Type elementType) {
  auto type = RankedTensorType::get({}, elementType);
  return ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, b.getFloatAttr(elementType, value)));
}

Value zerosLike(OpBuilder &b, Location loc, RankedTensorType type) {
  return ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(type, b.getFloatAttr(type.getElementType(), 0.0)));
}

Value mul(OpBuilder &b, Location loc, Value x, Value y) {
  return MulOp::create(b, loc, x, y);
}
Value mulBy(OpBuilder &b, Location loc, Value x, double c) {
  return mul(b, loc, x, scalar(b, loc, c, typeOf(x).getElementType()));
}

/// Sums `g` down to `target`'s shape: over leading dimensions `target`
/// lacks and over those where `target` has 1 (numpy broadcasting's
/// adjoint).
Value unbroadcast(OpBuilder &b, Location loc, Value g, RankedTensorType target) {
  RankedTensorType type = typeOf(g);
  if (type.getShape() == target.getShape())
    return g;
  int64_t extra = type.getRank() - target.getRank();
  SmallVector<int64_t> axes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (d < extra || (target.getDimSize(d - extra) == 1 && type.getDimSize(d) != 1))
      axes.push_back(d);
  Value summed = g;
  if (!axes.empty())
    summed = ReduceOp::create(b, loc, ReduceKind::sum, g, axes,
                              /*keep_dims=*/true);
  return ReshapeOp::create(
      b, loc, RankedTensorType::get(target.getShape(), type.getElementType()),
      summed);
}

/// Broadcasts `v` (the keep-dims shape of a reduction) back to `target`.
Value expand(OpBuilder &b, Location loc, Value v, RankedTensorType target) {
  if (typeOf(v) == target)
    return v;
  return BroadcastOp::create(b, loc, target, v);
}

LogicalResult noGradients(Operation *op, SmallVectorImpl<Value> &grads) {
  grads.append(op->getNumOperands(), Value());
  return success();
}

LogicalResult secondOrder(Operation *op) {
  return op->emitOpError("has no gradient rule (second-order gradients are "
                         "not supported)");
}

LogicalResult useSavingForm(Operation *op) {
  return op->emitOpError("is differentiated through its saving form; run "
                         "buildSavingForm first");
}

} // namespace

//===----------------------------------------------------------------------===//
// No gradient
//===----------------------------------------------------------------------===//

#define ASTER_NO_GRADIENT(OP)                                                  \
  LogicalResult OP::buildGradients(OpBuilder &, ArrayRef<Value>,               \
                                   SmallVectorImpl<Value> &grads) {            \
    return noGradients(*this, grads);                                          \
  }
ASTER_NO_GRADIENT(ConstantOp)
ASTER_NO_GRADIENT(CompareOp)
#undef ASTER_NO_GRADIENT

#define ASTER_SECOND_ORDER(OP)                                                 \
  LogicalResult OP::buildGradients(OpBuilder &, ArrayRef<Value>,               \
                                   SmallVectorImpl<Value> &) {                 \
    return secondOrder(*this);                                                 \
  }
ASTER_SECOND_ORDER(AttentionBwdOp)
ASTER_SECOND_ORDER(LayerNormBwdOp)
ASTER_SECOND_ORDER(RmsNormBwdOp)
ASTER_SECOND_ORDER(CrossEntropyBwdOp)
#undef ASTER_SECOND_ORDER

//===----------------------------------------------------------------------===//
// Gathers and embeddings
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                          SmallVectorImpl<Value> &grads) {
  grads.push_back(ScatterAddOp::create(b, getLoc(), getTable().getType(),
                                       gs[0], getIds(), 0));
  grads.push_back(Value());
  return success();
}

LogicalResult GatherOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                       SmallVectorImpl<Value> &grads) {
  if (!isFloat(getInput()))
    return noGradients(*this, grads);
  grads.push_back(ScatterAddOp::create(b, getLoc(), typeOf(getInput()), gs[0],
                                       getIndices(), getAxis()));
  grads.push_back(Value());
  return success();
}

LogicalResult ScatterAddOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                           SmallVectorImpl<Value> &grads) {
  grads.push_back(GatherOp::create(b, getLoc(), gs[0], getIndices(), getAxis()));
  grads.push_back(Value());
  return success();
}

//===----------------------------------------------------------------------===//
// matmul
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                       SmallVectorImpl<Value> &grads) {
  Location loc = getLoc();
  Value g = gs[0], a = getLhs(), w = getRhs();
  bool ta = getTransposeLhs(), tw = getTransposeRhs();
  // C = op(A) op(W). With op(X) = X or X^T:
  //   dA = g op(W)^T, or its transpose (W op... ) when A is transposed;
  //   dW = op(A)^T g, or its transpose when W is transposed.
  Value da, dw;
  if (!ta)
    da = MatmulOp::create(b, loc, g, w, false, !tw);
  else
    da = MatmulOp::create(b, loc, w, g, tw, true);
  if (!tw)
    dw = MatmulOp::create(b, loc, a, g, !ta, false);
  else
    dw = MatmulOp::create(b, loc, g, a, true, ta);
  grads.push_back(unbroadcast(b, loc, da, typeOf(a)));
  grads.push_back(unbroadcast(b, loc, dw, typeOf(w)));
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

LogicalResult AddOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                    SmallVectorImpl<Value> &grads) {
  if (!isFloat(getLhs()))
    return noGradients(*this, grads);
  grads.push_back(unbroadcast(b, getLoc(), gs[0], typeOf(getLhs())));
  grads.push_back(unbroadcast(b, getLoc(), gs[0], typeOf(getRhs())));
  return success();
}

LogicalResult SubOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                    SmallVectorImpl<Value> &grads) {
  if (!isFloat(getLhs()))
    return noGradients(*this, grads);
  Location loc = getLoc();
  grads.push_back(unbroadcast(b, loc, gs[0], typeOf(getLhs())));
  grads.push_back(
      unbroadcast(b, loc, NegOp::create(b, loc, gs[0]), typeOf(getRhs())));
  return success();
}

LogicalResult MulOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                    SmallVectorImpl<Value> &grads) {
  if (!isFloat(getLhs()))
    return noGradients(*this, grads);
  Location loc = getLoc();
  grads.push_back(
      unbroadcast(b, loc, mul(b, loc, gs[0], getRhs()), typeOf(getLhs())));
  grads.push_back(
      unbroadcast(b, loc, mul(b, loc, gs[0], getLhs()), typeOf(getRhs())));
  return success();
}

LogicalResult DivOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                    SmallVectorImpl<Value> &grads) {
  if (!isFloat(getLhs()))
    return noGradients(*this, grads);
  Location loc = getLoc();
  Value gOverR = DivOp::create(b, loc, gs[0], getRhs());
  grads.push_back(unbroadcast(b, loc, gOverR, typeOf(getLhs())));
  // d(l / r)/dr = -(l / r) / r: -g * result / r.
  Value dr = NegOp::create(b, loc, mul(b, loc, gOverR, getResult()));
  grads.push_back(unbroadcast(b, loc, dr, typeOf(getRhs())));
  return success();
}

LogicalResult PowOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                    SmallVectorImpl<Value> &grads) {
  if (!isFloat(getLhs()))
    return noGradients(*this, grads);
  Location loc = getLoc();
  Type et = typeOf(getLhs()).getElementType();
  // d/dl = r * l^(r - 1); d/dr = l^r * log(l).
  Value rMinus1 = SubOp::create(b, loc, getRhs(), scalar(b, loc, 1.0, et));
  Value dl = mul(b, loc, mul(b, loc, gs[0], getRhs()),
                 PowOp::create(b, loc, getLhs(), rMinus1));
  Value dr = mul(b, loc, mul(b, loc, gs[0], getResult()),
                 LogOp::create(b, loc, getLhs()));
  grads.push_back(unbroadcast(b, loc, dl, typeOf(getLhs())));
  grads.push_back(unbroadcast(b, loc, dr, typeOf(getRhs())));
  return success();
}

LogicalResult SelectOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                       SmallVectorImpl<Value> &grads) {
  if (!isFloat(getTrueValue()))
    return noGradients(*this, grads);
  Location loc = getLoc();
  Value zero = scalar(b, loc, 0.0, typeOf(gs[0]).getElementType());
  grads.push_back(Value());
  grads.push_back(unbroadcast(
      b, loc, SelectOp::create(b, loc, getCondition(), gs[0], zero),
      typeOf(getTrueValue())));
  grads.push_back(unbroadcast(
      b, loc, SelectOp::create(b, loc, getCondition(), zero, gs[0]),
      typeOf(getFalseValue())));
  return success();
}

/// Unary ops: grad * f'(x), with f' built from x and y = f(x).
template <typename OpT, typename Derivative>
static LogicalResult unaryGradient(OpT op, OpBuilder &b, Value g,
                                   SmallVectorImpl<Value> &grads,
                                   Derivative derivative) {
  Location loc = op.getLoc();
  grads.push_back(derivative(loc, op.getInput(), op.getResult(), g));
  return success();
}

#define ASTER_UNARY_GRADIENT(OP, BODY)                                         \
  LogicalResult OP::buildGradients(OpBuilder &b, ArrayRef<Value> gs,           \
                                   SmallVectorImpl<Value> &grads) {            \
    return unaryGradient(*this, b, gs[0], grads,                               \
                         [&](Location loc, Value x, Value y, Value g) -> Value { \
                           Type et = typeOf(x).getElementType();               \
                           (void)et;                                           \
                           BODY                                                \
                         });                                                   \
  }

ASTER_UNARY_GRADIENT(ExpOp, { return mul(b, loc, g, y); })
ASTER_UNARY_GRADIENT(LogOp, { return DivOp::create(b, loc, g, x); })
ASTER_UNARY_GRADIENT(TanhOp, {
  Value one = scalar(b, loc, 1.0, et);
  return mul(b, loc, g, SubOp::create(b, loc, one, mul(b, loc, y, y)));
})
ASTER_UNARY_GRADIENT(RsqrtOp, {
  // d x^-1/2 = -1/2 x^-3/2 = -1/2 y^3.
  return mulBy(b, loc, mul(b, loc, g, mul(b, loc, y, mul(b, loc, y, y))), -0.5);
})
ASTER_UNARY_GRADIENT(SqrtOp, {
  return DivOp::create(b, loc, mulBy(b, loc, g, 0.5), y);
})
ASTER_UNARY_GRADIENT(ErfOp, {
  Value e = ExpOp::create(b, loc, NegOp::create(b, loc, mul(b, loc, x, x)));
  return mul(b, loc, g, mulBy(b, loc, e, 2.0 / std::sqrt(M_PI)));
})
ASTER_UNARY_GRADIENT(SiluOp, {
  // s (1 + x (1 - s)), s = sigmoid(x).
  Value s = SigmoidOp::create(b, loc, x);
  Value one = scalar(b, loc, 1.0, et);
  Value inner = AddOp::create(
      b, loc, one, mul(b, loc, x, SubOp::create(b, loc, one, s)));
  return mul(b, loc, g, mul(b, loc, s, inner));
})
ASTER_UNARY_GRADIENT(ReluOp, {
  Value zero = scalar(b, loc, 0.0, et);
  Value positive = CompareOp::create(b, loc, ComparePredicate::gt, x, zero);
  return SelectOp::create(b, loc, positive, g, zero);
})
ASTER_UNARY_GRADIENT(SigmoidOp, {
  Value one = scalar(b, loc, 1.0, et);
  return mul(b, loc, g, mul(b, loc, y, SubOp::create(b, loc, one, y)));
})
ASTER_UNARY_GRADIENT(NegOp, { return NegOp::create(b, loc, g); })
ASTER_UNARY_GRADIENT(SinOp, { return mul(b, loc, g, CosOp::create(b, loc, x)); })
ASTER_UNARY_GRADIENT(CosOp, {
  return NegOp::create(b, loc, mul(b, loc, g, SinOp::create(b, loc, x)));
})
ASTER_UNARY_GRADIENT(GeluOp, {
  Value one = scalar(b, loc, 1.0, et);
  Value half = scalar(b, loc, 0.5, et);
  if (getApproximate() == GeluApproximation::none) {
    // Phi(x) + x phi(x).
    Value cdf = mul(b, loc, half,
                    AddOp::create(b, loc, one,
                                  ErfOp::create(b, loc,
                                                mulBy(b, loc, x, M_SQRT1_2))));
    Value pdf = mulBy(
        b, loc,
        ExpOp::create(b, loc, mulBy(b, loc, mul(b, loc, x, x), -0.5)),
        1.0 / std::sqrt(2.0 * M_PI));
    return mul(b, loc, g, AddOp::create(b, loc, cdf, mul(b, loc, x, pdf)));
  }
  // u = c (x + k x^3), t = tanh(u):
  // 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 k x^2).
  const double c = std::sqrt(2.0 / M_PI);
  const double k = 0.044715;
  Value x2 = mul(b, loc, x, x);
  Value u = mulBy(b, loc, AddOp::create(b, loc, x, mulBy(b, loc, mul(b, loc, x2, x), k)), c);
  Value t = TanhOp::create(b, loc, u);
  Value left = mul(b, loc, half, AddOp::create(b, loc, one, t));
  Value sech2 = SubOp::create(b, loc, one, mul(b, loc, t, t));
  Value du = mulBy(b, loc, AddOp::create(b, loc, one, mulBy(b, loc, x2, 3.0 * k)), c);
  Value right = mul(b, loc, mul(b, loc, half, x), mul(b, loc, sech2, du));
  return mul(b, loc, g, AddOp::create(b, loc, left, right));
})
#undef ASTER_UNARY_GRADIENT

//===----------------------------------------------------------------------===//
// Softmax
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                        SmallVectorImpl<Value> &grads) {
  // y (g - sum(g y)).
  Location loc = getLoc();
  Value y = getResult();
  Value dot = ReduceOp::create(b, loc, ReduceKind::sum, mul(b, loc, gs[0], y),
                               ArrayRef<int64_t>{static_cast<int64_t>(getAxis())}, true);
  grads.push_back(mul(b, loc, y, SubOp::create(b, loc, gs[0], dot)));
  return success();
}

LogicalResult LogSoftmaxOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                           SmallVectorImpl<Value> &grads) {
  // g - exp(y) sum(g).
  Location loc = getLoc();
  Value sum = ReduceOp::create(b, loc, ReduceKind::sum, gs[0],
                               ArrayRef<int64_t>{static_cast<int64_t>(getAxis())}, true);
  grads.push_back(SubOp::create(
      b, loc, gs[0], mul(b, loc, ExpOp::create(b, loc, getResult()), sum)));
  return success();
}

//===----------------------------------------------------------------------===//
// Fused ops: saving forms and their backward
//===----------------------------------------------------------------------===//

static RankedTensorType rowStats(RankedTensorType type) {
  return RankedTensorType::get(type.getShape().drop_back(),
                               Float32Type::get(type.getContext()));
}

Operation *LayerNormOp::buildSavingForm(OpBuilder &b) {
  RankedTensorType t = getType();
  return LayerNormFwdOp::create(b, getLoc(), t, rowStats(t), rowStats(t),
                                getInput(), getWeight(), getBias(),
                                getEpsilonAttr());
}
LogicalResult LayerNormOp::buildGradients(OpBuilder &, ArrayRef<Value>,
                                          SmallVectorImpl<Value> &) {
  return useSavingForm(*this);
}
LogicalResult LayerNormFwdOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                             SmallVectorImpl<Value> &grads) {
  auto bwd = LayerNormBwdOp::create(
      b, getLoc(), getInput().getType(), getWeight().getType(),
      getWeight().getType(), getInput(), getWeight(), getMean(), getRstd(),
      gs[0]);
  grads.push_back(bwd.getGradInput());
  grads.push_back(bwd.getGradWeight());
  if (getBias())
    grads.push_back(bwd.getGradBias());
  return success();
}

Operation *RmsNormOp::buildSavingForm(OpBuilder &b) {
  RankedTensorType t = getType();
  return RmsNormFwdOp::create(b, getLoc(), t, rowStats(t), getInput(),
                              getWeight(), getEpsilonAttr());
}
LogicalResult RmsNormOp::buildGradients(OpBuilder &, ArrayRef<Value>,
                                        SmallVectorImpl<Value> &) {
  return useSavingForm(*this);
}
LogicalResult RmsNormFwdOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                           SmallVectorImpl<Value> &grads) {
  auto bwd = RmsNormBwdOp::create(b, getLoc(), getInput().getType(),
                                  getWeight().getType(), getInput(),
                                  getWeight(), getRstd(), gs[0]);
  grads.push_back(bwd.getGradInput());
  grads.push_back(bwd.getGradWeight());
  return success();
}

Operation *AttentionOp::buildSavingForm(OpBuilder &b) {
  RankedTensorType t = getType();
  return AttentionFwdOp::create(b, getLoc(), t, rowStats(t), getQuery(),
                                getKey(), getValue(), getMask(),
                                getCausalAttr(), getScaleAttr());
}
LogicalResult AttentionOp::buildGradients(OpBuilder &, ArrayRef<Value>,
                                          SmallVectorImpl<Value> &) {
  return useSavingForm(*this);
}
LogicalResult AttentionFwdOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                             SmallVectorImpl<Value> &grads) {
  auto bwd = AttentionBwdOp::create(
      b, getLoc(), getQuery().getType(), getKey().getType(),
      getValue().getType(), getQuery(), getKey(), getValue(), getResult(),
      getLse(), gs[0], getMask(), getCausalAttr(), getScaleAttr());
  grads.push_back(bwd.getGradQuery());
  grads.push_back(bwd.getGradKey());
  grads.push_back(bwd.getGradValue());
  if (getMask())
    grads.push_back(Value()); // masks are not differentiated
  return success();
}

Operation *CrossEntropyOp::buildSavingForm(OpBuilder &b) {
  return CrossEntropyFwdOp::create(
      b, getLoc(), getType(),
      RankedTensorType::get(typeOf(getLabels()).getShape(), b.getF32Type()),
      getLogits(), getLabels(), getIgnoreIndexAttr(), getReductionAttr());
}
LogicalResult CrossEntropyOp::buildGradients(OpBuilder &, ArrayRef<Value>,
                                             SmallVectorImpl<Value> &) {
  return useSavingForm(*this);
}
LogicalResult CrossEntropyFwdOp::buildGradients(OpBuilder &b,
                                                ArrayRef<Value> gs,
                                                SmallVectorImpl<Value> &grads) {
  grads.push_back(CrossEntropyBwdOp::create(
      b, getLoc(), getLogits().getType(), getLogits(), getLabels(), getLse(),
      gs[0], getIgnoreIndexAttr(), getReductionAttr()));
  grads.push_back(Value());
  return success();
}

//===----------------------------------------------------------------------===//
// rope
//===----------------------------------------------------------------------===//

LogicalResult RopeOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                     SmallVectorImpl<Value> &grads) {
  // A rotation's adjoint is the rotation by the negated angle.
  auto inverse = RopeOp::create(b, getLoc(), getType(), gs[0], getPositions(),
                                getThetaAttr(), getLayoutAttr(),
                                getInverse() ? UnitAttr() : b.getUnitAttr());
  grads.push_back(inverse);
  if (getPositions())
    grads.push_back(Value());
  return success();
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                        SmallVectorImpl<Value> &grads) {
  if (!isFloat(getInput()))
    return noGradients(*this, grads);
  grads.push_back(ReshapeOp::create(b, getLoc(), getInput().getType(), gs[0]));
  return success();
}

LogicalResult BroadcastOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                          SmallVectorImpl<Value> &grads) {
  if (!isFloat(getInput()))
    return noGradients(*this, grads);
  grads.push_back(unbroadcast(b, getLoc(), gs[0], typeOf(getInput())));
  return success();
}

LogicalResult TransposeOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                          SmallVectorImpl<Value> &grads) {
  if (!isFloat(getInput()))
    return noGradients(*this, grads);
  ArrayRef<int64_t> perm = getPermutation();
  SmallVector<int64_t> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inverse[perm[i]] = i;
  grads.push_back(TransposeOp::create(b, getLoc(), gs[0], inverse));
  return success();
}

LogicalResult SliceOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                      SmallVectorImpl<Value> &grads) {
  if (!isFloat(getInput()))
    return noGradients(*this, grads);
  grads.push_back(InsertSliceOp::create(b, getLoc(), getInput().getType(),
                                        gs[0], getStartAttr(), getLimitAttr(),
                                        getStepAttr()));
  return success();
}

LogicalResult InsertSliceOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                            SmallVectorImpl<Value> &grads) {
  grads.push_back(SliceOp::create(b, getLoc(), getSource().getType(), gs[0],
                                  getStartAttr(), getLimitAttr(),
                                  getStepAttr()));
  return success();
}

LogicalResult ConcatOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                       SmallVectorImpl<Value> &grads) {
  if (!isFloat(getResult()))
    return noGradients(*this, grads);
  int64_t axis = getAxis(), offset = 0;
  RankedTensorType out = getType();
  for (Value input : getInputs()) {
    RankedTensorType t = typeOf(input);
    SmallVector<int64_t> start(out.getRank(), 0), limit(out.getShape());
    start[axis] = offset;
    limit[axis] = offset + t.getDimSize(axis);
    offset = limit[axis];
    grads.push_back(SliceOp::create(b, getLoc(), t, gs[0],
                                    b.getDenseI64ArrayAttr(start),
                                    b.getDenseI64ArrayAttr(limit),
                                    DenseI64ArrayAttr()));
  }
  return success();
}

LogicalResult ReduceOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                       SmallVectorImpl<Value> &grads) {
  if (!isFloat(getInput()))
    return noGradients(*this, grads);
  Location loc = getLoc();
  RankedTensorType in = typeOf(getInput());
  // The result with the reduced dimensions kept as 1.
  SmallVector<int64_t> keptShape(in.getShape());
  for (int64_t a : getAxes())
    keptShape[a] = 1;
  auto keptType = RankedTensorType::get(keptShape, in.getElementType());
  Value g = ReshapeOp::create(b, loc, keptType, gs[0]);
  switch (getKind()) {
  case ReduceKind::sum:
    grads.push_back(expand(b, loc, g, in));
    break;
  case ReduceKind::mean: {
    int64_t count = 1;
    for (int64_t a : getAxes())
      count *= in.getDimSize(a);
    grads.push_back(expand(b, loc, mulBy(b, loc, g, 1.0 / count), in));
    break;
  }
  case ReduceKind::max: {
    // Shared evenly between the positions that hold the maximum.
    Value max = ReshapeOp::create(b, loc, keptType, getResult());
    Value hit = CompareOp::create(b, loc, ComparePredicate::eq, getInput(), max);
    Value ones = CastOp::create(b, loc, in, hit);
    Value count = ReduceOp::create(b, loc, ReduceKind::sum, ones, getAxes(), true);
    grads.push_back(mul(b, loc, ones, DivOp::create(b, loc, g, count)));
    break;
  }
  }
  return success();
}

LogicalResult CastOp::buildGradients(OpBuilder &b, ArrayRef<Value> gs,
                                     SmallVectorImpl<Value> &grads) {
  if (!isFloat(getInput()) || !isFloat(getResult()))
    return noGradients(*this, grads);
  grads.push_back(CastOp::create(b, getLoc(), getInput().getType(), gs[0]));
  return success();
}
