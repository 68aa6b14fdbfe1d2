//===- ONNXImporter.cpp - ONNX models as aster IR -------------------------===//
//
// One converter per ONNX op, each written from the operator's specification
// (onnx/docs/Operators.md) for the opsets transformer exports use. Anything
// a converter does not implement (an op, an attribute, an element type, a
// dynamic shape) is an error saying "unsupported", never a guess.
//
//===----------------------------------------------------------------------===//

#include "aster/Frontend/ONNX/ONNXImporter.h"
#include "aster/Dialect/Aster/IR/AsterOps.h"
#include "aster/Interpreter/Interpreter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Traits.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"

#define ONNX_ML 1
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace mlir::aster;
using interp::ElementKind;
using interp::RefTensor;
namespace aonnx = mlir::aster::onnx;

namespace {

/// A failure (the message is in Importer::error) that converts to any
/// FailureOr and to LogicalResult.
struct Failed {
  template <typename T> operator FailureOr<T>() const { return failure(); }
  operator LogicalResult() const { return failure(); }
};

std::optional<ElementKind> kindOfONNX(int32_t type) {
  switch (type) {
  case ::onnx::TensorProto::FLOAT:
    return ElementKind::F32;
  case ::onnx::TensorProto::FLOAT16:
    return ElementKind::F16;
  case ::onnx::TensorProto::BFLOAT16:
    return ElementKind::BF16;
  case ::onnx::TensorProto::INT32:
    return ElementKind::I32;
  case ::onnx::TensorProto::INT64:
    return ElementKind::I64;
  case ::onnx::TensorProto::BOOL:
    return ElementKind::I1;
  default:
    return std::nullopt;
  }
}

std::string onnxTypeName(int32_t type) {
  if (::onnx::TensorProto::DataType_IsValid(type))
    return ::onnx::TensorProto::DataType_Name(
        static_cast<::onnx::TensorProto::DataType>(type));
  return "type " + std::to_string(type);
}

class Importer {
public:
  Importer(MLIRContext &context, const ::onnx::ModelProto &model,
           StringRef path, const aonnx::ImportOptions &options)
      : model(model), path(path.str()), options(options),
        fileLoc(FileLineColLoc::get(&context, path, 1, 1)),
        b(fileLoc, &context) {}

  llvm::Expected<aonnx::ImportedModel> run();

private:
  using Node = ::onnx::NodeProto;

  // Errors.
  std::string where(const Node &node) const {
    return path + ": node '" + (node.name().empty() ? "?" : node.name()) +
           "' (" + node.op_type() + ")";
  }
  Failed fail(const Node &node, const Twine &message) {
    error = where(node) + ": " + message.str();
    return Failed();
  }

  // Values.
  FailureOr<RefTensor> tensorFromProto(const ::onnx::TensorProto &t,
                                       const std::string &what);
  Value constant(const RefTensor &t);
  Value scalar(double value, Type elementType);
  static RankedTensorType typeOf(Value v) {
    return cast<RankedTensorType>(v.getType());
  }
  FailureOr<Value> input(const Node &node, int index);
  bool hasInput(const Node &node, int index) const {
    return index < node.input_size() && !node.input(index).empty();
  }
  FailureOr<RefTensor> knownInput(const Node &node, int index, StringRef role);
  FailureOr<SmallVector<int64_t>> intsInput(const Node &node, int index,
                                            StringRef role);

  // Attributes.
  const ::onnx::AttributeProto *attr(const Node &node, StringRef name) const {
    for (const auto &a : node.attribute())
      if (a.name() == name)
        return &a;
    return nullptr;
  }
  int64_t attrInt(const Node &node, StringRef name, int64_t fallback) const {
    const auto *a = attr(node, name);
    return a ? a->i() : fallback;
  }
  double attrFloat(const Node &node, StringRef name, double fallback) const {
    const auto *a = attr(node, name);
    return a ? a->f() : fallback;
  }
  std::optional<SmallVector<int64_t>> attrInts(const Node &node,
                                               StringRef name) const {
    const auto *a = attr(node, name);
    if (!a)
      return std::nullopt;
    return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
  }
  LogicalResult checkAttributes(const Node &node, ArrayRef<StringRef> allowed);
  FailureOr<int64_t> axis(const Node &node, int64_t axis, int64_t rank);
  /// The `axes` of a node: its optional input 1 from `inputFromOpset` on,
  /// its attribute before.
  FailureOr<SmallVector<int64_t>> axesOf(const Node &node,
                                         int64_t inputFromOpset);

  // Conversion.
  LogicalResult convert(const Node &node);
  FailureOr<SmallVector<Value>> convertNode(const Node &node);
  FailureOr<Value> elementwise(const Node &node);
  FailureOr<Value> unary(const Node &node);
  FailureOr<Value> softmax(const Node &node, bool log);
  FailureOr<Value> matmul(const Node &node);
  FailureOr<Value> gemm(const Node &node);
  FailureOr<SmallVector<Value>> layerNorm(const Node &node);
  FailureOr<Value> rmsNorm(const Node &node);
  FailureOr<Value> reduce(const Node &node, ReduceKind kind);
  FailureOr<Value> reshape(const Node &node);
  FailureOr<Value> unsqueezeOrSqueeze(const Node &node, bool unsqueeze);
  FailureOr<Value> slice(const Node &node);
  FailureOr<SmallVector<Value>> split(const Node &node);
  FailureOr<Value> trilu(const Node &node);
  FailureOr<Value> range(const Node &node);
  FailureOr<Value> constantNode(const Node &node);
  FailureOr<SmallVector<Value>> attention(const Node &node);
  FailureOr<Value> rotaryEmbedding(const Node &node);
  FailureOr<Value> logical(const Node &node);
  FailureOr<Value> mod(const Node &node);
  FailureOr<Value> tile(const Node &node);
  Value transposeTo(Value v, ArrayRef<int64_t> perm) {
    SmallVector<int64_t> shape;
    for (int64_t d : perm)
      shape.push_back(typeOf(v).getDimSize(d));
    return TransposeOp::create(
        b, RankedTensorType::get(shape, typeOf(v).getElementType()), v, perm);
  }
  Value sliceLast(Value v, int64_t from, int64_t to, int64_t step = 1) {
    RankedTensorType t = typeOf(v);
    SmallVector<int64_t> start(t.getRank(), 0), limit(t.getShape()),
        steps(t.getRank(), 1), shape(t.getShape());
    start.back() = from;
    limit.back() = to;
    steps.back() = step;
    shape.back() = (to - from + step - 1) / step;
    return SliceOp::create(
        b, RankedTensorType::get(shape, t.getElementType()), v, start, limit,
        step == 1 ? DenseI64ArrayAttr() : b.getDenseI64ArrayAttr(steps));
  }
  Value reshapeTo(Value v, ArrayRef<int64_t> shape) {
    if (typeOf(v).getShape() == shape)
      return v;
    return ReshapeOp::create(
        b, RankedTensorType::get(shape, typeOf(v).getElementType()), v);
  }

  /// Creates an op whose result type is inferred. The generated builders
  /// abort when inference fails; this reports the rule the operands break.
  template <typename OpT, typename... Args>
  FailureOr<Value> make(const Node &node, Args &&...args) {
    OperationState state(b.getLoc(), OpT::getOperationName());
    OpT::build(b, state, Type(), std::forward<Args>(args)...);
    SmallVector<Type> types;
    std::string message;
    {
      ScopedDiagnosticHandler capture(b.getContext(), [&](Diagnostic &d) {
        if (message.empty())
          message = d.str();
        return success();
      });
      if (failed(OpT::inferReturnTypes(
              b.getContext(), b.getLoc(), state.operands,
              state.attributes.getDictionary(b.getContext()),
              state.getRawProperties(), state.regions, types)))
        return fail(node, message.empty() ? "operands do not fit " +
                                                OpT::getOperationName().str()
                                          : message);
    }
    state.types.assign(types.begin(), types.end());
    return b.create(state)->getResult(0);
  }

  const ::onnx::ModelProto &model;
  std::string path;
  const aonnx::ImportOptions &options;
  Location fileLoc;
  ImplicitLocOpBuilder b;
  int64_t opset = 0;
  std::string error;
  llvm::StringMap<Value> values;
  llvm::DenseMap<Value, RefTensor> known;
};

} // namespace

//===----------------------------------------------------------------------===//
// Values and attributes
//===----------------------------------------------------------------------===//

FailureOr<RefTensor> Importer::tensorFromProto(const ::onnx::TensorProto &t,
                                               const std::string &what) {
  auto failWith = [&](const Twine &message) -> FailureOr<RefTensor> {
    error = path + ": " + what + ": " + message.str();
    return failure();
  };
  if (t.data_location() == ::onnx::TensorProto::EXTERNAL)
    return failWith("external data is unsupported");
  if (t.has_segment())
    return failWith("segmented tensors are unsupported");
  std::optional<ElementKind> kind = kindOfONNX(t.data_type());
  if (!kind)
    return failWith("unsupported element type " + onnxTypeName(t.data_type()));
  SmallVector<int64_t> shape;
  int64_t count = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || (d != 0 && count > interp::kMaxElements / d))
      return failWith("bad or too large shape");
    count *= d;
    shape.push_back(d);
  }
  RefTensor out = RefTensor::zeros(*kind, shape);
  const std::string &raw = t.raw_data();
  size_t width = *kind == ElementKind::I1                                    ? 1
                 : (*kind == ElementKind::F16 || *kind == ElementKind::BF16) ? 2
                 : *kind == ElementKind::I64                                 ? 8
                                             : 4;
  if (t.has_raw_data()) {
    if (raw.size() != static_cast<size_t>(count) * width)
      return failWith("raw_data holds " + Twine(raw.size()) +
                      " bytes, the shape needs " + Twine(count * width));
    for (int64_t i = 0; i < count; ++i) {
      const char *p = raw.data() + i * width;
      switch (*kind) {
      case ElementKind::F32: {
        float f;
        std::memcpy(&f, p, 4);
        out.floats[i] = f;
        break;
      }
      case ElementKind::F16:
      case ElementKind::BF16: {
        uint16_t h;
        std::memcpy(&h, p, 2);
        out.floats[i] = *kind == ElementKind::F16
                            ? ::aster::weights::halfBitsToDouble(h)
                            : ::aster::weights::bfloat16BitsToDouble(h);
        break;
      }
      case ElementKind::I32: {
        int32_t v;
        std::memcpy(&v, p, 4);
        out.ints[i] = v;
        break;
      }
      case ElementKind::I64: {
        int64_t v;
        std::memcpy(&v, p, 8);
        out.ints[i] = v;
        break;
      }
      case ElementKind::I1:
        out.ints[i] = *p != 0;
        break;
      }
    }
    return out;
  }
  // Typed fields: floats in float_data; f16/bf16/bool/int32 bit patterns in
  // int32_data; int64 in int64_data.
  int64_t available = *kind == ElementKind::F32   ? t.float_data_size()
                      : *kind == ElementKind::I64 ? t.int64_data_size()
                                                  : t.int32_data_size();
  if (available != count)
    return failWith("holds " + Twine(available) + " values, the shape needs " +
                    Twine(count));
  for (int64_t i = 0; i < count; ++i) {
    switch (*kind) {
    case ElementKind::F32:
      out.floats[i] = t.float_data(i);
      break;
    case ElementKind::F16:
      out.floats[i] = ::aster::weights::halfBitsToDouble(
          static_cast<uint16_t>(t.int32_data(i)));
      break;
    case ElementKind::BF16:
      out.floats[i] = ::aster::weights::bfloat16BitsToDouble(
          static_cast<uint16_t>(t.int32_data(i)));
      break;
    case ElementKind::I32:
      out.ints[i] = t.int32_data(i);
      break;
    case ElementKind::I64:
      out.ints[i] = t.int64_data(i);
      break;
    case ElementKind::I1:
      out.ints[i] = t.int32_data(i) != 0;
      break;
    }
  }
  return out;
}

