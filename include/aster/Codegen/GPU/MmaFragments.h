//===- MmaFragments.h - One warp's matrix-multiply instruction --*- C++ -*-===//
//
// The tensor-core strategies (aster-gpu-matmul-kernels,
// aster-gpu-attention-kernels) are written once over this interface: a warp multiplies a tm x tk tile of A by a
// tk x tn tile of B into a tm x tn f32 accumulator, both tiles read from
// shared memory, stored k-contiguous ([m][k], [n][k]) or row-contiguous
// ([k][m], [k][n]) as the copy from global memory found best. How the
// tiles are spread over the warp's lanes is the instruction's business:
//
// - warp-level tiles (`createWarpVectorFragments`, in lib/Codegen/GPU):
//   every lane holds the whole tile and multiplies it in loops. It is what
//   the CPU emulation of the strategy runs, so that the tiling, the
//   staging and the epilogue are checked without a GPU;
// - NVIDIA mma.sync m16n8k16 (`createMmaSyncFragments`, lib/Codegen/NVIDIA):
//   ldmatrix fragments, nvvm.mma.sync, the accumulator four f32 per lane;
// - AMD MFMA 16x16x16 (`createMfmaFragments`, lib/Codegen/AMD): 8-byte LDS
//   loads, amdgpu.mfma, four f32 per lane of a 64-lane wave.
//
//===----------------------------------------------------------------------===//

#ifndef ASTER_CODEGEN_GPU_MMAFRAGMENTS_H
#define ASTER_CODEGEN_GPU_MMAFRAGMENTS_H

#include "mlir/IR/Builders.h"

#include <memory>

namespace mlir::aster {

class MmaFragments {
public:
  virtual ~MmaFragments() = default;
  /// The instruction's shape, and the lanes of a warp (wave).
  virtual int64_t tileM() const = 0;
  virtual int64_t tileN() const = 0;
  virtual int64_t tileK() const = 0;
  virtual int64_t warpLanes() const = 0;
  /// A zero accumulator, as this lane holds it.
  virtual Value zero(OpBuilder &b, Location loc) const = 0;
  /// This lane's part of the tileM x tileK tile of A at m = row, k = col
  /// of `tiles` (shared memory, [m][k], or [k][m] when `transposed`); of
  /// the tileN x tileK tile of B likewise ([n][k] or [k][n]).
  virtual Value readA(OpBuilder &b, Location loc, Value tiles, Value row,
                      Value col, bool transposed, Value lane) const = 0;
  virtual Value readB(OpBuilder &b, Location loc, Value tiles, Value row,
                      Value col, bool transposed, Value lane) const = 0;
  /// acc + a * b^T.
  virtual Value multiply(OpBuilder &b, Location loc, Value a, Value bTile,
                         Value acc) const = 0;
  /// Stores this lane's part of `acc` to the tileM x tileN window at
  /// (row, col) of `staging[warp]` (f32, [warp][row][col]).
  virtual void store(OpBuilder &b, Location loc, Value acc, Value staging,
                     Value warp, Value row, Value col, Value lane) const = 0;
  /// `acc` with each element of tile row r multiplied by `scales[row + r]`
  /// (f32, shared memory): flash attention's rescaling of its output
  /// accumulator by the running softmax correction.
  virtual Value scaleRows(OpBuilder &b, Location loc, Value acc, Value scales,
                          Value row, Value lane) const = 0;
};

/// Whole tiles per lane, multiplied in loops (for the CPU emulation), with
/// the shape of `like`.
std::unique_ptr<MmaFragments>
createWarpVectorFragments(const MmaFragments &like);
/// NVIDIA mma.sync.m16n8k16 with bf16 or f16 inputs (sm_80 and later).
std::unique_ptr<MmaFragments> createMmaSyncFragments();
/// AMD MFMA 16x16x16 with bf16 or f16 inputs (gfx90a, gfx942), wave64.
std::unique_ptr<MmaFragments> createMfmaFragments();
/// The fragments a strategy's `instruction` option names: `mma.sync`,
/// `mfma`, or `mma.sync-emulated` / `mfma-emulated` (whole tiles per lane
/// with that instruction's shapes); null for another name.
std::unique_ptr<MmaFragments> createFragmentsByName(StringRef instruction);

} // namespace mlir::aster

#endif // ASTER_CODEGEN_GPU_MMAFRAGMENTS_H
