//===- RowKernels.cpp - Row kernels: one block per row --------------------===//
//
// The GPU strategy for row kernels (norms, softmax, cross-entropy and the
// elementwise steps fused with them): one block per row, its threads
// striding over the row's columns (consecutive threads on consecutive
// elements, so every access is coalesced), each reduction a per-thread
// partial combined across the block by `gpu.all_reduce` (warp shuffles,
// then shared memory). Elementwise intermediates are not written to memory:
// their payload is recomputed where they are read, so a row is read from
// global memory once per reduction that needs it (later reads of the row
// hit the cache) and written once.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/KernelShapes.h"
#include "aster/Codegen/Passes.h"
#include "Payload.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::aster {
#define GEN_PASS_DEF_GPUROWKERNELS
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;
using namespace mlir::aster;

namespace {

enum class OpShape { Scalar, Parallel, Reduce };

struct RowOp {
  linalg::GenericOp op;
  OpShape shape;
  SmallVector<int64_t> columnSizes;
  int64_t columns = 1; // product of columnSizes
  Operation *combiner = nullptr;
  gpu::AllReduceOperation reduction = gpu::AllReduceOperation::ADD;
};

std::optional<gpu::AllReduceOperation> allReduceKind(Operation *combiner) {
  return llvm::TypeSwitch<Operation *, std::optional<gpu::AllReduceOperation>>(
             combiner)
      .Case([](arith::AddFOp) { return gpu::AllReduceOperation::ADD; })
      .Case([](arith::AddIOp) { return gpu::AllReduceOperation::ADD; })
      .Case([](arith::MulFOp) { return gpu::AllReduceOperation::MUL; })
      .Case([](arith::MaximumFOp) { return gpu::AllReduceOperation::MAXIMUMF; })
      .Case([](arith::MinimumFOp) { return gpu::AllReduceOperation::MINIMUMF; })
      .Case([](arith::MaxNumFOp) { return gpu::AllReduceOperation::MAXNUMF; })
      .Case([](arith::MinNumFOp) { return gpu::AllReduceOperation::MINNUMF; })
      .Case([](arith::MaxSIOp) { return gpu::AllReduceOperation::MAXSI; })
      .Case([](arith::MinSIOp) { return gpu::AllReduceOperation::MINSI; })
      .Default([](Operation *) { return std::nullopt; });
}

/// The op of a reduction's payload that folds the output value into the
/// yielded one: `out = combiner(out, f(inputs))`.
Operation *findCombiner(linalg::GenericOp op) {
  Block &body = op.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  if (yield.getNumOperands() != 1 || op.getNumDpsInits() != 1)
    return nullptr;
  BlockArgument out = body.getArgument(op.getNumDpsInputs());
  Operation *combiner = yield.getOperand(0).getDefiningOp();
  if (!combiner || combiner->getBlock() != &body ||
      combiner->getNumOperands() != 2 || !allReduceKind(combiner))
    return nullptr;
  Value other = combiner->getOperand(0) == out   ? combiner->getOperand(1)
                : combiner->getOperand(1) == out ? combiner->getOperand(0)
                                                 : Value();
  if (!other || !out.hasOneUse())
    return nullptr;
  return combiner;
}

struct GPURowKernelsPass
    : mlir::aster::impl::GPURowKernelsBase<GPURowKernelsPass> {
  using GPURowKernelsBase::GPURowKernelsBase;

  void runOnOperation() override {
    for (auto kernel : getOperation().getOps<func::FuncOp>()) {
      auto kind = kernel->getAttrOfType<StringAttr>("aster.kernel");
      if (kind && kind.getValue() == "reduction")
        (void)rewrite(kernel);
    }
  }

  /// Rewrites `kernel` when it has the shape of a row kernel; leaves it to
  /// the generic strategy otherwise.
  LogicalResult rewrite(func::FuncOp kernel) {
    Block &body = kernel.getBody().front();
    FailureOr<SmallVector<linalg::LinalgOp>> found = kernelLinalgOps(body);
    if (failed(found))
      return failure();
    SmallVector<linalg::LinalgOp> &linalgOps = *found;
    if (linalgOps.empty())
      return failure();
    // The rows: the leading parallel loops every op shares.
    unsigned rows = ~0u;
    for (linalg::LinalgOp op : linalgOps)
      rows = std::min(rows, leadingRowLoops(op));
    if (rows == 0 || rows == ~0u)
      return failure();
    SmallVector<int64_t> rowSizes =
        linalgOps.front().getStaticLoopRanges();
    rowSizes.resize(rows);
    for (linalg::LinalgOp op : linalgOps) {
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      if (ShapedType::isDynamicShape(ranges) ||
          !llvm::equal(ArrayRef(ranges).take_front(rows), rowSizes))
        return failure();
    }
    // Every op as a generic; each one's columns all parallel or all
    // reductions.
    IRRewriter rewriter(kernel.getContext());
    SmallVector<RowOp> plan;
    bool anyReduction = false;
    for (linalg::LinalgOp op : linalgOps) {
      FailureOr<linalg::GenericOp> asGenericOp = asGeneric(rewriter, op);
      if (failed(asGenericOp))
        return failure();
      linalg::GenericOp generic = *asGenericOp;
      RowOp r{generic, OpShape::Scalar, {}, 1, nullptr};
      SmallVector<utils::IteratorType> kinds = generic.getIteratorTypesArray();
      SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
      bool parallel = false, reduction = false;
      for (unsigned d = rows; d < kinds.size(); ++d) {
        r.columnSizes.push_back(ranges[d]);
        r.columns *= ranges[d];
        (kinds[d] == utils::IteratorType::parallel ? parallel : reduction) =
            true;
      }
      if (parallel && reduction)
        return failure();
      if (reduction) {
        r.shape = OpShape::Reduce;
        r.combiner = findCombiner(generic);
        if (!r.combiner)
          return failure();
        r.reduction = *allReduceKind(r.combiner);
        anyReduction = true;
      } else if (parallel) {
        r.shape = OpShape::Parallel;
      }
      plan.push_back(r);
    }
    if (!anyReduction)
      return failure();

    // What each op writes, by buffer; a block works on its own rows only,
    // so a buffer the kernel writes must be read at the reader's rows.
    SmallVector<linalg::GenericOp> planOps;
    for (RowOp &r : plan)
      planOps.push_back(r.op);
    DenseMap<Value, SmallVector<unsigned>> writers = writersOf(planOps);
    for (RowOp &r : plan)
      for (OpOperand *input : r.op.getDpsInputOperands()) {
        if (!isa<MemRefType>(input->get().getType()) ||
            !writers.count(bufferRoot(input->get())))
          continue;
        AffineMap map = r.op.getMatchingIndexingMap(input);
        if (map.getNumResults() < rows)
          return failure();
        for (unsigned d = 0; d < rows; ++d)
          if (map.getResult(d) != getAffineDimExpr(d, map.getContext()))
            return failure();
      }

    // Elementwise producers read straight from the buffer they write are
    // recomputed at each read instead.
    DenseSet<unsigned> recomputed;
    for (auto [i, r] : llvm::enumerate(plan)) {
      if (r.shape != OpShape::Parallel || r.op.getNumDpsInits() != 1)
        continue;
      Value out = r.op.getDpsInitOperand(0)->get();
      if (!out.getDefiningOp<memref::AllocOp>() ||
          !r.op.getMatchingIndexingMap(r.op.getDpsInitOperand(0)).isIdentity() ||
          !r.op.getRegion().front().getArgument(r.op.getNumDpsInputs()).use_empty())
        continue;
      // Its only other users read it directly, after it.
      bool ok = writers[out].size() == 1;
      for (OpOperand &use : out.getUses()) {
        auto reader = dyn_cast<linalg::GenericOp>(use.getOwner());
        if (use.getOwner() == r.op)
          continue;
        if (!reader || !reader.isDpsInput(&use) ||
            reader->isBeforeInBlock(r.op))
          ok = false;
      }
      // Its inputs do not change after it.
      for (OpOperand *input : r.op.getDpsInputOperands()) {
        if (!isa<MemRefType>(input->get().getType()))
          continue;
        for (unsigned w : writers.lookup(bufferRoot(input->get())))
          if (w > i)
            ok = false;
      }
      if (ok)
        recomputed.insert(i);
    }

    // One block per row; threads over the columns.
    int64_t widest = 1;
    for (RowOp &r : plan)
      widest = std::max(widest, r.columns);
    int64_t threads = std::clamp<int64_t>(
        llvm::PowerOf2Ceil(std::max<int64_t>(widest / 4, 1)), 64, 1024);
    int64_t rowCount = 1;
    for (int64_t s : rowSizes)
      rowCount *= s;

    // After the last op (as a generic: generalizing replaced named ops).
    OpBuilder b(kernel.getContext());
    b.setInsertionPointAfter(plan.back().op);
    Location loc = plan.back().op.getLoc();
    PayloadEmitter e(b, loc);
    for (unsigned i : recomputed)
      e.recomputed[plan[i].op.getDpsInitOperand(0)->get()] = plan[i].op;
    Launch launch = createLaunch(b, loc, rowCount, threads);
    Value thread = launch.threadId;
    SmallVector<Value> rowIvs = e.delinearize(launch.blockId, rowSizes);
    Value isFirst = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                          thread, e.index(0));

    for (auto [i, r] : llvm::enumerate(plan)) {
      if (recomputed.contains(i))
        continue;
      emitOp(e, r, rowIvs, thread, threads, isFirst);
      gpu::BarrierOp::create(b, loc);
    }
    for (RowOp &r : plan)
      r.op->erase();
    return success();
  }