Value Importer::constant(const RefTensor &t) {
  RankedTensorType type = t.type(b.getContext());
  DenseElementsAttr attr;
  if (t.kind == ElementKind::I1) {
    SmallVector<bool> bits(t.ints.begin(), t.ints.end());
    attr = DenseElementsAttr::get(type, ArrayRef<bool>(bits));
  } else if (t.isFloat()) {
    const llvm::fltSemantics &semantics =
        cast<FloatType>(type.getElementType()).getFloatSemantics();
    SmallVector<APFloat> floats;
    for (double v : t.floats) {
      APFloat f(v);
      bool losesInfo;
      f.convert(semantics, APFloat::rmNearestTiesToEven, &losesInfo);
      floats.push_back(f);
    }
    attr = DenseElementsAttr::get(type, floats);
  } else {
    unsigned width = type.getElementType().getIntOrFloatBitWidth();
    SmallVector<APInt> ints;
    for (int64_t v : t.ints)
      ints.push_back(
          APInt(width, v, /*isSigned=*/true, /*implicitTrunc=*/true));
    attr = DenseElementsAttr::get(type, ints);
  }
  Value result = ConstantOp::create(b, attr);
  known[result] = t;
  return result;
}

Value Importer::scalar(double value, Type elementType) {
  ElementKind kind = *interp::elementKindOf(elementType);
  RefTensor t = RefTensor::zeros(kind, {});
  if (t.isFloat())
    t.floats[0] = value;
  else
    t.ints[0] = static_cast<int64_t>(value);
  t.roundToKind();
  return constant(t);
}

FailureOr<Value> Importer::input(const Node &node, int index) {
  if (!hasInput(node, index))
    return fail(node, "input " + Twine(index) + " is missing");
  auto it = values.find(node.input(index));
  if (it == values.end())
    return fail(node, "input '" + node.input(index) + "' is not defined");
  return it->second;
}

FailureOr<RefTensor> Importer::knownInput(const Node &node, int index,
                                          StringRef role) {
  FailureOr<Value> v = input(node, index);
  if (failed(v))
    return failure();
  auto it = known.find(*v);
  if (it == known.end()) {
    (void)fail(node, "unsupported: input '" + role +
                         "' must be a constant (shapes are static)");
    return failure();
  }
  return it->second;
}

FailureOr<SmallVector<int64_t>> Importer::intsInput(const Node &node, int index,
                                                    StringRef role) {
  FailureOr<RefTensor> t = knownInput(node, index, role);
  if (failed(t))
    return failure();
  if (t->isFloat()) {
    (void)fail(node, "input '" + role + "' must hold integers");
    return failure();
  }
  return SmallVector<int64_t>(t->ints.begin(), t->ints.end());
}

LogicalResult Importer::checkAttributes(const Node &node,
                                        ArrayRef<StringRef> allowed) {
  for (const auto &a : node.attribute())
    if (!llvm::is_contained(allowed, a.name()))
      return fail(node, "unsupported attribute '" + a.name() + "'");
  return success();
}

FailureOr<int64_t> Importer::axis(const Node &node, int64_t value,
                                  int64_t rank) {
  if (value < -rank || value >= rank)
    return fail(node, "axis " + Twine(value) + " is out of range for rank " +
                          Twine(rank));
  return value < 0 ? value + rank : value;
}

FailureOr<SmallVector<int64_t>> Importer::axesOf(const Node &node,
                                                 int64_t inputFromOpset) {
  if (opset < inputFromOpset)
    return attrInts(node, "axes").value_or(SmallVector<int64_t>());
  if (attr(node, "axes"))
    return fail(node, "axes is an input in this opset, not an attribute");
  if (!hasInput(node, 1))
    return SmallVector<int64_t>();
  return intsInput(node, 1, "axes");
}

//===----------------------------------------------------------------------===//
// Converters
//===----------------------------------------------------------------------===//

FailureOr<Value> Importer::elementwise(const Node &node) {
  if (failed(checkAttributes(node, {})))
    return failure();
  FailureOr<Value> lhs = input(node, 0), rhs = input(node, 1);
  if (failed(lhs) || failed(rhs))
    return failure();
  Type lt = typeOf(*lhs).getElementType(), rt = typeOf(*rhs).getElementType();
  StringRef op = node.op_type();
  if (op == "Pow") {
    // The result has the base's type. An integer base with a float
    // exponent is computed in the exponent's type and truncated back, as
    // ONNX's reference (numpy) does; otherwise the exponent is converted
    // to the base's type.
    if (lt.isInteger(1) || rt.isInteger(1))
      return fail(node, "unsupported: Pow of booleans");
    auto castTo = [&](Value v, Type et) -> Value {
      if (typeOf(v).getElementType() == et)
        return v;
      return CastOp::create(b, RankedTensorType::get(typeOf(v).getShape(), et),
                            v);
    };
    if (isa<IntegerType>(lt) && isa<FloatType>(rt)) {
      FailureOr<Value> power = make<PowOp>(node, castTo(*lhs, rt), *rhs);
      if (failed(power))
        return failure();
      return castTo(*power, lt);
    }
    return make<PowOp>(node, *lhs, castTo(*rhs, lt));
  }
  if (lt != rt)
    return fail(node, "operand element types differ");
  if (lt.isInteger(1))
    return fail(node, "unsupported: " + op + " of booleans");
  if (op == "Add")
    return make<AddOp>(node, *lhs, *rhs);
  if (op == "Sub")
    return make<SubOp>(node, *lhs, *rhs);
  if (op == "Mul")
    return make<MulOp>(node, *lhs, *rhs);
  if (op == "Div")
    return make<DivOp>(node, *lhs, *rhs);
  ComparePredicate predicate = op == "Equal"         ? ComparePredicate::eq
                               : op == "Less"        ? ComparePredicate::lt
                               : op == "LessOrEqual" ? ComparePredicate::le
                               : op == "Greater"     ? ComparePredicate::gt
                                                     : ComparePredicate::ge;
  return make<CompareOp>(node, predicate, *lhs, *rhs);
}

FailureOr<Value> Importer::unary(const Node &node) {
  if (failed(checkAttributes(node, {})))
    return failure();
  FailureOr<Value> x = input(node, 0);
  if (failed(x))
    return failure();
  Type et = typeOf(*x).getElementType();
  StringRef op = node.op_type();
  if (op == "Neg" && isa<IntegerType>(et) && !et.isInteger(1))
    return SubOp::create(b, scalar(0, et), *x).getResult();
  if (!isa<FloatType>(et))
    return fail(node, "unsupported: " + op + " of integers or booleans");
  if (op == "Reciprocal")
    return DivOp::create(b, scalar(1.0, et), *x).getResult();
  if (op == "Sqrt")
    return SqrtOp::create(b, *x).getResult();
  if (op == "Exp")
    return ExpOp::create(b, *x).getResult();
  if (op == "Log")
    return LogOp::create(b, *x).getResult();
  if (op == "Tanh")
    return TanhOp::create(b, *x).getResult();
  if (op == "Erf")
    return ErfOp::create(b, *x).getResult();
  if (op == "Relu")
    return ReluOp::create(b, *x).getResult();
  if (op == "Sigmoid")
    return SigmoidOp::create(b, *x).getResult();
  return NegOp::create(b, *x).getResult();
}

FailureOr<Value> Importer::softmax(const Node &node, bool log) {
  if (failed(checkAttributes(node, {"axis"})))
    return failure();
  FailureOr<Value> x = input(node, 0);
  if (failed(x))
    return failure();
  RankedTensorType type = typeOf(*x);
  if (!isa<FloatType>(type.getElementType()))
    return fail(node, "unsupported: integer input");
  int64_t rank = type.getRank();
  if (rank == 0)
    return fail(node, "unsupported: rank-0 input");
  FailureOr<int64_t> a =
      axis(node, attrInt(node, "axis", opset >= 13 ? -1 : 1), rank);
  if (failed(a))
    return failure();
  auto apply = [&](Value v, int64_t ax) -> Value {
    if (log)
      return LogSoftmaxOp::create(b, v, ax);
    return SoftmaxOp::create(b, v, ax);
  };
  if (opset >= 13)
    return apply(*x, *a);
  // Before opset 13 the input is coerced to 2-D [prod(:axis), prod(axis:)].
  ArrayRef<int64_t> shape = type.getShape();
  int64_t outer = interp::numElements(shape.take_front(*a));
  int64_t inner = interp::numElements(shape.drop_front(*a));
  Value flat = reshapeTo(*x, {outer, inner});
  return reshapeTo(apply(flat, 1), shape);
}

