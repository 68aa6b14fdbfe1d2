//===- AttentionKernels.cpp - Flash attention on tensor cores -------------===//
//
// The GPU strategy for attention, with or without an additive mask
// (FlashAttention-2's forward and backward). It runs on aster IR, before
// attention would be spelled out as matmuls and a softmax, and outlines
// each op it takes into a private kernel function (`aster.kernel =
// "attention"`, outlineKernel in Payload.h) whose body is the final
// launches between bufferization's `to_buffer` and `to_tensor`; the rest
// of the pipeline (bufferization of the function boundary, arenas,
// outlining, deduplication of identical layers) treats it as any kernel.
//
// A forward block owns 64 query rows of one (batch, head): four warps of tileM =
// 16 rows each. The rows are copied to shared memory once, each warp
// keeps its query fragments in registers. Then, per block of BK keys:
//
//   copy K and V rows to shared memory (16-byte accesses, rows past the
//     sequence as zeros)                                        | barrier
//   S = Q K^T per warp on tensor cores, in registers; s = scale * S (+ the
//     mask), -inf where masked (causal, past the sequence); per row the
//     lane holds:
//     m' = max(m, max s) (a fold, then the lanes sharing the row);
//     c = exp(m - m'); P = exp(s - m'), rounded to the input type;
//     l' = l c + sum P (this lane's part);
//   O = O * c + P V, P as A fragments (in registers where the
//     instruction's layouts allow, else through shared memory)  | barrier
//
// With cp.async (`async-copy`, NVIDIA) keys and values have two stages:
// the first block's copy is waited for before the loop, and each step
// starts the next block's copy into the other stage before its S = Q K^T
// and waits for it after O += P V, one barrier per step instead of two.
//
// At the end l is summed over the lanes of each row, O / l is stored
// through shared memory in the result type (lanes on consecutive
// columns), and `attention_fwd`'s log-sum-exp is m + log l. With `causal`
// a block stops at its last query row's key (top-left aligned) and blocks
// are launched from the last query rows, the longest, down.
//
// The backward (`attention_bwd`) is two launches that recompute P from the
// saved log-sum-exp (emitBackwardQuery, emitBackwardKeys): dQ per query
// block, then dK and dV per key block summed over the query heads of the
// group, so that no two blocks add into the same output (no atomics).
//
// The matrix instruction and its accumulator layout are behind
// MmaFragments.h, as for the matmul strategy; the softmax is written once
// over that layout, so the CPU emulation runs all of it.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/GPU/MmaFragments.h"
#include "aster/Codegen/Passes.h"
#include "aster/Dialect/Aster/IR/AsterOps.h"
#include "Payload.h"

#include <cmath>

namespace mlir::aster {
#define GEN_PASS_DEF_GPUATTENTIONKERNELS
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;
using namespace mlir::aster;

namespace {

/// The forward's warps per block; rows of shared-memory tiles are padded
/// by kPad elements (conflict-free ldmatrix, 16-byte aligned rows).
constexpr int64_t kWarps = 4, kPad = 8;

/// An attention op the strategy takes (forward, or `attention_bwd`), with
/// its sizes.
struct Attention {
  Operation *op;
  RankedTensorType outType;    // the forward's result
  RankedTensorType maskType;   // the additive mask's, when there is one
  bool withLse, causal, backward = false;
  double scale;
  int64_t batch, heads, kvHeads, sq, skv, depth, valueDepth;
  Type element; // of query, key and value
};

/// The result of the forward: its `result`, or the backward's `out`.
Value forwardResult(AttentionOp op) { return op.getResult(); }
Value forwardResult(AttentionFwdOp op) { return op.getResult(); }
Value forwardResult(AttentionBwdOp op) { return op.getOut(); }

template <typename OpT>
std::optional<Attention> matchAttention(OpT op) {
  RankedTensorType maskType;
  if (Value mask = op.getMask()) {
    maskType = dyn_cast<RankedTensorType>(mask.getType());
    if (!maskType || !maskType.hasStaticShape())
      return std::nullopt;
  }
  auto qType = cast<RankedTensorType>(op.getQuery().getType());
  auto kType = cast<RankedTensorType>(op.getKey().getType());
  auto vType = cast<RankedTensorType>(op.getValue().getType());
  auto outType = cast<RankedTensorType>(forwardResult(op).getType());
  for (RankedTensorType t : {qType, kType, vType, outType})
    if (!t.hasStaticShape() || t.getRank() != 4)
      return std::nullopt;
  Type element = qType.getElementType();
  if (!(element.isBF16() || element.isF16()) ||
      kType.getElementType() != element || vType.getElementType() != element)
    return std::nullopt;
  Attention a;
  a.op = op;
  a.outType = outType;
  a.maskType = maskType;
  a.withLse = op->getNumResults() > 1;
  a.causal = op.getCausal();
  a.batch = qType.getDimSize(0);
  a.heads = qType.getDimSize(1);
  a.sq = qType.getDimSize(2);
  a.depth = qType.getDimSize(3);
  a.kvHeads = kType.getDimSize(1);
  a.skv = kType.getDimSize(2);
  a.valueDepth = vType.getDimSize(3);
  a.scale = op.getScale() ? op.getScale()->convertToDouble()
                          : 1.0 / std::sqrt(double(a.depth));
  a.element = element;
  // Whole instruction tiles along both head dimensions (and 16-byte rows).
  if (a.depth % 16 != 0 || a.valueDepth % 16 != 0 || a.kvHeads == 0 ||
      a.heads % a.kvHeads != 0)
    return std::nullopt;
  return a;
}

std::optional<Attention> matchAttention(AttentionBwdOp op) {
  std::optional<Attention> a = matchAttention<AttentionBwdOp>(op);
  auto gradType = cast<RankedTensorType>(op.getGrad().getType());
  if (!a || !gradType.hasStaticShape() ||
      gradType.getElementType() != a->element ||
      a->outType.getElementType() != a->element)
    return std::nullopt;
  a->backward = true;
  a->withLse = false;
  return a;
}

/// Shared memory of a block with `bk` keys per step: the query, key and
/// value tiles in the input type (rows padded by kPad; keys and values in
/// `stages` stages), the P tile where P cannot stay in registers
/// (MmaFragments::accumulatorIsA), and the f32 staging of the output
/// (rows padded by 2).
int64_t sharedBytes(const Attention &a, const MmaFragments &mma, int64_t bk,
                    int64_t stages) {
  int64_t rows = kWarps * mma.tileM();
  int64_t halves = rows * (a.depth + kPad) +
                   stages * bk * (a.depth + kPad + a.valueDepth + kPad);
  if (!mma.accumulatorIsA())
    halves += rows * (bk + kPad);
  return 2 * halves + 4 * rows * (bk + 2);
}

/// The keys per step: the largest of 64, 32 and 16 up to `most` that whole
/// instruction tiles divide and that fits in `limit` bytes; 0 when none
/// does.
int64_t keysPerStep(const Attention &a, const MmaFragments &mma, int64_t limit,
                    int64_t stages, int64_t most = 64) {
  for (int64_t bk : {64, 32, 16})
    if (bk <= most && bk % mma.tileN() == 0 && bk % mma.tileK() == 0 &&
        sharedBytes(a, mma, bk, stages) <= limit)
      return bk;
  return 0;
}

/// The parts the dK/dV launch splits the head dimensions into, one warp
/// each per 16 keys: two 16 x D accumulators (dK and dV) a warp take
/// (D + Dv) tileM / lanes registers a lane, and past 128 (D = 256 on
/// NVIDIA) they would live in local memory. Each part's warp recomputes
/// its keys' whole S^T and dP^T (1.5 times the multiplications at two
/// parts) and keeps only its columns of dK and dV.
int64_t headSplit(const Attention &a, const MmaFragments &mma) {
  int64_t registers =
      (a.depth + a.valueDepth) * mma.tileM() / mma.warpLanes();
  int64_t split = llvm::PowerOf2Ceil(llvm::divideCeil(registers, 128));
  while (split > 1 && (a.depth % (split * mma.tileN()) != 0 ||
                       a.valueDepth % (split * mma.tileN()) != 0))
    split /= 2;
  return split;
}

/// Shared memory of a backward block of `warps` warps of rows (of queries
/// for dQ, of keys for dK and dV; `split` warps per row for dK and dV)
/// stepping over `other` rows of the other side in `stages` stages: the
/// query, dO, key and value tiles in the input type, the P / dS tile where
/// they cannot stay in registers, the f32 staging of the outputs and two
/// f32 per row (log-sum-exp and D) on both sides.
int64_t backwardBytes(const Attention &a, const MmaFragments &mma,
                      int64_t warps, int64_t other, int64_t stages = 1,
                      int64_t split = 1) {
  int64_t rows = warps * mma.tileM(), warpRows = split * rows;
  int64_t halves =
      (rows + stages * other) * (a.depth + kPad + a.valueDepth + kPad);
  if (!mma.accumulatorIsA())
    halves += warpRows * (other + kPad);
  return 2 * halves +
         4 * (warpRows * (other + 2) + 2 * (rows + stages * other));
}

/// The backward's warps of rows per block and rows per step: four warps if
/// they fit, else two; the largest step of 64, 32 and 16 up to `most` that
/// fits.
std::pair<int64_t, int64_t> backwardTiling(const Attention &a,
                                           const MmaFragments &mma,
                                           int64_t limit, int64_t stages = 1,
                                           int64_t split = 1,
                                           int64_t most = 64) {
  for (int64_t warps : {4, 2})
    for (int64_t step : {64, 32, 16})
      if (step <= most && step % mma.tileN() == 0 &&
          step % mma.tileK() == 0 &&
          backwardBytes(a, mma, warps, step, stages, split) <= limit)
        return {warps, step};
  return {0, 0};
}

/// The pieces of one launch's emission.
struct FlashEmitter {
  /// `warps` per block, `bk` rows of the other side per step, `split`
  /// warps per tileM rows (each a part of the head dimensions: headSplit).
  FlashEmitter(const Attention &a, const MmaFragments &mma, int64_t warps,
               int64_t bk, OpBuilder &b, Location loc, int64_t split = 1)
      : a(a), mma(mma), warps(warps), bk(bk), split(split), b(b), loc(loc) {}
  const Attention &a;
  const MmaFragments &mma;
  int64_t warps, bk, split;
  OpBuilder &b;
  Location loc;
  /// The warp's first row of the block's tiles (its warps' rows / split),
  /// its part of the head dimensions (null without a split) and its first
  /// row of the P tile (its own, split or not).
  Value tid, lane, warp, warpRow, part, operandRow;
  Value batchIdx, head, kvHead, qStart;
  /// The additive mask (a buffer broadcasting to [batch, heads, sq, skv]),
  /// or null.
  Value mask;
  /// The rows a launch loops over (keys and values; queries and dO for
  /// dK/dV) by cp.async, double-buffered.
  bool async = false;
  int64_t threads = 0;
  Launch launch;

