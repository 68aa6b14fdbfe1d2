//===- Interpreter.cpp - The reference interpreter ------------------------===//
//
// One evaluation function per op, each a direct transcription of the op's
// definition in docs/dialect.md: plain loops, f64 arithmetic, no tiling, no
// reassociation tricks. Results are rounded to bf16/f16 once per op.
//
//===----------------------------------------------------------------------===//

#include "aster/Interpreter/Interpreter.h"
#include "aster/Dialect/Aster/IR/AsterOps.h"

#include "mlir/Dialect/Traits.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::aster;
using namespace mlir::aster::interp;

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

/// Splits `shape` around `axis` into (outer, size, inner) element counts.
struct AxisView {
  int64_t outer, size, inner;
  AxisView(ArrayRef<int64_t> shape, int64_t axis)
      : outer(numElements(shape.take_front(axis))), size(shape[axis]),
        inner(numElements(shape.drop_front(axis + 1))) {}
  int64_t at(int64_t o, int64_t a, int64_t i) const {
    return (o * size + a) * inner + i;
  }
};

ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

ElementKind kindOf(Value v) {
  return *elementKindOf(cast<RankedTensorType>(v.getType()).getElementType());
}

class Evaluator {
public:
  Evaluator(ModuleOp module, llvm::DenseMap<Value, RefTensor> &values)
      : module(module), values(values) {}

  FailureOr<SmallVector<RefTensor>> call(func::FuncOp function,
                                         ArrayRef<RefTensor> arguments);
  /// Evaluates `op`, whose operands have values, adding its results.
  LogicalResult evaluate(Operation *op);

private:
  const RefTensor &get(Value v) { return values.find(v)->second; }
  FailureOr<RefTensor> evaluateAster(Operation *op);

  FailureOr<RefTensor> constant(ConstantOp op);
  FailureOr<RefTensor> embedding(EmbeddingOp op);
  RefTensor matmul(MatmulOp op);
  FailureOr<RefTensor> binary(Operation *op);
  RefTensor unary(Operation *op, double (*fn)(double));
  RefTensor softmax(Value input, int64_t axis, bool log);
  RefTensor layerNorm(LayerNormOp op);
  RefTensor rmsNorm(RmsNormOp op);
  RefTensor rope(RopeOp op);
  RefTensor attention(AttentionOp op);
  RefTensor transpose(TransposeOp op);
  RefTensor slice(SliceOp op);
  RefTensor concat(ConcatOp op);
  RefTensor reduce(ReduceOp op);
  FailureOr<RefTensor> castOp(CastOp op);
  FailureOr<RefTensor> crossEntropy(CrossEntropyOp op);
  RefTensor compare(CompareOp op);
  RefTensor select(SelectOp op);
  FailureOr<RefTensor> gather(GatherOp op);
  FailureOr<RefTensor> scatterAdd(ScatterAddOp op);
  RefTensor insertSlice(InsertSliceOp op);
  /// Ops with several results (the training forms and backward ops).
  FailureOr<SmallVector<RefTensor>> evaluateMulti(Operation *op);
  SmallVector<RefTensor> attentionForward(Operation *op, Value q, Value k,
                                          Value v, Value mask, bool causal,
                                          std::optional<APFloat> scale);
  SmallVector<RefTensor> attentionBackward(AttentionBwdOp op);
  SmallVector<RefTensor> layerNormForward(Operation *op, Value x, Value w,
                                          Value b, double eps, bool rms);
  SmallVector<RefTensor> normBackward(Operation *op, Value x, Value w,
                                      Value mean, Value rstd, Value grad);
  FailureOr<SmallVector<RefTensor>>
  crossEntropyForward(Operation *op, Value logits, Value labels,
                      int64_t ignore, LossReduction reduction);
  FailureOr<RefTensor> crossEntropyBackward(CrossEntropyBwdOp op);

  ModuleOp module;
  llvm::DenseMap<Value, RefTensor> &values;
};

} // namespace

//===----------------------------------------------------------------------===//
// Driving
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<RefTensor>>
Evaluator::call(func::FuncOp function, ArrayRef<RefTensor> arguments) {
  if (function.isExternal())
    return function.emitError("cannot interpret @")
           << function.getSymName() << ": it has no body";
  Block &body = function.getBody().front();
  if (!function.getBody().hasOneBlock())
    return function.emitError("the reference interpreter runs single-block "
                              "functions only");
  if (arguments.size() != body.getNumArguments())
    return function.emitError("@")
           << function.getSymName() << " takes " << body.getNumArguments()
           << " arguments, got " << arguments.size();
  for (auto [arg, value] : llvm::zip(body.getArguments(), arguments)) {
    if (value.type(function.getContext()) != arg.getType())
      return function.emitError("argument ")
             << arg.getArgNumber() << " has type " << arg.getType()
             << ", given a value of type "
             << value.type(function.getContext());
    values[arg] = value;
  }
  for (Operation &op : body.without_terminator())
    if (failed(evaluate(&op)))
      return failure();
  auto ret = dyn_cast<func::ReturnOp>(body.getTerminator());
  if (!ret)
    return body.getTerminator()->emitError(
        "the reference interpreter expects func.return");
  SmallVector<RefTensor> results;
  for (Value v : ret.getOperands())
    results.push_back(get(v));
  return results;
}

