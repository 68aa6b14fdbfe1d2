//===- AttentionKernels.cpp - Flash attention forward on tensor cores -----===//
//
// The GPU strategy for attention without a mask (FlashAttention-2's
// forward). It runs on aster IR, before attention would be spelled out as
// matmuls and a softmax, and outlines each op it takes into a private
// kernel function (`aster.kernel = "attention"`) whose body is the final
// `gpu.launch` between bufferization's `to_buffer` and `to_tensor`; the
// rest of the pipeline (bufferization of the function boundary, arenas,
// outlining, deduplication of identical layers) treats it as any kernel.
//
// A block owns 64 query rows of one (batch, head): four warps of tileM =
// 16 rows each. The rows are copied to shared memory once, each warp
// keeps its query fragments in registers. Then, per block of BK keys:
//
//   copy K and V rows to shared memory (16-byte accesses, rows past the
//     sequence as zeros)                                        | barrier
//   S = Q K^T per warp on tensor cores, stored to staging       | barrier
//   one lane per query row: s = scale * S, -inf where masked (causal,
//     past the sequence); m' = max(m, max s); c = exp(m - m');
//     P = exp(s - m') in the input type; l' = l c + sum P; c to
//     shared memory                                             | barrier
//   O = O * c (per row) + P V per warp, O in registers          | barrier
//
// and at the end O / l is stored through shared memory in the result type
// (lanes on consecutive columns), and `attention_fwd`'s log-sum-exp is
// m + log l. With `causal` a block stops at its last query row's key
// (top-left aligned) and blocks are launched from the last query rows,
// the longest, down. The matrix instruction is behind MmaFragments.h, as
// for the matmul strategy; the softmax lanes and the one-lane-per-row
// scan are plain code, so the CPU emulation runs all of it.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/GPU/MmaFragments.h"
#include "aster/Codegen/Passes.h"
#include "aster/Dialect/Aster/IR/AsterOps.h"
#include "Payload.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/IR/SymbolTable.h"

#include <cmath>