  Value c(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value f(double v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(float(v)));
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value div(Value x, int64_t y) {
    return arith::DivUIOp::create(b, loc, x, c(y));
  }
  Value rem(Value x, int64_t y) {
    return arith::RemUIOp::create(b, loc, x, c(y));
  }
  Value lt(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, y);
  }
  /// A loop from `start` to `end` by `step` whose body the builder is left
  /// in (restore it with an InsertionGuard).
  scf::ForOp loop(Value start, Value end, Value step,
                  ValueRange iterArgs = {}) {
    auto forOp = scf::ForOp::create(b, loc, start, end, step, iterArgs);
    b.setInsertionPointToStart(forOp.getBody());
    return forOp;
  }

  /// Copies rows [start, start + rows) of `source`[batchIdx, head] (width
  /// elements each) to `tile` ([rows][width + kPad], or stage `stage` of
  /// [stages][rows][width + kPad]), 16 bytes per thread and step; rows
  /// past `total` as zeros. Into a stage with `async`, by cp.async (the
  /// caller commits and waits).
  void copyRows(Value source, Value headIdx, Value start, int64_t rows,
                int64_t total, int64_t width, Value tile,
                Value stage = Value()) {
    int64_t vec = 8, perRow = width / vec, chunks = rows * perRow;
    auto vecType = VectorType::get({vec}, a.element);
    for (int64_t first = 0; first < chunks; first += threads) {
      OpBuilder::InsertionGuard g(b);
      Value chunk = add(tid, c(first));
      if (first + threads > chunks) {
        auto guard = scf::IfOp::create(b, loc, lt(chunk, c(chunks)), false);
        b.setInsertionPointToStart(guard.thenBlock());
      }
      Value r = div(chunk, perRow), col = mul(rem(chunk, perRow), c(vec));
      Value row = add(start, r);
      Value valid = lt(row, c(total));
      row = arith::SelectOp::create(b, loc, valid, row, c(0));
      SmallVector<Value> at = {r, col};
      if (stage)
        at.insert(at.begin(), stage);
      SmallVector<Value> from = {batchIdx, headIdx, row, col};
      if (stage && async) {
        copyAsync(b, loc, tile, at, source, from, vec, valid);
        continue;
      }
      auto load = vector::LoadOp::create(b, loc, vecType, source, from);
      load.setAlignmentAttr(b.getI64IntegerAttr(16));
      Value zeros = arith::ConstantOp::create(b, loc, vecType,
                                              b.getZeroAttr(vecType));
      Value v = arith::SelectOp::create(b, loc, valid, load, zeros);
      auto store = vector::StoreOp::create(b, loc, v, tile, at);
      store.setAlignmentAttr(b.getI64IntegerAttr(16));
    }
  }