LogicalResult Evaluator::evaluate(Operation *op) {
  if (auto callOp = dyn_cast<func::CallOp>(op)) {
    auto callee = module.lookupSymbol<func::FuncOp>(callOp.getCallee());
    if (!callee)
      return callOp.emitError("unknown callee @") << callOp.getCallee();
    SmallVector<RefTensor> args;
    for (Value v : callOp.getOperands())
      args.push_back(get(v));
    llvm::DenseMap<Value, RefTensor> calleeValues;
    Evaluator nested(module, calleeValues);
    FailureOr<SmallVector<RefTensor>> results = nested.call(callee, args);
    if (failed(results))
      return failure();
    for (auto [v, r] : llvm::zip(callOp.getResults(), *results))
      values[v] = std::move(r);
    return success();
  }
  if (!isa<AsterDialect>(op->getDialect()))
    return op->emitError("the reference interpreter does not run '")
           << op->getName() << "'";
  if (op->getNumResults() > 1) {
    FailureOr<SmallVector<RefTensor>> results = evaluateMulti(op);
    if (failed(results))
      return failure();
    for (auto [v, r] : llvm::zip(op->getResults(), *results)) {
      r.roundToKind();
      values[v] = std::move(r);
    }
    return success();
  }
  FailureOr<RefTensor> result = evaluateAster(op);
  if (failed(result))
    return failure();
  result->roundToKind();
  values[op->getResult(0)] = std::move(*result);
  return success();
}

static double relu(double x) { return x > 0.0 ? x : (x == x ? 0.0 : x); }
static double silu(double x) { return x / (1.0 + std::exp(-x)); }
static double rsqrt(double x) { return 1.0 / std::sqrt(x); }
static double neg(double x) { return -x; }
static double geluExact(double x) {
  return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
}
static double geluTanh(double x) {
  return 0.5 * x *
         (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
}
static double expD(double x) { return std::exp(x); }
static double logD(double x) { return std::log(x); }
static double tanhD(double x) { return std::tanh(x); }
static double sqrtD(double x) { return std::sqrt(x); }
static double erfD(double x) { return std::erf(x); }
static double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
static double sinD(double x) { return std::sin(x); }
static double cosD(double x) { return std::cos(x); }

FailureOr<RefTensor> Evaluator::evaluateAster(Operation *op) {
  return llvm::TypeSwitch<Operation *, FailureOr<RefTensor>>(op)
      .Case([&](ConstantOp o) { return constant(o); })
      .Case([&](EmbeddingOp o) { return embedding(o); })
      .Case([&](MatmulOp o) { return matmul(o); })
      .Case<AddOp, SubOp, MulOp, DivOp, PowOp>(
          [&](Operation *o) { return binary(o); })
      .Case([&](ExpOp o) { return unary(o, expD); })
      .Case([&](LogOp o) { return unary(o, logD); })
      .Case([&](TanhOp o) { return unary(o, tanhD); })
      .Case([&](RsqrtOp o) { return unary(o, rsqrt); })
      .Case([&](SqrtOp o) { return unary(o, sqrtD); })
      .Case([&](ErfOp o) { return unary(o, erfD); })
      .Case([&](NegOp o) { return unary(o, neg); })
      .Case([&](SiluOp o) { return unary(o, silu); })
      .Case([&](ReluOp o) { return unary(o, relu); })
      .Case([&](SigmoidOp o) { return unary(o, sigmoid); })
      .Case([&](SinOp o) { return unary(o, sinD); })
      .Case([&](CosOp o) { return unary(o, cosD); })
      .Case([&](ScatterAddOp o) { return scatterAdd(o); })
      .Case([&](InsertSliceOp o) { return insertSlice(o); })
      .Case([&](CrossEntropyBwdOp o) { return crossEntropyBackward(o); })
      .Case([&](CompareOp o) { return compare(o); })
      .Case([&](SelectOp o) { return select(o); })
      .Case([&](GatherOp o) { return gather(o); })
      .Case([&](BroadcastOp o) {
        const RefTensor &in = get(o.getInput());
        ArrayRef<int64_t> shape = o.getType().getShape();
        return in.gather(shape, broadcastIndexMap(in.shape, shape));
      })
      .Case([&](GeluOp o) {
        return unary(o, o.getApproximate() == GeluApproximation::tanh
                            ? geluTanh
                            : geluExact);
      })
      .Case([&](SoftmaxOp o) {
        return softmax(o.getInput(), o.getAxis(), /*log=*/false);
      })
      .Case([&](LogSoftmaxOp o) {
        return softmax(o.getInput(), o.getAxis(), /*log=*/true);
      })
      .Case([&](LayerNormOp o) { return layerNorm(o); })
      .Case([&](RmsNormOp o) { return rmsNorm(o); })
      .Case([&](RopeOp o) { return rope(o); })
      .Case([&](AttentionOp o) { return attention(o); })
      .Case([&](ReshapeOp o) {
        RefTensor t = get(o.getInput());
        t.shape.assign(o.getType().getShape().begin(),
                       o.getType().getShape().end());
        return t;
      })
      .Case([&](TransposeOp o) { return transpose(o); })
      .Case([&](SliceOp o) { return slice(o); })
      .Case([&](ConcatOp o) { return concat(o); })
      .Case([&](ReduceOp o) { return reduce(o); })
      .Case([&](CastOp o) { return castOp(o); })
      .Case([&](CrossEntropyOp o) { return crossEntropy(o); })
      .Default([&](Operation *o) -> FailureOr<RefTensor> {
        return o->emitError("the reference interpreter has no rule for '")
               << o->getName() << "'";
      });
}

//===----------------------------------------------------------------------===//
// Ops
//===----------------------------------------------------------------------===//

FailureOr<RefTensor> Evaluator::constant(ConstantOp op) {
  auto dense = dyn_cast<DenseElementsAttr>(op.getValue());
  if (!dense)
    return op.emitError("the reference interpreter reads dense constants "
                        "only, got ")
           << op.getValue();
  RefTensor t = RefTensor::zeros(kindOf(op.getResult()),
                                 op.getType().getShape());
  if (t.isFloat()) {
    int64_t i = 0;
    for (APFloat v : dense.getValues<APFloat>()) {
      bool losesInfo;
      v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                &losesInfo);
      t.floats[i++] = v.convertToDouble();
    }
  } else {
    int64_t i = 0;
    for (const APInt &v : dense.getValues<APInt>())
      t.ints[i++] = v.getSExtValue();
  }
  return t;
}