namespace mlir::aster {
#define GEN_PASS_DEF_GPUATTENTIONKERNELS
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;
using namespace mlir::aster;

namespace {

constexpr int64_t kWarps = 4, kPad = 8;

/// An attention op the strategy takes, with its sizes.
struct Attention {
  Operation *op;
  Value query, key, value;
  RankedTensorType outType;
  bool withLse, causal;
  double scale;
  int64_t batch, heads, kvHeads, sq, skv, depth, valueDepth;
  Type element; // of query, key and value
};

template <typename OpT>
std::optional<Attention> matchAttention(OpT op) {
  if (op.getMask())
    return std::nullopt;
  auto qType = cast<RankedTensorType>(op.getQuery().getType());
  auto kType = cast<RankedTensorType>(op.getKey().getType());
  auto vType = cast<RankedTensorType>(op.getValue().getType());
  auto outType = cast<RankedTensorType>(op.getResult().getType());
  for (RankedTensorType t : {qType, kType, vType, outType})
    if (!t.hasStaticShape() || t.getRank() != 4)
      return std::nullopt;
  Type element = qType.getElementType();
  if (!(element.isBF16() || element.isF16()) ||
      kType.getElementType() != element || vType.getElementType() != element)
    return std::nullopt;
  Attention a;
  a.op = op;
  a.query = op.getQuery();
  a.key = op.getKey();
  a.value = op.getValue();
  a.outType = outType;
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

/// Shared memory of a block with `bk` keys per step: the query, key, value
/// and P tiles in the input type (rows padded by kPad), the f32 score
/// staging (rows padded by 2) and one f32 per query row.
int64_t sharedBytes(const Attention &a, const MmaFragments &mma, int64_t bk) {
  int64_t rows = kWarps * mma.tileM();
  int64_t halves = rows * (a.depth + kPad) + bk * (a.depth + kPad) +
                   bk * (a.valueDepth + kPad) + rows * (bk + kPad);
  return 2 * halves + 4 * (rows * (bk + 2) + rows);
}

/// The keys per step: the largest of 64, 32 and 16 that whole instruction
/// tiles divide and that fits in `limit` bytes; 0 when none does.
int64_t keysPerStep(const Attention &a, const MmaFragments &mma,
                    int64_t limit) {
  for (int64_t bk : {64, 32, 16})
    if (bk % mma.tileN() == 0 && bk % mma.tileK() == 0 &&
        sharedBytes(a, mma, bk) <= limit)
      return bk;
  return 0;
}

/// The pieces of one launch's emission.
struct FlashEmitter {
  FlashEmitter(const Attention &a, const MmaFragments &mma, int64_t bk,
               OpBuilder &b, Location loc)
      : a(a), mma(mma), bk(bk), b(b), loc(loc) {}
  const Attention &a;
  const MmaFragments &mma;
  int64_t bk;
  OpBuilder &b;
  Location loc;
  Value tid, lane, warp, warpRow, batchIdx, head, kvHead, qStart;
  int64_t threads = 0;

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
  /// elements each) to `tile` ([rows][width + kPad]), 16 bytes per thread
  /// and step; rows past `total` as zeros.
  void copyRows(Value source, Value headIdx, Value start, int64_t rows,
                int64_t total, int64_t width, Value tile) {
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
      auto load = vector::LoadOp::create(b, loc, vecType, source,
                                         ValueRange{batchIdx, headIdx, row, col});
      load.setAlignmentAttr(b.getI64IntegerAttr(16));
      Value zeros = arith::ConstantOp::create(b, loc, vecType,
                                              b.getZeroAttr(vecType));
      Value v = arith::SelectOp::create(b, loc, valid, load, zeros);
      auto store = vector::StoreOp::create(b, loc, v, tile, ValueRange{r, col});
      store.setAlignmentAttr(b.getI64IntegerAttr(16));
    }
  }

  void emit(Value q, Value k, Value v, Value out, Value lse);
};

void FlashEmitter::emit(Value q, Value k, Value v, Value out, Value lse) {
  int64_t tm = mma.tileM(), tn = mma.tileN(), tk = mma.tileK();
  int64_t lanes = mma.warpLanes(), rows = kWarps * tm;
  int64_t qBlocks = (a.sq + rows - 1) / rows;
  threads = kWarps * lanes;
  Type f32 = b.getF32Type();
  Launch launch = createLaunch(b, loc, a.batch * a.heads * qBlocks, threads);
  auto workgroup = gpu::AddressSpaceAttr::get(b.getContext(),
                                              gpu::AddressSpace::Workgroup);
  auto shared = [&](ArrayRef<int64_t> shape, Type type) {
    return launch.op.addWorkgroupAttribution(
        MemRefType::get(shape, type, nullptr, workgroup), loc);
  };
  Value qTile = shared({rows, a.depth + kPad}, a.element);
  Value kTile = shared({bk, a.depth + kPad}, a.element);
  Value vTile = shared({bk, a.valueDepth + kPad}, a.element);
  Value pTile = shared({rows, bk + kPad}, a.element);
  Value staging = shared({kWarps, tm, bk + 2}, f32);
  Value rowScale = shared({rows}, f32);

  tid = launch.threadId;
  lane = rem(tid, lanes);
  warp = div(tid, lanes);
  warpRow = mul(warp, c(tm));
  // Block -> (batch, head, query block), the last query blocks first.
  Value block = launch.blockId;
  Value qBlock = arith::SubIOp::create(b, loc, c(qBlocks - 1),
                                       rem(block, qBlocks));
  Value bh = div(block, qBlocks);
  head = rem(bh, a.heads);
  batchIdx = div(bh, a.heads);
  kvHead = div(head, a.heads / a.kvHeads);
  qStart = mul(qBlock, c(rows));

  copyRows(q, head, qStart, rows, a.sq, a.depth, qTile);
  gpu::BarrierOp::create(b, loc);
  SmallVector<Value> qFragments;
  for (int64_t d = 0; d < a.depth; d += tk)
    qFragments.push_back(
        mma.readA(b, loc, qTile, warpRow, c(d), /*transposed=*/false, lane));

  // This lane's query row when it is one of the first tileM lanes (the
  // softmax's one lane per row).
  Value owner = lt(lane, c(tm));
  Value localRow = add(warpRow, lane);
  Value queryRow = add(qStart, localRow);
  Value keysEnd = c(a.skv);
  if (a.causal)
    keysEnd = arith::MinUIOp::create(b, loc, add(qStart, c(rows)), keysEnd);
  int64_t oTiles = a.valueDepth / tn;
  SmallVector<Value> init(oTiles, mma.zero(b, loc));
  init.push_back(f(-INFINITY)); // m
  init.push_back(f(0.0));       // l, the sum of P as PV sees it
  // The exact sum for the log-sum-exp (P rounded to the input type for P V
  // sums to a little more or less).
  if (lse)
    init.push_back(f(0.0));
  int64_t rowState = init.size() - oTiles; // m, l[, exact l]
  scf::ForOp keyLoop;
  {
    OpBuilder::InsertionGuard g(b);
    keyLoop = loop(c(0), keysEnd, c(bk), init);
    Value kStart = keyLoop.getInductionVar();
    SmallVector<Value> o(keyLoop.getRegionIterArgs().take_front(oTiles));
    ValueRange state = keyLoop.getRegionIterArgs().drop_front(oTiles);
    Value m = state[0];
    copyRows(k, kvHead, kStart, bk, a.skv, a.depth, kTile);
    copyRows(v, kvHead, kStart, bk, a.skv, a.valueDepth, vTile);
    gpu::BarrierOp::create(b, loc);

    // S = Q K^T, the warp's rows by this step's keys, to staging.
    for (int64_t j = 0; j < bk; j += tn) {
      Value s = mma.zero(b, loc);
      for (auto [i, qf] : llvm::enumerate(qFragments))
        s = mma.multiply(b, loc, qf,
                         mma.readB(b, loc, kTile, c(j),
                                   c(int64_t(i) * tk), false, lane),
                         s);
      mma.store(b, loc, s, staging, warp, c(0), c(j), lane);
    }
    gpu::BarrierOp::create(b, loc);

    // The online softmax, one lane per query row.
    auto rowIf = scf::IfOp::create(b, loc, state.getTypes(), owner,
                                   /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard ig(b);
      b.setInsertionPointToStart(rowIf.thenBlock());
      // Scaled score at column `col`, -inf where masked.
      auto score = [&](Value col) -> Value {
        Value s = memref::LoadOp::create(b, loc, staging,
                                         ValueRange{warp, lane, col});
        s = arith::MulFOp::create(b, loc, s, f(a.scale));
        Value key = add(kStart, col);
        Value masked = arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::uge, key, c(a.skv));
        if (a.causal)
          masked = arith::OrIOp::create(
              b, loc, masked,
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, key,
                                    queryRow));
        return arith::SelectOp::create(b, loc, masked, f(-INFINITY), s);
      };
      Value maxNew;
      {
        OpBuilder::InsertionGuard lg(b);
        scf::ForOp scan = loop(c(0), c(bk), c(1), ValueRange{m});
        Value next = arith::MaximumFOp::create(
            b, loc, scan.getRegionIterArgs()[0], score(scan.getInductionVar()));
        scf::YieldOp::create(b, loc, next);
        maxNew = scan.getResult(0);
      }
      // A row with no visible key yet keeps 0 as its reference, so that
      // exp never sees -inf - -inf.
      Value noKey = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                          maxNew, f(-INFINITY));
      Value ref = arith::SelectOp::create(b, loc, noKey, f(0.0), maxNew);
      Value correction = math::ExpOp::create(
          b, loc, arith::SubFOp::create(b, loc, m, ref));
      SmallVector<Value> sums;
      {
        OpBuilder::InsertionGuard lg(b);
        SmallVector<Value> zeros(rowState - 1, f(0.0));
        scf::ForOp scan = loop(c(0), c(bk), c(1), zeros);
        Value col = scan.getInductionVar();
        // l sums P as the tensor cores see it (rounded to the input type),
        // so that O is a convex combination of V's rows: constant values
        // come out exact.
        Value exact = math::ExpOp::create(
            b, loc, arith::SubFOp::create(b, loc, score(col), ref));
        Value p = arith::TruncFOp::create(b, loc, a.element, exact);
        memref::StoreOp::create(b, loc, p, pTile, ValueRange{localRow, col});
        SmallVector<Value> next{arith::AddFOp::create(
            b, loc, scan.getRegionIterArgs()[0],
            arith::ExtFOp::create(b, loc, f32, p))};
        if (lse)
          next.push_back(arith::AddFOp::create(
              b, loc, scan.getRegionIterArgs()[1], exact));
        scf::YieldOp::create(b, loc, next);
        sums = scan.getResults();
      }
      memref::StoreOp::create(b, loc, correction, rowScale, ValueRange{localRow});
      SmallVector<Value> updated{maxNew};
      for (auto [sum, old] : llvm::zip(sums, state.drop_front()))
        updated.push_back(arith::AddFOp::create(
            b, loc, arith::MulFOp::create(b, loc, old, correction), sum));
      scf::YieldOp::create(b, loc, updated);
      b.setInsertionPointToStart(rowIf.elseBlock());
      scf::YieldOp::create(b, loc, state);
    }
    gpu::BarrierOp::create(b, loc);