  /// A launch of `blocks` blocks of `warps` warps; tid, lane, warp,
  /// warpRow, part and operandRow set.
  void begin(int64_t blocks) {
    threads = warps * mma.warpLanes();
    launch = createLaunch(b, loc, blocks, threads);
    tid = launch.threadId;
    lane = rem(tid, mma.warpLanes());
    warp = div(tid, mma.warpLanes());
    operandRow = mul(warp, c(mma.tileM()));
    warpRow = operandRow;
    if (split > 1) {
      warpRow = mul(div(warp, split), c(mma.tileM()));
      part = rem(warp, split);
    }
  }
  /// A workgroup buffer of the launch.
  Value shared(ArrayRef<int64_t> shape, Type type) {
    auto workgroup = gpu::AddressSpaceAttr::get(b.getContext(),
                                                gpu::AddressSpace::Workgroup);
    return launch.op.addWorkgroupAttribution(
        MemRefType::get(shape, type, nullptr, workgroup), loc);
  }
  void barrier() { gpu::BarrierOp::create(b, loc); }

  /// The warp's A fragments of the tileM x kSize tile at row `aRow` of
  /// `aTile` ([m][k]), read from shared memory.
  SmallVector<Value> fragments(Value aTile, Value aRow, int64_t kSize) {
    SmallVector<Value> out;
    for (int64_t kk = 0; kk < kSize; kk += mma.tileK())
      out.push_back(mma.readA(b, loc, aTile, aRow, c(kk), false, lane));
    return out;
  }
  /// `acc` (n / tileN tiles; zeros when empty) plus A B^T: A the warp's
  /// tileM rows as `aFragments` (consecutive k), B the n x k tile of
  /// `bTile` ([n][k], or [k][n] when `bTransposed`) from column `nStart`
  /// (null: 0).
  SmallVector<Value> product(ArrayRef<Value> aFragments, Value bTile,
                             bool bTransposed, int64_t n,
                             SmallVector<Value> acc = {},
                             Value nStart = Value()) {
    if (acc.empty())
      acc.assign(n / mma.tileN(), mma.zero(b, loc));
    for (auto [i, fragment] : llvm::enumerate(aFragments))
      accumulate(fragment, int64_t(i) * mma.tileK(), bTile, bTransposed, acc,
                 nStart);
    return acc;
  }
  /// The same with A the warp's tileM x kSize rows at `aRow` of `aTile`,
  /// read all at once (ptxas overlaps the reads with the multiplications)
  /// up to kFragmentsAtOnce fragments; past that each fragment is read
  /// just before its multiplications, so that one is live, not all.
  SmallVector<Value> product(Value aTile, Value aRow, Value bTile,
                             bool bTransposed, int64_t kSize, int64_t n,
                             SmallVector<Value> acc = {}) {
    constexpr int64_t kFragmentsAtOnce = 8; // 32 registers with mma.sync
    if (kSize / mma.tileK() <= kFragmentsAtOnce)
      return product(fragments(aTile, aRow, kSize), bTile, bTransposed, n,
                     std::move(acc));
    if (acc.empty())
      acc.assign(n / mma.tileN(), mma.zero(b, loc));
    for (int64_t kk = 0; kk < kSize; kk += mma.tileK())
      accumulate(mma.readA(b, loc, aTile, aRow, c(kk), false, lane), kk,
                 bTile, bTransposed, acc);
    return acc;
  }
  /// `acc` += `fragment` (k from `kk`) times its slice of the B tile.
  void accumulate(Value fragment, int64_t kk, Value bTile, bool bTransposed,
                  MutableArrayRef<Value> acc, Value nStart = Value()) {
    for (auto [j, tile] : llvm::enumerate(acc)) {
      Value column = c(int64_t(j) * mma.tileN());
      if (nStart)
        column = add(nStart, column);
      tile = mma.multiply(
          b, loc, fragment,
          mma.readB(b, loc, bTile, column, c(kk), bTransposed, lane), tile);
    }
  }
  /// Accumulator `tiles` (the warp's tileM rows, consecutive columns) as
  /// the A fragments of a product, rounded to the input type: in registers
  /// where the instruction's layouts allow, else through the warp's rows
  /// of `pTile` (`reused`: a barrier first, for the readers of what it
  /// held).
  SmallVector<Value> asOperand(ArrayRef<Value> tiles, Value pTile,
                               bool reused) {
    int64_t perK = mma.tileK() / mma.tileN();
    SmallVector<Value> out;
    if (mma.accumulatorIsA()) {
      for (size_t j = 0; j < tiles.size(); j += perK)
        out.push_back(mma.accumulatorsAsA(b, loc, tiles.slice(j, perK),
                                          a.element));
      return out;
    }
    if (reused)
      barrier();
    for (auto [j, tile] : llvm::enumerate(tiles))
      mma.store(b, loc, tile, pTile, {}, operandRow,
                c(int64_t(j) * mma.tileN()), lane);
    barrier();
    return fragments(pTile, operandRow,
                     int64_t(tiles.size()) * mma.tileN());
  }
  /// The P tile the fallback of asOperand needs (null with register
  /// reuse): `rows` x `cols` in the input type.
  Value operandTile(int64_t rows, int64_t cols) {
    if (mma.accumulatorIsA())
      return Value();
    return shared({rows, cols + kPad}, a.element);
  }