FailureOr<RefTensor> Evaluator::embedding(EmbeddingOp op) {
  const RefTensor &table = get(op.getTable());
  const RefTensor &ids = get(op.getIds());
  int64_t vocab = table.shape[0], dim = table.shape[1];
  RefTensor out = RefTensor::zeros(table.kind, op.getType().getShape());
  for (int64_t i = 0, e = ids.size(); i < e; ++i) {
    int64_t id = ids.ints[i];
    if (id < 0 || id >= vocab)
      return op.emitError("id ")
             << id << " at position " << i << " is outside the table's "
             << vocab << " rows";
    for (int64_t d = 0; d < dim; ++d)
      out.floats[i * dim + d] = table.floats[id * dim + d];
  }
  return out;
}

RefTensor Evaluator::matmul(MatmulOp op) {
  const RefTensor &lhs = get(op.getLhs());
  const RefTensor &rhs = get(op.getRhs());
  bool tl = op.getTransposeLhs(), tr = op.getTransposeRhs();
  ArrayRef<int64_t> outShape = op.getType().getShape();
  int64_t m = outShape[outShape.size() - 2], n = outShape.back();
  int64_t k = tl ? lhs.shape[lhs.shape.size() - 2] : lhs.shape.back();
  ArrayRef<int64_t> outBatch = outShape.drop_back(2);
  std::vector<int64_t> lhsBatch = broadcastIndexMap(
      ArrayRef<int64_t>(lhs.shape).drop_back(2), outBatch);
  std::vector<int64_t> rhsBatch = broadcastIndexMap(
      ArrayRef<int64_t>(rhs.shape).drop_back(2), outBatch);
  RefTensor out = RefTensor::zeros(lhs.kind, outShape);
  for (int64_t b = 0, e = lhsBatch.size(); b < e; ++b) {
    const double *a = lhs.floats.data() + lhsBatch[b] * m * k;
    const double *w = rhs.floats.data() + rhsBatch[b] * k * n;
    double *c = out.floats.data() + b * m * n;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double sum = 0.0;
        for (int64_t p = 0; p < k; ++p)
          sum += a[tl ? p * m + i : i * k + p] * w[tr ? j * k + p : p * n + j];
        c[i * n + j] = sum;
      }
  }
  return out;
}

FailureOr<RefTensor> Evaluator::binary(Operation *op) {
  const RefTensor &lhs = get(op->getOperand(0));
  const RefTensor &rhs = get(op->getOperand(1));
  ArrayRef<int64_t> outShape = shapeOf(op->getResult(0));
  std::vector<int64_t> li = broadcastIndexMap(lhs.shape, outShape);
  std::vector<int64_t> ri = broadcastIndexMap(rhs.shape, outShape);
  RefTensor out = RefTensor::zeros(lhs.kind, outShape);
  if (out.isFloat()) {
    for (int64_t i = 0, e = out.size(); i < e; ++i) {
      double a = lhs.floats[li[i]], b = rhs.floats[ri[i]];
      out.floats[i] = isa<AddOp>(op)   ? a + b
                      : isa<SubOp>(op) ? a - b
                      : isa<MulOp>(op) ? a * b
                      : isa<DivOp>(op) ? a / b
                                       : std::pow(a, b);
    }
    return out;
  }
  for (int64_t i = 0, e = out.size(); i < e; ++i) {
    // Unsigned arithmetic wraps without undefined behaviour; roundToKind
    // then wraps to the element width.
    uint64_t a = lhs.ints[li[i]], b = rhs.ints[ri[i]];
    if (isa<AddOp>(op)) {
      out.ints[i] = static_cast<int64_t>(a + b);
    } else if (isa<SubOp>(op)) {
      out.ints[i] = static_cast<int64_t>(a - b);
    } else if (isa<MulOp>(op)) {
      out.ints[i] = static_cast<int64_t>(a * b);
    } else if (isa<PowOp>(op)) {
      int64_t y = rhs.ints[ri[i]];
      int64_t x = lhs.ints[li[i]];
      if (y < 0) {
        if (x == 0)
          return op->emitError("integer zero to a negative power at element ")
                 << i;
        out.ints[i] = x == 1 ? 1 : x == -1 ? ((-y) % 2 ? -1 : 1) : 0;
        continue;
      }
      // Square and multiply in unsigned arithmetic: wraps like repeated
      // multiplication, without undefined behaviour.
      uint64_t result = 1, base = a;
      for (uint64_t e = static_cast<uint64_t>(y); e; e >>= 1) {
        if (e & 1)
          result *= base;
        base *= base;
      }
      out.ints[i] = static_cast<int64_t>(result);
    } else {
      int64_t x = lhs.ints[li[i]], y = rhs.ints[ri[i]];
      if (y == 0)
        return op->emitError("integer division by zero at element ") << i;
      out.ints[i] = (y == -1) ? static_cast<int64_t>(0 - a) : x / y;
    }
  }
  return out;
}

RefTensor Evaluator::unary(Operation *op, double (*fn)(double)) {
  RefTensor t = get(op->getOperand(0));
  for (double &v : t.floats)
    v = fn(v);
  return t;
}

RefTensor Evaluator::softmax(Value input, int64_t axis, bool log) {
  RefTensor t = get(input);
  AxisView view(t.shape, axis);
  for (int64_t o = 0; o < view.outer; ++o)
    for (int64_t i = 0; i < view.inner; ++i) {
      double max = kNegInf;
      for (int64_t a = 0; a < view.size; ++a)
        max = std::max(max, t.floats[view.at(o, a, i)]);
      double sum = 0.0;
      for (int64_t a = 0; a < view.size; ++a)
        sum += std::exp(t.floats[view.at(o, a, i)] - max);
      for (int64_t a = 0; a < view.size; ++a) {
        double &v = t.floats[view.at(o, a, i)];
        v = log ? v - max - std::log(sum) : std::exp(v - max) / sum;
      }
    }
  return t;
}

