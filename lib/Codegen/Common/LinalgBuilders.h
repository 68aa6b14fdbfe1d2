//===- LinalgBuilders.h - Shared pieces of the aster-to-linalg lowering ---===//
//
// Builders the per-family conversion files share: broadcasting elementwise
// generics, reductions, scalar arithmetic that dispatches on the element
// type, and the f32 promotion of 16-bit values.
//
//===----------------------------------------------------------------------===//

#ifndef ASTER_LIB_CODEGEN_COMMON_LINALGBUILDERS_H
#define ASTER_LIB_CODEGEN_COMMON_LINALGBUILDERS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace mlir::aster::codegen {

using ScalarBody =
    llvm::function_ref<Value(OpBuilder &, Location, ValueRange)>;

inline RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// The map from the loops of a result of shape `resultShape` to an operand
/// of shape `operandShape` under numpy broadcasting (trailing alignment,
/// size-1 dimensions read at 0).
AffineMap broadcastMap(MLIRContext *context, ArrayRef<int64_t> resultShape,
                       ArrayRef<int64_t> operandShape);

/// `tensor.empty` of `type`.
Value emptyLike(OpBuilder &b, Location loc, RankedTensorType type);

/// A `linalg.generic` computing `resultType` elementwise from `inputs`
/// (broadcast to it); `body` maps the input scalars to the result scalar.
Value elementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                  ValueRange inputs, ScalarBody body);

enum class Combiner { Sum, Max };

/// Reduces `input` over `axes` (sorted) with `combiner`, dropping them from
/// the shape; the result has element type `accType` (the input's elements
/// are converted to it).
Value reduce(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
             Combiner combiner, Type accType);

/// `value` (the reduction of a `rank`-dimensional tensor over `axes`)
/// with the reduced dimensions put back as size 1.
Value keepDims(OpBuilder &b, Location loc, Value value,
               ArrayRef<int64_t> fullShape, ArrayRef<int64_t> axes);

/// Any static reshape, as `tensor.reshape` with a constant shape.
Value reshape(OpBuilder &b, Location loc, Value value, ArrayRef<int64_t> shape);

/// Converts a scalar between element types with aster.cast's semantics.
Value convertScalar(OpBuilder &b, Location loc, Value x, Type to);
/// `value` converted elementwise to element type `to` (itself if equal).
Value convertTensor(OpBuilder &b, Location loc, Value value, Type to);
/// f32 for 16-bit floats, the type itself otherwise: the type norms,
/// softmax and accumulations compute in.
Type computeType(Type elementType);

/// A scalar constant of `type`.
Value scalarConstant(OpBuilder &b, Location loc, double value, Type type);

} // namespace mlir::aster::codegen

#endif // ASTER_LIB_CODEGEN_COMMON_LINALGBUILDERS_H
