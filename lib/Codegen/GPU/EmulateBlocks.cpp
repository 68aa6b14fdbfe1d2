//===- EmulateBlocks.cpp - A block's threads in phases, on the CPU --------===//
//
// Makes the block-level code of the GPU strategies runnable on the CPU, so
// that their indexing, guards, recomputation and reductions are checked
// against the interpreter on every machine (test/e2e/gpu_strategies_cpu.py),
// not only where a GPU is lent. A thread loop that synchronizes is cut at
// its barriers into phases, each a sequential loop over the threads; a
// `gpu.all_reduce` stores each thread's partial in a per-block array and
// the next phase folds it. Values computed before a barrier and used after
// it are recomputed (they are index arithmetic).
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::aster {
#define GEN_PASS_DEF_GPUEMULATEBLOCKS
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;

namespace {

Value combine(OpBuilder &b, Location loc, gpu::AllReduceOperation kind,
              Value x, Value y) {
  bool isFloat = isa<FloatType>(x.getType());
  switch (kind) {
  case gpu::AllReduceOperation::ADD:
    return isFloat ? arith::AddFOp::create(b, loc, x, y).getResult()
                   : arith::AddIOp::create(b, loc, x, y).getResult();
  case gpu::AllReduceOperation::MUL:
    return isFloat ? arith::MulFOp::create(b, loc, x, y).getResult()
                   : arith::MulIOp::create(b, loc, x, y).getResult();
  case gpu::AllReduceOperation::MAXIMUMF:
    return arith::MaximumFOp::create(b, loc, x, y);
  case gpu::AllReduceOperation::MINIMUMF:
    return arith::MinimumFOp::create(b, loc, x, y);
  case gpu::AllReduceOperation::MAXNUMF:
    return arith::MaxNumFOp::create(b, loc, x, y);
  case gpu::AllReduceOperation::MINNUMF:
    return arith::MinNumFOp::create(b, loc, x, y);
  case gpu::AllReduceOperation::MAXSI:
    return arith::MaxSIOp::create(b, loc, x, y);
  case gpu::AllReduceOperation::MINSI:
    return arith::MinSIOp::create(b, loc, x, y);
  default:
    return Value();
  }
}

struct GPUEmulateBlocksPass
    : mlir::aster::impl::GPUEmulateBlocksBase<GPUEmulateBlocksPass> {
  void runOnOperation() override {
    SmallVector<gpu::LaunchOp> launches;
    getOperation().walk([&](gpu::LaunchOp launch) { launches.push_back(launch); });
    for (gpu::LaunchOp launch : launches)
      if (failed(emulate(launch)))
        return signalPassFailure();
  }

  LogicalResult emulate(gpu::LaunchOp launch) {
    std::optional<int64_t> grid = getConstantIntValue(launch.getGridSizeX());
    std::optional<int64_t> threads = getConstantIntValue(launch.getBlockSizeX());
    for (Value one : {launch.getGridSizeY(), launch.getGridSizeZ(),
                      launch.getBlockSizeY(), launch.getBlockSizeZ()})
      if (getConstantIntValue(one) != 1)
        return launch.emitError("only one-dimensional launches are emulated");
    if (!grid || !threads)
      return launch.emitError("launch without constant sizes");
    Block *body = &launch.getBody().front();
    Value oldThread = launch.getThreadIds().x;
    OpBuilder b(launch);
    Location loc = launch.getLoc();
    // One partials array per all_reduce, outside the loop over blocks.
    DenseMap<Operation *, Value> partials;
    for (auto reduce : body->getOps<gpu::AllReduceOp>())
      partials[reduce] = memref::AllocaOp::create(
          b, loc, MemRefType::get({*threads}, reduce.getType()));
    Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
    auto blocks = scf::ForOp::create(
        b, loc, c0, arith::ConstantIndexOp::create(b, loc, *grid), c1);
    b.setInsertionPoint(blocks.getBody()->getTerminator());
    // The launch's other region arguments: fixed per block.
    IRMapping fixed;
    fixed.map(launch.getBlockIds().x, blocks.getInductionVar());
    for (Value v : {launch.getBlockIds().y, launch.getBlockIds().z,
                    launch.getThreadIds().y, launch.getThreadIds().z})
      fixed.map(v, c0);
    SmallVector<Value> sizes = {launch.getGridSizeX(),  launch.getGridSizeY(),
                                launch.getGridSizeZ(),  launch.getBlockSizeX(),
                                launch.getBlockSizeY(), launch.getBlockSizeZ()};
    for (auto [arg, size] : llvm::zip(body->getArguments().drop_front(6), sizes))
      fixed.map(arg, size);
    // Phases: the ops between barriers; an all_reduce ends its phase.
    SmallVector<SmallVector<Operation *>> phases(1);
    for (Operation &op : body->without_terminator()) {
      if (isa<gpu::BarrierOp>(op)) {
        phases.emplace_back();
        continue;
      }
      phases.back().push_back(&op);
      if (isa<gpu::AllReduceOp>(op))
        phases.emplace_back();
    }
    Value zero = c0, one = c1;
    Value count = arith::ConstantIndexOp::create(b, loc, *threads);
    for (SmallVector<Operation *> &phase : phases) {
      if (phase.empty())
        continue;
      auto loop = scf::ForOp::create(b, loc, zero, count, one);
      OpBuilder inner = OpBuilder::atBlockBegin(loop.getBody());
      IRMapping mapping = fixed;
      mapping.map(oldThread, loop.getInductionVar());
      DenseSet<Operation *> inPhase(phase.begin(), phase.end());
      // A value from an earlier phase: recomputed, or the fold of partials.
      std::function<LogicalResult(Value)> provide = [&](Value v) -> LogicalResult {
        if (mapping.contains(v))
          return success();
        Operation *def = v.getDefiningOp();
        if (!def || def->getBlock() != body || inPhase.contains(def))
          return success(); // defined outside the loop, or in this phase
        if (auto reduce = dyn_cast<gpu::AllReduceOp>(def)) {
          Value array = partials[reduce];
          Value first = memref::LoadOp::create(inner, loc, array, zero);
          auto fold = scf::ForOp::create(inner, loc, one, count, one,
                                         ValueRange{first});
          OpBuilder f = OpBuilder::atBlockBegin(fold.getBody());
          Value next = memref::LoadOp::create(f, loc, array,
                                              fold.getInductionVar());
          Value acc = combine(f, loc, *reduce.getOp(),
                              fold.getRegionIterArgs()[0], next);
          if (!acc)
            return reduce.emitError("reduction kind not emulated");
          scf::YieldOp::create(f, loc, acc);
          mapping.map(v, fold.getResult(0));
          return success();
        }
        if (!isMemoryEffectFree(def) || def->getNumRegions())
          return def->emitError("value used across a barrier is not "
                                "recomputable");
        for (Value operand : def->getOperands())
          if (failed(provide(operand)))
            return failure();
        inner.clone(*def, mapping);
        return success();
      };
      for (Operation *op : phase) {
        WalkResult walk = op->walk([&](Operation *nested) {
          for (Value operand : nested->getOperands())
            if (failed(provide(operand)))
              return WalkResult::interrupt();
          return WalkResult::advance();
        });
        if (walk.wasInterrupted())
          return failure();
        if (auto reduce = dyn_cast<gpu::AllReduceOp>(op)) {
          memref::StoreOp::create(inner, loc,
                                  mapping.lookupOrDefault(reduce.getValue()),
                                  partials[reduce], loop.getInductionVar());
          continue;
        }
        inner.clone(*op, mapping);
      }
    }
    launch.erase();
    return success();
  }
};

} // namespace
