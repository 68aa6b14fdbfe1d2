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
  /// (row, col) of `target[leading...]` (shared memory, e.g. f32 staging
  /// [warp][row][col]), converted to its element type.
  virtual void store(OpBuilder &b, Location loc, Value acc, Value target,
                     ValueRange leading, Value row, Value col,
                     Value lane) const = 0;
  /// The accumulator's elements, as this lane holds them: each is in one
  /// of `laneRows()` rows of the tile (the lane's row slots), and each row
  /// is spread over `rowLanes()` consecutive lanes (1: a lane holds whole
  /// rows). Flash attention's softmax works on the scores in this layout.
  virtual int64_t laneRows() const = 0;
  virtual int64_t rowLanes() const = 0;
  /// The tile row of row slot `slot` of `lane`.
  virtual Value slotRow(OpBuilder &b, Location loc, Value lane,
                        int64_t slot) const = 0;
  /// A new accumulator whose each element is `fn(b, elements, slot, row,
  /// col)`: `elements` that element of each of `accs` (accumulators of
  /// this layout), `slot` its row slot, `row` and `col` its place in the
  /// tile (index values).
  using ElementFn =
      function_ref<Value(OpBuilder &, ValueRange, Value, Value, Value)>;
  virtual Value mapElements(OpBuilder &b, Location loc, ValueRange accs,
                            Value lane, ElementFn fn) const = 0;
  /// `rows` (vector<laneRows() x f32>, one per row slot) with each element
  /// of `acc` combined into its slot by `combine`: this lane's elements
  /// only (gpu.subgroup_reduce over rowLanes() lanes completes a row).
  virtual Value foldRows(
      OpBuilder &b, Location loc, Value acc, Value rows,
      function_ref<Value(OpBuilder &, Value, Value)> combine) const = 0;
  /// The A operand (tileM x tileK, elements rounded to `element`, in a
  /// form `multiply` takes) made of `accs`, tileK / tileN accumulators of
  /// consecutive columns, without going through memory; null where the layouts differ (MFMA), and the
  /// caller stores and reads back instead. `accumulatorIsA()` says which.
  virtual bool accumulatorIsA() const = 0;
  virtual Value accumulatorsAsA(OpBuilder &b, Location loc, ValueRange accs,
                                Type element) const = 0;
};

/// Whole tiles per lane, multiplied in loops (for the CPU emulation), with
/// the shape of `like` and its accumulatorIsA() (so that the emulation takes
/// the path the instruction takes). `swizzled`: the [row][k] tiles it
/// reads are laid out with the 128-byte swizzle (below), as wgmma reads
/// them.
std::unique_ptr<MmaFragments>
createWarpVectorFragments(const MmaFragments &like, bool swizzled = false);
/// NVIDIA mma.sync.m16n8k16 with bf16 or f16 inputs (sm_80 and later).
std::unique_ptr<MmaFragments> createMmaSyncFragments();
/// AMD MFMA 16x16x16 with bf16 or f16 inputs (gfx90a, gfx942), wave64.
std::unique_ptr<MmaFragments> createMfmaFragments();
/// The fragments a strategy's `instruction` option names: `mma.sync`,
/// `mfma`, or `mma.sync-emulated` / `mfma-emulated` (whole tiles per lane
/// with that instruction's shapes); null for another name.
std::unique_ptr<MmaFragments> createFragmentsByName(StringRef instruction);

/// Tiles with the 128-byte swizzle, as NVIDIA's wgmma reads them from
/// shared memory: rows of kSwizzledRowElements 16-bit elements (128
/// bytes); eight rows make a 1024-byte atom (1024-byte aligned) in which
/// the 16-byte chunk c of row r sits at chunk c ^ (r % 8). K-major tiles
/// are [m][k] (a row per m); MN-major ones [m / 64][k][m % 64] (a row per
/// k and 64 m).
constexpr int64_t kSwizzledRowElements = 64;
/// Where element (mn, k) of a stage's swizzled tile sits (index values):
/// [mn][k'] K-major, [mn / 64][k][mn'] MN-major, the primed index with its
/// chunk XORed with the row's.
SmallVector<Value> swizzledIndices(OpBuilder &b, Location loc, Value mn,
                                   Value k, bool mnMajor);