RefTensor Evaluator::layerNorm(LayerNormOp op) {
  return layerNormForward(op, op.getInput(), op.getWeight(), op.getBias(),
                          op.getEpsilon().convertToDouble(), /*rms=*/false)[0];
}

RefTensor Evaluator::rmsNorm(RmsNormOp op) {
  return layerNormForward(op, op.getInput(), op.getWeight(), Value(),
                          op.getEpsilon().convertToDouble(), /*rms=*/true)[0];
}

RefTensor Evaluator::rope(RopeOp op) {
  RefTensor t = get(op.getInput());
  const RefTensor *positions =
      op.getPositions() ? &get(op.getPositions()) : nullptr;
  double theta = op.getTheta().convertToDouble();
  bool interleaved = op.getLayout() == RopeLayout::interleaved;
  int64_t d = t.shape.back(), seq = t.shape[t.shape.size() - 2];
  int64_t half = d / 2;
  if (d == 0)
    return t;
  for (int64_t r = 0, rows = t.size() / d; r < rows; ++r) {
    int64_t s = r % seq;
    double pos = positions ? static_cast<double>(positions->ints[s]) : s;
    double *x = t.floats.data() + r * d;
    for (int64_t i = 0; i < half; ++i) {
      double angle = pos * std::pow(theta, -2.0 * i / d);
      if (op.getInverse())
        angle = -angle;
      double c = std::cos(angle), sn = std::sin(angle);
      int64_t ia = interleaved ? 2 * i : i;
      int64_t ib = interleaved ? 2 * i + 1 : i + half;
      double a = x[ia], b = x[ib];
      x[ia] = a * c - b * sn;
      x[ib] = b * c + a * sn;
    }
  }
  return t;
}

RefTensor Evaluator::attention(AttentionOp op) {
  return attentionForward(op, op.getQuery(), op.getKey(), op.getValue(),
                          op.getMask(), op.getCausal(), op.getScale())[0];
}

RefTensor Evaluator::transpose(TransposeOp op) {
  const RefTensor &in = get(op.getInput());
  ArrayRef<int64_t> perm = op.getPermutation();
  SmallVector<int64_t> inStrides = stridesOf(in.shape);
  ArrayRef<int64_t> outShape = op.getType().getShape();
  return in.gather(outShape, indexMap(outShape, [&](ArrayRef<int64_t> index) {
    int64_t offset = 0;
    for (size_t d = 0; d < index.size(); ++d)
      offset += index[d] * inStrides[perm[d]];
    return offset;
  }));
}

RefTensor Evaluator::slice(SliceOp op) {
  const RefTensor &in = get(op.getInput());
  ArrayRef<int64_t> start = op.getStart();
  SmallVector<int64_t> steps = op.getSteps();
  SmallVector<int64_t> inStrides = stridesOf(in.shape);
  ArrayRef<int64_t> outShape = op.getType().getShape();
  return in.gather(outShape, indexMap(outShape, [&](ArrayRef<int64_t> index) {
    int64_t offset = 0;
    for (size_t d = 0; d < index.size(); ++d)
      offset += (start[d] + index[d] * steps[d]) * inStrides[d];
    return offset;
  }));
}

RefTensor Evaluator::concat(ConcatOp op) {
  ArrayRef<int64_t> outShape = op.getType().getShape();
  int64_t axis = op.getAxis();
  RefTensor out = RefTensor::zeros(kindOf(op.getResult()), outShape);
  AxisView outView(outShape, axis);
  int64_t base = 0;
  for (Value input : op.getInputs()) {
    const RefTensor &in = get(input);
    AxisView view(in.shape, axis);
    for (int64_t o = 0; o < view.outer; ++o)
      for (int64_t a = 0; a < view.size; ++a)
        for (int64_t i = 0; i < view.inner; ++i) {
          int64_t from = view.at(o, a, i), to = outView.at(o, base + a, i);
          if (out.isFloat())
            out.floats[to] = in.floats[from];
          else
            out.ints[to] = in.ints[from];
        }
    base += view.size;
  }
  return out;
}

RefTensor Evaluator::reduce(ReduceOp op) {
  const RefTensor &in = get(op.getInput());
  ArrayRef<int64_t> axes = op.getAxes();
  SmallVector<bool> reduced(in.shape.size(), false);
  for (int64_t a : axes)
    reduced[a] = true;
  // Output strides over the input's dimensions, 0 on reduced ones, so the
  // same formula serves keep_dims and dropped dimensions.
  SmallVector<int64_t> kept;
  for (size_t d = 0; d < in.shape.size(); ++d)
    kept.push_back(reduced[d] ? 1 : in.shape[d]);
  SmallVector<int64_t> keptStrides = stridesOf(kept);
  RefTensor out = RefTensor::zeros(in.kind, op.getType().getShape());
  ReduceKind kind = op.getKind();
  int64_t count = in.size() / std::max<int64_t>(out.size(), 1);
  if (kind == ReduceKind::max) {
    if (out.isFloat())
      out.floats.assign(out.size(), kNegInf);
    else
      out.ints.assign(out.size(), std::numeric_limits<int64_t>::min());
  }
  forEachIndex(in.shape, [&](int64_t flat, ArrayRef<int64_t> index) {
    int64_t o = 0;
    for (size_t d = 0; d < index.size(); ++d)
      if (!reduced[d])
        o += index[d] * keptStrides[d];
    if (out.isFloat()) {
      double x = in.floats[flat];
      double &acc = out.floats[o];
      if (kind == ReduceKind::max)
        acc = (std::isnan(x) || std::isnan(acc)) ? NAN : std::max(acc, x);
      else
        acc += x;
    } else {
      int64_t x = in.ints[flat];
      int64_t &acc = out.ints[o];
      if (kind == ReduceKind::max)
        acc = std::max(acc, x);
      else
        acc = static_cast<int64_t>(static_cast<uint64_t>(acc) +
                                   static_cast<uint64_t>(x));
    }
  });
  if (kind == ReduceKind::mean)
    for (double &v : out.floats)
      v /= count;
  return out;
}

