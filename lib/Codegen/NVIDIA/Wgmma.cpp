//===- Wgmma.cpp - NVIDIA: warpgroup matrix multiplies (sm_90a) -----------===//
//
// wgmma.mma_async: the four warps of a warpgroup multiply a 64 x 16 tile
// of A by a 16 x n tile of B (bf16 or f16) into a 64 x n f32 accumulator,
// both read from shared memory through matrix descriptors. The tiles have
// the 128-byte swizzle (include/aster/Codegen/GPU/MmaFragments.h): rows
// of 64 elements (128 bytes), eight rows a 1024-byte atom in which row
// r's 16-byte chunk c sits at chunk c ^ (r % 8), the atoms one after
// another. A row is
// - K-major: one m (or n) and 64 k: [m][k];
// - MN-major (transposed, 16-bit types only): one k and 64 m (or n), 64
//   such rows a block of 8 KB, the blocks along m: [m / 64][k][m % 64].
// The descriptor of such a tile (PTX ISA, "Matrix Descriptor Format"):
// - bits 0-13, the start address >> 4;
// - bits 16-29, the leading byte offset >> 4: K-major, unused (1, as
//   CUTLASS sets it); MN-major, from one 64-wide block of m to the next
//   (8 KB);
// - bits 32-45, the stride byte offset >> 4: 1024 bytes, from one atom of
//   eight rows to the next (along m for K-major, along k for MN-major);
// - bits 49-51, the base offset: 0, the atoms being 1024-byte aligned;
// - bits 62-63, the swizzle: 1 for 128 bytes.
// The k-th 16-wide slice starts 32 k bytes further (K-major: within the
// rows; the hardware applies the swizzle to the addresses it forms, so
// only the start address moves, as CUTLASS's descriptor iterator does) or
// 2048 k bytes further (MN-major: sixteen rows).
//
// Each warp of the warpgroup holds 16 rows of the accumulator in
// mma.sync's m16n8 layout per 8 columns (PTX, "wgmma .m64nNk16 register
// fragment layout for accumulator matrix D"), so the strategy carries it
// as n / 8 mma.sync accumulators (vector<4xf32>) and stores it as those.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/GPU/MmaFragments.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace {

Value i64Constant(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v);
}

/// Bytes of an MN-major block: 64 rows of 128 bytes.
constexpr int64_t kMNBlockBytes = aster::kSwizzledRowElements * 128;

/// The descriptor of the 128-byte swizzled tile at shared address
/// `address` (index), K-major or MN-major.
Value swizzledDescriptor(OpBuilder &b, Location loc, Value address,
                         bool mnMajor) {
  Value a = arith::IndexCastUIOp::create(b, loc, b.getI64Type(), address);
  a = arith::AndIOp::create(b, loc, a, i64Constant(b, loc, 0x3FFFF));
  a = arith::ShRUIOp::create(b, loc, a, i64Constant(b, loc, 4));
  int64_t leading = mnMajor ? kMNBlockBytes >> 4 : 1;
  int64_t fields = (leading << 16) | (int64_t(1024 >> 4) << 32) |
                   (int64_t(1) << 62); // 128-byte swizzle
  return arith::OrIOp::create(b, loc, a, i64Constant(b, loc, fields));
}

} // namespace

SmallVector<Value> aster::warpgroupMultiply(OpBuilder &b, Location loc,
                                            Value aAddress, bool aMNMajor,
                                            Value bAddress, bool bMNMajor,
                                            ValueRange accs, Type element) {
  MLIRContext *ctx = b.getContext();
  int64_t n = 8 * accs.size();
  Type f32 = b.getF32Type();
  auto structType = LLVM::LLVMStructType::getLiteral(
      ctx, SmallVector<Type>(n / 2, f32));
  // The accumulators as the instruction's registers, in order.
  Value d = LLVM::PoisonOp::create(b, loc, structType);
  for (auto [j, acc] : llvm::enumerate(accs))
    for (int64_t e = 0; e < 4; ++e)
      d = LLVM::InsertValueOp::create(
          b, loc, d, vector::ExtractOp::create(b, loc, acc, e),
          ArrayRef<int64_t>{int64_t(j) * 4 + e});
  Value descA = swizzledDescriptor(b, loc, aAddress, aMNMajor);
  Value descB = swizzledDescriptor(b, loc, bAddress, bMNMajor);
  auto type = element.isBF16() ? NVVM::WGMMATypes::bf16 : NVVM::WGMMATypes::f16;
  // The k-th slice's start, in the address field's 16-byte units: 16
  // elements of 2 bytes along the row, or 16 rows of 128 bytes.
  auto slice = [&](Value desc, bool mnMajor, int64_t k) -> Value {
    int64_t step = mnMajor ? 16 * 128 / 16 : 16 * 2 / 16;
    return arith::AddIOp::create(b, loc, desc, i64Constant(b, loc, step * k));
  };
  // A [m][k] is PTX's row layout (no transpose), B [n][k] its column
  // layout; the MN-major tiles are the transposed ones.
  NVVM::MMALayout layoutA =
      aMNMajor ? NVVM::MMALayout::col : NVVM::MMALayout::row;
  NVVM::MMALayout layoutB =
      bMNMajor ? NVVM::MMALayout::row : NVVM::MMALayout::col;
  NVVM::WgmmaFenceAlignedOp::create(b, loc);
  for (int64_t k = 0; k < kSwizzledRowElements / 16; ++k)
    d = NVVM::WgmmaMmaAsyncOp::create(
        b, loc, structType, d, slice(descA, aMNMajor, k),
        slice(descB, bMNMajor, k), NVVM::MMAShapeAttr::get(ctx, 64, n, 16),
        type, type, NVVM::WGMMATypes::f32, NVVM::WGMMAScaleOut::one,
        NVVM::WGMMAScaleIn::one, NVVM::WGMMAScaleIn::one, layoutA, layoutB,
        /*satfinite=*/nullptr);
  NVVM::WgmmaGroupSyncAlignedOp::create(b, loc);
  SmallVector<Value> out;
  auto vecType = VectorType::get({4}, f32);
  for (int64_t j = 0; j < int64_t(accs.size()); ++j) {
    SmallVector<Value> elements;
    for (int64_t e = 0; e < 4; ++e)
      elements.push_back(LLVM::ExtractValueOp::create(
          b, loc, d, ArrayRef<int64_t>{j * 4 + e}));
    out.push_back(vector::FromElementsOp::create(b, loc, vecType, elements));
  }
  return out;
}

void aster::waitForWarpgroupMma(OpBuilder &b, Location loc, int64_t pending) {
  NVVM::WgmmaWaitGroupSyncOp::create(b, loc, b.getI64IntegerAttr(pending));
}

void aster::fenceSharedForAsyncProxy(OpBuilder &b, Location loc) {
  NVVM::FenceProxyOp::create(
      b, loc, NVVM::ProxyKind::async_shared,
      NVVM::SharedSpaceAttr::get(b.getContext(),
                                 NVVM::SharedSpace::shared_cta));
}