FailureOr<Value> Importer::matmul(const Node &node) {
  if (failed(checkAttributes(node, {})))
    return failure();
  FailureOr<Value> lhs = input(node, 0), rhs = input(node, 1);
  if (failed(lhs) || failed(rhs))
    return failure();
  RankedTensorType lt = typeOf(*lhs), rt = typeOf(*rhs);
  if (!isa<FloatType>(lt.getElementType()))
    return fail(node, "unsupported: integer MatMul");
  if (lt.getElementType() != rt.getElementType())
    return fail(node, "operand element types differ");
  if (lt.getRank() == 0 || rt.getRank() == 0)
    return fail(node, "MatMul needs operands of rank 1 or more");
  // numpy.matmul: a 1-D operand is a row (lhs) or column (rhs) vector whose
  // added dimension is removed from the result.
  Value a = *lhs, c = *rhs;
  if (lt.getRank() == 1)
    a = reshapeTo(a, {1, lt.getDimSize(0)});
  if (rt.getRank() == 1)
    c = reshapeTo(c, {rt.getDimSize(0), 1});
  RankedTensorType at = typeOf(a), ct = typeOf(c);
  if (at.getShape().back() != ct.getShape()[ct.getRank() - 2])
    return fail(node, "contraction sizes differ");
  SmallVector<int64_t> batch;
  if (!::mlir::OpTrait::util::getBroadcastedShape(
          at.getShape().drop_back(2), ct.getShape().drop_back(2), batch))
    return fail(node, "batch dimensions do not broadcast");
  FailureOr<Value> product = make<MatmulOp>(node, a, c, false, false);
  if (failed(product))
    return failure();
  Value y = *product;
  SmallVector<int64_t> shape(batch);
  if (lt.getRank() != 1)
    shape.push_back(at.getShape()[at.getRank() - 2]);
  if (rt.getRank() != 1)
    shape.push_back(ct.getShape().back());
  return reshapeTo(y, shape);
}

FailureOr<Value> Importer::gemm(const Node &node) {
  if (failed(checkAttributes(node, {"alpha", "beta", "transA", "transB"})))
    return failure();
  FailureOr<Value> a = input(node, 0), bm = input(node, 1);
  if (failed(a) || failed(bm))
    return failure();
  Type et = typeOf(*a).getElementType();
  if (!isa<FloatType>(et))
    return fail(node, "unsupported: integer Gemm");
  if (typeOf(*a).getRank() != 2 || typeOf(*bm).getRank() != 2)
    return fail(node, "A and B must be 2-D");
  bool ta = attrInt(node, "transA", 0), tb = attrInt(node, "transB", 0);
  int64_t ka = typeOf(*a).getDimSize(ta ? 0 : 1);
  int64_t kb = typeOf(*bm).getDimSize(tb ? 1 : 0);
  if (ka != kb)
    return fail(node, "contraction sizes differ");
  FailureOr<Value> product = make<MatmulOp>(node, *a, *bm, ta, tb);
  if (failed(product))
    return failure();
  Value y = *product;
  double alpha = attrFloat(node, "alpha", 1.0);
  if (alpha != 1.0)
    y = MulOp::create(b, y, scalar(alpha, et));
  if (hasInput(node, 2)) {
    FailureOr<Value> c = input(node, 2);
    if (failed(c))
      return failure();
    if (typeOf(*c).getElementType() != et)
      return fail(node, "C has another element type than A and B");
    SmallVector<int64_t> joined;
    if (!::mlir::OpTrait::util::getBroadcastedShape(
            typeOf(*c).getShape(), typeOf(y).getShape(), joined) ||
        ArrayRef<int64_t>(joined) != typeOf(y).getShape())
      return fail(node, "C does not broadcast to [M, N]");
    Value cv = *c;
    double beta = attrFloat(node, "beta", 1.0);
    if (beta != 1.0)
      cv = MulOp::create(b, cv, scalar(beta, et));
    y = AddOp::create(b, y, cv);
  }
  return y;
}

FailureOr<SmallVector<Value>> Importer::layerNorm(const Node &node) {
  if (failed(checkAttributes(node, {"axis", "epsilon", "stash_type"})))
    return failure();
  FailureOr<Value> x = input(node, 0), scale = input(node, 1);
  if (failed(x) || failed(scale))
    return failure();
  RankedTensorType type = typeOf(*x);
  Type et = type.getElementType();
  if (!isa<FloatType>(et))
    return fail(node, "unsupported: integer input");
  if (attrInt(node, "stash_type", 1) != 1)
    return fail(node, "unsupported: stash_type other than float32");
  FailureOr<int64_t> a = axis(node, attrInt(node, "axis", -1), type.getRank());
  if (failed(a))
    return failure();
  double eps = attrFloat(node, "epsilon", 1e-5);
  ArrayRef<int64_t> shape = type.getShape();
  int64_t outer = interp::numElements(shape.take_front(*a));
  int64_t inner = interp::numElements(shape.drop_front(*a));
  // Normalise [outer, inner] rows with unit weight, then apply the scale
  // and bias, which broadcast to the normalised dimensions.
  RefTensor ones = RefTensor::zeros(*interp::elementKindOf(et), {inner});
  for (double &v : ones.floats)
    v = 1.0;
  Value normed = LayerNormOp::create(b, reshapeTo(*x, {outer, inner}),
                                     constant(ones), Value(), APFloat(eps));
  if (typeOf(*scale).getElementType() != et)
    return fail(node, "Scale has another element type than X");
  FailureOr<Value> scaled = make<MulOp>(node, reshapeTo(normed, shape), *scale);
  if (failed(scaled))
    return failure();
  Value y = *scaled;
  if (typeOf(y).getShape() != shape)
    return fail(node, "Scale does not broadcast to the normalised shape");
  if (hasInput(node, 2)) {
    FailureOr<Value> bias = input(node, 2);
    if (failed(bias))
      return failure();
    FailureOr<Value> shifted = make<AddOp>(node, y, *bias);
    if (failed(shifted))
      return failure();
    y = *shifted;
    if (typeOf(y).getShape() != shape)
      return fail(node, "B does not broadcast to the normalised shape");
  }
  SmallVector<Value> results = {y};
  if (node.output_size() > 1) {
    // Mean and InvStdDev over the normalised axes, kept as size 1.
    SmallVector<int64_t> axes;
    for (int64_t d = *a; d < type.getRank(); ++d)
      axes.push_back(d);
    Value mean = ReduceOp::create(b, ReduceKind::mean, *x, axes, true);
    Value centered = SubOp::create(b, *x, mean);
    Value var = ReduceOp::create(
        b, ReduceKind::mean, MulOp::create(b, centered, centered), axes, true);
    Value inv = RsqrtOp::create(b, AddOp::create(b, var, scalar(eps, et)));
    results.push_back(mean);
    results.push_back(inv);
  }
  return results;
}

FailureOr<Value> Importer::rmsNorm(const Node &node) {
  if (failed(checkAttributes(node, {"axis", "epsilon", "stash_type"})))
    return failure();
  FailureOr<Value> x = input(node, 0), scale = input(node, 1);
  if (failed(x) || failed(scale))
    return failure();
  RankedTensorType type = typeOf(*x);
  Type et = type.getElementType();
  if (!isa<FloatType>(et))
    return fail(node, "unsupported: integer input");
  if (typeOf(*scale).getElementType() != et)
    return fail(node, "Scale has another element type than X");
  if (attrInt(node, "stash_type", 1) != 1)
    return fail(node, "unsupported: stash_type other than float32");
  FailureOr<int64_t> a = axis(node, attrInt(node, "axis", -1), type.getRank());
  if (failed(a))
    return failure();
  ArrayRef<int64_t> shape = type.getShape();
  int64_t outer = interp::numElements(shape.take_front(*a));
  int64_t inner = interp::numElements(shape.drop_front(*a));
  // Normalise [outer, inner] rows with unit weight, then apply the scale,
  // which broadcasts to the normalised dimensions.
  RefTensor ones = RefTensor::zeros(*interp::elementKindOf(et), {inner});
  for (double &v : ones.floats)
    v = 1.0;
  Value normed =
      RmsNormOp::create(b, reshapeTo(*x, {outer, inner}), constant(ones),
                        APFloat(attrFloat(node, "epsilon", 1e-5)));
  FailureOr<Value> y = make<MulOp>(node, reshapeTo(normed, shape), *scale);
  if (failed(y))
    return failure();
  if (typeOf(*y).getShape() != shape)
    return fail(node, "Scale does not broadcast to the normalised shape");
  return *y;
}

FailureOr<Value> Importer::reduce(const Node &node, ReduceKind kind) {
  if (failed(
          checkAttributes(node, {"axes", "keepdims", "noop_with_empty_axes"})))
    return failure();
  FailureOr<Value> x = input(node, 0);
  if (failed(x))
    return failure();
  RankedTensorType type = typeOf(*x);
  // ReduceMax of booleans is "any": reduced as 0/1 integers.
  bool boolean = type.getElementType().isInteger(1);
  if (boolean && kind != ReduceKind::max)
    return fail(node, "unsupported: boolean input");
  if (kind == ReduceKind::mean && !isa<FloatType>(type.getElementType()))
    return fail(node, "unsupported: ReduceMean of integers");
  // ReduceSum takes axes as an input from opset 13, the others from 18.
  FailureOr<SmallVector<int64_t>> given =
      axesOf(node, node.op_type() == "ReduceSum" ? 13 : 18);
  if (failed(given))
    return failure();
  SmallVector<int64_t> axes = *given;
  bool keep = attrInt(node, "keepdims", 1);
  if (axes.empty()) {
    if (attrInt(node, "noop_with_empty_axes", 0))
      return *x;
    for (int64_t d = 0; d < type.getRank(); ++d)
      axes.push_back(d);
  }
  SmallVector<int64_t> normalised;
  for (int64_t ax : axes) {
    FailureOr<int64_t> n = axis(node, ax, type.getRank());
    if (failed(n))
      return failure();
    if (llvm::is_contained(normalised, *n))
      return fail(node, "axis " + Twine(ax) + " is listed twice");
    normalised.push_back(*n);
  }
  llvm::sort(normalised);
  if (normalised.empty()) // a rank-0 input: nothing to reduce
    return *x;
  if (!boolean)
    return make<ReduceOp>(node, kind, *x, normalised, keep);
  Value asInt = CastOp::create(
      b, RankedTensorType::get(type.getShape(), b.getI32Type()), *x);
  FailureOr<Value> any = make<ReduceOp>(node, kind, asInt, normalised, keep);
  if (failed(any))
    return failure();
  return Value(CastOp::create(
      b, RankedTensorType::get(typeOf(*any).getShape(), b.getI1Type()), *any));
}

