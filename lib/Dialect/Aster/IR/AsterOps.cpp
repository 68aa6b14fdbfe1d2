//===- AsterOps.cpp - Aster op type inference and verifiers ---------------===//
//
// Result type inference (which also carries the shape rules of the ops whose
// result type is inferred, so that building, parsing and verifying agree) and
// the verifiers of the other ops.
//
//===----------------------------------------------------------------------===//

#include "aster/Dialect/Aster/IR/AsterOps.h"

#include "mlir/Dialect/Traits.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::aster;

namespace {
/// Emits "'aster.<op>' op <message>" at `loc` (when given) and fails. Used by
/// inferReturnTypes, which has no op to call emitOpError on.
template <typename OpT>
InFlightDiagnostic opError(std::optional<Location> loc) {
  if (!loc)
    return InFlightDiagnostic();
  InFlightDiagnostic diag = mlir::emitError(*loc);
  diag << "'" << OpT::getOperationName() << "' op ";
  return diag;
}

RankedTensorType rankedType(Value value) {
  return dyn_cast_or_null<RankedTensorType>(value ? value.getType() : Type());
}

/// The operand types, or failure with an error when one is not a ranked
/// tensor (only reachable from builders: the parser checks constraints).
template <typename OpT>
LogicalResult requireRanked(std::optional<Location> loc,
                            ArrayRef<Value> values) {
  for (Value v : values)
    if (v && !rankedType(v))
      return opError<OpT>(loc) << "expects ranked tensor operands, got "
                               << v.getType();
  return success();
}

std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(shape, os);
  os << "]";
  return s;
}
} // namespace

//===----------------------------------------------------------------------===//
// Attributes an op does not define
//===----------------------------------------------------------------------===//