  /// Per-row values of the lane (vector<laneRows x f32>, one per row slot).
  VectorType slotsType() {
    return VectorType::get({mma.laneRows()}, b.getF32Type());
  }
  Value slots(double v) {
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(slotsType(),
                               ArrayRef<Attribute>{b.getF32FloatAttr(v)}));
  }
  /// The element of `rows` for row slot `slot` (an index value).
  Value slotOf(Value rows, Value slot) {
    return vector::ExtractOp::create(b, loc, rows, slot);
  }
  /// `rows` folded over the lanes that share each row (a row slot is the
  /// same row in each of them).
  Value combineRowLanes(Value rows, gpu::AllReduceOperation kind) {
    if (mma.rowLanes() == 1)
      return rows;
    for (int64_t s = 0; s < mma.laneRows(); ++s) {
      Value part = vector::ExtractOp::create(b, loc, rows, s);
      Value whole = gpu::SubgroupReduceOp::create(
          b, loc, part, kind, /*uniform=*/true, mma.rowLanes(),
          /*cluster_stride=*/1);
      rows = vector::InsertOp::create(b, loc, whole, rows, s);
    }
    return rows;
  }
  /// Folds each of `tiles`' elements into `rows` by `combine` (this lane's
  /// elements; combineRowLanes completes the rows).
  Value foldRows(ArrayRef<Value> tiles, Value rows,
                 function_ref<Value(OpBuilder &, Value, Value)> combine) {
    for (Value tile : tiles)
      rows = mma.foldRows(b, loc, tile, rows, combine);
    return rows;
  }
  /// `values[r]` for each of the lane's row slots, r the slot's row of the
  /// warp (shared memory, f32, indexed by the block's row).
  Value loadSlots(Value values) {
    Value rows = slots(0.0);
    for (int64_t s = 0; s < mma.laneRows(); ++s)
      rows = vector::InsertOp::create(
          b, loc,
          memref::LoadOp::create(
              b, loc, values,
              ValueRange{add(warpRow, mma.slotRow(b, loc, lane, s))}),
          rows, s);
    return rows;
  }
  /// Each element of `tiles` (consecutive column tiles) replaced by
  /// `fn(b, elements, slot, row, col)`, col counted from the first tile.
  SmallVector<Value> mapTiles(
      ArrayRef<SmallVector<Value>> tiles,
      function_ref<Value(OpBuilder &, ValueRange, Value, Value, Value)> fn) {
    SmallVector<Value> out;
    for (size_t j = 0; j < tiles.front().size(); ++j) {
      SmallVector<Value> accs;
      for (ArrayRef<Value> operand : tiles)
        accs.push_back(operand[j]);
      int64_t first = int64_t(j) * mma.tileN();
      out.push_back(mma.mapElements(
          b, loc, accs, lane,
          [&](OpBuilder &eb, ValueRange elements, Value slot, Value row,
              Value col) -> Value {
            OpBuilder::InsertionGuard g(b);
            b.setInsertionPoint(eb.getInsertionBlock(),
                                eb.getInsertionPoint());
            return fn(b, elements, slot, row,
                      arith::AddIOp::create(b, loc, col, c(first)));
          }));
    }
    return out;
  }
  /// Each row of `tiles` multiplied by its slot's value in `rows`
  /// (flash attention's correction of O, and the final 1 / l).
  SmallVector<Value> scaleRows(ArrayRef<Value> tiles, Value rows) {
    return mapTiles({SmallVector<Value>(tiles)},
                    [&](OpBuilder &, ValueRange e, Value slot, Value,
                        Value) -> Value {
      return arith::MulFOp::create(b, loc, e[0], slotOf(rows, slot));
    });
  }
  /// Stores `tiles` (consecutive column tiles from column 0) to the warp's
  /// part of `staging` ([warps][tileM][width]).
  void stage(ArrayRef<Value> tiles, Value staging) {
    for (auto [j, tile] : llvm::enumerate(tiles))
      mma.store(b, loc, tile, staging, ValueRange{warp}, c(0),
                c(int64_t(j) * mma.tileN()), lane);
  }
  /// `body(r, col)` for each element of the warp's tileM x width part of
  /// staging, the warp's lanes on consecutive columns.
  void forEachStaged(int64_t width, function_ref<void(Value, Value)> body) {
    OpBuilder::InsertionGuard g(b);
    scf::ForOp walk = loop(lane, c(mma.tileM() * width), c(mma.warpLanes()));
    Value idx = walk.getInductionVar();
    body(div(idx, width), rem(idx, width));
  }
  /// Writes accumulator `tiles` (the warp's tileM rows, `cols` columns)
  /// out through `staging` (bk columns at a time): `write(r, col, value)`
  /// for each element.
  void writeOut(ArrayRef<Value> tiles, Value staging, int64_t cols,
                function_ref<void(Value, Value, Value)> write) {
    int64_t tn = mma.tileN();
    for (int64_t c0 = 0; c0 < cols; c0 += bk) {
      int64_t width = std::min(bk, cols - c0);
      stage(tiles.slice(c0 / tn, width / tn), staging);
      barrier();
      forEachStaged(width, [&](Value r, Value col) {
        Value value = memref::LoadOp::create(b, loc, staging,
                                             ValueRange{warp, r, col});
        write(r, add(col, c(c0)), value);
      });
      barrier();
    }
  }
  /// `value` converted to `type` (a float type).
  Value convert(Value value, Type type) {
    if (value.getType() == type)
      return value;
    if (type.getIntOrFloatBitWidth() < value.getType().getIntOrFloatBitWidth())
      return arith::TruncFOp::create(b, loc, type, value);
    return arith::ExtFOp::create(b, loc, type, value);
  }
  /// Stores `value` at `indices` of `buffer` when `inside`.
  void storeIf(Value inside, Value value, Value buffer, ValueRange indices) {
    OpBuilder::InsertionGuard g(b);
    auto guard = scf::IfOp::create(b, loc, inside, false);
    b.setInsertionPointToStart(guard.thenBlock());
    memref::StoreOp::create(
        b, loc,
        convert(value, cast<MemRefType>(buffer.getType()).getElementType()),
        buffer, indices);
  }