FailureOr<Value> Importer::reshape(const Node &node) {
  if (failed(checkAttributes(node, {"allowzero"})))
    return failure();
  FailureOr<Value> x = input(node, 0);
  FailureOr<SmallVector<int64_t>> target = intsInput(node, 1, "shape");
  if (failed(x) || failed(target))
    return failure();
  ArrayRef<int64_t> in = typeOf(*x).getShape();
  bool allowZero = attrInt(node, "allowzero", 0);
  SmallVector<int64_t> shape;
  int64_t inferred = -1, product = 1;
  for (auto [i, d] : llvm::enumerate(*target)) {
    if (d == 0 && !allowZero) {
      if (i >= in.size())
        return fail(node, "shape copies dimension " + Twine(i) +
                              ", which the input does not have");
      d = in[i];
    }
    if (d == -1) {
      if (inferred >= 0)
        return fail(node, "shape has more than one -1");
      inferred = i;
      shape.push_back(1);
      continue;
    }
    if (d < 0)
      return fail(node, "shape has a negative dimension " + Twine(d));
    shape.push_back(d);
    if (llvm::MulOverflow(product, d, product))
      return fail(node,
                  "shape " + interp::shapeToString(*target) + " is too large");
  }
  int64_t count = interp::numElements(in);
  if (inferred >= 0) {
    if (product == 0 || count % product != 0)
      return fail(node, "cannot infer the -1 dimension");
    shape[inferred] = count / product;
  } else if (product != count) {
    return fail(node, "shape " + interp::shapeToString(shape) +
                          " does not hold the input's " + Twine(count) +
                          " elements");
  }
  return reshapeTo(*x, shape);
}

FailureOr<Value> Importer::unsqueezeOrSqueeze(const Node &node,
                                              bool unsqueeze) {
  if (failed(checkAttributes(node, {"axes"})))
    return failure();
  FailureOr<Value> x = input(node, 0);
  if (failed(x))
    return failure();
  FailureOr<SmallVector<int64_t>> given = axesOf(node, 13);
  if (failed(given))
    return failure();
  SmallVector<int64_t> axes = *given;
  ArrayRef<int64_t> in = typeOf(*x).getShape();
  if (unsqueeze) {
    int64_t rank = in.size() + axes.size();
    SmallVector<bool> inserted(rank, false);
    for (int64_t ax : axes) {
      FailureOr<int64_t> n = axis(node, ax, rank);
      if (failed(n))
        return failure();
      if (inserted[*n])
        return fail(node, "axis " + Twine(ax) + " is listed twice");
      inserted[*n] = true;
    }
    SmallVector<int64_t> shape;
    size_t next = 0;
    for (int64_t d = 0; d < rank; ++d)
      shape.push_back(inserted[d] ? 1 : in[next++]);
    return reshapeTo(*x, shape);
  }
  SmallVector<bool> removed(in.size(), false);
  if (axes.empty()) {
    for (size_t d = 0; d < in.size(); ++d)
      removed[d] = in[d] == 1;
  }
  for (int64_t ax : axes) {
    FailureOr<int64_t> n = axis(node, ax, in.size());
    if (failed(n))
      return failure();
    if (in[*n] != 1)
      return fail(node, "cannot squeeze dimension " + Twine(ax) + " of size " +
                            Twine(in[*n]));
    removed[*n] = true;
  }
  SmallVector<int64_t> shape;
  for (size_t d = 0; d < in.size(); ++d)
    if (!removed[d])
      shape.push_back(in[d]);
  return reshapeTo(*x, shape);
}