FailureOr<RefTensor> Evaluator::castOp(CastOp op) {
  const RefTensor &in = get(op.getInput());
  RefTensor out = RefTensor::zeros(kindOf(op.getResult()), in.shape);
  for (int64_t i = 0, e = in.size(); i < e; ++i) {
    if (out.isFloat()) {
      out.floats[i] = in.asDouble(i);
      continue;
    }
    if (out.kind == ElementKind::I1) { // x != 0, NaN included
      out.ints[i] = in.asDouble(i) != 0.0;
      continue;
    }
    if (!in.isFloat()) {
      out.ints[i] = in.ints[i];
      continue;
    }
    double x = std::trunc(in.floats[i]);
    double limit = out.kind == ElementKind::I32 ? 2147483648.0
                                                : 9223372036854775808.0;
    if (!(x >= -limit && x < limit))
      return op.emitError("cannot cast ")
             << in.floats[i] << " (element " << i << ") to "
             << kindName(out.kind) << ": out of range";
    out.ints[i] = static_cast<int64_t>(x);
  }
  return out;
}

FailureOr<RefTensor> Evaluator::crossEntropy(CrossEntropyOp op) {
  FailureOr<SmallVector<RefTensor>> results =
      crossEntropyForward(op, op.getLogits(), op.getLabels(),
                          op.getIgnoreIndex(), op.getReduction());
  if (failed(results))
    return failure();
  return (*results)[0];
}

/// The element count of `type`, or kMaxElements + 1 when it is larger (the
/// product is saturated so that huge shapes cannot overflow).
static int64_t boundedElementCount(RankedTensorType type) {
  int64_t n = 1;
  for (int64_t d : type.getShape()) {
    if (d < 0)
      return kMaxElements + 1;
    if (d != 0 && n > kMaxElements / d)
      return kMaxElements + 1;
    n *= d;
  }
  return n;
}

LogicalResult mlir::aster::interp::checkTensorSizes(func::FuncOp function) {
  auto module = function->getParentOfType<ModuleOp>();
  llvm::SmallPtrSet<Operation *, 8> seen;
  SmallVector<func::FuncOp> pending = {function};
  auto check = [](Value value, Location loc) -> LogicalResult {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type || boundedElementCount(type) <= kMaxElements)
      return success();
    return emitError(loc, "tensor ")
           << type << " has more than " << kMaxElements
           << " elements, the reference interpreter's limit";
  };
  while (!pending.empty()) {
    func::FuncOp current = pending.pop_back_val();
    if (!seen.insert(current).second)
      continue;
    for (BlockArgument arg : current.getArguments())
      if (failed(check(arg, current.getLoc())))
        return failure();
    WalkResult result = current.walk([&](Operation *op) {
      for (Value v : op->getResults())
        if (failed(check(v, op->getLoc())))
          return WalkResult::interrupt();
      if (auto call = dyn_cast<func::CallOp>(op))
        if (auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee()))
          pending.push_back(callee);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return failure();
  }
  return success();
}

RefTensor Evaluator::compare(CompareOp op) {
  const RefTensor &lhs = get(op.getLhs());
  const RefTensor &rhs = get(op.getRhs());
  ArrayRef<int64_t> shape = op.getType().getShape();
  std::vector<int64_t> li = broadcastIndexMap(lhs.shape, shape);
  std::vector<int64_t> ri = broadcastIndexMap(rhs.shape, shape);
  RefTensor out = RefTensor::zeros(ElementKind::I1, shape);
  auto test = [&](auto a, auto b) -> bool {
    switch (op.getPredicate()) {
    case ComparePredicate::eq:
      return a == b;
    case ComparePredicate::ne:
      return a != b;
    case ComparePredicate::lt:
      return a < b;
    case ComparePredicate::le:
      return a <= b;
    case ComparePredicate::gt:
      return a > b;
    case ComparePredicate::ge:
      return a >= b;
    }
    return false;
  };
  for (int64_t i = 0, e = out.size(); i < e; ++i)
    out.ints[i] = lhs.isFloat() ? test(lhs.floats[li[i]], rhs.floats[ri[i]])
                                : test(lhs.ints[li[i]], rhs.ints[ri[i]]);
  return out;
}

RefTensor Evaluator::select(SelectOp op) {
  const RefTensor &cond = get(op.getCondition());
  const RefTensor &a = get(op.getTrueValue());
  const RefTensor &b = get(op.getFalseValue());
  ArrayRef<int64_t> shape = op.getType().getShape();
  std::vector<int64_t> ci = broadcastIndexMap(cond.shape, shape);
  std::vector<int64_t> ai = broadcastIndexMap(a.shape, shape);
  std::vector<int64_t> bi = broadcastIndexMap(b.shape, shape);
  RefTensor out = RefTensor::zeros(a.kind, shape);
  for (int64_t i = 0, e = out.size(); i < e; ++i) {
    bool pick = cond.ints[ci[i]] != 0;
    if (out.isFloat())
      out.floats[i] = pick ? a.floats[ai[i]] : b.floats[bi[i]];
    else
      out.ints[i] = pick ? a.ints[ai[i]] : b.ints[bi[i]];
  }
  return out;
}

/// For a gather along `axis` of a tensor viewed as `view` (or the scatter
/// that is its adjoint): the flat position in that tensor of each element
/// of the gathered tensor, in order. An index outside [-n, n) is an error.
static FailureOr<std::vector<int64_t>>
gatherPositions(Operation *op, const AxisView &view, const RefTensor &indices,
                int64_t axis) {
  int64_t count = indices.size();
  std::vector<int64_t> map;
  map.reserve(view.outer * count * view.inner);
  for (int64_t o = 0; o < view.outer; ++o)
    for (int64_t j = 0; j < count; ++j) {
      int64_t index = indices.ints[j];
      if (index < -view.size || index >= view.size)
        return op->emitError("index ")
               << index << " at position " << j << " is outside [-"
               << view.size << ", " << view.size << ") for axis " << axis;
      if (index < 0)
        index += view.size;
      for (int64_t i = 0; i < view.inner; ++i)
        map.push_back(view.at(o, index, i));
    }
  return map;
}