  /// Block -> (batch, head, query block) for `qBlocks` blocks of `rows`
  /// query rows, the last query blocks (the longest when causal) first:
  /// sets batchIdx, head, kvHead and qStart.
  void mapQueryBlock(int64_t qBlocks, int64_t rows) {
    Value block = launch.blockId;
    Value qBlock = arith::SubIOp::create(b, loc, c(qBlocks - 1),
                                         rem(block, qBlocks));
    Value bh = div(block, qBlocks);
    head = rem(bh, a.heads);
    batchIdx = div(bh, a.heads);
    kvHead = div(head, a.heads / a.kvHeads);
    qStart = mul(qBlock, c(rows));
  }
  /// The additive mask at (batchIdx, head, `query`, `key`) in f32, null
  /// without one. Indices past the sequences are clamped: those scores
  /// are masked out anyway.
  Value maskAt(Value query, Value key) {
    if (!mask)
      return Value();
    auto type = cast<MemRefType>(mask.getType());
    int64_t rank = type.getRank();
    Value full[4] = {batchIdx, head,
                     arith::MinUIOp::create(b, loc, query, c(a.sq - 1)),
                     arith::MinUIOp::create(b, loc, key, c(a.skv - 1))};
    SmallVector<Value> indices;
    for (int64_t d = 0; d < rank; ++d)
      indices.push_back(type.getDimSize(d) == 1 ? c(0)
                                                : full[4 - rank + d]);
    return convert(memref::LoadOp::create(b, loc, mask, indices),
                   b.getF32Type());
  }
  /// scale * s, plus the mask at (query, key) when there is one.
  Value scaled(Value s, Value query, Value key) {
    Value x = arith::MulFOp::create(b, loc, s, f(a.scale));
    if (Value bias = maskAt(query, key))
      x = arith::AddFOp::create(b, loc, x, bias);
    return x;
  }
  /// Whether query `row` does not see `key`: past the keys, or after the
  /// row when causal.
  Value masked(Value key, Value row) {
    Value outside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge,
                                          key, c(a.skv));
    if (!a.causal)
      return outside;
    return arith::OrIOp::create(
        b, loc, outside,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, key, row));
  }
  /// The backward's P from scores `tiles` (the warp's rows by the other
  /// side's columns): exp(scale s + mask - lse), 0 where the query does not
  /// see the key; `queryKey(row, col)` gives the element's query and key.
  SmallVector<Value> probabilities(
      ArrayRef<Value> tiles, function_ref<Value(Value, Value)> lse,
      function_ref<std::pair<Value, Value>(Value, Value)> queryKey) {
    return mapTiles({SmallVector<Value>(tiles)},
                    [&](OpBuilder &, ValueRange s, Value slot, Value row,
                        Value col) -> Value {
      auto [query, key] = queryKey(row, col);
      Value p = math::ExpOp::create(
          b, loc,
          arith::SubFOp::create(b, loc, scaled(s[0], query, key),
                                lse(slot, col)));
      return arith::SelectOp::create(b, loc, masked(key, query), f(0.0), p);
    });
  }
  /// dS = scale P (dP - D).
  SmallVector<Value> scoreGradients(ArrayRef<Value> p, ArrayRef<Value> dp,
                                    function_ref<Value(Value, Value)> delta) {
    return mapTiles({SmallVector<Value>(p), SmallVector<Value>(dp)},
                    [&](OpBuilder &, ValueRange e, Value slot, Value,
                        Value col) -> Value {
      Value centered = arith::SubFOp::create(b, loc, e[1], delta(slot, col));
      return arith::MulFOp::create(
          b, loc, arith::MulFOp::create(b, loc, e[0], centered), f(a.scale));
    });
  }

  /// The key and value tiles of a loop over blocks of bk keys, in
  /// `stages` stages ([stages][bk][depth + kPad]): two with cp.async (the
  /// next block copied while this one is multiplied), else one.
  struct KeyValueTiles {
    Value keys, values;
    int64_t stages;
  };
  KeyValueTiles keyValueTiles() {
    int64_t stages = async ? 2 : 1;
    return {shared({stages, bk, a.depth + kPad}, a.element),
            shared({stages, bk, a.valueDepth + kPad}, a.element), stages};
  }
  /// Keys and values of the block at key `from` into stage `stage`.
  void copyKeys(const KeyValueTiles &kv, Value k, Value v, Value from,
                Value stage) {
    copyRows(k, kvHead, from, bk, a.skv, a.depth, kv.keys, stage);
    copyRows(v, kvHead, from, bk, a.skv, a.valueDepth, kv.values, stage);
  }
  /// With cp.async, copies the first block of keys and values and waits
  /// for this thread's copies (a barrier must follow before the loop).
  void copyFirstKeys(const KeyValueTiles &kv, Value k, Value v) {
    if (!async)
      return;
    copyKeys(kv, k, v, c(0), c(0));
    waitCopies(b, loc, commitCopies(b, loc), 0);
  }
  /// The start of the step at `start` of a loop over blocks of bk rows
  /// (from `first`, null for 0, up to `end`) that `copy(from, stage)`
  /// copies into `stages` stages: the step's stage and, with cp.async,
  /// the group of the next block's copies, started into the other stage
  /// (which the previous step read: every warp is past the barrier that
  /// ended it). Without, this block's copies and a barrier (no group).
  std::pair<Value, Value> beginStep(int64_t stages, Value first, Value start,
                                    Value end,
                                    function_ref<void(Value, Value)> copy) {
    Value step = div(
        first ? arith::SubIOp::create(b, loc, start, first).getResult() : start,
        bk);
    Value stage = rem(step, stages);
    if (!async) {
      copy(start, stage);
      barrier();
      return {stage, Value()};
    }
    Value next = add(start, c(bk));
    Value nextStage = rem(add(step, c(1)), stages);
    {
      OpBuilder::InsertionGuard g(b);
      auto more = scf::IfOp::create(b, loc, lt(next, end), false);
      b.setInsertionPointToStart(more.thenBlock());
      copy(next, nextStage);
    }
    return {stage, commitCopies(b, loc)};
  }
  /// beginStep for a block of keys at `kStart`: the step's key and value
  /// tiles and the group of the next block's copies.
  std::tuple<Value, Value, Value> beginKeyStep(const KeyValueTiles &kv,
                                               Value k, Value v, Value kStart,
                                               Value keysEnd) {
    auto [stage, group] = beginStep(
        kv.stages, Value(), kStart, keysEnd,
        [&](Value from, Value to) { copyKeys(kv, k, v, from, to); });
    return {stageOf(b, loc, kv.keys, stage), stageOf(b, loc, kv.values, stage),
            group};
  }
  /// The end of a step whose next tiles were started by cp.async as
  /// `group` (null without): the copies waited for, then the barrier
  /// after which their stage is read and this one may be overwritten.
  void endStep(Value group) {
    if (group)
      waitCopies(b, loc, group, 0);
    barrier();
  }

  void emit(Value q, Value k, Value v, Value out, Value lse);
  void emitBackwardQuery(Value q, Value k, Value v, Value o, Value lse,
                         Value dO, Value dq, Value delta);
  void emitBackwardKeys(Value q, Value k, Value v, Value lse, Value dO,
                        Value delta, Value dk, Value dv);
};

