//===- LinalgBuilders.cpp - Shared pieces of the aster-to-linalg lowering -===//

#include "LinalgBuilders.h"

#include "mlir/IR/AffineMap.h"

using namespace mlir;
using namespace mlir::aster;
using namespace mlir::aster::codegen;

AffineMap codegen::broadcastMap(MLIRContext *context,
                                ArrayRef<int64_t> resultShape,
                                ArrayRef<int64_t> operandShape) {
  int64_t rank = resultShape.size(), offset = rank - operandShape.size();
  SmallVector<AffineExpr> exprs;
  for (auto [i, size] : llvm::enumerate(operandShape)) {
    int64_t d = offset + i;
    exprs.push_back(size == 1 && resultShape[d] != 1
                        ? getAffineConstantExpr(0, context)
                        : getAffineDimExpr(d, context));
  }
  return AffineMap::get(rank, 0, exprs, context);
}

Value codegen::emptyLike(OpBuilder &b, Location loc, RankedTensorType type) {
  return tensor::EmptyOp::create(b, loc, type.getShape(),
                                 type.getElementType());
}

Value codegen::elementwise(OpBuilder &b, Location loc,
                           RankedTensorType resultType, ValueRange inputs,
                           ScalarBody body) {
  MLIRContext *context = b.getContext();
  ArrayRef<int64_t> shape = resultType.getShape();
  SmallVector<AffineMap> maps;
  for (Value input : inputs)
    maps.push_back(broadcastMap(context, shape, tensorType(input).getShape()));
  maps.push_back(AffineMap::getMultiDimIdentityMap(shape.size(), context));
  SmallVector<utils::IteratorType> iterators(shape.size(),
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs,
      ValueRange{emptyLike(b, loc, resultType)}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value result = body(nb, nloc, args.drop_back());
        linalg::YieldOp::create(nb, nloc, result);
      });
  return generic.getResult(0);
}

Value codegen::scalarConstant(OpBuilder &b, Location loc, double value,
                              Type type) {
  if (isa<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, static_cast<int64_t>(value)));
}

Value codegen::reduce(OpBuilder &b, Location loc, Value input,
                      ArrayRef<int64_t> axes, Combiner combiner,
                      Type accType) {
  MLIRContext *context = b.getContext();
  ArrayRef<int64_t> shape = tensorType(input).getShape();
  int64_t rank = shape.size();
  SmallVector<int64_t> kept;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = llvm::is_contained(axes, d);
    iterators.push_back(reduced ? utils::IteratorType::reduction
                                : utils::IteratorType::parallel);
    if (!reduced) {
      kept.push_back(shape[d]);
      outExprs.push_back(getAffineDimExpr(d, context));
    }
  }
  auto resultType = RankedTensorType::get(kept, accType);
  double identity = 0.0;
  if (combiner == Combiner::Max)
    identity = isa<FloatType>(accType)
                   ? -std::numeric_limits<double>::infinity()
                   : static_cast<double>(std::numeric_limits<int64_t>::min());
  Value init;
  if (combiner == Combiner::Max && !isa<FloatType>(accType))
    init = arith::ConstantOp::create(
        b, loc,
        b.getIntegerAttr(accType,
                         APInt::getSignedMinValue(accType.getIntOrFloatBitWidth())));
  else
    init = scalarConstant(b, loc, identity, accType);
  Value filled = linalg::FillOp::create(b, loc, ValueRange{init},
                                        ValueRange{emptyLike(b, loc, resultType)})
                     .getResult(0);
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(rank, context),
      AffineMap::get(rank, 0, outExprs, context)};
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{input}, ValueRange{filled},
      maps, iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value x = convertScalar(nb, nloc, args[0], accType);
        Value acc = args[1];
        Value r;
        if (combiner == Combiner::Sum)
          r = isa<FloatType>(accType)
                  ? arith::AddFOp::create(nb, nloc, acc, x).getResult()
                  : arith::AddIOp::create(nb, nloc, acc, x).getResult();
        else
          r = isa<FloatType>(accType)
                  ? arith::MaximumFOp::create(nb, nloc, acc, x).getResult()
                  : arith::MaxSIOp::create(nb, nloc, acc, x).getResult();
        linalg::YieldOp::create(nb, nloc, r);
      });
  return generic.getResult(0);
}

Value codegen::reshape(OpBuilder &b, Location loc, Value value,
                       ArrayRef<int64_t> shape) {
  RankedTensorType type = tensorType(value);
  if (type.getShape() == shape)
    return value;
  auto shapeType =
      RankedTensorType::get({static_cast<int64_t>(shape.size())}, b.getI64Type());
  Value shapeValue = arith::ConstantOp::create(
      b, loc, DenseIntElementsAttr::get(shapeType, shape));
  return tensor::ReshapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), value,
      shapeValue);
}

Value codegen::keepDims(OpBuilder &b, Location loc, Value value,
                        ArrayRef<int64_t> fullShape, ArrayRef<int64_t> axes) {
  SmallVector<int64_t> shape(fullShape);
  for (int64_t a : axes)
    shape[a] = 1;
  return reshape(b, loc, value, shape);
}

Value codegen::convertScalar(OpBuilder &b, Location loc, Value x, Type to) {
  Type from = x.getType();
  if (from == to)
    return x;
  auto fromFloat = dyn_cast<FloatType>(from), toFloat = dyn_cast<FloatType>(to);
  if (fromFloat && toFloat)
    return fromFloat.getWidth() < toFloat.getWidth() ||
                   (fromFloat.getWidth() == toFloat.getWidth() &&
                    fromFloat.getFPMantissaWidth() < toFloat.getFPMantissaWidth())
               ? arith::ExtFOp::create(b, loc, to, x).getResult()
               : arith::TruncFOp::create(b, loc, to, x).getResult();
  if (to.isInteger(1)) {
    // x != 0 (NaN is not 0).
    Value zero = scalarConstant(b, loc, 0, from);
    return fromFloat ? arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE,
                                             x, zero)
                           .getResult()
                     : arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                             x, zero)
                           .getResult();
  }
  if (from.isInteger(1))
    return toFloat ? arith::UIToFPOp::create(b, loc, to, x).getResult()
                   : arith::ExtUIOp::create(b, loc, to, x).getResult();
  if (fromFloat)
    return arith::FPToSIOp::create(b, loc, to, x);
  if (toFloat)
    return arith::SIToFPOp::create(b, loc, to, x);
  return from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth()
             ? arith::ExtSIOp::create(b, loc, to, x).getResult()
             : arith::TruncIOp::create(b, loc, to, x).getResult();
}

Value codegen::convertTensor(OpBuilder &b, Location loc, Value value,
                             Type to) {
  RankedTensorType type = tensorType(value);
  if (type.getElementType() == to)
    return value;
  return elementwise(b, loc, RankedTensorType::get(type.getShape(), to),
                     ValueRange{value},
                     [&](OpBuilder &nb, Location nloc, ValueRange args) {
                       return convertScalar(nb, nloc, args[0], to);
                     });
}

Type codegen::computeType(Type elementType) {
  if (auto f = dyn_cast<FloatType>(elementType); f && f.getWidth() < 32)
    return Float32Type::get(elementType.getContext());
  return elementType;
}
