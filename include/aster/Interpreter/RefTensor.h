//===- RefTensor.h - Values of the reference interpreter --------*- C++ -*-===//
//
// A tensor as the reference interpreter holds it: a shape, an element kind,
// and its values in row-major order, as doubles for floating-point kinds and
// as 64-bit integers for integer kinds.
//
//===----------------------------------------------------------------------===//

#ifndef ASTER_INTERPRETER_REFTENSOR_H
#define ASTER_INTERPRETER_REFTENSOR_H

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::aster::interp {

enum class ElementKind { F32, BF16, F16, I32, I64, I1 };

/// The element kind of an `aster` element type, if it is one.
std::optional<ElementKind> elementKindOf(Type type);
Type elementTypeOf(MLIRContext *context, ElementKind kind);
bool isFloatKind(ElementKind kind);
const char *kindName(ElementKind kind);

/// `value` rounded to nearest-even in `kind`. f32 is deliberately not
/// rounded: the oracle holds f32 values in f64 (see docs/decisions.md).
double roundToKind(ElementKind kind, double value);
/// `value` wrapped to the width of integer `kind` (two's complement); for
/// I1, `value != 0`.
int64_t wrapToKind(ElementKind kind, int64_t value);

int64_t numElements(llvm::ArrayRef<int64_t> shape);
/// Row-major strides of `shape`.
llvm::SmallVector<int64_t> stridesOf(llvm::ArrayRef<int64_t> shape);
std::string shapeToString(llvm::ArrayRef<int64_t> shape);

struct RefTensor {
  ElementKind kind = ElementKind::F32;
  llvm::SmallVector<int64_t> shape;
  /// Values of a floating-point tensor (empty for integer kinds).
  std::vector<double> floats;
  /// Values of an integer tensor (empty for floating-point kinds).
  std::vector<int64_t> ints;

  /// A tensor of `kind` and `shape` filled with zeros.
  static RefTensor zeros(ElementKind kind, llvm::ArrayRef<int64_t> shape);

  bool isFloat() const { return isFloatKind(kind); }
  int64_t size() const { return numElements(shape); }
  /// Element `i` as a double, whatever the kind.
  double asDouble(int64_t i) const {
    return isFloat() ? floats[i] : static_cast<double>(ints[i]);
  }
  /// The `aster` tensor type of this value.
  RankedTensorType type(MLIRContext *context) const;
  /// Rounds or wraps every element to the kind (after an op computed it).
  void roundToKind();
  /// A tensor of the same kind with `indexMap[i]` as the source of element i.
  RefTensor gather(llvm::ArrayRef<int64_t> newShape,
                   const std::vector<int64_t> &indexMap) const;
};

/// Calls `fn(flat, index)` for every element of a tensor of `shape`, in
/// row-major order, with its flat position and multi-dimensional index.
void forEachIndex(
    llvm::ArrayRef<int64_t> shape,
    llvm::function_ref<void(int64_t, llvm::ArrayRef<int64_t>)> fn);

/// For each element of a tensor of `shape`, the flat index `source` gives
/// for its multi-dimensional index: the gather map of a data movement op.
std::vector<int64_t>
indexMap(llvm::ArrayRef<int64_t> shape,
         llvm::function_ref<int64_t(llvm::ArrayRef<int64_t>)> source);

/// For each element of a tensor of shape `to`, the flat index of the element
/// of a tensor of shape `from` that numpy broadcasting reads.
std::vector<int64_t> broadcastIndexMap(llvm::ArrayRef<int64_t> from,
                                       llvm::ArrayRef<int64_t> to);

} // namespace mlir::aster::interp

#endif // ASTER_INTERPRETER_REFTENSOR_H