FailureOr<RefTensor> Evaluator::gather(GatherOp op) {
  const RefTensor &in = get(op.getInput());
  FailureOr<std::vector<int64_t>> map =
      gatherPositions(op, AxisView(in.shape, op.getAxis()),
                      get(op.getIndices()), op.getAxis());
  if (failed(map))
    return failure();
  return in.gather(op.getType().getShape(), *map);
}

//===----------------------------------------------------------------------===//
// Training ops: saving forms, backward ops, adjoints of data movement
//===----------------------------------------------------------------------===//

FailureOr<RefTensor> Evaluator::scatterAdd(ScatterAddOp op) {
  const RefTensor &updates = get(op.getUpdates());
  ArrayRef<int64_t> outShape = op.getType().getShape();
  FailureOr<std::vector<int64_t>> map =
      gatherPositions(op, AxisView(outShape, op.getAxis()),
                      get(op.getIndices()), op.getAxis());
  if (failed(map))
    return failure();
  RefTensor out = RefTensor::zeros(updates.kind, outShape);
  for (size_t u = 0; u < map->size(); ++u)
    out.floats[(*map)[u]] += updates.floats[u];
  return out;
}

RefTensor Evaluator::insertSlice(InsertSliceOp op) {
  const RefTensor &source = get(op.getSource());
  ArrayRef<int64_t> outShape = op.getType().getShape();
  ArrayRef<int64_t> start = op.getStart();
  SmallVector<int64_t> steps(start.size(), 1);
  if (std::optional<ArrayRef<int64_t>> given = op.getStep())
    steps.assign(given->begin(), given->end());
  SmallVector<int64_t> strides = stridesOf(outShape);
  RefTensor out = RefTensor::zeros(source.kind, outShape);
  forEachIndex(source.shape, [&](int64_t flat, ArrayRef<int64_t> index) {
    int64_t offset = 0;
    for (size_t d = 0; d < index.size(); ++d)
      offset += (start[d] + index[d] * steps[d]) * strides[d];
    out.floats[offset] = source.floats[flat];
  });
  return out;
}

FailureOr<SmallVector<RefTensor>> Evaluator::evaluateMulti(Operation *op) {
  return llvm::TypeSwitch<Operation *, FailureOr<SmallVector<RefTensor>>>(op)
      .Case([&](AttentionFwdOp o) {
        return attentionForward(o, o.getQuery(), o.getKey(), o.getValue(),
                                o.getMask(), o.getCausal(), o.getScale());
      })
      .Case([&](AttentionBwdOp o) { return attentionBackward(o); })
      .Case([&](LayerNormFwdOp o) {
        return layerNormForward(o, o.getInput(), o.getWeight(), o.getBias(),
                                o.getEpsilon().convertToDouble(), false);
      })
      .Case([&](RmsNormFwdOp o) {
        return layerNormForward(o, o.getInput(), o.getWeight(), Value(),
                                o.getEpsilon().convertToDouble(), true);
      })
      .Case([&](LayerNormBwdOp o) {
        return normBackward(o, o.getInput(), o.getWeight(), o.getMean(),
                            o.getRstd(), o.getGrad());
      })
      .Case([&](RmsNormBwdOp o) {
        return normBackward(o, o.getInput(), o.getWeight(), Value(),
                            o.getRstd(), o.getGrad());
      })
      .Case([&](CrossEntropyFwdOp o) {
        return crossEntropyForward(o, o.getLogits(), o.getLabels(),
                                   o.getIgnoreIndex(), o.getReduction());
      })
      .Default([&](Operation *o) -> FailureOr<SmallVector<RefTensor>> {
        return o->emitError("the reference interpreter has no rule for '")
               << o->getName() << "'";
      });
}

/// Attention's probabilities for one (batch, head, query) row: fills
/// `scores` with the scaled, masked scores and returns their
/// log-sum-exp.
namespace {
struct AttentionShape {
  int64_t batch, heads, sq, d, kvHeads, skv, dv, group;
  double scale;
};
} // namespace

static AttentionShape attentionShape(const RefTensor &q, const RefTensor &k,
                                     const RefTensor &v,
                                     std::optional<APFloat> scale) {
  AttentionShape s;
  s.batch = q.shape[0], s.heads = q.shape[1], s.sq = q.shape[2];
  s.d = q.shape[3], s.kvHeads = k.shape[1], s.skv = k.shape[2];
  s.dv = v.shape[3], s.group = s.heads / s.kvHeads;
  s.scale = scale ? scale->convertToDouble()
                  : 1.0 / std::sqrt(static_cast<double>(s.d));
  return s;
}

/// The scaled, masked scores of query row `i` of head `h` of batch `b`
/// into `scores`; returns their log-sum-exp (-inf if all are masked).
static double attentionRow(const AttentionShape &s, const RefTensor &q,
                           const RefTensor &k, const RefTensor *mask,
                           const std::vector<int64_t> &maskIndex, bool causal,
                           int64_t b, int64_t h, int64_t i,
                           std::vector<double> &scores) {
  int64_t kh = h / s.group;
  const double *qi = q.floats.data() + ((b * s.heads + h) * s.sq + i) * s.d;
  const double *kp = k.floats.data() + (b * s.kvHeads + kh) * s.skv * s.d;
  double max = kNegInf;
  for (int64_t j = 0; j < s.skv; ++j) {
    double dot = 0.0;
    for (int64_t p = 0; p < s.d; ++p)
      dot += qi[p] * kp[j * s.d + p];
    dot *= s.scale;
    if (mask)
      dot += mask->floats[maskIndex[((b * s.heads + h) * s.sq + i) * s.skv + j]];
    if (causal && j > i)
      dot = kNegInf;
    scores[j] = dot;
    max = std::max(max, dot);
  }
  if (max == kNegInf)
    return kNegInf;
  double sum = 0.0;
  for (int64_t j = 0; j < s.skv; ++j)
    sum += std::exp(scores[j] - max);
  return max + std::log(sum);
}

