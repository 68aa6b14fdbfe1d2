//===- Mfma.cpp - AMD: MFMA 16x16x16 fragments ----------------------------===//
//
// The matrix instruction of CDNA2 and CDNA3 (gfx90a, gfx942) for bf16 and
// f16: a wave of 64 lanes multiplies a 16x16 tile of A by a 16x16 tile of
// B into a 16x16 f32 accumulator (v_mfma_f32_16x16x16bf16_1k on gfx90a,
// v_mfma_f32_16x16x16_bf16 on gfx942; amdgpu.mfma picks it). The
// fragments, lane l:
// - A: four consecutive k, 4 * (l / 16) to 4 * (l / 16) + 3, of row l % 16;
// - B: the same k of column l % 16;
// - the accumulator: rows 4 * (l / 16) to 4 * (l / 16) + 3 of column
//   l % 16.
// From a k-contiguous tile ([m][k], [n][k]) a fragment is one 8-byte load;
// from a row-contiguous one ([k][m], [k][n]) four element loads.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/GPU/MmaFragments.h"

#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace {

Value constant(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

class MfmaFragments : public aster::MmaFragments {
public:
  int64_t tileM() const override { return 16; }
  int64_t tileN() const override { return 16; }
  int64_t tileK() const override { return 16; }
  int64_t warpLanes() const override { return 64; }

  Value zero(OpBuilder &b, Location loc) const override {
    auto type = VectorType::get({4}, b.getF32Type());
    return arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
  }

  /// l % 16 and 4 * (l / 16).
  static std::pair<Value, Value> split(OpBuilder &b, Location loc, Value lane) {
    Value column = arith::RemUIOp::create(b, loc, lane, constant(b, loc, 16));
    Value quad = arith::MulIOp::create(
        b, loc, arith::DivUIOp::create(b, loc, lane, constant(b, loc, 16)),
        constant(b, loc, 4));
    return {column, quad};
  }

  /// Four consecutive k of row `row + l % 16`.
  Value read(OpBuilder &b, Location loc, Value tiles, Value row, Value col,
             bool transposed, Value lane) const {
    auto [column, quad] = split(b, loc, lane);
    Value r = arith::AddIOp::create(b, loc, row, column);
    Value k = arith::AddIOp::create(b, loc, col, quad);
    Type element = cast<MemRefType>(tiles.getType()).getElementType();
    auto type = VectorType::get({4}, element);
    if (!transposed) {
      auto load = vector::LoadOp::create(b, loc, type, tiles, ValueRange{r, k});
      load.setAlignmentAttr(b.getI64IntegerAttr(8));
      return load;
    }
    SmallVector<Value> elements;
    for (int64_t i = 0; i < 4; ++i)
      elements.push_back(memref::LoadOp::create(
          b, loc, tiles,
          ValueRange{arith::AddIOp::create(b, loc, k, constant(b, loc, i)), r}));
    return vector::FromElementsOp::create(b, loc, type, elements);
  }
  Value readA(OpBuilder &b, Location loc, Value tiles, Value row, Value col,
              bool transposed, Value lane) const override {
    return read(b, loc, tiles, row, col, transposed, lane);
  }
  Value readB(OpBuilder &b, Location loc, Value tiles, Value row, Value col,
              bool transposed, Value lane) const override {
    return read(b, loc, tiles, row, col, transposed, lane);
  }

  Value multiply(OpBuilder &b, Location loc, Value a, Value bTile,
                 Value acc) const override {
    return amdgpu::MFMAOp::create(b, loc, acc.getType(), b.getI32IntegerAttr(16),
                                  b.getI32IntegerAttr(16),
                                  b.getI32IntegerAttr(16),
                                  b.getI32IntegerAttr(1), a, bTile, acc);
  }

  void store(OpBuilder &b, Location loc, Value acc, Value target,
             ValueRange leading, Value row, Value col,
             Value lane) const override {
    auto [column, quad] = split(b, loc, lane);
    Value c = arith::AddIOp::create(b, loc, col, column);
    Type element = cast<MemRefType>(target.getType()).getElementType();
    for (int64_t i = 0; i < 4; ++i) {
      Value r = arith::AddIOp::create(
          b, loc, row,
          arith::AddIOp::create(b, loc, quad, constant(b, loc, i)));
      Value v = vector::ExtractOp::create(b, loc, acc, i);
      if (element != v.getType())
        v = arith::TruncFOp::create(b, loc, element, v);
      SmallVector<Value> indices(leading);
      indices.append({r, c});
      memref::StoreOp::create(b, loc, v, target, indices);
    }
  }

  // Element i is in row 4 * (l / 16) + i (slot i), column l % 16; a row is
  // spread over 16 lanes.
  int64_t laneRows() const override { return 4; }
  int64_t rowLanes() const override { return 16; }
  Value slotRow(OpBuilder &b, Location loc, Value lane,
                int64_t slot) const override {
    return arith::AddIOp::create(b, loc, split(b, loc, lane).second,
                                 constant(b, loc, slot));
  }
  Value mapElements(OpBuilder &b, Location loc, ValueRange accs, Value lane,
                    ElementFn fn) const override {
    auto [column, quad] = split(b, loc, lane);
    SmallVector<Value> out;
    for (int64_t i = 0; i < 4; ++i) {
      SmallVector<Value> elements;
      for (Value acc : accs)
        elements.push_back(vector::ExtractOp::create(b, loc, acc, i));
      Value row = arith::AddIOp::create(b, loc, quad, constant(b, loc, i));
      out.push_back(fn(b, elements, constant(b, loc, i), row, column));
    }
    return vector::FromElementsOp::create(
        b, loc, VectorType::get({4}, b.getF32Type()), out);
  }
  Value foldRows(OpBuilder &b, Location loc, Value acc, Value rows,
                 function_ref<Value(OpBuilder &, Value, Value)> combine)
      const override {
    for (int64_t i = 0; i < 4; ++i)
      rows = vector::InsertOp::create(
          b, loc,
          combine(b, vector::ExtractOp::create(b, loc, rows, i),
                  vector::ExtractOp::create(b, loc, acc, i)),
          rows, i);
    return rows;
  }
  // The accumulator holds a column per lane where A wants a row: P goes
  // through shared memory.
  bool accumulatorIsA() const override { return false; }
  Value accumulatorsAsA(OpBuilder &, Location, ValueRange,
                        Type) const override {
    return Value();
  }
};

} // namespace

std::unique_ptr<aster::MmaFragments> aster::createMfmaFragments() {
  return std::make_unique<MfmaFragments>();
}
