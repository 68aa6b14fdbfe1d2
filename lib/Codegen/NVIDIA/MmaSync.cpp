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
    // B is always ldmatrix's vector<2x2xT>; A may also be bf16 registers
    // as i32 already (accumulatorsAsA).
    Type element = cast<VectorType>(bTile.getType()).getElementType();
    // Each register a pair of elements: vector<2xf16> for f16, an i32 for
    // bf16 (what nvvm.mma.sync takes for each).
    auto registers = [&](Value fragment) {
      auto type = cast<VectorType>(fragment.getType());
      SmallVector<Value> out;
      for (int64_t i = 0; i < type.getDimSize(0); ++i) {
        Value pair = vector::ExtractOp::create(b, loc, fragment, i);
        if (type.getRank() == 1) { // already the registers
          out.push_back(pair);
          continue;
        }
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

  /// The lane's quad group (lane / 4) and place in it (lane % 4).
  static std::pair<Value, Value> split(OpBuilder &b, Location loc,
                                       Value lane) {
    return {arith::DivUIOp::create(b, loc, lane, constant(b, loc, 4)),
            arith::RemUIOp::create(b, loc, lane, constant(b, loc, 4))};
  }

  void store(OpBuilder &b, Location loc, Value acc, Value target,
             ValueRange leading, Value row, Value col,
             Value lane) const override {
    auto [group, t] = split(b, loc, lane);
    Value c = arith::AddIOp::create(
        b, loc, col, arith::MulIOp::create(b, loc, t, constant(b, loc, 2)));
    Type element = cast<MemRefType>(target.getType()).getElementType();
    auto pair = VectorType::get({2}, b.getF32Type());
    for (int64_t half = 0; half < 2; ++half) {
      Value r = arith::AddIOp::create(
          b, loc, row,
          arith::AddIOp::create(b, loc, group, constant(b, loc, 8 * half)));
      Value v = vector::ShuffleOp::create(b, loc, pair, acc, acc,
                                          ArrayRef<int64_t>{2 * half, 2 * half + 1});
      if (element != b.getF32Type())
        v = arith::TruncFOp::create(b, loc, VectorType::get({2}, element), v);
      SmallVector<Value> indices(leading);
      indices.append({r, c});
      auto st = vector::StoreOp::create(b, loc, v, target, indices);
      st.setAlignmentAttr(
          b.getI64IntegerAttr(2 * element.getIntOrFloatBitWidth() / 8));
    }
  }

  // Elements 0 and 1 are in row group (slot 0), 2 and 3 in row group + 8
  // (slot 1), at columns 2t and 2t + 1; a row is spread over a quad.
  int64_t laneRows() const override { return 2; }
  int64_t rowLanes() const override { return 4; }
  Value slotRow(OpBuilder &b, Location loc, Value lane,
                int64_t slot) const override {
    return arith::AddIOp::create(b, loc, split(b, loc, lane).first,
                                 constant(b, loc, 8 * slot));
  }
  Value mapElements(OpBuilder &b, Location loc, ValueRange accs, Value lane,
                    ElementFn fn) const override {
    auto [group, t] = split(b, loc, lane);
    SmallVector<Value> out;
    for (int64_t e = 0; e < 4; ++e) {
      SmallVector<Value> elements;
      for (Value acc : accs)
        elements.push_back(vector::ExtractOp::create(b, loc, acc, e));
      Value row = arith::AddIOp::create(b, loc, group,
                                        constant(b, loc, 8 * (e / 2)));
      Value col = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, t, constant(b, loc, 2)),
          constant(b, loc, e % 2));
      out.push_back(fn(b, elements, constant(b, loc, e / 2), row, col));
    }
    return vector::FromElementsOp::create(
        b, loc, VectorType::get({4}, b.getF32Type()), out);
  }
  Value foldRows(OpBuilder &b, Location loc, Value acc, Value rows,
                 function_ref<Value(OpBuilder &, Value, Value)> combine)
      const override {
    for (int64_t e = 0; e < 4; ++e) {
      Value folded =
          combine(b, vector::ExtractOp::create(b, loc, rows, e / 2),
                  vector::ExtractOp::create(b, loc, acc, e));
      rows = vector::InsertOp::create(b, loc, folded, rows, e / 2);
    }
    return rows;
  }
  // Two accumulators of adjacent columns are, element for element, the A
  // fragment of their 16 columns as k (FlashAttention-2's reuse of P):
  // registers a0, a1 the first's rows group and group + 8, a2, a3 the
  // second's.
  bool accumulatorIsA() const override { return true; }
  Value accumulatorsAsA(OpBuilder &b, Location loc, ValueRange accs,
                        Type element) const override {
    assert(accs.size() == 2 && "k16 is two n8 accumulators");
    Value both = vector::ShuffleOp::create(
        b, loc, VectorType::get({8}, b.getF32Type()), accs[0], accs[1],
        ArrayRef<int64_t>{0, 1, 2, 3, 4, 5, 6, 7});
    Value rounded = arith::TruncFOp::create(
        b, loc, VectorType::get({8}, element), both);
    if (element.isF16())
      return vector::ShapeCastOp::create(
          b, loc, VectorType::get({4, 2}, element), rounded);
    // bf16 as the four i32 registers straight away: LLVM's x86 backend
    // (the CPU emulation) turns a select on a bf16 vector, which it would
    // fold the rounding's NaN case into, into calls of __truncsfbf2.
    return vector::BitCastOp::create(
        b, loc, VectorType::get({4}, b.getI32Type()), rounded);
  }
};

} // namespace

std::unique_ptr<aster::MmaFragments> aster::createMmaSyncFragments() {
  return std::make_unique<MmaSyncFragments>();
}