    // O = O * correction + P V.
    for (Value &tile : o)
      tile = mma.scaleRows(b, loc, tile, rowScale, warpRow, lane);
    for (int64_t kk = 0; kk < bk; kk += tk) {
      Value p = mma.readA(b, loc, pTile, warpRow, c(kk), false, lane);
      for (int64_t j = 0; j < oTiles; ++j)
        o[j] = mma.multiply(
            b, loc, p,
            mma.readB(b, loc, vTile, c(j * tn), c(kk), /*transposed=*/true,
                      lane),
            o[j]);
    }
    gpu::BarrierOp::create(b, loc);
    SmallVector<Value> next(o);
    next.append(rowIf.getResults().begin(), rowIf.getResults().end());
    scf::YieldOp::create(b, loc, next);
  }

  // 1 / l per row, and the log-sum-exp.
  ValueRange state = keyLoop.getResults().drop_front(oTiles);
  Value m = state[0], l = state[1];
  {
    OpBuilder::InsertionGuard g(b);
    auto ownerIf = scf::IfOp::create(b, loc, owner, false);
    b.setInsertionPointToStart(ownerIf.thenBlock());
    memref::StoreOp::create(b, loc, arith::DivFOp::create(b, loc, f(1.0), l),
                            rowScale, ValueRange{localRow});
    if (lse) {
      auto inside = scf::IfOp::create(b, loc, lt(queryRow, c(a.sq)), false);
      b.setInsertionPointToStart(inside.thenBlock());
      Value value = arith::AddFOp::create(b, loc, m,
                                          math::LogOp::create(b, loc, state[2]));
      memref::StoreOp::create(b, loc, value, lse,
                              ValueRange{batchIdx, head, queryRow});
    }
  }
  gpu::BarrierOp::create(b, loc);
  SmallVector<Value> o(keyLoop.getResults().take_front(oTiles));
  for (Value &tile : o)
    tile = mma.scaleRows(b, loc, tile, rowScale, warpRow, lane);

  // The output through staging, bk columns at a time, lanes on
  // consecutive columns.
  Type outElement = a.outType.getElementType();
  for (int64_t c0 = 0; c0 < a.valueDepth; c0 += bk) {
    int64_t width = std::min(bk, a.valueDepth - c0);
    for (int64_t j = c0; j < c0 + width; j += tn)
      mma.store(b, loc, o[j / tn], staging, warp, c(0), c(j - c0), lane);
    gpu::BarrierOp::create(b, loc);
    {
      OpBuilder::InsertionGuard g(b);
      scf::ForOp walk = loop(lane, c(tm * width), c(lanes));
      Value idx = walk.getInductionVar();
      Value r = div(idx, width), col = rem(idx, width);
      Value row = add(qStart, add(warpRow, r));
      auto inside = scf::IfOp::create(b, loc, lt(row, c(a.sq)), false);
      b.setInsertionPointToStart(inside.thenBlock());
      Value value = memref::LoadOp::create(b, loc, staging,
                                           ValueRange{warp, r, col});
      if (outElement != f32)
        value = arith::TruncFOp::create(b, loc, outElement, value);
      memref::StoreOp::create(b, loc, value, out,
                              ValueRange{batchIdx, head, row, add(col, c(c0))});
    }
    gpu::BarrierOp::create(b, loc);
  }
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
      if (a)
        found.push_back(*a);
    });
    SymbolTable symbols(module);
    for (const Attention &a : found)
      if (int64_t bk = keysPerStep(a, *mma, sharedMemory))
        outline(a, *mma, bk, symbols);
  }

  /// Replaces `a.op` with a call of a new kernel function holding its
  /// launch.
  void outline(const Attention &a, const MmaFragments &mma, int64_t bk,
               SymbolTable &symbols) {
    MLIRContext *context = &getContext();
    Location loc = a.op->getLoc();
    SmallVector<Value> operands{a.query, a.key, a.value};
    auto type = FunctionType::get(context, ValueRange(operands).getTypes(),
                                  a.op->getResultTypes());
    // Named as kernel formation names kernels: after the calling function.
    auto caller = a.op->getParentOfType<func::FuncOp>();
    auto kernel = func::FuncOp::create(
        loc, (caller ? caller.getName() + "_attention" : "attention").str(),
        type);
    kernel.setPrivate();
    kernel->setAttr("aster.kernel", StringAttr::get(context, "attention"));
    symbols.insert(kernel); // renamed when the name is taken

    OpBuilder b = OpBuilder::atBlockBegin(kernel.addEntryBlock());
    auto bufferOf = [&](Type t) {
      auto tensor = cast<RankedTensorType>(t);
      return MemRefType::get(tensor.getShape(), tensor.getElementType());
    };
    SmallVector<Value> inputs;
    for (BlockArgument arg : kernel.getArguments())
      inputs.push_back(bufferization::ToBufferOp::create(
          b, loc, bufferOf(arg.getType()), arg, /*read_only=*/true));
    SmallVector<Value> outputs;
    for (Type t : a.op->getResultTypes())
      outputs.push_back(memref::AllocOp::create(b, loc, bufferOf(t),
                                                b.getI64IntegerAttr(64)));
    {
      OpBuilder::InsertionGuard g(b);
      FlashEmitter(a, mma, bk, b, loc)
          .emit(inputs[0], inputs[1], inputs[2], outputs[0],
                a.withLse ? outputs[1] : Value());
    }
    SmallVector<Value> results;
    for (auto [t, buffer] : llvm::zip(a.op->getResultTypes(), outputs))
      results.push_back(bufferization::ToTensorOp::create(
          b, loc, t, buffer, /*restrict=*/true, /*writable=*/true));
    func::ReturnOp::create(b, loc, results);

    OpBuilder callBuilder(a.op);
    auto call = func::CallOp::create(callBuilder, loc, kernel, operands);
    a.op->replaceAllUsesWith(call.getResults());
    a.op->erase();
  }
};

} // namespace