void FlashEmitter::emit(Value q, Value k, Value v, Value out, Value lse) {
  int64_t tm = mma.tileM(), tn = mma.tileN();
  int64_t rows = warps * tm;
  int64_t qBlocks = (a.sq + rows - 1) / rows;
  Type f32 = b.getF32Type();
  begin(a.batch * a.heads * qBlocks);
  Value qTile = shared({rows, a.depth + kPad}, a.element);
  KeyValueTiles kv = keyValueTiles();
  Value pTile = operandTile(rows, bk);
  Value staging = shared({warps, tm, bk + 2}, f32);
  mapQueryBlock(qBlocks, rows);

  copyRows(q, head, qStart, rows, a.sq, a.depth, qTile);
  copyFirstKeys(kv, k, v);
  barrier();
  // The warp's query fragments stay in registers across the key loop
  // where they and O's accumulators take at most 128 registers a lane
  // (head dimensions up to 128 on NVIDIA); past that each step reads them
  // from the query tile again.
  int64_t queryRegisters = (tm * a.depth / 2 + tm * a.valueDepth) /
                           mma.warpLanes();
  SmallVector<Value> qFragments;
  if (queryRegisters <= 128)
    qFragments = fragments(qTile, warpRow, a.depth);

  Value keysEnd = c(a.skv);
  if (a.causal)
    keysEnd = arith::MinUIOp::create(b, loc, add(qStart, c(rows)), keysEnd);
  int64_t oTiles = a.valueDepth / tn;
  SmallVector<Value> init(oTiles, mma.zero(b, loc));
  // Per row slot: the running maximum m, and l, this lane's part of the
  // sum of P as PV sees it (the lanes of a row are summed at the end).
  init.push_back(slots(-INFINITY));
  init.push_back(slots(0.0));
  // The exact sum for the log-sum-exp (P rounded to the input type for P V
  // sums to a little more or less).
  if (lse)
    init.push_back(slots(0.0));
  scf::ForOp keyLoop;
  {
    OpBuilder::InsertionGuard g(b);
    keyLoop = loop(c(0), keysEnd, c(bk), init);
    Value kStart = keyLoop.getInductionVar();
    SmallVector<Value> o(keyLoop.getRegionIterArgs().take_front(oTiles));
    ValueRange state = keyLoop.getRegionIterArgs().drop_front(oTiles);
    Value m = state[0];
    auto [keys, values, group] = beginKeyStep(kv, k, v, kStart, keysEnd);

    // S = Q K^T (the warp's rows by this step's keys), scaled, -inf where
    // masked; the online softmax on it in registers.
    SmallVector<Value> scores = mapTiles(
        {qFragments.empty()
             ? product(qTile, warpRow, keys, /*bTransposed=*/false, a.depth,
                       bk)
             : product(qFragments, keys, /*bTransposed=*/false, bk)},
        [&](OpBuilder &, ValueRange s, Value, Value row, Value col) -> Value {
          Value query = add(qStart, add(warpRow, row)), key = add(kStart, col);
          return arith::SelectOp::create(b, loc, masked(key, query),
                                         f(-INFINITY), scaled(s[0], query, key));
        });
    Value maxNew = combineRowLanes(
        foldRows(scores, m,
                 [&](OpBuilder &fb, Value x, Value y) -> Value {
                   return arith::MaximumFOp::create(fb, loc, x, y);
                 }),
        gpu::AllReduceOperation::MAXIMUMF);
    // A row with no visible key yet keeps 0 as its reference, so that exp
    // never sees -inf - -inf.
    Value noKey = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                        maxNew, slots(-INFINITY));
    Value ref = arith::SelectOp::create(b, loc, noKey, slots(0.0), maxNew);
    Value correction =
        math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, m, ref));
    SmallVector<Value> exact = mapTiles(
        {scores}, [&](OpBuilder &, ValueRange s, Value slot, Value, Value) {
          return math::ExpOp::create(
              b, loc, arith::SubFOp::create(b, loc, s[0], slotOf(ref, slot)));
        });
    // l sums P as the tensor cores see it (rounded to the input type), so
    // that O is a convex combination of V's rows: constant values come out
    // exact.
    SmallVector<Value> p = mapTiles(
        {exact}, [&](OpBuilder &, ValueRange e, Value, Value, Value) -> Value {
          return convert(convert(e[0], a.element), f32);
        });
    auto sum = [&](OpBuilder &fb, Value x, Value y) -> Value {
      return arith::AddFOp::create(fb, loc, x, y);
    };
    // O = O * correction + P V.
    SmallVector<Value> next =
        product(asOperand(p, pTile, /*reused=*/false), values,
                /*bTransposed=*/true, a.valueDepth, scaleRows(o, correction));
    next.push_back(maxNew);
    next.push_back(foldRows(p, arith::MulFOp::create(b, loc, state[1],
                                                     correction),
                            sum));
    if (lse)
      next.push_back(foldRows(exact, arith::MulFOp::create(b, loc, state[2],
                                                           correction),
                              sum));
    endStep(group);
    scf::YieldOp::create(b, loc, next);
  }

  // O / l per row, and the log-sum-exp.
  ValueRange state = keyLoop.getResults().drop_front(oTiles);
  Value m = state[0];
  Value l = combineRowLanes(state[1], gpu::AllReduceOperation::ADD);
  Value inverse = arith::DivFOp::create(b, loc, slots(1.0), l);
  SmallVector<Value> o =
      scaleRows(SmallVector<Value>(keyLoop.getResults().take_front(oTiles)),
                inverse);
  if (lse) {
    Value logSum = arith::AddFOp::create(
        b, loc, m,
        math::LogOp::create(
            b, loc, combineRowLanes(state[2], gpu::AllReduceOperation::ADD)));
    // The first lane of each row's lanes writes it.
    Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                        rem(lane, mma.rowLanes()), c(0));
    for (int64_t s = 0; s < mma.laneRows(); ++s) {
      Value row = add(qStart, add(warpRow, mma.slotRow(b, loc, lane, s)));
      storeIf(arith::AndIOp::create(b, loc, first, lt(row, c(a.sq))),
              vector::ExtractOp::create(b, loc, logSum, s), lse,
              {batchIdx, head, row});
    }
  }

  // The output through staging, lanes on consecutive columns.
  writeOut(o, staging, a.valueDepth, [&](Value r, Value col, Value value) {
    Value row = add(qStart, add(warpRow, r));
    storeIf(lt(row, c(a.sq)), value, out, {batchIdx, head, row, col});
  });
}

/// dQ and D (the backward's first launch): a block per (batch, head,
/// warps x tileM query rows), looping over the keys the rows see:
///   D = rowsum(dO * O) and the log-sum-exp per row, to shared memory (D
///     also to `delta` for the second launch)                 | barrier
///   per step of bk keys: copy K, V                           | barrier
///     (with cp.async: the next step's K, V copies start here, into the
///     other stage, and are waited for before the step's barrier)
///   S = Q K^T; P = exp(scale S - lse), 0 where masked;
///   dP = dO V^T; dS = scale P (dP - D), all in registers;
///   dQ += dS K, dS as A fragments                            | barrier
void FlashEmitter::emitBackwardQuery(Value q, Value k, Value v, Value o,
                                     Value lse, Value dO, Value dq,
                                     Value delta) {
  int64_t tm = mma.tileM(), rows = warps * tm;
  int64_t qBlocks = (a.sq + rows - 1) / rows;
  Type f32 = b.getF32Type();
  begin(a.batch * a.heads * qBlocks);
  Value qTile = shared({rows, a.depth + kPad}, a.element);
  Value dOTile = shared({rows, a.valueDepth + kPad}, a.element);
  KeyValueTiles kv = keyValueTiles();
  Value pTile = operandTile(rows, bk);
  Value staging = shared({warps, tm, bk + 2}, f32);
  Value rowLse = shared({rows}, f32);
  Value rowDelta = shared({rows}, f32);

  mapQueryBlock(qBlocks, rows);
  copyRows(q, head, qStart, rows, a.sq, a.depth, qTile);
  copyRows(dO, head, qStart, rows, a.sq, a.valueDepth, dOTile);
  copyFirstKeys(kv, k, v);
  barrier();

  // D and the log-sum-exp of each row, by the warp's first tileM lanes
  // (rows past the sequence: 0, so that their dS is 0).
  {
    OpBuilder::InsertionGuard g(b);
    auto owner = scf::IfOp::create(b, loc, lt(lane, c(tm)), false);
    b.setInsertionPointToStart(owner.thenBlock());
    Value localRow = add(warpRow, lane), row = add(qStart, localRow);
    Value inside = lt(row, c(a.sq));
    Value clamped = arith::SelectOp::create(b, loc, inside, row, c(0));
    Value sum;
    {
      OpBuilder::InsertionGuard lg(b);
      scf::ForOp dot = loop(c(0), c(a.valueDepth), c(1), ValueRange{f(0.0)});
      Value col = dot.getInductionVar();
      Value x = convert(memref::LoadOp::create(b, loc, dOTile,
                                               ValueRange{localRow, col}),
                        f32);
      Value y = convert(memref::LoadOp::create(
                            b, loc, o, ValueRange{batchIdx, head, clamped, col}),
                        f32);
      scf::YieldOp::create(
          b, loc,
          ValueRange{arith::AddFOp::create(
              b, loc, dot.getRegionIterArgs()[0],
              arith::MulFOp::create(b, loc, x, y))});
      sum = dot.getResult(0);
    }
    sum = arith::SelectOp::create(b, loc, inside, sum, f(0.0));
    memref::StoreOp::create(b, loc, sum, rowDelta, ValueRange{localRow});
    Value rowLogSum = memref::LoadOp::create(
        b, loc, lse, ValueRange{batchIdx, head, clamped});
    memref::StoreOp::create(
        b, loc, arith::SelectOp::create(b, loc, inside, rowLogSum, f(0.0)),
        rowLse, ValueRange{localRow});
    storeIf(inside, sum, delta, {batchIdx, head, row});
  }
  barrier();

  Value keysEnd = c(a.skv);
  if (a.causal)
    keysEnd = arith::MinUIOp::create(b, loc, add(qStart, c(rows)), keysEnd);
  Value lseSlots = loadSlots(rowLse), deltaSlots = loadSlots(rowDelta);
  SmallVector<Value> init(a.depth / mma.tileN(), mma.zero(b, loc));
  scf::ForOp keyLoop;
  {
    OpBuilder::InsertionGuard g(b);
    keyLoop = loop(c(0), keysEnd, c(bk), init);
    Value kStart = keyLoop.getInductionVar();
    auto [keys, values, group] = beginKeyStep(kv, k, v, kStart, keysEnd);
    SmallVector<Value> p = probabilities(
        product(qTile, warpRow, keys, false, a.depth, bk),
        [&](Value slot, Value) { return slotOf(lseSlots, slot); },
        [&](Value row, Value col) -> std::pair<Value, Value> {
          return {add(qStart, add(warpRow, row)), add(kStart, col)};
        });
    SmallVector<Value> ds = scoreGradients(
        p, product(dOTile, warpRow, values, false, a.valueDepth, bk),
        [&](Value slot, Value) { return slotOf(deltaSlots, slot); });
    SmallVector<Value> acc =
        product(asOperand(ds, pTile, /*reused=*/false), keys,
                /*bTransposed=*/true, a.depth,
                SmallVector<Value>(keyLoop.getRegionIterArgs()));
    endStep(group);
    scf::YieldOp::create(b, loc, acc);
  }
  writeOut(SmallVector<Value>(keyLoop.getResults()), staging, a.depth,
           [&](Value r, Value col, Value value) {
             Value row = add(qStart, add(warpRow, r));
             storeIf(lt(row, c(a.sq)), value, dq, {batchIdx, head, row, col});
           });
}