SmallVector<RefTensor>
Evaluator::attentionForward(Operation *op, Value qv, Value kv, Value vv,
                            Value maskValue, bool causal,
                            std::optional<APFloat> scale) {
  const RefTensor &q = get(qv), &k = get(kv), &v = get(vv);
  AttentionShape s = attentionShape(q, k, v, scale);
  const RefTensor *mask = maskValue ? &get(maskValue) : nullptr;
  std::vector<int64_t> maskIndex;
  if (mask)
    maskIndex = broadcastIndexMap(mask->shape, {s.batch, s.heads, s.sq, s.skv});
  RefTensor out = RefTensor::zeros(q.kind, shapeOf(op->getResult(0)));
  RefTensor lse = RefTensor::zeros(ElementKind::F32, {s.batch, s.heads, s.sq});
  std::vector<double> scores(s.skv);
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t h = 0; h < s.heads; ++h) {
      const double *vp =
          v.floats.data() + (b * s.kvHeads + h / s.group) * s.skv * s.dv;
      for (int64_t i = 0; i < s.sq; ++i) {
        double l = attentionRow(s, q, k, mask, maskIndex, causal, b, h, i,
                                scores);
        int64_t row = (b * s.heads + h) * s.sq + i;
        lse.floats[row] = l;
        double *o = out.floats.data() + row * s.dv;
        for (int64_t p = 0; p < s.dv; ++p) {
          double acc = 0.0;
          for (int64_t j = 0; j < s.skv; ++j)
            acc += std::exp(scores[j] - l) * vp[j * s.dv + p];
          // A fully masked row is NaN, as in PyTorch.
          o[p] = l == kNegInf ? NAN : acc;
        }
      }
    }
  return {out, lse};
}

SmallVector<RefTensor> Evaluator::attentionBackward(AttentionBwdOp op) {
  const RefTensor &q = get(op.getQuery()), &k = get(op.getKey()),
                  &v = get(op.getValue()), &o = get(op.getOut()),
                  &lse = get(op.getLse()), &g = get(op.getGrad());
  AttentionShape s = attentionShape(q, k, v, op.getScale());
  const RefTensor *mask = op.getMask() ? &get(op.getMask()) : nullptr;
  std::vector<int64_t> maskIndex;
  if (mask)
    maskIndex = broadcastIndexMap(mask->shape, {s.batch, s.heads, s.sq, s.skv});
  RefTensor dq = RefTensor::zeros(q.kind, q.shape);
  RefTensor dk = RefTensor::zeros(k.kind, k.shape);
  RefTensor dv = RefTensor::zeros(v.kind, v.shape);
  std::vector<double> scores(s.skv);
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t h = 0; h < s.heads; ++h) {
      int64_t kvBase = (b * s.kvHeads + h / s.group) * s.skv;
      for (int64_t i = 0; i < s.sq; ++i) {
        // Recompute the scores; the probabilities come from the saved lse.
        attentionRow(s, q, k, mask, maskIndex, op.getCausal(), b, h, i,
                     scores);
        int64_t row = (b * s.heads + h) * s.sq + i;
        double l = lse.floats[row];
        if (l == kNegInf)
          continue;
        const double *gi = g.floats.data() + row * s.dv;
        const double *oi = o.floats.data() + row * s.dv;
        const double *qi = q.floats.data() + row * s.d;
        double delta = 0.0;
        for (int64_t p = 0; p < s.dv; ++p)
          delta += gi[p] * oi[p];
        for (int64_t j = 0; j < s.skv; ++j) {
          double p = std::exp(scores[j] - l);
          if (p == 0.0)
            continue;
          const double *vj = v.floats.data() + (kvBase + j) * s.dv;
          double dp = 0.0;
          for (int64_t c = 0; c < s.dv; ++c) {
            dp += gi[c] * vj[c];
            dv.floats[(kvBase + j) * s.dv + c] += p * gi[c];
          }
          double ds = p * (dp - delta) * s.scale;
          const double *kj = k.floats.data() + (kvBase + j) * s.d;
          for (int64_t c = 0; c < s.d; ++c) {
            dq.floats[row * s.d + c] += ds * kj[c];
            dk.floats[(kvBase + j) * s.d + c] += ds * qi[c];
          }
        }
      }
    }
  return {dq, dk, dv};
}

SmallVector<RefTensor> Evaluator::layerNormForward(Operation *op, Value xv,
                                                   Value wv, Value bv,
                                                   double eps, bool rms) {
  RefTensor t = get(xv);
  const RefTensor &weight = get(wv);
  const RefTensor *bias = bv ? &get(bv) : nullptr;
  int64_t c = t.shape.back();
  SmallVector<int64_t> rowsShape(ArrayRef<int64_t>(t.shape).drop_back());
  RefTensor mean = RefTensor::zeros(ElementKind::F32, rowsShape);
  RefTensor rstd = RefTensor::zeros(ElementKind::F32, rowsShape);
  for (int64_t r = 0, rows = c ? t.size() / c : 0; r < rows; ++r) {
    double *x = t.floats.data() + r * c;
    double mu = 0.0, var = 0.0;
    if (!rms) {
      for (int64_t j = 0; j < c; ++j)
        mu += x[j];
      mu /= c;
    }
    for (int64_t j = 0; j < c; ++j)
      var += (x[j] - mu) * (x[j] - mu);
    var /= c;
    double inv = 1.0 / std::sqrt(var + eps);
    mean.floats[r] = mu;
    rstd.floats[r] = inv;
    for (int64_t j = 0; j < c; ++j)
      x[j] = (x[j] - mu) * inv * weight.floats[j] +
             (bias ? bias->floats[j] : 0.0);
  }
  if (rms)
    return {t, rstd};
  return {t, mean, rstd};
}