  /// The ivs of a point: the row's, then `columns` at linear position
  /// `linear` (zeros for a row-scalar op).
  SmallVector<Value> pointAt(PayloadEmitter &e, const RowOp &r,
                             ArrayRef<Value> rowIvs, Value linear) {
    SmallVector<Value> ivs(rowIvs);
    if (r.columnSizes.empty())
      return ivs;
    llvm::append_range(ivs, e.delinearize(linear, r.columnSizes));
    return ivs;
  }

  void emitOp(PayloadEmitter &e, RowOp &r, ArrayRef<Value> rowIvs, Value thread,
              int64_t threads, Value isFirst) {
    OpBuilder &b = e.b;
    Location loc = e.loc;
    if (r.shape == OpShape::Scalar) {
      auto once = scf::IfOp::create(b, loc, isFirst);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&once.getThenRegion().front());
      SmallVector<Value> ivs = pointAt(e, r, rowIvs, e.index(0));
      e.write(r.op, e.payload(r.op, ivs), ivs);
      return;
    }
    // Each thread takes `lanes` consecutive columns per step (16-byte
    // accesses where the operands are contiguous along the row).
    unsigned dim = rowIvs.size();
    int64_t lanes = 1;
    if (r.columnSizes.size() == 1) {
      SmallVector<Type> types;
      for (Value v : r.op->getOperands())
        if (isa<MemRefType>(v.getType()))
          types.push_back(v.getType());
      lanes = vectorLanes(types, r.columns);
    }
    int64_t perStep = threads * lanes;
    int64_t steps = (r.columns + perStep - 1) / perStep;
    bool exact = r.columns % perStep == 0;
    // The lanes' points at step `k`, and whether the step is inside the row.
    auto lanePoints = [&](Value k, SmallVector<SmallVector<Value>> &laneIvs) {
      Value chunk = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, k, e.index(threads)), thread);
      Value base = arith::MulIOp::create(b, loc, chunk, e.index(lanes));
      for (int64_t v = 0; v < lanes; ++v)
        laneIvs.push_back(pointAt(
            e, r, rowIvs,
            v ? arith::AddIOp::create(b, loc, base, e.index(v)).getResult()
              : base));
      return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, base,
                                   e.index(r.columns))
          .getResult();
    };
    if (r.shape == OpShape::Parallel) {
      auto loop = scf::ForOp::create(b, loc, e.index(0), e.index(steps),
                                     e.index(1));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      SmallVector<SmallVector<Value>> laneIvs;
      Value inside = lanePoints(loop.getInductionVar(), laneIvs);
      if (!exact) {
        auto guardIf = scf::IfOp::create(b, loc, inside);
        b.setInsertionPointToStart(&guardIf.getThenRegion().front());
      }
      e.writeLanes(r.op, e.payloadLanes(r.op, laneIvs, dim), laneIvs, dim);
      return;
    }
    // A reduction over the row: partials from the identity, combined
    // across the block, then folded into the output's value.
    Type type = r.combiner->getResult(0).getType();
    std::optional<TypedAttr> neutral = arith::getNeutralElement(r.combiner);
    Value identity = neutral ? arith::ConstantOp::create(b, loc, *neutral)
                                   .getResult()
                             : Value();
    if (!identity) {
      r.op->emitError("no neutral element for the reduction");
      return signalPassFailure();
    }
    auto loop = scf::ForOp::create(b, loc, e.index(0), e.index(steps),
                                   e.index(1), ValueRange{identity});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value acc = loop.getRegionIterArgs()[0];
      SmallVector<SmallVector<Value>> laneIvs;
      Value inside = lanePoints(loop.getInductionVar(), laneIvs);
      // The lanes fold into the partial one after the other.
      auto accumulate = [&]() {
        SmallVector<SmallVector<Value>> inputs(
            lanes, SmallVector<Value>(r.op.getNumDpsInputs()));
        Block &body = r.op.getRegion().front();
        for (OpOperand *input : r.op.getDpsInputOperands()) {
          unsigned i = input->getOperandNumber();
          if (!isa<MemRefType>(input->get().getType()) ||
              body.getArgument(i).use_empty())
            continue;
          SmallVector<Value> values = e.readLanes(r.op, *input, laneIvs, dim);
          for (int64_t v = 0; v < lanes; ++v)
            inputs[v][i] = values[v];
        }
        Value partial = acc;
        for (int64_t v = 0; v < lanes; ++v)
          partial = e.payload(r.op, laneIvs[v], inputs[v], {partial})[0];
        return partial;
      };
      Value next;
      if (exact) {
        next = accumulate();
      } else {
        auto guardIf = scf::IfOp::create(b, loc, TypeRange{type}, inside,
                                         /*withElseRegion=*/true);
        b.setInsertionPointToStart(&guardIf.getThenRegion().front());
        scf::YieldOp::create(b, loc, accumulate());
        b.setInsertionPointToStart(&guardIf.getElseRegion().front());
        scf::YieldOp::create(b, loc, acc);
        b.setInsertionPointAfter(guardIf);
        next = guardIf.getResult(0);
      }
      scf::YieldOp::create(b, loc, next);
    }
    Value total =
        gpu::AllReduceOp::create(
            b, loc, type, loop.getResult(0),
            gpu::AllReduceOperationAttr::get(b.getContext(), r.reduction),
            b.getUnitAttr())
            .getResult();
    auto once = scf::IfOp::create(b, loc, isFirst);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&once.getThenRegion().front());
    SmallVector<Value> ivs = pointAt(e, r, rowIvs, e.index(0));
    OpOperand &init = *r.op.getDpsInitOperand(0);
    Value old = memref::LoadOp::create(
        b, loc, init.get(), e.apply(r.op.getMatchingIndexingMap(&init), ivs));
    IRMapping fold;
    fold.map(r.combiner->getOperand(0), old);
    fold.map(r.combiner->getOperand(1), total);
    Value result = b.clone(*r.combiner, fold)->getResult(0);
    e.write(r.op, {result}, ivs);
  }
};

} // namespace
