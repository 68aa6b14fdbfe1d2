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
  RefTensor t = get(op.getInput());
  const RefTensor &weight = get(op.getWeight());
  const RefTensor *bias = op.getBias() ? &get(op.getBias()) : nullptr;
  double eps = op.getEpsilon().convertToDouble();
  int64_t c = t.shape.back();
  if (c == 0)
    return t;
  for (int64_t r = 0, rows = t.size() / c; r < rows; ++r) {
    double *x = t.floats.data() + r * c;
    double mean = 0.0, var = 0.0;
    for (int64_t j = 0; j < c; ++j)
      mean += x[j];
    mean /= c;
    for (int64_t j = 0; j < c; ++j)
      var += (x[j] - mean) * (x[j] - mean);
    var /= c;
    double inv = 1.0 / std::sqrt(var + eps);
    for (int64_t j = 0; j < c; ++j)
      x[j] = (x[j] - mean) * inv * weight.floats[j] +
             (bias ? bias->floats[j] : 0.0);
  }
  return t;
}

RefTensor Evaluator::rmsNorm(RmsNormOp op) {
  RefTensor t = get(op.getInput());
  const RefTensor &weight = get(op.getWeight());
  double eps = op.getEpsilon().convertToDouble();
  int64_t c = t.shape.back();
  if (c == 0)
    return t;
  for (int64_t r = 0, rows = t.size() / c; r < rows; ++r) {
    double *x = t.floats.data() + r * c;
    double meanSquare = 0.0;
    for (int64_t j = 0; j < c; ++j)
      meanSquare += x[j] * x[j];
    meanSquare /= c;
    double inv = 1.0 / std::sqrt(meanSquare + eps);
    for (int64_t j = 0; j < c; ++j)
      x[j] = x[j] * inv * weight.floats[j];
  }
  return t;
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
  const RefTensor &q = get(op.getQuery());
  const RefTensor &k = get(op.getKey());
  const RefTensor &v = get(op.getValue());
  int64_t batch = q.shape[0], heads = q.shape[1], sq = q.shape[2],
          d = q.shape[3];
  int64_t kvHeads = k.shape[1], skv = k.shape[2], dv = v.shape[3];
  int64_t group = heads / kvHeads;
  double scale = op.getScale() ? op.getScale()->convertToDouble()
                               : 1.0 / std::sqrt(static_cast<double>(d));
  std::vector<int64_t> maskIndex;
  const RefTensor *mask = op.getMask() ? &get(op.getMask()) : nullptr;
  if (mask)
    maskIndex = broadcastIndexMap(mask->shape, {batch, heads, sq, skv});
  RefTensor out = RefTensor::zeros(q.kind, op.getType().getShape());
  std::vector<double> scores(skv);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h) {
      int64_t kh = h / group;
      const double *qh = q.floats.data() + (b * heads + h) * sq * d;
      const double *khp = k.floats.data() + (b * kvHeads + kh) * skv * d;
      const double *vh = v.floats.data() + (b * kvHeads + kh) * skv * dv;
      double *oh = out.floats.data() + (b * heads + h) * sq * dv;
      for (int64_t i = 0; i < sq; ++i) {
        double max = kNegInf;
        for (int64_t j = 0; j < skv; ++j) {
          double s = 0.0;
          for (int64_t p = 0; p < d; ++p)
            s += qh[i * d + p] * khp[j * d + p];
          s *= scale;
          if (mask)
            s += mask->floats[maskIndex[((b * heads + h) * sq + i) * skv + j]];
          if (op.getCausal() && j > i)
            s = kNegInf;
          scores[j] = s;
          max = std::max(max, s);
        }
        double sum = 0.0;
        for (int64_t j = 0; j < skv; ++j) {
          scores[j] = std::exp(scores[j] - max);
          sum += scores[j];
        }
        for (int64_t p = 0; p < dv; ++p) {
          double acc = 0.0;
          for (int64_t j = 0; j < skv; ++j)
            acc += scores[j] * vh[j * dv + p];
          oh[i * dv + p] = acc / sum;
        }
      }
    }
  return out;
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
  const RefTensor &logits = get(op.getLogits());
  const RefTensor &labels = get(op.getLabels());
  int64_t classes = logits.shape.back();
  int64_t ignore = op.getIgnoreIndex();
  LossReduction reduction = op.getReduction();
  RefTensor perPosition = RefTensor::zeros(ElementKind::F32, labels.shape);
  double total = 0.0;
  int64_t counted = 0;
  for (int64_t r = 0, e = labels.size(); r < e; ++r) {
    int64_t label = labels.ints[r];
    if (label == ignore)
      continue;
    if (label < 0 || label >= classes)
      return op.emitError("label ")
             << label << " at position " << r << " is outside [0, "
             << classes << ") and is not the ignore_index " << ignore;
    const double *x = logits.floats.data() + r * classes;
    double max = kNegInf;
    for (int64_t c = 0; c < classes; ++c)
      max = std::max(max, x[c]);
    double sum = 0.0;
    for (int64_t c = 0; c < classes; ++c)
      sum += std::exp(x[c] - max);
    double loss = max + std::log(sum) - x[label];
    perPosition.floats[r] = loss;
    total += loss;
    ++counted;
  }
  if (reduction == LossReduction::none)
    return perPosition;
  RefTensor out = RefTensor::zeros(ElementKind::F32, {});
  out.floats[0] = reduction == LossReduction::sum
                      ? total
                      : (counted ? total / counted : NAN);
  return out;
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

FailureOr<RefTensor> Evaluator::gather(GatherOp op) {
  const RefTensor &in = get(op.getInput());
  const RefTensor &indices = get(op.getIndices());
  int64_t axis = op.getAxis();
  AxisView view(in.shape, axis);
  int64_t count = indices.size();
  std::vector<int64_t> map;
  map.reserve(view.outer * count * view.inner);
  for (int64_t o = 0; o < view.outer; ++o)
    for (int64_t j = 0; j < count; ++j) {
      int64_t index = indices.ints[j];
      if (index < -view.size || index >= view.size)
        return op.emitError("index ")
               << index << " at position " << j << " is outside [-"
               << view.size << ", " << view.size << ") for axis " << axis;
      if (index < 0)
        index += view.size;
      for (int64_t i = 0; i < view.inner; ++i)
        map.push_back(view.at(o, index, i));
    }
  return in.gather(op.getType().getShape(), map);
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