/// NVIDIA wgmma (sm_90a, lib/Codegen/NVIDIA/Wgmma.cpp): the warpgroup's
/// 64 x n accumulator += A (64 x kSwizzledRowElements at shared address
/// `aAddress`) * B^T (n x kSwizzledRowElements at `bAddress`), both
/// swizzled tiles of `element` (bf16 or f16), each K-major or MN-major.
/// `accs` are this warp's 16 rows as n / 8 mma.sync accumulators
/// (vector<4xf32>, the m16n8 layout, which is wgmma's per warp); returns
/// them updated, the instructions committed as one group but in flight:
/// nothing but a later warpgroupMultiply may touch them (or the tiles)
/// before waitForWarpgroupMma says the group is done.
SmallVector<Value> warpgroupMultiply(OpBuilder &b, Location loc,
                                     Value aAddress, bool aMNMajor,
                                     Value bAddress, bool bMNMajor,
                                     ValueRange accs, Type element);
/// wgmma.wait_group: until at most `pending` groups are in flight.
void waitForWarpgroupMma(OpBuilder &b, Location loc, int64_t pending);
/// fence.proxy.async.shared::cta: this thread's writes to shared memory
/// (stores, cp.async once waited for) made visible to the async proxy
/// wgmma reads through; a barrier after it extends that to the block.
void fenceSharedForAsyncProxy(OpBuilder &b, Location loc);

/// NVIDIA TMA (sm_90, lib/Codegen/NVIDIA/Tma.cpp).
/// Host side: the tensor map of `view` (a global memref, its innermost
/// dimension contiguous) for boxes of `box` elements (outermost first,
/// the innermost 128 bytes) with the 128-byte swizzle and zeros outside
/// the tensor, as the device address (i64) of the encoded map.
Value createTensorMap(OpBuilder &b, Location loc, Value view,
                      ArrayRef<int64_t> box);
/// The tensor-map acquire fence (fence.proxy.tensormap::generic): the map
/// the host copied into global memory is what the TMA unit reads. Once
/// per map and thread, before its loads; `tileType` is the box's.
void acquireTensorMap(OpBuilder &b, Location loc, Value tensorMap,
                      MemRefType tileType);
/// `count` mbarriers in shared memory (an nvgpu.mbarrier.group).
Value createTileBarriers(OpBuilder &b, Location loc, int64_t count);
/// Initializes each of `barriers` for one arrival, fenced for the async
/// proxy (one thread; a block barrier must follow before any use).
void initTileBarriers(OpBuilder &b, Location loc, Value barriers,
                      int64_t count);
/// Arrives at barrier `index`, expecting `bytes` of TMA loads on it.
void expectTileBytes(OpBuilder &b, Location loc, Value barriers, Value index,
                     int64_t bytes);
/// Starts the TMA load of the box at `coordinates` (innermost first, the
/// tensor map's order) of `tensorMap` (createTensorMap's address) into
/// `tile` (a shared memref of the box's shape, 1024-byte aligned), counted
/// on barrier `index`.
void loadTile(OpBuilder &b, Location loc, Value tensorMap, Value tile,
              ValueRange coordinates, Value barriers, Value index);
/// Waits until barrier `index` has completed its phase of parity `parity`
/// (an i1: 0 for its first use, then alternating).
void waitTileBarrier(OpBuilder &b, Location loc, Value barriers, Value index,
                     Value parity);

} // namespace mlir::aster

#endif // ASTER_CODEGEN_GPU_MMAFRAGMENTS_H