FailureOr<Value> Importer::slice(const Node &node) {
  FailureOr<Value> x = input(node, 0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> in = typeOf(*x).getShape();
  int64_t rank = in.size();
  SmallVector<int64_t> starts, ends, axes, steps;
  if (opset < 10) {
    if (failed(checkAttributes(node, {"starts", "ends", "axes"})))
      return failure();
    starts = attrInts(node, "starts").value_or(SmallVector<int64_t>());
    ends = attrInts(node, "ends").value_or(SmallVector<int64_t>());
    if (std::optional<SmallVector<int64_t>> given = attrInts(node, "axes"))
      axes = *given;
  } else {
    if (failed(checkAttributes(node, {})))
      return failure();
    FailureOr<SmallVector<int64_t>> s = intsInput(node, 1, "starts");
    FailureOr<SmallVector<int64_t>> e = intsInput(node, 2, "ends");
    if (failed(s) || failed(e))
      return failure();
    starts = *s;
    ends = *e;
    if (hasInput(node, 3)) {
      FailureOr<SmallVector<int64_t>> given = intsInput(node, 3, "axes");
      if (failed(given))
        return failure();
      axes = *given;
    }
    if (hasInput(node, 4)) {
      FailureOr<SmallVector<int64_t>> given = intsInput(node, 4, "steps");
      if (failed(given))
        return failure();
      steps = *given;
    }
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (starts.size() != ends.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return fail(node, "starts, ends, axes and steps differ in length");
  SmallVector<int64_t> start(rank, 0), limit(in), step(rank, 1);
  SmallVector<bool> seen(rank, false);
  // Axes with a negative step become a gather of the positions the step
  // visits (aster.slice takes positive steps only).
  SmallVector<std::pair<int64_t, SmallVector<int64_t>>> reversed;
  for (size_t i = 0; i < starts.size(); ++i) {
    FailureOr<int64_t> ax = axis(node, axes[i], rank);
    if (failed(ax))
      return failure();
    if (seen[*ax])
      return fail(node, "axis " + Twine(axes[i]) + " is listed twice");
    seen[*ax] = true;
    if (steps[i] == 0)
      return fail(node, "a step of 0 is invalid");
    int64_t dim = in[*ax];
    if (steps[i] < 0) {
      // Start clamps to [0, dim - 1], end to [-1, dim - 1] (ONNX Slice).
      auto clampTo = [&](int64_t v, int64_t lo) {
        if (v < 0)
          v = v < -dim ? lo : v + dim;
        return std::max(lo, std::min(v, dim - 1));
      };
      int64_t from = clampTo(starts[i], 0), to = clampTo(ends[i], -1);
      SmallVector<int64_t> positions;
      // p >= 0 and steps[i] >= INT64_MIN, so p + steps[i] cannot overflow.
      for (int64_t p = from; p > to; p += steps[i])
        positions.push_back(p);
      reversed.push_back({*ax, positions});
      continue;
    }
    // Negative positions count from the end; then clamp to [0, dim].
    auto clampPos = [&](int64_t v) {
      if (v < 0)
        v = v < -dim ? 0 : v + dim;
      return std::min(v, dim);
    };
    start[*ax] = clampPos(starts[i]);
    limit[*ax] = std::max(clampPos(ends[i]), start[*ax]);
    step[*ax] = steps[i];
  }
  bool unit = llvm::all_of(step, [](int64_t s) { return s == 1; });
  Value result = *x;
  bool whole = unit && llvm::all_of(start, [](int64_t s) { return s == 0; }) &&
               ArrayRef<int64_t>(limit) == in;
  if (!whole || reversed.empty()) {
    FailureOr<Value> sliced = make<SliceOp>(
        node, *x, ArrayRef<int64_t>(start), ArrayRef<int64_t>(limit),
        unit ? DenseI64ArrayAttr() : b.getDenseI64ArrayAttr(step));
    if (failed(sliced))
      return failure();
    result = *sliced;
  }
  for (auto &[ax, positions] : reversed) {
    RefTensor indices = RefTensor::zeros(
        ElementKind::I64, {static_cast<int64_t>(positions.size())});
    llvm::copy(positions, indices.ints.begin());
    FailureOr<Value> gathered =
        make<GatherOp>(node, result, constant(indices), ax);
    if (failed(gathered))
      return failure();
    result = *gathered;
  }
  return result;
}

FailureOr<SmallVector<Value>> Importer::split(const Node &node) {
  if (failed(checkAttributes(node, {"axis", "split", "num_outputs"})))
    return failure();
  FailureOr<Value> x = input(node, 0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> in = typeOf(*x).getShape();
  FailureOr<int64_t> ax = axis(node, attrInt(node, "axis", 0), in.size());
  if (failed(ax))
    return failure();
  SmallVector<int64_t> sizes;
  if (opset >= 13 && hasInput(node, 1)) {
    FailureOr<SmallVector<int64_t>> given = intsInput(node, 1, "split");
    if (failed(given))
      return failure();
    sizes = *given;
  } else if (std::optional<SmallVector<int64_t>> given =
                 attrInts(node, "split")) {
    sizes = *given;
  } else {
    int64_t parts = attrInt(node, "num_outputs", node.output_size());
    if (parts <= 0)
      return fail(node, "no outputs to split into");
    int64_t dim = in[*ax], chunk = (dim + parts - 1) / parts;
    for (int64_t p = 0; p < parts; ++p)
      sizes.push_back(std::max<int64_t>(0, std::min(chunk, dim - p * chunk)));
  }
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s < 0)
      return fail(node, "negative split size");
    if (llvm::AddOverflow(total, s, total))
      return fail(node, "split sizes overflow");
  }
  if (total != in[*ax] || static_cast<int>(sizes.size()) != node.output_size())
    return fail(node, "split sizes do not cover the axis or the outputs");
  SmallVector<Value> outputs;
  int64_t offset = 0;
  for (int64_t s : sizes) {
    SmallVector<int64_t> start(in.size(), 0), limit(in);
    start[*ax] = offset;
    limit[*ax] = offset + s;
    outputs.push_back(
        SliceOp::create(b, *x, start, limit, DenseI64ArrayAttr()));
    offset += s;
  }
  return outputs;
}

FailureOr<Value> Importer::trilu(const Node &node) {
  if (failed(checkAttributes(node, {"upper"})))
    return failure();
  FailureOr<Value> x = input(node, 0);
  if (failed(x))
    return failure();
  int64_t k = 0;
  if (hasInput(node, 1)) {
    FailureOr<SmallVector<int64_t>> given = intsInput(node, 1, "k");
    if (failed(given))
      return failure();
    if (given->size() != 1)
      return fail(node, "k must hold one value");
    k = (*given)[0];
  }
  RankedTensorType type = typeOf(*x);
  if (type.getRank() < 2)
    return fail(node, "input must be of rank 2 or more");
  bool upper = attrInt(node, "upper", 1);
  int64_t rows = type.getShape()[type.getRank() - 2];
  int64_t cols = type.getShape().back();
  RefTensor mask = RefTensor::zeros(ElementKind::I1, {rows, cols});
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      mask.ints[i * cols + j] = upper ? j - i >= k : j - i <= k;
  return SelectOp::create(b, constant(mask), *x,
                          scalar(0, type.getElementType()))
      .getResult();
}

FailureOr<Value> Importer::range(const Node &node) {
  if (failed(checkAttributes(node, {})))
    return failure();
  FailureOr<RefTensor> start = knownInput(node, 0, "start");
  FailureOr<RefTensor> limit = knownInput(node, 1, "limit");
  FailureOr<RefTensor> delta = knownInput(node, 2, "delta");
  if (failed(start) || failed(limit) || failed(delta))
    return failure();
  if (start->size() != 1 || limit->size() != 1 || delta->size() != 1)
    return fail(node, "start, limit and delta must be scalars");
  double s = start->asDouble(0), l = limit->asDouble(0), d = delta->asDouble(0);
  if (d == 0)
    return fail(node, "delta is 0");
  double count = std::max(std::ceil((l - s) / d), 0.0);
  if (!(count <= static_cast<double>(interp::kMaxElements)))
    return fail(node, "too many elements");
  RefTensor out = RefTensor::zeros(start->kind, {static_cast<int64_t>(count)});
  for (int64_t i = 0; i < out.size(); ++i) {
    if (out.isFloat())
      out.floats[i] = s + i * d;
    else
      out.ints[i] = start->ints[0] + i * delta->ints[0];
  }
  out.roundToKind();
  return constant(out);
}

FailureOr<Value> Importer::constantNode(const Node &node) {
  if (node.attribute_size() != 1)
    return fail(node, "needs exactly one value attribute");
  const ::onnx::AttributeProto &a = node.attribute(0);
  RefTensor t;
  if (a.name() == "value") {
    FailureOr<RefTensor> v = tensorFromProto(a.t(), where(node));
    if (failed(v))
      return failure();
    t = *v;
  } else if (a.name() == "value_float" || a.name() == "value_floats") {
    bool one = a.name() == "value_float";
    t = RefTensor::zeros(ElementKind::F32,
                         one ? SmallVector<int64_t>{}
                             : SmallVector<int64_t>{a.floats_size()});
    for (int64_t i = 0; i < t.size(); ++i)
      t.floats[i] = one ? a.f() : a.floats(i);
  } else if (a.name() == "value_int" || a.name() == "value_ints") {
    bool one = a.name() == "value_int";
    t = RefTensor::zeros(ElementKind::I64,
                         one ? SmallVector<int64_t>{}
                             : SmallVector<int64_t>{a.ints_size()});
    for (int64_t i = 0; i < t.size(); ++i)
      t.ints[i] = one ? a.i() : a.ints(i);
  } else {
    return fail(node, "unsupported attribute '" + a.name() + "'");
  }
  return constant(t);
}

/// Attention (opset 23), as the pinned onnx release's function body and
/// reference define it: 3-D inputs are reshaped straight to
/// [B, heads, S, hidden / heads] (no transpose), the result is transposed
/// back to [B, S, heads * Dv]; grouped K/V heads are tiled, so query head
/// `h` reads K/V head `h % Hkv`. Without softcap or a qk_matmul_output the
/// node becomes one aster.attention; otherwise it is spelled out with
/// matmul, softmax and the rest.
FailureOr<SmallVector<Value>> Importer::attention(const Node &node) {
  if (failed(checkAttributes(
          node, {"is_causal", "kv_num_heads", "q_num_heads",
                 "qk_matmul_output_mode", "scale", "softcap",
                 "softmax_precision"})))
    return failure();
  FailureOr<Value> q = input(node, 0), k = input(node, 1), v = input(node, 2);
  if (failed(q) || failed(k) || failed(v))
    return failure();
  Type et = typeOf(*q).getElementType();
  if (!isa<FloatType>(et) || typeOf(*k).getElementType() != et ||
      typeOf(*v).getElementType() != et)
    return fail(node, "Q, K and V must have one float element type");
  int64_t rank = typeOf(*q).getRank();
  if (rank != 3 && rank != 4)
    return fail(node, "Q must have rank 3 or 4");
  if (typeOf(*k).getRank() != rank || typeOf(*v).getRank() != rank)
    return fail(node, "Q, K and V must have one rank");
  auto to4d = [&](Value x, int64_t heads, StringRef name) -> FailureOr<Value> {
    ArrayRef<int64_t> s = typeOf(x).getShape();
    if (heads <= 0 || s[2] % heads != 0)
      return fail(node, name + " hidden size " + Twine(s[2]) +
                            " is not divisible by " + Twine(heads) + " heads");
    return reshapeTo(x, {s[0], heads, s[1], s[2] / heads});
  };
  if (rank == 3) {
    int64_t hq = attrInt(node, "q_num_heads", 0);
    int64_t hkv = attrInt(node, "kv_num_heads", 0);
    FailureOr<Value> q4 = to4d(*q, hq, "Q"), k4 = to4d(*k, hkv, "K"),
                     v4 = to4d(*v, hkv, "V");
    if (failed(q4) || failed(k4) || failed(v4))
      return failure();
    q = q4, k = k4, v = v4;
  }
  // The KV cache: present = concat(past, new) along the sequence.
  if (hasInput(node, 4) != hasInput(node, 5))
    return fail(node, "past_key and past_value must be given together");
  if (hasInput(node, 4)) {
    FailureOr<Value> pk = input(node, 4), pv = input(node, 5);
    if (failed(pk) || failed(pv))
      return failure();
    FailureOr<Value> kk = make<ConcatOp>(node, ValueRange{*pk, *k}, 2);
    FailureOr<Value> vv = make<ConcatOp>(node, ValueRange{*pv, *v}, 2);
    if (failed(kk) || failed(vv))
      return failure();
    k = kk, v = vv;
  }
  ArrayRef<int64_t> qs = typeOf(*q).getShape(), ks = typeOf(*k).getShape(),
                    vs = typeOf(*v).getShape();
  int64_t batch = qs[0], hq = qs[1], sq = qs[2], d = qs[3];
  int64_t hkv = ks[1], skv = ks[2], dv = vs[3];
  if (ks[0] != batch || vs[0] != batch || vs[1] != hkv || vs[2] != skv ||
      ks[3] != d)
    return fail(node, "Q, K and V shapes do not fit together");
  if (hkv <= 0 || hq % hkv != 0)
    return fail(node, "K/V heads (" + Twine(hkv) +
                          ") must divide the query heads (" + Twine(hq) + ")");
  int64_t group = hq / hkv;
  bool causal = attrInt(node, "is_causal", 0) != 0;
  double scale = attrFloat(node, "scale", 1.0 / std::sqrt(double(d)));
  double softcap = attrFloat(node, "softcap", 0.0);
  int64_t mode = attrInt(node, "qk_matmul_output_mode", 0);
  if (mode < 0 || mode > 3)
    return fail(node, "qk_matmul_output_mode must be 0 to 3");
  if (const auto *precision = attr(node, "softmax_precision")) {
    std::optional<ElementKind> kind = kindOfONNX(precision->i());
    if (!kind || !interp::isFloatKind(*kind))
      return fail(node, "unsupported: softmax_precision " +
                            onnxTypeName(precision->i()));
    // Scores are accumulated and normalised in at least f32 (or exactly,
    // in the reference interpreter), which meets any requested precision.
  }
  bool wantScores = node.output_size() > 3 && !node.output(3).empty();

  // The additive bias: a float mask as given, a boolean one as 0 / -inf.
  Value mask;
  if (hasInput(node, 3)) {
    if (causal)
      return fail(node, "is_causal and attn_mask cannot both be given");
    FailureOr<Value> m = input(node, 3);
    if (failed(m))
      return failure();
    mask = *m;
    Type mt = typeOf(mask).getElementType();
    if (mt.isInteger(1)) {
      FailureOr<Value> bias =
          make<SelectOp>(node, mask, scalar(0.0, et),
                         scalar(-std::numeric_limits<double>::infinity(), et));
      if (failed(bias))
        return failure();
      mask = *bias;
    } else if (mt != et) {
      return fail(node, "attn_mask must be boolean or Q's element type");
    }
    SmallVector<int64_t> full;
    if (!::mlir::OpTrait::util::getBroadcastedShape(
            typeOf(mask).getShape(), {batch, hq, sq, skv}, full) ||
        ArrayRef<int64_t>(full) != ArrayRef<int64_t>{batch, hq, sq, skv})
      return fail(node, "attn_mask does not broadcast to [B, Hq, Sq, Skv]");
  }

  SmallVector<Value> results;
  Value y;
  if (softcap <= 0 && !wantScores) {
    // Tiled K/V heads onto aster.attention's grouped heads: query head
    // h = g * Hkv + j reads head j; reorder the queries so that head
    // j * G + g sits where aster.attention reads head j, and back.
    auto regroup = [&](Value x, int64_t outer, int64_t inner) {
      ArrayRef<int64_t> s = typeOf(x).getShape();
      if (outer == 1 || inner == 1)
        return x;
      Value split = reshapeTo(x, {s[0], outer, inner, s[2], s[3]});
      return reshapeTo(transposeTo(split, {0, 2, 1, 3, 4}), s);
    };
    Value query = regroup(*q, group, hkv);
    // A mask with a head dimension is reordered like the queries.
    if (mask && typeOf(mask).getRank() == 4 && typeOf(mask).getDimSize(1) != 1)
      mask = regroup(mask, group, hkv);
    FailureOr<Value> o = make<AttentionOp>(node, query, *k, *v, mask, causal,
                                           b.getF64FloatAttr(scale));
    if (failed(o))
      return failure();
    y = regroup(*o, hkv, group);
  } else {
    // Spelled out: scores = (q k^T) * scale + bias, softcap, softmax, @ v.
    Value kt = *k, vt = *v;
    if (group != 1) {
      RefTensor heads = RefTensor::zeros(ElementKind::I64, {hq});
      for (int64_t h = 0; h < hq; ++h)
        heads.ints[h] = h % hkv;
      Value index = constant(heads);
      kt = GatherOp::create(b, RankedTensorType::get({batch, hq, skv, d}, et),
                            kt, index, 1);
      vt = GatherOp::create(b, RankedTensorType::get({batch, hq, skv, dv}, et),
                            vt, index, 1);
    }
    FailureOr<Value> qk = make<MatmulOp>(node, *q, kt, false, true);
    if (failed(qk))
      return failure();
    Value scores = MulOp::create(b, *qk, scalar(scale, et));
    Value raw = scores;
    if (causal) {
      RefTensor tri = RefTensor::zeros(interp::elementKindOf(et).value(),
                                       {sq, skv});
      for (int64_t i = 0; i < sq; ++i)
        for (int64_t j = i + 1; j < skv; ++j)
          tri.floats[i * skv + j] = -std::numeric_limits<double>::infinity();
      mask = constant(tri);
    }
    if (mask)
      scores = AddOp::create(b, scores, mask);
    Value withBias = scores;
    if (softcap > 0) {
      Value capped = TanhOp::create(b, DivOp::create(b, scores,
                                                     scalar(softcap, et)));
      scores = MulOp::create(b, capped, scalar(softcap, et));
    }
    Value probs = SoftmaxOp::create(b, scores, 3);
    y = MatmulOp::create(b, probs, vt, false, false);
    results.resize(4);
    results[3] = mode == 0   ? raw
                   : mode == 1 ? withBias
                   : mode == 2 ? (softcap > 0 ? scores : raw)
                               : probs;
  }
  if (rank == 3)
    y = reshapeTo(transposeTo(y, {0, 2, 1, 3}), {batch, sq, hq * dv});
  results.resize(std::max<size_t>({results.size(), 3,
                                   static_cast<size_t>(node.output_size())}));
  results[0] = y;
  results[1] = *k;
  results[2] = *v;
  return results;
}

/// RotaryEmbedding (opset 23). The caches are inputs, so in general this
/// is spelled out (gather the rows for the positions, rotate the first
/// rotary_embedding_dim features in halves or interleaved pairs, keep the
/// rest); aster.rope is the form the HuggingFace frontend emits.
FailureOr<Value> Importer::rotaryEmbedding(const Node &node) {
  if (failed(checkAttributes(
          node, {"interleaved", "num_heads", "rotary_embedding_dim"})))
    return failure();
  FailureOr<Value> x = input(node, 0), cosCache = input(node, 1),
                   sinCache = input(node, 2);
  if (failed(x) || failed(cosCache) || failed(sinCache))
    return failure();
  RankedTensorType xt = typeOf(*x);
  Type et = xt.getElementType();
  if (!isa<FloatType>(et) || typeOf(*cosCache).getElementType() != et ||
      typeOf(*sinCache).getElementType() != et)
    return fail(node, "input, cos_cache and sin_cache must have one float "
                      "element type");
  ArrayRef<int64_t> shape = xt.getShape();
  // A 4-D view with the sequence on axis `seqAxis` and a unit-sized axis
  // the caches broadcast over.
  Value x4 = *x;
  int64_t batch = shape.empty() ? 0 : shape[0], seq, heads, headSize;
  bool threeD = xt.getRank() == 3;
  if (threeD) {
    heads = attrInt(node, "num_heads", 0);
    if (heads <= 0 || shape[2] % heads != 0)
      return fail(node, "num_heads must be given and divide the hidden size "
                        "of a 3-D input");
    seq = shape[1];
    headSize = shape[2] / heads;
    x4 = reshapeTo(*x, {batch, seq, heads, headSize});
  } else if (xt.getRank() == 4) {
    heads = shape[1], seq = shape[2], headSize = shape[3];
  } else {
    return fail(node, "input must have rank 3 or 4");
  }
  int64_t rdim = attrInt(node, "rotary_embedding_dim", 0);
  if (rdim == 0)
    rdim = headSize;
  if (rdim < 0 || rdim > headSize || rdim % 2 != 0)
    return fail(node, "rotary_embedding_dim " + Twine(rdim) +
                          " must be even and at most the head size " +
                          Twine(headSize));
  int64_t half = rdim / 2;
  // cos/sin for each [batch, position]: rows of the caches picked by
  // position_ids, or the caches themselves.
  auto table = [&](Value cache, StringRef name) -> FailureOr<Value> {
    RankedTensorType ct = typeOf(cache);
    Value rows = cache;
    if (hasInput(node, 3)) {
      FailureOr<Value> ids = input(node, 3);
      if (failed(ids))
        return failure();
      if (ct.getRank() != 2)
        return fail(node, name + " must be [max_positions, dim / 2] with "
                                 "position_ids");
      if (typeOf(*ids).getShape() != ArrayRef<int64_t>{batch, seq})
        return fail(node, "position_ids must be [batch, sequence]");
      FailureOr<Value> g = make<GatherOp>(node, cache, *ids, 0);
      if (failed(g))
        return failure();
      rows = *g;
    } else if (ct.getRank() != 3 || ct.getDimSize(0) != batch ||
               ct.getDimSize(1) != seq) {
      return fail(node, name + " must be [batch, sequence, dim / 2] without "
                               "position_ids");
    }
    if (typeOf(rows).getShape().back() < half)
      return fail(node, name + " has fewer than " + Twine(half) +
                            " features");
    rows = sliceLast(rows, 0, half);
    // [B, S, half] -> the unit axis over heads.
    return threeD ? reshapeTo(rows, {batch, seq, 1, half})
                  : reshapeTo(rows, {batch, 1, seq, half});
  };
  FailureOr<Value> cosv = table(*cosCache, "cos_cache");
  FailureOr<Value> sinv = table(*sinCache, "sin_cache");
  if (failed(cosv) || failed(sinv))
    return failure();
  bool interleaved = attrInt(node, "interleaved", 0) != 0;
  Value x1 = interleaved ? sliceLast(x4, 0, rdim, 2) : sliceLast(x4, 0, half);
  Value x2 =
      interleaved ? sliceLast(x4, 1, rdim, 2) : sliceLast(x4, half, rdim);
  Value real = SubOp::create(b, MulOp::create(b, *cosv, x1),
                             MulOp::create(b, *sinv, x2));
  Value imag = AddOp::create(b, MulOp::create(b, *sinv, x1),
                             MulOp::create(b, *cosv, x2));
  SmallVector<int64_t> pairShape(typeOf(real).getShape());
  Value rotated;
  if (interleaved) {
    pairShape.push_back(1);
    Value r = reshapeTo(real, pairShape), i = reshapeTo(imag, pairShape);
    Value pairs = ConcatOp::create(b, ValueRange{r, i}, 4);
    pairShape.pop_back();
    pairShape.back() = rdim;
    rotated = reshapeTo(pairs, pairShape);
  } else {
    rotated = ConcatOp::create(b, ValueRange{real, imag}, 3);
  }
  if (rdim < headSize)
    rotated = ConcatOp::create(
        b, ValueRange{rotated, sliceLast(x4, rdim, headSize)}, 3);
  return reshapeTo(rotated, shape);
}

/// Not, And, Or, Xor on booleans, as selects.
FailureOr<Value> Importer::logical(const Node &node) {
  if (failed(checkAttributes(node, {})))
    return failure();
  StringRef op = node.op_type();
  FailureOr<Value> x = input(node, 0);
  if (failed(x))
    return failure();
  if (!typeOf(*x).getElementType().isInteger(1))
    return fail(node, op + " takes booleans");
  Value f = scalar(0, b.getI1Type()), t = scalar(1, b.getI1Type());
  if (op == "Not")
    return make<SelectOp>(node, *x, f, t);
  FailureOr<Value> y = input(node, 1);
  if (failed(y))
    return failure();
  if (!typeOf(*y).getElementType().isInteger(1))
    return fail(node, op + " takes booleans");
  if (op == "And")
    return make<SelectOp>(node, *x, *y, f);
  if (op == "Or")
    return make<SelectOp>(node, *x, t, *y);
  FailureOr<Value> notY = make<SelectOp>(node, *y, f, t);
  if (failed(notY))
    return failure();
  return make<SelectOp>(node, *x, *notY, *y);
}

/// Integer Mod: the remainder of truncating division, moved into the
/// divisor's sign unless fmod = 1 (C fmod keeps the dividend's sign).
FailureOr<Value> Importer::mod(const Node &node) {
  if (failed(checkAttributes(node, {"fmod"})))
    return failure();
  FailureOr<Value> x = input(node, 0), y = input(node, 1);
  if (failed(x) || failed(y))
    return failure();
  Type et = typeOf(*x).getElementType();
  if (!isa<IntegerType>(et) || et.isInteger(1))
    return fail(node, "unsupported: Mod of " +
                          std::string(interp::kindName(
                              *interp::elementKindOf(et))));
  FailureOr<Value> q = make<DivOp>(node, *x, *y);
  if (failed(q))
    return failure();
  Value r = SubOp::create(b, *x, MulOp::create(b, *q, *y));
  if (attrInt(node, "fmod", 0))
    return r;
  // Python's %: add y where r != 0 and r and y differ in sign.
  Value zero = scalar(0, et);
  Value rNeg = CompareOp::create(b, ComparePredicate::lt, r, zero);
  Value yNeg = CompareOp::create(b, ComparePredicate::lt, *y, zero);
  Value yNonNeg = CompareOp::create(b, ComparePredicate::ge, *y, zero);
  Value differ = SelectOp::create(b, rNeg, yNonNeg, yNeg);
  Value nonzero = CompareOp::create(b, ComparePredicate::ne, r, zero);
  Value fix = SelectOp::create(b, nonzero, differ, scalar(0, b.getI1Type()));
  return Value(SelectOp::create(b, fix, AddOp::create(b, r, *y), r));
}

/// Tile with constant repeats: broadcast over a new axis before each
/// dimension, then merge the pairs.
FailureOr<Value> Importer::tile(const Node &node) {
  if (failed(checkAttributes(node, {})))
    return failure();
  FailureOr<Value> x = input(node, 0);
  FailureOr<SmallVector<int64_t>> repeats = intsInput(node, 1, "repeats");
  if (failed(x) || failed(repeats))
    return failure();
  ArrayRef<int64_t> shape = typeOf(*x).getShape();
  if (repeats->size() != shape.size())
    return fail(node, "repeats must have one entry per dimension");
  SmallVector<int64_t> unit, spread, merged;
  int64_t count = 1;
  for (auto [d, r] : llvm::zip(shape, *repeats)) {
    if (r < 0)
      return fail(node, "repeats must not be negative");
    if (r != 0 && d != 0 &&
        (r > interp::kMaxElements / d || count > interp::kMaxElements / (r * d)))
      return fail(node, "the result is too large");
    count *= r * d;
    unit.append({1, d});
    spread.append({r, d});
    merged.push_back(r * d);
  }
  Value wide = BroadcastOp::create(
      b, RankedTensorType::get(spread, typeOf(*x).getElementType()),
      reshapeTo(*x, unit));
  return reshapeTo(wide, merged);
}

FailureOr<SmallVector<Value>> Importer::convertNode(const Node &node) {
  StringRef op = node.op_type();
  auto one = [](FailureOr<Value> v) -> FailureOr<SmallVector<Value>> {
    if (failed(v))
      return failure();
    return SmallVector<Value>{*v};
  };
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return one(
        fail(node, "unsupported: operator domain '" + node.domain() + "'"));
  if (llvm::is_contained({"Add", "Sub", "Mul", "Div", "Pow", "Equal", "Less",
                          "LessOrEqual", "Greater", "GreaterOrEqual"},
                         op))
    return one(elementwise(node));
  if (llvm::is_contained({"Sqrt", "Exp", "Log", "Tanh", "Erf", "Relu",
                          "Sigmoid", "Neg", "Reciprocal"},
                         op))
    return one(unary(node));
  if (op == "Softmax" || op == "LogSoftmax")
    return one(softmax(node, op == "LogSoftmax"));
  if (op == "MatMul")
    return one(matmul(node));
  if (op == "Gemm")
    return one(gemm(node));
  if (op == "LayerNormalization")
    return layerNorm(node);
  if (op == "RMSNormalization")
    return one(rmsNorm(node));
  if (op == "ReduceMean")
    return one(reduce(node, ReduceKind::mean));
  if (op == "ReduceSum")
    return one(reduce(node, ReduceKind::sum));
  if (op == "ReduceMax")
    return one(reduce(node, ReduceKind::max));
  if (op == "Reshape")
    return one(reshape(node));
  if (op == "Unsqueeze" || op == "Squeeze")
    return one(unsqueezeOrSqueeze(node, op == "Unsqueeze"));
  if (op == "Slice")
    return one(slice(node));
  if (op == "Split")
    return split(node);
  if (op == "Trilu")
    return one(trilu(node));
  if (op == "Range")
    return one(range(node));
  if (op == "Constant")
    return one(constantNode(node));
  if (op == "Attention")
    return attention(node);
  if (llvm::is_contained({"Not", "And", "Or", "Xor"}, op))
    return one(logical(node));
  if (op == "Mod")
    return one(mod(node));
  if (op == "Tile")
    return one(tile(node));
  if (op == "RotaryEmbedding")
    return one(rotaryEmbedding(node));
  if (op == "Identity") {
    if (failed(checkAttributes(node, {})))
      return failure();
    return one(input(node, 0));
  }
  if (op == "Dropout") {
    if (failed(checkAttributes(node, {"seed", "ratio"})))
      return failure();
    if (hasInput(node, 2)) {
      FailureOr<RefTensor> training = knownInput(node, 2, "training_mode");
      if (failed(training))
        return failure();
      if (training->size() != 1)
        return one(fail(node, "training_mode must be a scalar"));
      // Training mode with a ratio of 0 keeps everything; a random mask
      // is not imported (a trainer's dropout belongs to the train phase).
      double ratio = 0.5;
      if (hasInput(node, 1)) {
        FailureOr<RefTensor> given = knownInput(node, 1, "ratio");
        if (failed(given))
          return failure();
        if (given->size() != 1 || !given->isFloat())
          return one(fail(node, "ratio must be a float scalar"));
        ratio = given->floats[0];
      }
      if (training->asDouble(0) != 0 && ratio != 0)
        return one(fail(node, "unsupported: training mode with a nonzero "
                              "ratio (a random mask)"));
    }
    FailureOr<Value> x = input(node, 0);
    if (failed(x))
      return failure();
    SmallVector<Value> outputs = {*x};
    if (node.output_size() > 1) { // the mask keeps everything
      RefTensor mask = RefTensor::zeros(ElementKind::I1, typeOf(*x).getShape());
      for (int64_t &v : mask.ints)
        v = 1;
      outputs.push_back(constant(mask));
    }
    return outputs;
  }
  if (op == "Transpose") {
    if (failed(checkAttributes(node, {"perm"})))
      return failure();
    FailureOr<Value> x = input(node, 0);
    if (failed(x))
      return failure();
    int64_t rank = typeOf(*x).getRank();
    SmallVector<int64_t> perm;
    for (int64_t d = rank - 1; d >= 0; --d)
      perm.push_back(d);
    if (std::optional<SmallVector<int64_t>> given = attrInts(node, "perm"))
      perm = *given;
    SmallVector<bool> used(rank, false);
    if (static_cast<int64_t>(perm.size()) != rank)
      return one(fail(node, "perm does not match the rank"));
    for (int64_t p : perm) {
      if (p < 0 || p >= rank || used[p])
        return one(fail(node, "perm is not a permutation"));
      used[p] = true;
    }
    return one(make<TransposeOp>(node, *x, perm));
  }
  if (op == "Gather") {
    if (failed(checkAttributes(node, {"axis"})))
      return failure();
    FailureOr<Value> x = input(node, 0), idx = input(node, 1);
    if (failed(x) || failed(idx))
      return failure();
    FailureOr<int64_t> ax =
        axis(node, attrInt(node, "axis", 0), typeOf(*x).getRank());
    if (failed(ax))
      return failure();
    return one(make<GatherOp>(node, *x, *idx, static_cast<uint64_t>(*ax)));
  }
  if (op == "Concat") {
    if (failed(checkAttributes(node, {"axis"})))
      return failure();
    SmallVector<Value> inputs;
    for (int i = 0; i < node.input_size(); ++i) {
      FailureOr<Value> v = input(node, i);
      if (failed(v))
        return failure();
      inputs.push_back(*v);
    }
    if (inputs.empty())
      return one(fail(node, "needs inputs"));
    FailureOr<int64_t> ax =
        axis(node, attrInt(node, "axis", 0), typeOf(inputs[0]).getRank());
    if (failed(ax))
      return failure();
    for (Value v : inputs)
      if (typeOf(v).getRank() != typeOf(inputs[0]).getRank() ||
          typeOf(v).getElementType() != typeOf(inputs[0]).getElementType())
        return one(fail(node, "inputs differ in rank or element type"));
    for (Value v : inputs)
      for (int64_t d = 0; d < typeOf(v).getRank(); ++d)
        if (d != *ax &&
            typeOf(v).getDimSize(d) != typeOf(inputs[0]).getDimSize(d))
          return one(fail(node, "inputs differ outside the axis"));
    return one(
        make<ConcatOp>(node, ValueRange(inputs), static_cast<uint64_t>(*ax)));
  }
  if (op == "Where") {
    if (failed(checkAttributes(node, {})))
      return failure();
    FailureOr<Value> c = input(node, 0), x = input(node, 1), y = input(node, 2);
    if (failed(c) || failed(x) || failed(y))
      return failure();
    SmallVector<int64_t> s1, s2;
    if (!typeOf(*c).getElementType().isInteger(1) ||
        typeOf(*x).getElementType() != typeOf(*y).getElementType() ||
        !::mlir::OpTrait::util::getBroadcastedShape(
            typeOf(*x).getShape(), typeOf(*y).getShape(), s1) ||
        !::mlir::OpTrait::util::getBroadcastedShape(typeOf(*c).getShape(), s1,
                                                    s2))
      return one(fail(node, "condition, X and Y do not match"));
    return one(make<SelectOp>(node, *c, *x, *y));
  }
  if (op == "Expand") {
    if (failed(checkAttributes(node, {})))
      return failure();
    FailureOr<Value> x = input(node, 0);
    FailureOr<SmallVector<int64_t>> shape = intsInput(node, 1, "shape");
    if (failed(x) || failed(shape))
      return failure();
    SmallVector<int64_t> result;
    if (!::mlir::OpTrait::util::getBroadcastedShape(typeOf(*x).getShape(),
                                                    *shape, result))
      return one(fail(node, "shape does not broadcast with the input"));
    return one(
        BroadcastOp::create(
            b, RankedTensorType::get(result, typeOf(*x).getElementType()), *x)
            .getResult());
  }
  if (op == "Cast") {
    if (failed(checkAttributes(node, {"to", "saturate"})))
      return failure();
    FailureOr<Value> x = input(node, 0);
    if (failed(x))
      return failure();
    std::optional<ElementKind> kind = kindOfONNX(attrInt(node, "to", 0));
    if (!kind)
      return one(fail(node, "unsupported: cast to " +
                                onnxTypeName(attrInt(node, "to", 0))));
    return one(CastOp::create(b,
                              RankedTensorType::get(
                                  typeOf(*x).getShape(),
                                  interp::elementTypeOf(b.getContext(), *kind)),
                              *x)
                   .getResult());
  }
  if (op == "Shape") {
    if (failed(checkAttributes(node, {"start", "end"})))
      return failure();
    FailureOr<Value> x = input(node, 0);
    if (failed(x))
      return failure();
    ArrayRef<int64_t> shape = typeOf(*x).getShape();
    int64_t rank = shape.size();
    auto clampIndex = [&](int64_t v) {
      if (v < 0)
        v += rank;
      return std::clamp<int64_t>(v, 0, rank);
    };
    int64_t start = clampIndex(attrInt(node, "start", 0));
    int64_t end = clampIndex(attrInt(node, "end", rank));
    RefTensor t =
        RefTensor::zeros(ElementKind::I64, {std::max<int64_t>(end - start, 0)});
    for (int64_t i = start; i < end; ++i)
      t.ints[i - start] = shape[i];
    return one(constant(t));
  }
  if (op == "Flatten") {
    if (failed(checkAttributes(node, {"axis"})))
      return failure();
    FailureOr<Value> x = input(node, 0);
    if (failed(x))
      return failure();
    ArrayRef<int64_t> shape = typeOf(*x).getShape();
    int64_t rank = shape.size();
    int64_t a = attrInt(node, "axis", 1);
    if (a < -rank || a > rank)
      return one(fail(node, "axis " + Twine(a) + " is out of range for rank " +
                                Twine(rank)));
    if (a < 0)
      a += rank;
    return one(reshapeTo(*x, {interp::numElements(shape.take_front(a)),
                              interp::numElements(shape.drop_front(a))}));
  }
  if (op == "Size") {
    if (failed(checkAttributes(node, {})))
      return failure();
    FailureOr<Value> x = input(node, 0);
    if (failed(x))
      return failure();
    RefTensor t = RefTensor::zeros(ElementKind::I64, {});
    t.ints[0] = typeOf(*x).getNumElements();
    return one(constant(t));
  }
  if (op == "ConstantOfShape") {
    if (failed(checkAttributes(node, {"value"})))
      return failure();
    FailureOr<SmallVector<int64_t>> shape = intsInput(node, 0, "input");
    if (failed(shape))
      return failure();
    RefTensor fill = RefTensor::zeros(ElementKind::F32, {1});
    if (const auto *a = attr(node, "value")) {
      FailureOr<RefTensor> v = tensorFromProto(a->t(), where(node));
      if (failed(v))
        return failure();
      if (v->size() != 1)
        return one(fail(node, "value must hold one element"));
      fill = *v;
    }
    int64_t count = 1;
    for (int64_t d : *shape) {
      if (d < 0 || (d != 0 && count > interp::kMaxElements / d))
        return one(fail(node, "bad shape"));
      count *= d;
    }
    RefTensor out = RefTensor::zeros(fill.kind, *shape);
    for (int64_t i = 0; i < count; ++i) {
      if (out.isFloat())
        out.floats[i] = fill.floats[0];
      else
        out.ints[i] = fill.ints[0];
    }
    return one(constant(out));
  }
  return one(fail(node, "unsupported op '" + op.str() + "'"));
}

LogicalResult Importer::convert(const Node &node) {
  Block *block = b.getInsertionBlock();
  Operation *before = block->empty() ? nullptr : &block->back();
  b.setLoc(NameLoc::get(
      b.getStringAttr(node.name().empty() ? node.op_type() : node.name()),
      fileLoc));
  FailureOr<SmallVector<Value>> outputs = convertNode(node);
  if (failed(outputs))
    return failure();
  if (static_cast<int>(outputs->size()) < node.output_size())
    return fail(node, "unsupported: requested outputs it does not produce");
  // Fold: when every input is known, so is every output (evaluated with the
  // ops' own semantics), and the outputs become constants.
  bool allKnown = true;
  for (int i = 0; i < node.input_size(); ++i)
    if (!node.input(i).empty())
      allKnown &= known.count(values.lookup(node.input(i))) > 0;
  if (allKnown) {
    auto first = before ? std::next(before->getIterator()) : block->begin();
    for (Operation &op : llvm::make_range(first, block->end()))
      if (!known.count(op.getResult(0)) &&
          failed(interp::evaluateOp(&op, known))) {
        error = where(node) + ": cannot fold its constant inputs";
        return failure();
      }
  }
  for (int i = 0; i < node.output_size(); ++i) {
    if (node.output(i).empty())
      continue;
    Value v = (*outputs)[i];
    if (allKnown && !isa_and_nonnull<ConstantOp>(v.getDefiningOp()))
      v = constant(known.lookup(v));
    values[node.output(i)] = v;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// The graph
//===----------------------------------------------------------------------===//

llvm::Expected<aonnx::ImportedModel> Importer::run() {
  auto failWith = [&](const Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   message.str());
  };
  for (const auto &o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      opset = o.version();
  if (opset == 0)
    return failWith(path + ": unsupported: no opset of the default (ai.onnx) "
                           "domain");
  const ::onnx::GraphProto &graph = model.graph();
  b.getContext()->loadDialect<AsterDialect, func::FuncDialect>();

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  b.setInsertionPointToEnd(module->getBody());
  auto function = func::FuncOp::create(b, "forward", b.getFunctionType({}, {}));
  Block *body = function.addEntryBlock();
  b.setInsertionPointToStart(body);
  aonnx::ImportedModel result;
  SmallVector<std::pair<StringRef, StringAttr>> argNames;

  // Initializers: floating-point tensors are parameters (weights); scalars
  // (exporters' constants: sqrt(2), epsilons) and integers are constants.
  llvm::StringSet<> initialized;
  for (const auto &init : graph.initializer()) {
    FailureOr<RefTensor> t =
        tensorFromProto(init, "initializer '" + init.name() + "'");
    if (failed(t))
      return failWith(error);
    initialized.insert(init.name());
    if (!t->isFloat() || t->size() <= 1) {
      values[init.name()] = constant(*t);
      continue;
    }
    Value arg = body->addArgument(t->type(b.getContext()), fileLoc);
    values[init.name()] = arg;
    argNames.push_back(
        {AsterDialect::kNameAttrName, b.getStringAttr(init.name())});
    ::aster::weights::DType dtype =
        t->kind == ElementKind::BF16  ? ::aster::weights::DType::BF16
        : t->kind == ElementKind::F16 ? ::aster::weights::DType::F16
                                      : ::aster::weights::DType::F32;
    result.parameters.push_back(
        {init.name(), dtype,
         std::vector<int64_t>(t->shape.begin(), t->shape.end()),
         ::aster::weights::encodeFloats(t->floats, dtype)});
  }
  // Graph inputs (those not initialised) are data arguments, or constants
  // when given a value at compile time.
  llvm::StringSet<> bound;
  for (const auto &in : graph.input()) {
    if (initialized.contains(in.name()))
      continue;
    std::string what = path + ": input '" + in.name() + "'";
    auto given = options.constantInputs.find(in.name());
    if (given != options.constantInputs.end()) {
      const RefTensor &t = given->second;
      const auto &tt = in.type().tensor_type();
      std::optional<ElementKind> kind = kindOfONNX(tt.elem_type());
      if (!kind || *kind != t.kind)
        return failWith(what + ": the constant given for it has element type " +
                        interp::kindName(t.kind) + ", the model declares " +
                        onnxTypeName(tt.elem_type()));
      if (tt.has_shape()) {
        bool same = tt.shape().dim_size() == static_cast<int>(t.shape.size());
        for (int d = 0; same && d < tt.shape().dim_size(); ++d)
          same = !tt.shape().dim(d).has_dim_value() ||
                 tt.shape().dim(d).dim_value() == t.shape[d];
        if (!same)
          return failWith(what + ": the constant given for it has shape " +
                          interp::shapeToString(t.shape) +
                          ", which the model's declaration does not allow");
      }
      values[in.name()] = constant(t);
      bound.insert(in.name());
      continue;
    }
    if (!in.type().has_tensor_type())
      return failWith(what + ": unsupported: not a tensor");
    const auto &tt = in.type().tensor_type();
    std::optional<ElementKind> kind = kindOfONNX(tt.elem_type());
    if (!kind)
      return failWith(what + ": unsupported element type " +
                      onnxTypeName(tt.elem_type()));
    if (!tt.has_shape())
      return failWith(what + ": unsupported: no shape (static shapes only)");
    SmallVector<int64_t> shape;
    for (const auto &d : tt.shape().dim()) {
      if (d.has_dim_value() && d.dim_value() >= 0) {
        shape.push_back(d.dim_value());
        continue;
      }
      std::string name = StringRef(d.dim_param()).lower();
      bool isBatch = StringRef(name).contains("batch");
      bool isSeq =
          StringRef(name).contains("seq") || StringRef(name).contains("length");
      if (isBatch && options.batch > 0)
        shape.push_back(options.batch);
      else if (isSeq && options.seq > 0)
        shape.push_back(options.seq);
      else
        return failWith(what + ": unsupported: dynamic dimension '" +
                        d.dim_param() + "' is not fixed by --batch or --seq");
    }
    Value arg = body->addArgument(
        RankedTensorType::get(shape,
                              interp::elementTypeOf(b.getContext(), *kind)),
        fileLoc);
    values[in.name()] = arg;
    argNames.push_back(
        {AsterDialect::kDataAttrName, b.getStringAttr(in.name())});
  }

  for (const auto &[name, value] : options.constantInputs)
    if (!bound.contains(name))
      return failWith(path + ": the model has no input '" + name +
                      "' to give a constant");

  for (const auto &node : graph.node()) {
    if (failed(convert(node)))
      return failWith(error);
  }

  SmallVector<Value> outputs;
  for (const auto &out : graph.output()) {
    auto it = values.find(out.name());
    if (it == values.end())
      return failWith(path + ": output '" + out.name() + "' is not defined");
    RankedTensorType type = typeOf(it->second);
    if (out.type().has_tensor_type()) {
      const auto &tt = out.type().tensor_type();
      std::optional<ElementKind> kind = kindOfONNX(tt.elem_type());
      if (kind &&
          interp::elementTypeOf(b.getContext(), *kind) != type.getElementType())
        return failWith(path + ": output '" + out.name() +
                        "' has another element type than declared");
      if (tt.has_shape()) {
        if (tt.shape().dim_size() != type.getRank())
          return failWith(path + ": output '" + out.name() +
                          "' has another rank than declared");
        for (int d = 0; d < tt.shape().dim_size(); ++d)
          if (tt.shape().dim(d).has_dim_value() &&
              tt.shape().dim(d).dim_value() != type.getDimSize(d))
            return failWith(path + ": output '" + out.name() +
                            "' has another shape than declared");
      }
    }
    outputs.push_back(it->second);
  }
  b.setLoc(fileLoc);
  func::ReturnOp::create(b, outputs);
  function.setFunctionType(b.getFunctionType(body->getArgumentTypes(),
                                             ValueRange(outputs).getTypes()));
  for (auto [i, entry] : llvm::enumerate(argNames))
    function.setArgAttr(i, entry.first, entry.second);

  // Drop what folding left unused.
  PassManager pm(b.getContext());
  pm.addPass(createCanonicalizerPass());
  if (failed(pm.run(*module)))
    return failWith(path + ": clean-up after import failed");
  result.module = std::move(module);
  return result;
}

llvm::Expected<aonnx::ImportedModel>
mlir::aster::onnx::importModel(MLIRContext &context, StringRef path,
                               const ImportOptions &options) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!buffer)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        path + ": cannot read: " + buffer.getError().message());
  return importModelFromBytes(context, (*buffer)->getBuffer(), path, options);
}

llvm::Expected<aonnx::ImportedModel>
mlir::aster::onnx::importModelFromBytes(MLIRContext &context, StringRef bytes,
                                        StringRef name,
                                        const ImportOptions &options) {
  ::onnx::ModelProto model;
  if (bytes.size() > static_cast<size_t>(INT32_MAX) ||
      !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        name + ": not a valid ONNX model (the protobuf does not parse)");
  return Importer(context, model, name, options).run();
}
