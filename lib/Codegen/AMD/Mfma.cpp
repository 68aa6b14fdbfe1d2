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

  void store(OpBuilder &b, Location loc, Value acc, Value staging, Value warp,
             Value row, Value col, Value lane) const override {
    auto [column, quad] = split(b, loc, lane);
    Value c = arith::AddIOp::create(b, loc, col, column);
    for (int64_t i = 0; i < 4; ++i) {
      Value r = arith::AddIOp::create(
          b, loc, row,
          arith::AddIOp::create(b, loc, quad, constant(b, loc, i)));
      memref::StoreOp::create(b, loc, vector::ExtractOp::create(b, loc, acc, i),
                              staging, ValueRange{warp, r, c});
    }
  }

  Value scaleRows(OpBuilder &b, Location loc, Value acc, Value scales,
                  Value row, Value lane) const override {
    // Element i is in row 4 * (l / 16) + i.
    Value quad = split(b, loc, lane).second;
    SmallVector<Value> scaled;
    for (int64_t i = 0; i < 4; ++i) {
      Value r = arith::AddIOp::create(
          b, loc, row,
          arith::AddIOp::create(b, loc, quad, constant(b, loc, i)));
      scaled.push_back(arith::MulFOp::create(
          b, loc, vector::ExtractOp::create(b, loc, acc, i),
          memref::LoadOp::create(b, loc, scales, ValueRange{r})));
    }
    return vector::FromElementsOp::create(b, loc, acc.getType(), scaled);
  }
};

} // namespace

std::unique_ptr<aster::MmaFragments> aster::createMfmaFragments() {
  return std::make_unique<MfmaFragments>();
}