/// dK and dV (the second launch): a block per (batch, key and value head,
/// warps x tileM key rows), looping over the query heads of the group and
/// the query rows that see its keys:
///   per step of bk query rows: copy Q, dO, their log-sum-exp and D
///                                                            | barrier
///     (with cp.async, two stages: each head's first step is copied
///     before its loop, and each step starts the next one's copies into
///     the other stage here and waits for them before its last barrier)
///   S^T = K Q^T; P^T = exp(scale S^T - lse), 0 where masked;
///   dV += P^T dO; dP^T = V dO^T; dS^T = scale P^T (dP^T - D);
///   dK += dS^T Q (P^T, dS^T as A fragments)                  | barrier
/// With a split of the head dimensions (headSplit), `split` warps share
/// each tileM keys: each computes their whole S^T and dP^T and its part of
/// the columns of dK and dV.
void FlashEmitter::emitBackwardKeys(Value q, Value k, Value v, Value lse,
                                    Value dO, Value delta, Value dk,
                                    Value dv) {
  int64_t tm = mma.tileM(), rows = warps / split * tm, tn = mma.tileN();
  int64_t depthPart = a.depth / split, valuePart = a.valueDepth / split;
  int64_t kBlocks = (a.skv + rows - 1) / rows;
  int64_t group = a.heads / a.kvHeads;
  Type f32 = b.getF32Type();
  begin(a.batch * a.kvHeads * kBlocks);
  Value kTile = shared({rows, a.depth + kPad}, a.element);
  Value vTile = shared({rows, a.valueDepth + kPad}, a.element);
  // The query side in stages: with cp.async the next step's query and dO
  // rows (and their log-sum-exp and D) are copied while this step's are
  // multiplied.
  int64_t stages = async ? 2 : 1;
  Value qTile = shared({stages, bk, a.depth + kPad}, a.element);
  Value dOTile = shared({stages, bk, a.valueDepth + kPad}, a.element);
  Value pTile = operandTile(warps * tm, bk);
  Value staging = shared({warps, tm, bk + 2}, f32);
  Value colLse = shared({stages, bk}, f32);
  Value colDelta = shared({stages, bk}, f32);

  Value block = launch.blockId;
  Value kBlock = rem(block, kBlocks);
  Value bh = div(block, kBlocks);
  kvHead = rem(bh, a.kvHeads);
  batchIdx = div(bh, a.kvHeads);
  Value kStart = mul(kBlock, c(rows));
  copyRows(k, kvHead, kStart, rows, a.skv, a.depth, kTile);
  copyRows(v, kvHead, kStart, rows, a.skv, a.valueDepth, vTile);
  barrier();

  // Causal: the first query rows that see this block's first key.
  Value first = c(0);
  if (a.causal)
    first = mul(div(kStart, bk), c(bk));
  SmallVector<Value> init(depthPart / tn + valuePart / tn, mma.zero(b, loc));
  // The columns of this warp's part.
  Value depthStart, valueStart;
  if (part) {
    depthStart = mul(part, c(depthPart));
    valueStart = mul(part, c(valuePart));
  }
  scf::ForOp headLoop;
  {
    OpBuilder::InsertionGuard g(b);
    headLoop = loop(c(0), c(group), c(1), init);
    head = add(mul(kvHead, c(group)), headLoop.getInductionVar());
    // Step qs's query and dO rows into stage `stage`, and the rows'
    // log-sum-exp and D (past the sequence: +inf and 0, so P = 0).
    auto copyQueries = [&](Value from, Value stage) {
      copyRows(q, head, from, bk, a.sq, a.depth, qTile, stage);
      copyRows(dO, head, from, bk, a.sq, a.valueDepth, dOTile, stage);
      OpBuilder::InsertionGuard sg(b);
      auto some = scf::IfOp::create(b, loc, lt(tid, c(bk)), false);
      b.setInsertionPointToStart(some.thenBlock());
      Value row = add(from, tid);
      Value inside = lt(row, c(a.sq));
      Value clamped = arith::SelectOp::create(b, loc, inside, row, c(0));
      Value rowLse = memref::LoadOp::create(
          b, loc, lse, ValueRange{batchIdx, head, clamped});
      Value rowDelta = memref::LoadOp::create(
          b, loc, delta, ValueRange{batchIdx, head, clamped});
      memref::StoreOp::create(
          b, loc, arith::SelectOp::create(b, loc, inside, rowLse, f(INFINITY)),
          colLse, ValueRange{stage, tid});
      memref::StoreOp::create(
          b, loc, arith::SelectOp::create(b, loc, inside, rowDelta, f(0.0)),
          colDelta, ValueRange{stage, tid});
    };
    if (async) {
      // This head's first step, into stage 0 (the previous head's last
      // step ended with a barrier).
      copyQueries(first, c(0));
      waitCopies(b, loc, commitCopies(b, loc), 0);
      barrier();
    }
    scf::ForOp queryLoop = loop(first, c(a.sq), c(bk),
                                headLoop.getRegionIterArgs());
    Value qs = queryLoop.getInductionVar();
    SmallVector<Value> dkAcc(
        queryLoop.getRegionIterArgs().take_front(depthPart / tn));
    SmallVector<Value> dvAcc(
        queryLoop.getRegionIterArgs().drop_front(depthPart / tn));
    Value stage, copies;
    std::tie(stage, copies) =
        beginStep(stages, first, qs, c(a.sq), copyQueries);
    Value queries = stageOf(b, loc, qTile, stage);
    Value grads = stageOf(b, loc, dOTile, stage);
    // Rows are this block's keys, columns the step's queries.
    SmallVector<Value> p = probabilities(
        product(kTile, warpRow, queries, false, a.depth, bk),
        [&](Value, Value col) -> Value {
          return memref::LoadOp::create(b, loc, colLse,
                                        ValueRange{stage, col});
        },
        [&](Value row, Value col) -> std::pair<Value, Value> {
          return {add(qs, col), add(kStart, add(warpRow, row))};
        });
    dvAcc = product(asOperand(p, pTile, /*reused=*/false), grads,
                    /*bTransposed=*/true, valuePart, dvAcc, valueStart);
    SmallVector<Value> ds = scoreGradients(
        p, product(vTile, warpRow, grads, false, a.valueDepth, bk),
        [&](Value, Value col) -> Value {
          return memref::LoadOp::create(b, loc, colDelta,
                                        ValueRange{stage, col});
        });
    dkAcc = product(asOperand(ds, pTile, /*reused=*/true), queries,
                    /*bTransposed=*/true, depthPart, dkAcc, depthStart);
    endStep(copies);
    SmallVector<Value> next(dkAcc);
    next.append(dvAcc);
    scf::YieldOp::create(b, loc, next);
    b.setInsertionPointAfter(queryLoop);
    scf::YieldOp::create(b, loc, queryLoop.getResults());
  }
  SmallVector<Value> results(headLoop.getResults());
  auto keyRowWriter = [&](Value target, Value columnStart) {
    return [&, target, columnStart](Value r, Value col, Value value) {
      Value row = add(kStart, add(warpRow, r));
      if (columnStart)
        col = add(columnStart, col);
      storeIf(lt(row, c(a.skv)), value, target, {batchIdx, kvHead, row, col});
    };
  };
  writeOut(ArrayRef<Value>(results).take_front(depthPart / tn), staging,
           depthPart, keyRowWriter(dk, depthStart));
  writeOut(ArrayRef<Value>(results).drop_front(depthPart / tn), staging,
           valuePart, keyRowWriter(dv, valueStart));
}

