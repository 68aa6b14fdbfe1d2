//===- RefTensor.cpp - Values of the reference interpreter ----------------===//

#include "aster/Interpreter/RefTensor.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::aster::interp;

std::optional<ElementKind> mlir::aster::interp::elementKindOf(Type type) {
  if (type.isF32())
    return ElementKind::F32;
  if (type.isBF16())
    return ElementKind::BF16;
  if (type.isF16())
    return ElementKind::F16;
  if (type.isSignlessInteger(32))
    return ElementKind::I32;
  if (type.isSignlessInteger(64))
    return ElementKind::I64;
  if (type.isSignlessInteger(1))
    return ElementKind::I1;
  return std::nullopt;
}

Type mlir::aster::interp::elementTypeOf(MLIRContext *context,
                                        ElementKind kind) {
  switch (kind) {
  case ElementKind::F32:
    return Float32Type::get(context);
  case ElementKind::BF16:
    return BFloat16Type::get(context);
  case ElementKind::F16:
    return Float16Type::get(context);
  case ElementKind::I32:
    return IntegerType::get(context, 32);
  case ElementKind::I64:
    return IntegerType::get(context, 64);
  case ElementKind::I1:
    return IntegerType::get(context, 1);
  }
  return {};
}

bool mlir::aster::interp::isFloatKind(ElementKind kind) {
  return kind == ElementKind::F32 || kind == ElementKind::BF16 ||
         kind == ElementKind::F16;
}

const char *mlir::aster::interp::kindName(ElementKind kind) {
  switch (kind) {
  case ElementKind::F32:
    return "f32";
  case ElementKind::BF16:
    return "bf16";
  case ElementKind::F16:
    return "f16";
  case ElementKind::I32:
    return "i32";
  case ElementKind::I64:
    return "i64";
  case ElementKind::I1:
    return "i1";
  }
  return "?";
}

static double roundWith(const llvm::fltSemantics &semantics, double value) {
  llvm::APFloat rounded(value);
  bool losesInfo = false;
  rounded.convert(semantics, llvm::APFloat::rmNearestTiesToEven, &losesInfo);
  rounded.convert(llvm::APFloat::IEEEdouble(),
                  llvm::APFloat::rmNearestTiesToEven, &losesInfo);
  return rounded.convertToDouble();
}

double mlir::aster::interp::roundToKind(ElementKind kind, double value) {
  switch (kind) {
  case ElementKind::BF16:
    return roundWith(llvm::APFloat::BFloat(), value);
  case ElementKind::F16:
    return roundWith(llvm::APFloat::IEEEhalf(), value);
  default:
    return value;
  }
}

int64_t mlir::aster::interp::wrapToKind(ElementKind kind, int64_t value) {
  if (kind == ElementKind::I32)
    return static_cast<int32_t>(static_cast<uint32_t>(value));
  if (kind == ElementKind::I1)
    return value != 0;
  return value;
}

int64_t mlir::aster::interp::numElements(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

SmallVector<int64_t> mlir::aster::interp::stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

std::string mlir::aster::interp::shapeToString(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "[";
  llvm::interleaveComma(shape, os);
  os << "]";
  return s;
}

RefTensor RefTensor::zeros(ElementKind kind, ArrayRef<int64_t> shape) {
  RefTensor t;
  t.kind = kind;
  t.shape.assign(shape.begin(), shape.end());
  if (t.isFloat())
    t.floats.assign(t.size(), 0.0);
  else
    t.ints.assign(t.size(), 0);
  return t;
}

RankedTensorType RefTensor::type(MLIRContext *context) const {
  return RankedTensorType::get(shape, elementTypeOf(context, kind));
}

void RefTensor::roundToKind() {
  for (double &v : floats)
    v = interp::roundToKind(kind, v);
  for (int64_t &v : ints)
    v = wrapToKind(kind, v);
}

RefTensor RefTensor::gather(ArrayRef<int64_t> newShape,
                            const std::vector<int64_t> &indexMap) const {
  RefTensor out;
  out.kind = kind;
  out.shape.assign(newShape.begin(), newShape.end());
  if (isFloat()) {
    out.floats.reserve(indexMap.size());
    for (int64_t i : indexMap)
      out.floats.push_back(floats[i]);
  } else {
    out.ints.reserve(indexMap.size());
    for (int64_t i : indexMap)
      out.ints.push_back(ints[i]);
  }
  return out;
}

void mlir::aster::interp::forEachIndex(
    ArrayRef<int64_t> shape,
    llvm::function_ref<void(int64_t, ArrayRef<int64_t>)> fn) {
  SmallVector<int64_t> index(shape.size(), 0);
  for (int64_t flat = 0, e = numElements(shape); flat < e; ++flat) {
    fn(flat, index);
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
}

std::vector<int64_t> mlir::aster::interp::indexMap(
    ArrayRef<int64_t> shape,
    llvm::function_ref<int64_t(ArrayRef<int64_t>)> source) {
  std::vector<int64_t> map(numElements(shape));
  forEachIndex(shape, [&](int64_t flat, ArrayRef<int64_t> index) {
    map[flat] = source(index);
  });
  return map;
}

std::vector<int64_t>
mlir::aster::interp::broadcastIndexMap(ArrayRef<int64_t> from,
                                       ArrayRef<int64_t> to) {
  int64_t lead = static_cast<int64_t>(to.size() - from.size());
  SmallVector<int64_t> fromStrides = stridesOf(from);
  return indexMap(to, [&](ArrayRef<int64_t> index) {
    int64_t offset = 0;
    for (int64_t d = lead, r = to.size(); d < r; ++d)
      if (from[d - lead] != 1)
        offset += index[d] * fromStrides[d - lead];
    return offset;
  });
}