SmallVector<RefTensor> Evaluator::normBackward(Operation *op, Value xv,
                                               Value wv, Value meanValue,
                                               Value rstdValue, Value gv) {
  const RefTensor &x = get(xv), &w = get(wv), &rstd = get(rstdValue),
                  &g = get(gv);
  const RefTensor *mean = meanValue ? &get(meanValue) : nullptr;
  int64_t c = x.shape.back();
  RefTensor dx = RefTensor::zeros(x.kind, x.shape);
  RefTensor dw = RefTensor::zeros(w.kind, w.shape);
  RefTensor db = RefTensor::zeros(w.kind, w.shape);
  std::vector<double> xhat(c), gw(c);
  for (int64_t r = 0, rows = c ? x.size() / c : 0; r < rows; ++r) {
    double mu = mean ? mean->floats[r] : 0.0, inv = rstd.floats[r];
    double meanGw = 0.0, meanGwX = 0.0;
    for (int64_t j = 0; j < c; ++j) {
      xhat[j] = (x.floats[r * c + j] - mu) * inv;
      double gj = g.floats[r * c + j];
      gw[j] = gj * w.floats[j];
      dw.floats[j] += gj * xhat[j];
      db.floats[j] += gj;
      meanGw += gw[j];
      meanGwX += gw[j] * xhat[j];
    }
    meanGw /= c;
    meanGwX /= c;
    for (int64_t j = 0; j < c; ++j)
      dx.floats[r * c + j] =
          inv * (gw[j] - (mean ? meanGw : 0.0) - xhat[j] * meanGwX);
  }
  if (!mean)
    return {dx, dw};
  return {dx, dw, db};
}

FailureOr<SmallVector<RefTensor>>
Evaluator::crossEntropyForward(Operation *op, Value logitsValue,
                               Value labelsValue, int64_t ignore,
                               LossReduction reduction) {
  const RefTensor &logits = get(logitsValue);
  const RefTensor &labels = get(labelsValue);
  int64_t classes = logits.shape.back();
  RefTensor perPosition = RefTensor::zeros(ElementKind::F32, labels.shape);
  RefTensor lse = RefTensor::zeros(ElementKind::F32, labels.shape);
  double total = 0.0;
  int64_t counted = 0;
  for (int64_t r = 0, e = labels.size(); r < e; ++r) {
    int64_t label = labels.ints[r];
    if (label == ignore)
      continue;
    if (label < 0 || label >= classes)
      return op->emitError("label ")
             << label << " at position " << r << " is outside [0, "
             << classes << ") and is not the ignore_index " << ignore;
    const double *x = logits.floats.data() + r * classes;
    double max = kNegInf;
    for (int64_t c = 0; c < classes; ++c)
      max = std::max(max, x[c]);
    double sum = 0.0;
    for (int64_t c = 0; c < classes; ++c)
      sum += std::exp(x[c] - max);
    lse.floats[r] = max + std::log(sum);
    double loss = lse.floats[r] - x[label];
    perPosition.floats[r] = loss;
    total += loss;
    ++counted;
  }
  if (reduction == LossReduction::none)
    return SmallVector<RefTensor>{perPosition, lse};
  RefTensor out = RefTensor::zeros(ElementKind::F32, {});
  out.floats[0] = reduction == LossReduction::sum
                      ? total
                      : (counted ? total / counted : NAN);
  return SmallVector<RefTensor>{out, lse};
}

FailureOr<RefTensor> Evaluator::crossEntropyBackward(CrossEntropyBwdOp op) {
  const RefTensor &logits = get(op.getLogits());
  const RefTensor &labels = get(op.getLabels());
  const RefTensor &lse = get(op.getLse());
  const RefTensor &g = get(op.getGrad());
  int64_t classes = logits.shape.back();
  int64_t ignore = op.getIgnoreIndex();
  LossReduction reduction = op.getReduction();
  int64_t counted = 0;
  for (int64_t r = 0, e = labels.size(); r < e; ++r) {
    int64_t label = labels.ints[r];
    if (label == ignore)
      continue;
    if (label < 0 || label >= classes)
      return op.emitError("label ")
             << label << " at position " << r << " is outside [0, "
             << classes << ") and is not the ignore_index " << ignore;
    ++counted;
  }
  RefTensor out = RefTensor::zeros(logits.kind, logits.shape);
  for (int64_t r = 0, e = labels.size(); r < e; ++r) {
    int64_t label = labels.ints[r];
    if (label == ignore)
      continue;
    double w = reduction == LossReduction::none ? g.floats[r] : g.floats[0];
    if (reduction == LossReduction::mean)
      w /= counted;
    for (int64_t c = 0; c < classes; ++c) {
      double p = std::exp(logits.floats[r * classes + c] - lse.floats[r]);
      out.floats[r * classes + c] = w * (p - (c == label ? 1.0 : 0.0));
    }
  }
  return out;
}

FailureOr<SmallVector<RefTensor>>
mlir::aster::interp::runFunction(func::FuncOp function,
                                 ArrayRef<RefTensor> arguments) {
  llvm::DenseMap<Value, RefTensor> values;
  Evaluator evaluator(function->getParentOfType<ModuleOp>(), values);
  return evaluator.call(function, arguments);
}

LogicalResult
mlir::aster::interp::evaluateOp(Operation *op,
                                llvm::DenseMap<Value, RefTensor> &values) {
  Evaluator evaluator(op->getParentOfType<ModuleOp>(), values);
  return evaluator.evaluate(op);
}
