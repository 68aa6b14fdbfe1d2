//===- MmaSync.cpp - NVIDIA: mma.sync.m16n8k16 fragments ------------------===//
//
// The tensor-core instruction of sm_80 (also valid on sm_90): a warp
// multiplies a 16x16 tile of A by a 16x8 tile of B (bf16 or f16) into a
// 16x8 f32 accumulator. The fragments follow the PTX ISA's layout for
// m16n8k16 (lane = 4 * group + t):
// - A, four registers of two elements: rows group and group + 8, columns
//   2t, 2t + 1 and 8 more; one ldmatrix.x4 over the [m][k] tile (lanes 0-15
//   address rows 0-15 at column 0, lanes 16-31 the same rows at column 8),
//   or ldmatrix.x4.trans over a [k][m] tile;
// - B, two registers: column (n) group, rows (k) 2t, 2t + 1 and 8 more;
//   one ldmatrix.x2 over the [n][k] tile (lanes 0-7 rows at k 0, lanes
//   8-15 at k 8), or ldmatrix.x2.trans over a [k][n] tile;
// - the accumulator, four f32: row group, columns 2t and 2t + 1, then the
//   same at row group + 8.
// upstream's vector-to-nvgpu conversion uses the same layout but takes
// f16 only, and nvgpu.mma.sync has no bf16 lowering; nvvm.mma.sync has.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/GPU/MmaFragments.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace {

Value constant(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

class MmaSyncFragments : public aster::MmaFragments {
public:
  int64_t tileM() const override { return 16; }
  int64_t tileN() const override { return 8; }
  int64_t tileK() const override { return 16; }
  int64_t warpLanes() const override { return 32; }

  Value zero(OpBuilder &b, Location loc) const override {
    auto type = VectorType::get({4}, b.getF32Type());
    return arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
  }

  /// ldmatrix of `count` 8x8 matrices at the addresses `at` gives each
  /// lane; `transposed` distributes each matrix transposed.
  Value ldmatrix(OpBuilder &b, Location loc, Value tiles, Value r, Value c,
                 int64_t count, bool transposed) const {
    Type element = cast<MemRefType>(tiles.getType()).getElementType();
    return nvgpu::LdMatrixOp::create(b, loc,
                                     VectorType::get({count, 2}, element),
                                     tiles, ValueRange{r, c}, transposed,
                                     count);
  }

  /// (lane / divisor) % modulus * 8 + offset, and the like.
  static Value lanePart(OpBuilder &b, Location loc, Value lane, int64_t divisor,
                        int64_t modulus, int64_t scale, Value offset) {
    Value v = arith::DivUIOp::create(b, loc, lane, constant(b, loc, divisor));
    v = arith::RemUIOp::create(b, loc, v, constant(b, loc, modulus));
    v = arith::MulIOp::create(b, loc, v, constant(b, loc, scale));
    return arith::AddIOp::create(b, loc, offset, v);
  }

  Value readA(OpBuilder &b, Location loc, Value tiles, Value row, Value col,
              bool transposed, Value lane) const override {
    if (!transposed) // lanes 0-15 rows 0-15 at k 0, lanes 16-31 at k 8
      return ldmatrix(b, loc, tiles, lanePart(b, loc, lane, 1, 16, 1, row),
                      lanePart(b, loc, lane, 16, 2, 8, col), 4, false);
    // [k][m]: matrix q = lane / 8 holds m + (q % 2) * 8, k + (q / 2) * 8;
    // its lanes address its eight k rows.
    Value k = lanePart(b, loc, lane, 16, 2, 8,
                       lanePart(b, loc, lane, 1, 8, 1, col));
    return ldmatrix(b, loc, tiles, k, lanePart(b, loc, lane, 8, 2, 8, row), 4,
                    true);
  }
  Value readB(OpBuilder &b, Location loc, Value tiles, Value row, Value col,
              bool transposed, Value lane) const override {
    if (!transposed) // lanes 0-7 rows (n) at k 0, lanes 8-15 at k 8
      return ldmatrix(b, loc, tiles, lanePart(b, loc, lane, 1, 8, 1, row),
                      lanePart(b, loc, lane, 8, 2, 8, col), 2, false);
    // [k][n]: lanes 0-15 address k rows 0-15 (matrices k 0-7, 8-15).
    return ldmatrix(b, loc, tiles, lanePart(b, loc, lane, 1, 16, 1, col), row,
                    2, true);
  }

  Value multiply(OpBuilder &b, Location loc, Value a, Value bTile,
                 Value acc) const override {
    Type element = cast<VectorType>(a.getType()).getElementType();
    // Each register a pair of elements: vector<2xf16> for f16, an i32 for
    // bf16 (what nvvm.mma.sync takes for each).
    auto registers = [&](Value fragment) {
      auto type = cast<VectorType>(fragment.getType());
      SmallVector<Value> out;
      for (int64_t i = 0; i < type.getDimSize(0); ++i) {
        Value pair = vector::ExtractOp::create(b, loc, fragment, i);
        if (element.isF16()) {
          out.push_back(pair);
          continue;
        }
        Value word = vector::BitCastOp::create(
            b, loc, VectorType::get({1}, b.getI32Type()), pair);
        out.push_back(vector::ExtractOp::create(b, loc, word, 0));
      }
      return out;
    };
    SmallVector<Value> c;
    for (int64_t i = 0; i < 4; ++i)
      c.push_back(vector::ExtractOp::create(b, loc, acc, i));
    NVVM::MMATypes type =
        element.isBF16() ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
    Type f32 = b.getF32Type();
    auto result = LLVM::LLVMStructType::getLiteral(b.getContext(),
                                                   {f32, f32, f32, f32});
    SmallVector<Value> aRegs = registers(a), bRegs = registers(bTile);
    auto mma = NVVM::MmaOp::create(
        b, loc, result, aRegs, bRegs, c, /*shape=*/{16, 8, 16},
        /*b1Op=*/std::nullopt, /*intOverflow=*/std::nullopt,
        /*multiplicandPtxTypes=*/std::array<NVVM::MMATypes, 2>{type, type},
        /*multiplicandLayouts=*/
        std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                       NVVM::MMALayout::col});
    SmallVector<Value> d;
    for (int64_t i = 0; i < 4; ++i)
      d.push_back(LLVM::ExtractValueOp::create(b, loc, mma, i));
    return vector::FromElementsOp::create(
        b, loc, VectorType::get({4}, f32), d);
  }

  void store(OpBuilder &b, Location loc, Value acc, Value staging, Value warp,
             Value row, Value col, Value lane) const override {
    Value group = arith::DivUIOp::create(b, loc, lane, constant(b, loc, 4));
    Value t = arith::RemUIOp::create(b, loc, lane, constant(b, loc, 4));
    Value c = arith::AddIOp::create(
        b, loc, col, arith::MulIOp::create(b, loc, t, constant(b, loc, 2)));
    auto pair = VectorType::get({2}, b.getF32Type());
    for (int64_t half = 0; half < 2; ++half) {
      Value r = arith::AddIOp::create(
          b, loc, row,
          arith::AddIOp::create(b, loc, group, constant(b, loc, 8 * half)));
      Value v = vector::ShuffleOp::create(b, loc, pair, acc, acc,
                                          ArrayRef<int64_t>{2 * half, 2 * half + 1});
      auto st = vector::StoreOp::create(b, loc, v, staging,
                                        ValueRange{warp, r, c});
      st.setAlignmentAttr(b.getI64IntegerAttr(8));
    }
  }

  Value scaleRows(OpBuilder &b, Location loc, Value acc, Value scales,
                  Value row, Value lane) const override {
    // Elements 0 and 1 are in row group, 2 and 3 in row group + 8.
    Value group = arith::DivUIOp::create(b, loc, lane, constant(b, loc, 4));
    SmallVector<Value> scaled;
    for (int64_t half = 0; half < 2; ++half) {
      Value r = arith::AddIOp::create(
          b, loc, row,
          arith::AddIOp::create(b, loc, group, constant(b, loc, 8 * half)));
      Value scale = memref::LoadOp::create(b, loc, scales, ValueRange{r});
      for (int64_t i = 0; i < 2; ++i)
        scaled.push_back(arith::MulFOp::create(
            b, loc, vector::ExtractOp::create(b, loc, acc, 2 * half + i),
            scale));
    }
    return vector::FromElementsOp::create(b, loc, acc.getType(), scaled);
  }
};

} // namespace

std::unique_ptr<aster::MmaFragments> aster::createMmaSyncFragments() {
  return std::make_unique<MmaSyncFragments>();
}