struct GPUAttentionKernelsPass
    : mlir::aster::impl::GPUAttentionKernelsBase<GPUAttentionKernelsPass> {
  using GPUAttentionKernelsBase::GPUAttentionKernelsBase;

  void runOnOperation() override {
    std::unique_ptr<MmaFragments> mma = createFragmentsByName(instruction);
    if (!mma) {
      getOperation().emitError("aster-gpu-attention-kernels: instruction '")
          << instruction << "' is not mma.sync, mfma, mma.sync-emulated or "
          << "mfma-emulated";
      return signalPassFailure();
    }
    ModuleOp module = getOperation();
    SmallVector<Attention> found;
    module.walk([&](Operation *op) {
      std::optional<Attention> a;
      if (auto attention = dyn_cast<AttentionOp>(op))
        a = matchAttention(attention);
      else if (auto forward = dyn_cast<AttentionFwdOp>(op))
        a = matchAttention(forward);
      else if (auto backward = dyn_cast<AttentionBwdOp>(op))
        a = matchAttention(backward);
      if (a)
        found.push_back(*a);
    });
    SymbolTable symbols(module);
    for (const Attention &a : found) {
      // The tiling sized for `shared-memory` with one stage (the second
      // comes on top); for head dimensions too large for any, the largest
      // within the chip's limit with every stage counted. At most 32 rows
      // of the other side a step there: registers, not shared memory,
      // bound a warp's 16 x D accumulators at such D. The backward's dK/dV
      // launch splits the head dimensions across warps where its two
      // accumulators would not fit in registers (headSplit).
      int64_t split = a.backward ? headSplit(a, *mma) : 1;
      int64_t stages = asyncCopy ? 2 : 1;
      int64_t warps = kWarps, step = 0;
      if (a.backward) {
        std::tie(warps, step) = backwardTiling(a, *mma, sharedMemory,
                                               /*stages=*/1, split);
        if (!step && sharedMemoryLimit > sharedMemory)
          std::tie(warps, step) = backwardTiling(
              a, *mma, sharedMemoryLimit, stages, split, /*most=*/16);
      } else {
        step = keysPerStep(a, *mma, sharedMemory, /*stages=*/1);
        if (!step && sharedMemoryLimit > sharedMemory)
          step = keysPerStep(a, *mma, sharedMemoryLimit, stages,
                             /*most=*/32);
      }
      if (step)
        outline(a, *mma, warps, step, split, symbols);
    }
  }

  /// Replaces `a.op` with a call of a kernel function holding its
  /// launches: `warps` of rows per block, `step` rows of the other side,
  /// `split` warps per row in the dK/dV launch.
  void outline(const Attention &a, const MmaFragments &mma, int64_t warps,
               int64_t step, int64_t split, SymbolTable &symbols) {
    // The kernel function's arguments (read now: an earlier outlining may
    // have replaced the forward results a backward reads).
    SmallVector<Value> operands(a.op->getOperands().take_front(3));
    Value mask;
    if (auto backward = dyn_cast<AttentionBwdOp>(a.op)) {
      operands.append({backward.getOut(), backward.getLse(), backward.getGrad()});
      mask = backward.getMask();
    } else if (auto forward = dyn_cast<AttentionFwdOp>(a.op)) {
      mask = forward.getMask();
    } else {
      mask = cast<AttentionOp>(a.op).getMask();
    }
    if (mask)
      operands.push_back(mask);
    outlineKernel(
        a.op, operands, "attention",
        a.backward ? "attention_bwd" : "attention", symbols,
        [&](OpBuilder &b, Block *body, ArrayRef<Value> inputs,
            ArrayRef<Value> outputs) {
          Location loc = a.op->getLoc();
          auto emitter = [&](int64_t split = 1) {
            b.setInsertionPointToEnd(body);
            FlashEmitter e(a, mma, warps * split, step, b, loc, split);
            e.async = asyncCopy;
            if (mask)
              e.mask = inputs.back();
            return e;
          };
          if (!a.backward) {
            emitter().emit(inputs[0], inputs[1], inputs[2], outputs[0],
                           a.withLse ? outputs[1] : Value());
            return;
          }
          // D = rowsum(dO * O) per query row, from the first launch to the
          // second.
          auto lseType = cast<MemRefType>(inputs[4].getType());
          Value delta = memref::AllocOp::create(b, loc, lseType,
                                                b.getI64IntegerAttr(64));
          emitter().emitBackwardQuery(inputs[0], inputs[1], inputs[2],
                                      inputs[3], inputs[4], inputs[5],
                                      outputs[0], delta);
          emitter(split).emitBackwardKeys(inputs[0], inputs[1], inputs[2],
                                     inputs[4], inputs[5], delta, outputs[1],
                                     outputs[2]);
        });
  }
};

} // namespace