LogicalResult mlir::aster::detail::verifyNoUnknownAttributes(Operation *op) {
  for (NamedAttribute attr : op->getDiscardableAttrs()) {
    StringRef name = attr.getName().getValue();
    if (name.contains('.') && !name.starts_with("aster."))
      continue; // another dialect's annotation
    InFlightDiagnostic diag = op->emitOpError("has no attribute '")
                              << name << "'";
    ArrayRef<StringAttr> known = op->getName().getAttributeNames();
    if (known.empty()) {
      diag << "; it takes none";
    } else {
      diag << "; its attributes are ";
      llvm::interleaveComma(known, diag,
                            [&](StringAttr a) { diag << a.getValue(); });
    }
    return diag;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// constant
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &results) {
  auto value = dyn_cast_or_null<ElementsAttr>(adaptor.getValue());
  if (!value)
    return opError<ConstantOp>(loc) << "needs an elements attribute 'value'";
  results.push_back(value.getType());
  return success();
}

//===----------------------------------------------------------------------===//
// embedding
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  if (failed(requireRanked<EmbeddingOp>(
          loc, {adaptor.getTable(), adaptor.getIds()})))
    return failure();
  RankedTensorType table = rankedType(adaptor.getTable());
  RankedTensorType ids = rankedType(adaptor.getIds());
  if (table.getRank() != 2)
    return opError<EmbeddingOp>(loc)
           << "expects a 2-D table [vocab, dim], got rank " << table.getRank();
  SmallVector<int64_t> shape(ids.getShape());
  shape.push_back(table.getDimSize(1));
  results.push_back(RankedTensorType::get(shape, table.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// gather
//===----------------------------------------------------------------------===//

LogicalResult GatherOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  if (failed(requireRanked<GatherOp>(
          loc, {adaptor.getInput(), adaptor.getIndices()})))
    return failure();
  RankedTensorType in = rankedType(adaptor.getInput());
  RankedTensorType indices = rankedType(adaptor.getIndices());
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= in.getRank())
    return opError<GatherOp>(loc)
           << "axis " << axis << " is out of range for a rank-" << in.getRank()
           << " input; expected 0 <= axis < " << in.getRank();
  SmallVector<int64_t> shape(in.getShape().take_front(axis));
  llvm::append_range(shape, indices.getShape());
  llvm::append_range(shape, in.getShape().drop_front(axis + 1));
  results.push_back(RankedTensorType::get(shape, in.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// matmul
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  if (failed(requireRanked<MatmulOp>(loc, {adaptor.getLhs(), adaptor.getRhs()})))
    return failure();
  RankedTensorType lhs = rankedType(adaptor.getLhs());
  RankedTensorType rhs = rankedType(adaptor.getRhs());
  if (lhs.getRank() < 2 || rhs.getRank() < 2)
    return opError<MatmulOp>(loc)
           << "expects operands of rank 2 or more, got ranks "
           << lhs.getRank() << " and " << rhs.getRank();
  if (lhs.getElementType() != rhs.getElementType())
    return opError<MatmulOp>(loc)
           << "expects operands of one element type, got "
           << lhs.getElementType() << " and " << rhs.getElementType();
  bool tl = adaptor.getTransposeLhs(), tr = adaptor.getTransposeRhs();
  int64_t lr = lhs.getRank(), rr = rhs.getRank();
  int64_t m = lhs.getDimSize(tl ? lr - 1 : lr - 2);
  int64_t kl = lhs.getDimSize(tl ? lr - 2 : lr - 1);
  int64_t kr = rhs.getDimSize(tr ? rr - 1 : rr - 2);
  int64_t n = rhs.getDimSize(tr ? rr - 2 : rr - 1);
  if (kl != kr)
    return opError<MatmulOp>(loc)
           << "contraction sizes differ: lhs has K = " << kl
           << ", rhs has K = " << kr
           << " (check the transpose_lhs / transpose_rhs flags)";
  SmallVector<int64_t> batch;
  if (!::mlir::OpTrait::util::getBroadcastedShape(lhs.getShape().drop_back(2),
                                          rhs.getShape().drop_back(2), batch))
    return opError<MatmulOp>(loc)
           << "batch dimensions do not broadcast: "
           << shapeString(lhs.getShape().drop_back(2)) << " and "
           << shapeString(rhs.getShape().drop_back(2));
  batch.push_back(m);
  batch.push_back(n);
  results.push_back(RankedTensorType::get(batch, lhs.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise binary ops
//===----------------------------------------------------------------------===//

template <typename OpT>
static LogicalResult inferBroadcastType(std::optional<Location> loc,
                                        Value lhsValue, Value rhsValue,
                                        SmallVectorImpl<Type> &results) {
  if (failed(requireRanked<OpT>(loc, {lhsValue, rhsValue})))
    return failure();
  RankedTensorType lhs = rankedType(lhsValue), rhs = rankedType(rhsValue);
  if (lhs.getElementType() != rhs.getElementType())
    return opError<OpT>(loc) << "expects operands of one element type, got "
                             << lhs.getElementType() << " and "
                             << rhs.getElementType()
                             << " (insert an aster.cast)";
  SmallVector<int64_t> shape;
  if (!::mlir::OpTrait::util::getBroadcastedShape(lhs.getShape(), rhs.getShape(),
                                          shape))
    return opError<OpT>(loc) << "operand shapes " << shapeString(lhs.getShape())
                             << " and " << shapeString(rhs.getShape())
                             << " do not broadcast";
  results.push_back(RankedTensorType::get(shape, lhs.getElementType()));
  return success();
}

#define ASTER_BINARY_INFER(OP)                                                 \
  LogicalResult OP::inferReturnTypes(MLIRContext *,                            \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &results) {         \
    return inferBroadcastType<OP>(loc, adaptor.getLhs(), adaptor.getRhs(),     \
                                  results);                                    \
  }
ASTER_BINARY_INFER(AddOp)
ASTER_BINARY_INFER(SubOp)
ASTER_BINARY_INFER(MulOp)
ASTER_BINARY_INFER(DivOp)
ASTER_BINARY_INFER(PowOp)
#undef ASTER_BINARY_INFER

LogicalResult CompareOp::inferReturnTypes(MLIRContext *context,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  if (failed(inferBroadcastType<CompareOp>(loc, adaptor.getLhs(),
                                           adaptor.getRhs(), results)))
    return failure();
  results[0] = RankedTensorType::get(
      cast<RankedTensorType>(results[0]).getShape(),
      IntegerType::get(context, 1));
  return success();
}

LogicalResult SelectOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  if (failed(requireRanked<SelectOp>(
          loc, {adaptor.getCondition(), adaptor.getTrueValue(),
                adaptor.getFalseValue()})))
    return failure();
  RankedTensorType cond = rankedType(adaptor.getCondition());
  RankedTensorType a = rankedType(adaptor.getTrueValue());
  RankedTensorType b = rankedType(adaptor.getFalseValue());
  if (a.getElementType() != b.getElementType())
    return opError<SelectOp>(loc)
           << "true and false values must share an element type, got "
           << a.getElementType() << " and " << b.getElementType();
  SmallVector<int64_t> values, shape;
  if (!::mlir::OpTrait::util::getBroadcastedShape(a.getShape(), b.getShape(),
                                                  values) ||
      !::mlir::OpTrait::util::getBroadcastedShape(cond.getShape(), values,
                                                  shape))
    return opError<SelectOp>(loc)
           << "condition, true and false shapes "
           << shapeString(cond.getShape()) << ", "
           << shapeString(a.getShape()) << " and "
           << shapeString(b.getShape()) << " do not broadcast";
  results.push_back(RankedTensorType::get(shape, a.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// softmax, log_softmax
//===----------------------------------------------------------------------===//

template <typename OpT>
static LogicalResult verifyAxis(OpT op) {
  int64_t rank = op.getInput().getType().getRank();
  int64_t axis = op.getAxis();
  if (axis < 0 || axis >= rank)
    return op.emitOpError("axis ")
           << axis << " is out of range for a rank-" << rank
           << " input; expected 0 <= axis < " << rank;
  return success();
}

LogicalResult SoftmaxOp::verify() { return verifyAxis(*this); }
LogicalResult LogSoftmaxOp::verify() { return verifyAxis(*this); }

//===----------------------------------------------------------------------===//
// Normalisation
//===----------------------------------------------------------------------===//

/// Checks a per-channel parameter (norm weight or bias) against the input.
static LogicalResult verifyChannelParam(Operation *op, StringRef what,
                                        RankedTensorType input,
                                        RankedTensorType param) {
  if (input.getRank() < 1)
    return op->emitOpError("expects an input of rank 1 or more");
  int64_t channels = input.getShape().back();
  if (param.getRank() != 1 || param.getDimSize(0) != channels)
    return op->emitOpError()
           << what << " must be 1-D of size " << channels
           << " (the input's last dimension), got " << param;
  if (param.getElementType() != input.getElementType())
    return op->emitOpError()
           << what << " must have the input's element type "
           << input.getElementType() << ", got " << param.getElementType();
  return success();
}

static LogicalResult verifyEpsilon(Operation *op, double epsilon) {
  if (!(epsilon >= 0.0) || std::isinf(epsilon))
    return op->emitOpError("epsilon must be a finite value >= 0, got ")
           << epsilon;
  return success();
}

LogicalResult LayerNormOp::verify() {
  RankedTensorType input = getInput().getType();
  if (failed(verifyChannelParam(*this, "weight", input, getWeight().getType())))
    return failure();
  if (getBias() && failed(verifyChannelParam(*this, "bias", input,
                                             getBias().getType())))
    return failure();
  return verifyEpsilon(*this, getEpsilon().convertToDouble());
}

LogicalResult RmsNormOp::verify() {
  if (failed(verifyChannelParam(*this, "weight", getInput().getType(),
                                getWeight().getType())))
    return failure();
  return verifyEpsilon(*this, getEpsilon().convertToDouble());
}

//===----------------------------------------------------------------------===//
// rope
//===----------------------------------------------------------------------===//

LogicalResult RopeOp::verify() {
  RankedTensorType input = getInput().getType();
  if (input.getRank() < 2)
    return emitOpError("expects an input [..., seq, head_dim] of rank 2 or "
                       "more, got rank ")
           << input.getRank();
  int64_t headDim = input.getShape().back();
  if (headDim % 2 != 0)
    return emitOpError("head dimension must be even to rotate pairs, got ")
           << headDim;
  if (Value positions = getPositions()) {
    auto type = cast<RankedTensorType>(positions.getType());
    int64_t seq = input.getShape()[input.getRank() - 2];
    if (type.getRank() != 1 || type.getDimSize(0) != seq)
      return emitOpError("positions must be 1-D of size ")
             << seq << " (the input's sequence dimension), got " << type;
  }
  double theta = getTheta().convertToDouble();
  if (!(theta > 0.0) || std::isinf(theta))
    return emitOpError("theta must be a finite value > 0, got ") << theta;
  return success();
}

//===----------------------------------------------------------------------===//
// attention
//===----------------------------------------------------------------------===//

/// The rules of attention's operands, shared by aster.attention and its
/// training forms; pushes the result type.
template <typename OpT, typename AdaptorT>
static LogicalResult inferAttention(std::optional<Location> loc,
                                    AdaptorT adaptor,
                                    SmallVectorImpl<Type> &results) {
  if (failed(requireRanked<OpT>(
          loc, {adaptor.getQuery(), adaptor.getKey(), adaptor.getValue(),
                adaptor.getMask()})))
    return failure();
  RankedTensorType q = rankedType(adaptor.getQuery());
  RankedTensorType k = rankedType(adaptor.getKey());
  RankedTensorType v = rankedType(adaptor.getValue());
  for (auto [name, type] : {std::pair<StringRef, RankedTensorType>{"query", q},
                            {"key", k},
                            {"value", v}}) {
    if (type.getRank() != 4)
      return opError<OpT>(loc)
             << name << " must be 4-D [batch, heads, seq, head_dim], got "
             << type;
    if (type.getElementType() != q.getElementType())
      return opError<OpT>(loc)
             << "query, key and value must share an element type, got "
             << q.getElementType() << " and " << type.getElementType();
  }
  int64_t batch = q.getDimSize(0), heads = q.getDimSize(1);
  int64_t seqQ = q.getDimSize(2), headDim = q.getDimSize(3);
  if (k.getDimSize(0) != batch || v.getDimSize(0) != batch)
    return opError<OpT>(loc)
           << "query, key and value must have the same batch size, got "
           << batch << ", " << k.getDimSize(0) << ", " << v.getDimSize(0);
  int64_t kvHeads = k.getDimSize(1);
  if (v.getDimSize(1) != kvHeads)
    return opError<OpT>(loc)
           << "key and value must have the same number of heads, got "
           << kvHeads << " and " << v.getDimSize(1);
  if (kvHeads == 0 || heads % kvHeads != 0)
    return opError<OpT>(loc)
           << "key/value heads (" << kvHeads
           << ") must divide query heads (" << heads << ")";
  int64_t seqKv = k.getDimSize(2);
  if (v.getDimSize(2) != seqKv)
    return opError<OpT>(loc)
           << "key and value must have the same sequence length, got "
           << seqKv << " and " << v.getDimSize(2);
  if (k.getDimSize(3) != headDim)
    return opError<OpT>(loc)
           << "query and key head dimensions differ: " << headDim << " and "
           << k.getDimSize(3);
  if (RankedTensorType mask = rankedType(adaptor.getMask())) {
    SmallVector<int64_t> scoresShape = {batch, heads, seqQ, seqKv}, joined;
    if (mask.getElementType() != q.getElementType())
      return opError<OpT>(loc)
             << "mask must have the query's element type "
             << q.getElementType() << ", got " << mask.getElementType();
    if (mask.getRank() > 4 ||
        !::mlir::OpTrait::util::getBroadcastedShape(mask.getShape(), scoresShape,
                                            joined) ||
        ArrayRef<int64_t>(joined) != ArrayRef<int64_t>(scoresShape))
      return opError<OpT>(loc)
             << "mask of shape " << shapeString(mask.getShape())
             << " does not broadcast to the scores' shape "
             << shapeString(scoresShape);
  }
  if (std::optional<APFloat> scale = adaptor.getScale()) {
    double s = scale->convertToDouble();
    if (!std::isfinite(s))
      return opError<OpT>(loc) << "scale must be finite, got " << s;
  }
  results.push_back(RankedTensorType::get(
      {batch, heads, seqQ, v.getDimSize(3)}, q.getElementType()));
  return success();
}

LogicalResult AttentionOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  return inferAttention<AttentionOp>(loc, adaptor, results);
}

//===----------------------------------------------------------------------===//
// reshape
//===----------------------------------------------------------------------===//

/// The element count of a static shape, or nullopt if it overflows int64.
static std::optional<int64_t> checkedElementCount(ArrayRef<int64_t> shape) {
  int64_t count = 1;
  for (int64_t d : shape)
    if (llvm::MulOverflow(count, d, count))
      return std::nullopt;
  return count;
}

LogicalResult ReshapeOp::verify() {
  RankedTensorType in = getInput().getType(), out = getResult().getType();
  if (in.getElementType() != out.getElementType())
    return emitOpError("cannot change the element type (")
           << in.getElementType() << " to " << out.getElementType()
           << "); use aster.cast";
  std::optional<int64_t> inCount = checkedElementCount(in.getShape());
  std::optional<int64_t> outCount = checkedElementCount(out.getShape());
  if (!inCount || !outCount)
    return emitOpError("element count of ")
           << (inCount ? out : in) << " overflows a 64-bit integer";
  if (*inCount != *outCount)
    return emitOpError("element counts differ: ")
           << in << " has " << *inCount << ", " << out << " has " << *outCount;
  return success();
}

//===----------------------------------------------------------------------===//
// broadcast
//===----------------------------------------------------------------------===//

LogicalResult BroadcastOp::verify() {
  RankedTensorType in = getInput().getType(), out = getResult().getType();
  if (in.getElementType() != out.getElementType())
    return emitOpError("cannot change the element type (")
           << in.getElementType() << " to " << out.getElementType()
           << "); use aster.cast";
  ArrayRef<int64_t> from = in.getShape(), to = out.getShape();
  bool ok = from.size() <= to.size();
  for (size_t i = 0; ok && i < from.size(); ++i) {
    int64_t f = from[from.size() - 1 - i], t = to[to.size() - 1 - i];
    ok = f == t || f == 1;
  }
  if (!ok)
    return emitOpError("input shape ")
           << shapeString(from) << " does not broadcast to "
           << shapeString(to);
  return success();
}

//===----------------------------------------------------------------------===//
// transpose
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  if (failed(requireRanked<TransposeOp>(loc, {adaptor.getInput()})))
    return failure();
  RankedTensorType in = rankedType(adaptor.getInput());
  ArrayRef<int64_t> perm = adaptor.getPermutation();
  if (static_cast<int64_t>(perm.size()) != in.getRank())
    return opError<TransposeOp>(loc)
           << "permutation has " << perm.size() << " entries for a rank-"
           << in.getRank() << " input";
  SmallVector<bool> used(perm.size(), false);
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= in.getRank() || used[p])
      return opError<TransposeOp>(loc)
             << shapeString(perm) << " is not a permutation of [0, "
             << in.getRank() << ")";
    used[p] = true;
    shape.push_back(in.getDimSize(p));
  }
  results.push_back(RankedTensorType::get(shape, in.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// slice
//===----------------------------------------------------------------------===//

SmallVector<int64_t> SliceOp::getSteps() {
  if (std::optional<ArrayRef<int64_t>> step = getStep())
    return SmallVector<int64_t>(*step);
  return SmallVector<int64_t>(getStart().size(), 1);
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  if (failed(requireRanked<SliceOp>(loc, {adaptor.getInput()})))
    return failure();
  RankedTensorType in = rankedType(adaptor.getInput());
  ArrayRef<int64_t> start = adaptor.getStart(), limit = adaptor.getLimit();
  SmallVector<int64_t> step(start.size(), 1);
  if (std::optional<ArrayRef<int64_t>> given = adaptor.getStep())
    step.assign(given->begin(), given->end());
  int64_t rank = in.getRank();
  if (static_cast<int64_t>(start.size()) != rank ||
      static_cast<int64_t>(limit.size()) != rank ||
      static_cast<int64_t>(step.size()) != rank)
    return opError<SliceOp>(loc)
           << "start, limit and step need one entry per dimension (" << rank
           << "), got " << start.size() << ", " << limit.size() << " and "
           << step.size();
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t size = in.getDimSize(d);
    if (start[d] < 0 || start[d] > limit[d] || limit[d] > size)
      return opError<SliceOp>(loc)
             << "dimension " << d << ": needs 0 <= start <= limit <= "
             << size << ", got start " << start[d] << ", limit " << limit[d];
    if (step[d] < 1)
      return opError<SliceOp>(loc)
             << "dimension " << d << ": step must be >= 1, got " << step[d];
    int64_t span = limit[d] - start[d];
    shape.push_back(span == 0 ? 0 : 1 + (span - 1) / step[d]);
  }
  results.push_back(RankedTensorType::get(shape, in.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// concat
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return opError<ConcatOp>(loc) << "needs at least one input";
  SmallVector<Value> values(inputs.begin(), inputs.end());
  if (failed(requireRanked<ConcatOp>(loc, values)))
    return failure();
  RankedTensorType first = rankedType(inputs.front());
  int64_t rank = first.getRank();
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= rank)
    return opError<ConcatOp>(loc)
           << "axis " << axis << " is out of range for rank-" << rank
           << " inputs; expected 0 <= axis < " << rank;
  SmallVector<int64_t> shape(first.getShape());
  for (auto [i, value] : llvm::enumerate(inputs.drop_front())) {
    RankedTensorType type = rankedType(value);
    if (type.getElementType() != first.getElementType())
      return opError<ConcatOp>(loc)
             << "input " << i + 1 << " has element type "
             << type.getElementType() << ", input 0 has "
             << first.getElementType();
    if (type.getRank() != rank)
      return opError<ConcatOp>(loc) << "input " << i + 1 << " has rank "
                                    << type.getRank() << ", input 0 has "
                                    << rank;
    for (int64_t d = 0; d < rank; ++d) {
      if (d == axis)
        continue;
      if (type.getDimSize(d) != shape[d])
        return opError<ConcatOp>(loc)
               << "input " << i + 1 << " has size " << type.getDimSize(d)
               << " in dimension " << d << " where input 0 has " << shape[d]
               << " (only the axis " << axis << " may differ)";
    }
    if (llvm::AddOverflow(shape[axis], type.getDimSize(axis), shape[axis]))
      return opError<ConcatOp>(loc)
             << "the concatenated size along axis " << axis
             << " overflows a 64-bit integer";
  }
  results.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// reduce
//===----------------------------------------------------------------------===//

LogicalResult ReduceOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  if (failed(requireRanked<ReduceOp>(loc, {adaptor.getInput()})))
    return failure();
  RankedTensorType in = rankedType(adaptor.getInput());
  ArrayRef<int64_t> axes = adaptor.getAxes();
  if (axes.empty())
    return opError<ReduceOp>(loc) << "needs at least one axis to reduce";
  SmallVector<bool> reduced(in.getRank(), false);
  for (int64_t axis : axes) {
    if (axis < 0 || axis >= in.getRank())
      return opError<ReduceOp>(loc)
             << "axis " << axis << " is out of range for a rank-"
             << in.getRank() << " input";
    if (reduced[axis])
      return opError<ReduceOp>(loc) << "axis " << axis << " is listed twice";
    reduced[axis] = true;
  }
  if (adaptor.getKind() == ReduceKind::mean &&
      !isa<FloatType>(in.getElementType()))
    return opError<ReduceOp>(loc)
           << "mean needs a floating-point input, got " << in.getElementType();
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < in.getRank(); ++d) {
    if (!reduced[d])
      shape.push_back(in.getDimSize(d));
    else if (adaptor.getKeepDims())
      shape.push_back(1);
  }
  results.push_back(RankedTensorType::get(shape, in.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// cast
//===----------------------------------------------------------------------===//

LogicalResult CastOp::verify() {
  RankedTensorType in = getInput().getType(), out = getResult().getType();
  if (in.getShape() != out.getShape())
    return emitOpError("cannot change the shape (")
           << shapeString(in.getShape()) << " to "
           << shapeString(out.getShape()) << "); use aster.reshape";
  return success();
}

//===----------------------------------------------------------------------===//
// cross_entropy
//===----------------------------------------------------------------------===//

LogicalResult CrossEntropyOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  if (failed(requireRanked<CrossEntropyOp>(
          loc, {adaptor.getLogits(), adaptor.getLabels()})))
    return failure();
  RankedTensorType logits = rankedType(adaptor.getLogits());
  RankedTensorType labels = rankedType(adaptor.getLabels());
  if (logits.getRank() < 1)
    return opError<CrossEntropyOp>(loc)
           << "logits must have a class dimension (rank 1 or more)";
  if (labels.getShape() != logits.getShape().drop_back())
    return opError<CrossEntropyOp>(loc)
           << "labels of shape " << shapeString(labels.getShape())
           << " must have the logits' shape without the class dimension, "
           << shapeString(logits.getShape().drop_back());
  Type f32 = Float32Type::get(context);
  if (adaptor.getReduction() == LossReduction::none)
    results.push_back(RankedTensorType::get(labels.getShape(), f32));
  else
    results.push_back(RankedTensorType::get({}, f32));
  return success();
}

//===----------------------------------------------------------------------===//
// Training ops (AsterTrainingOps.td)
//===----------------------------------------------------------------------===//

/// `type` with its last dimension dropped and element type f32: the shape
/// of per-row statistics.
static RankedTensorType rowStatsType(RankedTensorType type) {
  return RankedTensorType::get(type.getShape().drop_back(),
                               Float32Type::get(type.getContext()));
}

static LogicalResult expectType(Operation *op, StringRef what, Type actual,
                                Type expected) {
  if (actual != expected)
    return op->emitOpError()
           << what << " must be " << expected << ", got " << actual;
  return success();
}

LogicalResult ScatterAddOp::verify() {
  RankedTensorType result = getType(), updates = getUpdates().getType();
  auto indices = cast<RankedTensorType>(getIndices().getType());
  int64_t axis = getAxis(), rank = result.getRank();
  if (axis < 0 || axis >= rank)
    return emitOpError("axis ") << axis << " is out of range for rank "
                                << rank;
  SmallVector<int64_t> shape(result.getShape().take_front(axis));
  llvm::append_range(shape, indices.getShape());
  llvm::append_range(shape, result.getShape().drop_front(axis + 1));
  return expectType(*this, "updates",
                    updates,
                    RankedTensorType::get(shape, result.getElementType()));
}

/// Runs another op's type inference for `op`, re-emitting its diagnostic
/// under `op`'s own name ("'aster.slice' op ..." becomes "'aster.insert_slice'
/// op ...").
template <typename InferFn>
static LogicalResult inferAs(Operation *op, InferFn infer) {
  std::string message;
  LogicalResult result = success();
  {
    ScopedDiagnosticHandler capture(op->getContext(), [&](Diagnostic &d) {
      if (message.empty())
        message = d.str();
      return success();
    });
    result = infer();
  }
  if (succeeded(result))
    return success();
  StringRef text = message;
  size_t start = text.find("' op ");
  if (text.starts_with("'") && start != StringRef::npos)
    text = text.drop_front(start + 5);
  return op->emitOpError(text);
}

LogicalResult InsertSliceOp::verify() {
  SmallVector<Type> inferred;
  SliceOp::Adaptor::Properties properties;
  properties.start = getStartAttr();
  properties.limit = getLimitAttr();
  properties.step = getStepAttr();
  // The source must be what aster.slice reads from a tensor of the result
  // type with these bounds.
  Value result = getResult();
  if (failed(inferAs(*this, [&] {
        return SliceOp::inferReturnTypes(getContext(), getLoc(),
                                         ValueRange{result}, DictionaryAttr(),
                                         &properties, {}, inferred);
      })))
    return failure();
  return expectType(*this, "source", getSource().getType(), inferred[0]);
}

LogicalResult AttentionFwdOp::verify() {
  SmallVector<Type> inferred;
  if (failed(inferAttention<AttentionFwdOp>(getLoc(), *this, inferred)))
    return failure();
  auto out = cast<RankedTensorType>(inferred[0]);
  if (failed(expectType(*this, "result", getResult().getType(), out)))
    return failure();
  return expectType(*this, "lse", getLse().getType(),
                    rowStatsType(out));
}

LogicalResult AttentionBwdOp::verify() {
  SmallVector<Type> inferred;
  if (failed(inferAttention<AttentionBwdOp>(getLoc(), *this, inferred)))
    return failure();
  auto out = cast<RankedTensorType>(inferred[0]);
  if (failed(expectType(*this, "out", getOut().getType(), out)) ||
      failed(expectType(*this, "grad", getGrad().getType(), out)) ||
      failed(expectType(*this, "lse", getLse().getType(), rowStatsType(out))) ||
      failed(expectType(*this, "grad_query", getGradQuery().getType(),
                        getQuery().getType())) ||
      failed(expectType(*this, "grad_key", getGradKey().getType(),
                        getKey().getType())))
    return failure();
  return expectType(*this, "grad_value", getGradValue().getType(),
                    getValue().getType());
}

LogicalResult LayerNormFwdOp::verify() {
  RankedTensorType input = getInput().getType();
  if (failed(verifyChannelParam(*this, "weight", input, getWeight().getType())))
    return failure();
  if (getBias() && failed(verifyChannelParam(*this, "bias", input,
                                             getBias().getType())))
    return failure();
  if (failed(verifyEpsilon(*this, getEpsilon().convertToDouble())) ||
      failed(expectType(*this, "result", getResult().getType(), input)) ||
      failed(expectType(*this, "mean", getMean().getType(),
                        rowStatsType(input))))
    return failure();
  return expectType(*this, "rstd", getRstd().getType(), rowStatsType(input));
}

LogicalResult LayerNormBwdOp::verify() {
  RankedTensorType input = getInput().getType();
  if (failed(verifyChannelParam(*this, "weight", input, getWeight().getType())))
    return failure();
  if (failed(expectType(*this, "mean", getMean().getType(),
                        rowStatsType(input))) ||
      failed(expectType(*this, "rstd", getRstd().getType(),
                        rowStatsType(input))) ||
      failed(expectType(*this, "grad", getGrad().getType(), input)) ||
      failed(expectType(*this, "grad_input", getGradInput().getType(), input)) ||
      failed(expectType(*this, "grad_weight", getGradWeight().getType(),
                        getWeight().getType())))
    return failure();
  return expectType(*this, "grad_bias", getGradBias().getType(),
                    getWeight().getType());
}

LogicalResult RmsNormFwdOp::verify() {
  RankedTensorType input = getInput().getType();
  if (failed(verifyChannelParam(*this, "weight", input, getWeight().getType())) ||
      failed(verifyEpsilon(*this, getEpsilon().convertToDouble())) ||
      failed(expectType(*this, "result", getResult().getType(), input)))
    return failure();
  return expectType(*this, "rstd", getRstd().getType(), rowStatsType(input));
}

LogicalResult RmsNormBwdOp::verify() {
  RankedTensorType input = getInput().getType();
  if (failed(verifyChannelParam(*this, "weight", input, getWeight().getType())) ||
      failed(expectType(*this, "rstd", getRstd().getType(),
                        rowStatsType(input))) ||
      failed(expectType(*this, "grad", getGrad().getType(), input)) ||
      failed(expectType(*this, "grad_input", getGradInput().getType(), input)))
    return failure();
  return expectType(*this, "grad_weight", getGradWeight().getType(),
                    getWeight().getType());
}

/// The loss type aster.cross_entropy gives these operands, or failure.
template <typename OpT>
static FailureOr<Type> crossEntropyLossType(OpT op) {
  SmallVector<Type> inferred;
  CrossEntropyOp::Adaptor::Properties properties;
  properties.ignore_index = op.getIgnoreIndexAttr();
  properties.reduction = op.getReductionAttr();
  if (failed(inferAs(op, [&] {
        return CrossEntropyOp::inferReturnTypes(
            op.getContext(), op.getLoc(),
            ValueRange{op.getLogits(), op.getLabels()}, DictionaryAttr(),
            &properties, {}, inferred);
      })))
    return failure();
  return inferred[0];
}

LogicalResult CrossEntropyFwdOp::verify() {
  FailureOr<Type> loss = crossEntropyLossType(*this);
  if (failed(loss) ||
      failed(expectType(*this, "result", getResult().getType(), *loss)))
    return failure();
  auto labels = cast<RankedTensorType>(getLabels().getType());
  return expectType(*this, "lse", getLse().getType(),
                    RankedTensorType::get(labels.getShape(),
                                          Float32Type::get(getContext())));
}

LogicalResult CrossEntropyBwdOp::verify() {
  FailureOr<Type> loss = crossEntropyLossType(*this);
  if (failed(loss) ||
      failed(expectType(*this, "grad", getGrad().getType(), *loss)))
    return failure();
  auto labels = cast<RankedTensorType>(getLabels().getType());
  if (failed(expectType(*this, "lse", getLse().getType(),
                        RankedTensorType::get(labels.getShape(),
                                              Float32Type::get(getContext())))))
    return failure();
  return expectType(*this, "result", getResult().getType(),
                    getLogits().getType());
}

//===----------------------------------------------------------------------===//
// Shared verifier of the ops with inferred result types
//===----------------------------------------------------------------------===//

namespace mlir::aster {
/// Runs the op's inference at its location (emitting the rule it breaks, if
/// any) and checks the declared result type against the inferred one.
template <typename OpT>
static LogicalResult verifyInferredResultType(OpT op) {
  SmallVector<Type> inferred;
  if (failed(OpT::inferReturnTypes(
          op->getContext(), op->getLoc(), op->getOperands(),
          op->getRawDictionaryAttrs(), op->getPropertiesStorage(),
          op->getRegions(), inferred)))
    return failure();
  if (TypeRange(inferred) != op->getResultTypes())
    return op.emitOpError("result type ")
           << op->getResultTypes() << " does not match " << inferred
           << ", the type its operands and attributes give";
  return success();
}
} // namespace mlir::aster

#define GET_OP_CLASSES
#include "aster/Dialect/Aster/IR/AsterOps.cpp.inc"
