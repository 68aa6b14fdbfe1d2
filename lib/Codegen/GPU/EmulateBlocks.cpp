//===- EmulateBlocks.cpp - A block's threads in phases, on the CPU --------===//
//
// Makes the block-level code of the GPU strategies runnable on the CPU, so
// that their indexing, guards, recomputation and reductions are checked
// against the interpreter on every machine (test/e2e/gpu_strategies_cpu.py),
// not only where a GPU is lent. A thread loop that synchronizes is cut at
// its barriers into phases, each a sequential loop over the threads; a
// `gpu.all_reduce` stores each thread's partial in a per-block array and
// the next phase folds it. Values computed before a barrier and used after
// it are recomputed (they are index arithmetic). A loop with barriers in
// its body (a matmul's K loop) becomes a loop of phases; the values it
// carries are kept per thread in arrays (on the heap: a block's
// accumulators are megabytes). Shared memory (workgroup
// attributions) is one buffer per launch, used by each block in turn.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
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
    if (failed(synchronousCopies()))
      return signalPassFailure();
    SmallVector<gpu::LaunchOp> launches;
    getOperation().walk([&](gpu::LaunchOp launch) { launches.push_back(launch); });
    for (gpu::LaunchOp launch : launches)
      if (failed(emulate(launch)))
        return signalPassFailure();
  }

  /// cp.async (nvgpu.device_async_copy) as a copy done when issued: a
  /// load (none when it reads no element), zeros past the elements it
  /// reads, and a store. Its groups and waits go (every copy has landed
  /// by then). Barriers still order the threads' copies and reads, as on
  /// the GPU. The wait counts are not checked this way.
  LogicalResult synchronousCopies() {
    SmallVector<Operation *> groups, copies;
    getOperation().walk([&](Operation *op) {
      if (isa<nvgpu::DeviceAsyncWaitOp>(op))
        op->erase();
      else if (isa<nvgpu::DeviceAsyncCreateGroupOp>(op))
        groups.push_back(op);
      else if (isa<nvgpu::DeviceAsyncCopyOp>(op))
        copies.push_back(op);
    });
    for (Operation *op : groups)
      op->erase();
    for (Operation *op : copies) {
      auto copy = cast<nvgpu::DeviceAsyncCopyOp>(op);
      OpBuilder b(copy);
      Location loc = copy.getLoc();
      Type element = copy.getDst().getType().getElementType();
      int64_t count = copy.getDstElements().getZExtValue();
      auto vecType = VectorType::get({count}, element);
      auto maskType = VectorType::get({count}, b.getI1Type());
      Value mask = copy.getSrcElements()
                       ? vector::CreateMaskOp::create(
                             b, loc, maskType, ValueRange{copy.getSrcElements()})
                             .getResult()
                       : vector::ConstantMaskOp::create(
                             b, loc, maskType, ArrayRef<int64_t>{count})
                             .getResult();
      // The select on the elements' bits: x86 without AVX512-BF16 would
      // select bf16 vectors through f32 conversions (__truncsfbf2 calls).
      auto bitsType = VectorType::get(
          {count}, b.getIntegerType(vecType.getElementTypeBitWidth()));
      Value zeros = arith::ConstantOp::create(b, loc, bitsType,
                                              b.getZeroAttr(bitsType));
      Value none = arith::ConstantIndexOp::create(b, loc, 0);
      Value reads = copy.getSrcElements()
                        ? arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                                copy.getSrcElements(), none)
                              .getResult()
                        : arith::ConstantIntOp::create(b, loc, 1, 1).getResult();
      // Zeros, then, unless it reads no element (its address may be
      // anywhere), what it reads (no value merged from two branches: x86
      // would carry a bf16 vector through conversions too).
      vector::StoreOp::create(b, loc,
                              vector::BitCastOp::create(b, loc, vecType, zeros),
                              copy.getDst(), copy.getDstIndices());
      auto ifReads = scf::IfOp::create(b, loc, reads, false);
      {
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPointToStart(ifReads.thenBlock());
        Value v = vector::LoadOp::create(b, loc, vecType, copy.getSrc(),
                                         copy.getSrcIndices());
        v = vector::BitCastOp::create(b, loc, bitsType, v);
        v = arith::SelectOp::create(b, loc, mask, v, zeros);
        v = vector::BitCastOp::create(b, loc, vecType, v);
        vector::StoreOp::create(b, loc, v, copy.getDst(), copy.getDstIndices());
      }
      if (!copy.getAsyncToken().use_empty())
        return copy.emitError("a cp.async token used other than by a group");
      copy->erase();
    }
    return success();
  }

  /// One launch's emulation state.
  struct Emulation {
    Emulation(gpu::LaunchOp launch, Location loc, int64_t threads,
              OpBuilder &outer)
        : launch(launch), loc(loc), oldThread(launch.getThreadIds().x),
          threads(threads), outer(&outer) {}
    gpu::LaunchOp launch;
    Location loc;
    Value oldThread, zero, one, count;
    int64_t threads;
    OpBuilder *outer; // before the loop over blocks: per-launch arrays
    /// One partials array per all_reduce.
    DenseMap<Operation *, Value> partials;
    /// Per-thread values kept in memory across phases (a loop's carried
    /// values and results): their array of one element per thread.
    DenseMap<Value, Value> spilled;

    /// An array of one `type` per thread, on the heap (a block's
    /// accumulators are megabytes); a vector as its elements, so that no
    /// access assumes the vector type's alignment.
    Value keepArray(Type type) {
      SmallVector<int64_t> shape = {threads};
      Type element = type;
      if (auto vector = dyn_cast<VectorType>(type)) {
        shape.push_back(vector.getNumElements());
        element = vector.getElementType();
      }
      return memref::AllocOp::create(*outer, loc,
                                     MemRefType::get(shape, element));
    }
    void storeKept(OpBuilder &b, Value value, Value array, Value thread) {
      auto vector = dyn_cast<VectorType>(value.getType());
      if (!vector) {
        memref::StoreOp::create(b, loc, value, array, thread);
        return;
      }
      auto flat = VectorType::get({vector.getNumElements()},
                                  vector.getElementType());
      vector::StoreOp::create(b, loc,
                              vector::ShapeCastOp::create(b, loc, flat, value),
                              array, ValueRange{thread, zero});
    }
    Value loadKept(OpBuilder &b, Value array, Value thread, Type type) {
      auto vector = dyn_cast<VectorType>(type);
      if (!vector)
        return memref::LoadOp::create(b, loc, array, thread);
      auto flat = VectorType::get({vector.getNumElements()},
                                  vector.getElementType());
      Value v = vector::LoadOp::create(b, loc, flat, array,
                                       ValueRange{thread, zero});
      return vector::ShapeCastOp::create(b, loc, vector, v);
    }

    /// Each warp-collective op's per-lane operands (index, in op order).
    DenseMap<std::pair<Operation *, unsigned>, Value> collectiveOperands;

    static bool isWarpCollective(Operation *op) {
      return isa<nvgpu::LdMatrixOp, NVVM::MmaOp, gpu::SubgroupReduceOp>(op);
    }

    /// Lane `thread`'s result of a warp-collective op, from the operands its
    /// warp's lanes stored, by the instruction's definition in the PTX ISA.
    Value laneResult(OpBuilder &b, const IRMapping &mapping, Operation *op,
                     Value thread) {
      auto c = [&](int64_t v) -> Value {
        return arith::ConstantIndexOp::create(b, loc, v);
      };
      auto add = [&](Value x, Value y) -> Value {
        return arith::AddIOp::create(b, loc, x, y);
      };
      Value lane = arith::RemUIOp::create(b, loc, thread, c(32));
      Value warpBase = arith::SubIOp::create(b, loc, thread, lane);
      Value group = arith::DivUIOp::create(b, loc, lane, c(4));
      Value quad = arith::RemUIOp::create(b, loc, lane, c(4));
      auto operandOf = [&](unsigned i, Value sourceLane) -> Value {
        return memref::LoadOp::create(b, loc, collectiveOperands[{op, i}],
                                      add(warpBase, sourceLane));
      };
      if (auto reduce = dyn_cast<gpu::SubgroupReduceOp>(op)) {
        // The fold of the operands of the lanes of this lane's cluster
        // (cluster_size lanes, cluster_stride apart), in lane order.
        std::optional<uint32_t> size = reduce.getClusterSize();
        if (!size)
          return reduce.emitError("only clustered subgroup reductions are "
                                  "emulated"),
                 Value();
        int64_t stride = reduce.getClusterStride();
        Value span = c(*size * stride);
        Value first = add(arith::SubIOp::create(
                              b, loc, lane, arith::RemUIOp::create(b, loc, lane, span)),
                          arith::RemUIOp::create(b, loc, lane, c(stride)));
        Value result = operandOf(0, first);
        for (int64_t i = 1; i < *size; ++i) {
          result = combine(b, loc, reduce.getOp(), result,
                           operandOf(0, add(first, c(i * stride))));
          if (!result)
            return reduce.emitError("reduction kind not emulated"), Value();
        }
        return result;
      }
      if (auto ld = dyn_cast<nvgpu::LdMatrixOp>(op)) {
        // Matrix q's row r is at the address lane 8q + r gives; without
        // .trans lane l gets row l / 4, columns 2 (l % 4) and + 1, with
        // .trans column l / 4 of rows 2 (l % 4) and + 1.
        Value tiles = ld.getSrcMemref();
        if (ld.getIndices().size() != 2)
          return ld.emitError("ldmatrix of a rank-2 buffer only is emulated"),
                 Value();
        Value shared = mapping.lookup(tiles);
        SmallVector<Value> elements;
        for (int64_t q = 0; q < ld.getNumTiles(); ++q)
          for (int64_t h = 0; h < 2; ++h) {
            Value rowLane =
                ld.getTranspose()
                    ? add(c(8 * q + h), arith::MulIOp::create(b, loc, quad, c(2)))
                    : add(c(8 * q), group);
            Value r = operandOf(1, rowLane), col = operandOf(2, rowLane);
            col = ld.getTranspose()
                      ? add(col, group)
                      : add(col, add(arith::MulIOp::create(b, loc, quad, c(2)),
                                     c(h)));
            // As 16-bit integers: a CPU has no bf16 registers (building a
            // bf16 vector from scalars would need soft-float conversions).
            Type element = cast<MemRefType>(shared.getType()).getElementType();
            Value one = vector::LoadOp::create(
                b, loc, VectorType::get({1}, element), shared,
                ValueRange{r, col});
            Value bits = vector::BitCastOp::create(
                b, loc, VectorType::get({1}, b.getI16Type()), one);
            elements.push_back(vector::ExtractOp::create(b, loc, bits, 0));
          }
        auto type = cast<VectorType>(ld.getResult().getType());
        Value flat = vector::FromElementsOp::create(
            b, loc, VectorType::get({type.getNumElements()}, b.getI16Type()),
            elements);
        flat = vector::BitCastOp::create(
            b, loc,
            VectorType::get({type.getNumElements()}, type.getElementType()),
            flat);
        return vector::ShapeCastOp::create(b, loc, type, flat);
      }
      auto mma = cast<NVVM::MmaOp>(op);
      if (mma.getShapeAttr().getM() != 16 || mma.getShapeAttr().getN() != 8 ||
          mma.getShapeAttr().getK() != 16 ||
          mma.getMultiplicandAPtxType() != NVVM::MMATypes::bf16 ||
          mma.getOperandA().size() != 4 || mma.getOperandB().size() != 2)
        return mma.emitError("only mma.sync m16n8k16 with bf16 is emulated"),
               Value();
      // Operands: A's four registers, B's two, C's four, in op order.
      auto element = [&](unsigned firstOperand, unsigned registers,
                         Value sourceLane, Value reg, Value k) -> Value {
        // Register `reg` (of `registers`, operands firstOperand on) of the
        // lane, the bf16 half k % 2 of it, as f32.
        Type i32 = b.getI32Type();
        Value bits = arith::ConstantIntOp::create(b, loc, i32, 0);
        for (unsigned r = 0; r < registers; ++r) {
          Value is = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                           reg, c(r));
          bits = arith::SelectOp::create(b, loc, is,
                                         operandOf(firstOperand + r, sourceLane),
                                         bits);
        }
        Value odd = arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::eq,
            arith::RemUIOp::create(b, loc, k, c(2)), c(1));
        Value high = arith::AndIOp::create(
            b, loc, bits,
            arith::ConstantIntOp::create(b, loc, i32, 0xFFFF0000LL));
        Value low = arith::ShLIOp::create(
            b, loc, bits, arith::ConstantIntOp::create(b, loc, i32, 16));
        return arith::BitcastOp::create(
            b, loc, b.getF32Type(),
            arith::SelectOp::create(b, loc, odd, high, low));
      };
      SmallVector<Value> d;
      for (int64_t i = 0; i < 4; ++i) {
        Value row = add(group, c(8 * (i / 2)));
        Value col = add(arith::MulIOp::create(b, loc, quad, c(2)), c(i % 2));
        Value init = operandOf(6 + i, lane);
        auto loop = scf::ForOp::create(b, loc, c(0), c(16), c(1),
                                       ValueRange{init});
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(loop.getBody());
        Value k = loop.getInductionVar();
        Value kLow = arith::DivUIOp::create(
            b, loc, arith::RemUIOp::create(b, loc, k, c(8)), c(2));
        Value kHigh = arith::DivUIOp::create(b, loc, k, c(8));
        // A[row][k]: lane (row % 8) * 4 + (k % 8) / 2, register
        // row / 8 + 2 (k / 8); B[k][col]: lane col * 4 + (k % 8) / 2,
        // register k / 8.
        Value aLane = add(arith::MulIOp::create(
                              b, loc, arith::RemUIOp::create(b, loc, row, c(8)),
                              c(4)),
                          kLow);
        Value aReg = add(arith::DivUIOp::create(b, loc, row, c(8)),
                         arith::MulIOp::create(b, loc, kHigh, c(2)));
        Value bLane = add(arith::MulIOp::create(b, loc, col, c(4)), kLow);
        Value product = arith::MulFOp::create(
            b, loc, element(0, 4, aLane, aReg, k), element(4, 2, bLane, kHigh, k));
        Value sum = arith::AddFOp::create(b, loc, loop.getRegionIterArgs()[0],
                                          product);
        scf::YieldOp::create(b, loc, sum);
        b.setInsertionPointAfter(loop);
        d.push_back(loop.getResult(0));
      }
      Value result = LLVM::PoisonOp::create(b, loc, mma.getResult().getType());
      for (int64_t i = 0; i < 4; ++i)
        result = LLVM::InsertValueOp::create(b, loc, result, d[i], i);
      return result;
    }

    bool insideLaunch(Operation *op) {
      return launch.getBody().isAncestor(op->getParentRegion());
    }

    /// A thread loop running `phase` (ops of the launch, in order); then,
    /// per thread, the values `keep` into their arrays.
    LogicalResult runPhase(OpBuilder &b, const IRMapping &fixed,
                           ArrayRef<Operation *> phase,
                           ArrayRef<std::pair<Value, Value>> keep = {}) {
      if (phase.empty() && keep.empty())
        return success();
      auto loop = scf::ForOp::create(b, loc, zero, count, one);
      OpBuilder inner = OpBuilder::atBlockBegin(loop.getBody());
      IRMapping mapping = fixed;
      Value thread = loop.getInductionVar();
      mapping.map(oldThread, thread);
      DenseSet<Operation *> inPhase(phase.begin(), phase.end());
      // A value from an earlier phase: reloaded, recomputed, or the fold
      // of partials.
      std::function<LogicalResult(Value)> provide =
          [&](Value v) -> LogicalResult {
        if (mapping.contains(v))
          return success();
        if (Value array = spilled.lookup(v)) {
          mapping.map(v, loadKept(inner, array, thread, v.getType()));
          return success();
        }
        Operation *def = v.getDefiningOp();
        if (!def || !insideLaunch(def) || inPhase.contains(def))
          return success(); // outside the launch, or in this phase
        for (Operation *p = def->getParentOp(); p && p != launch;
             p = p->getParentOp())
          if (inPhase.contains(p))
            return success(); // nested in an op of this phase
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
        if (isWarpCollective(def)) {
          // The buffer it reads (a view of shared memory: a stage of a
          // pipelined tile) in this phase too.
          for (Value operand : def->getOperands())
            if (isa<MemRefType>(operand.getType()) &&
                failed(provide(operand)))
              return failure();
          Value lane = laneResult(inner, mapping, def, thread);
          if (!lane)
            return failure();
          mapping.map(v, lane);
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
                                  partials[reduce], thread);
          continue;
        }
        if (isWarpCollective(op)) {
          // Each lane's operands, for the lanes of its warp to read.
          for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
            if (isa<MemRefType>(operand.getType()))
              continue;
            Value array = collectiveOperands[{op, (unsigned)i}];
            memref::StoreOp::create(inner, loc,
                                    mapping.lookupOrDefault(operand), array,
                                    thread);
          }
          continue;
        }
        inner.clone(*op, mapping);
      }
      // All values first, then the stores: a loop's next values may be
      // recomputed from its carried ones, whose arrays they replace.
      for (auto [value, array] : keep)
        if (failed(provide(value)))
          return failure();
      for (auto [value, array] : keep)
        storeKept(inner, mapping.lookupOrDefault(value), array, thread);
      return success();
    }

    /// Whether a later phase can recompute `v` from what it has: pure
    /// arithmetic on values from outside the launch, the launch's ids,
    /// all_reduce results and values kept per thread.
    DenseMap<Value, bool> recomputableCache;
    bool recomputable(Value v) {
      auto it = recomputableCache.find(v);
      if (it != recomputableCache.end())
        return it->second;
      Operation *def = v.getDefiningOp();
      bool result = true;
      if (def && insideLaunch(def) && !isa<gpu::AllReduceOp>(def) &&
          !isWarpCollective(def)) {
        result = isMemoryEffectFree(def) && def->getNumRegions() == 0 &&
                 llvm::all_of(def->getOperands(),
                              [&](Value operand) { return recomputable(operand); });
      } else if (auto arg = dyn_cast<BlockArgument>(v)) {
        // Loop variables of loops inside a phase are not visible to
        // other phases (a loop of phases maps its own).
        Operation *owner = arg.getOwner()->getParentOp();
        result = owner == launch || isa<scf::ForOp>(owner);
      }
      recomputableCache[v] = result;
      return result;
    }

    /// `ops` (of one block of the launch body, or of a loop in it) as
    /// phases: the ops between barriers; an all_reduce ends its phase; a
    /// loop with barriers in its body becomes a loop of phases, its carried
    /// values kept per thread. A value one phase computes and a later one
    /// uses is kept per thread too. `keep` (values to arrays) ends the
    /// last phase.
    LogicalResult runOps(OpBuilder &b, const IRMapping &fixed,
                         ArrayRef<Operation *> ops,
                         ArrayRef<std::pair<Value, Value>> keep = {}) {
      struct Step {
        SmallVector<Operation *> phase;
        scf::ForOp loop; // or a loop of phases
        SmallVector<std::pair<Value, Value>> keep;
      };
      SmallVector<Step> steps(1);
      for (Operation *op : ops) {
        if (isa<gpu::BarrierOp>(op)) {
          steps.emplace_back();
          continue;
        }
        // A loop with barriers anywhere in it (a nest of loops with
        // barriers becomes a nest of loops of phases).
        auto loop = dyn_cast<scf::ForOp>(op);
        if (loop && loop->walk([](gpu::BarrierOp) {
                          return WalkResult::interrupt();
                        }).wasInterrupted()) {
          steps.emplace_back().loop = loop;
          steps.emplace_back();
          continue;
        }
        steps.back().phase.push_back(op);
        if (isWarpCollective(op)) {
          for (auto [i, operand] : llvm::enumerate(op->getOperands()))
            if (!isa<MemRefType>(operand.getType()))
              collectiveOperands[{op, (unsigned)i}] = memref::AllocOp::create(
                  *outer, loc, MemRefType::get({threads}, operand.getType()));
        }
        if (isa<gpu::AllReduceOp>(op) || isWarpCollective(op))
          steps.emplace_back();
      }
      for (Step &step : steps) {
        DenseSet<Operation *> members(step.phase.begin(), step.phase.end());
        for (Operation *op : step.phase) {
          if (isa<gpu::AllReduceOp>(op) || isWarpCollective(op))
            continue;
          for (Value v : op->getResults()) {
            bool crosses = llvm::any_of(v.getUsers(), [&](Operation *user) {
              Operation *at = op->getBlock()->findAncestorOpInBlock(*user);
              return !at || !members.contains(at);
            });
            if (!crosses || recomputable(v))
              continue;
            Value array = keepArray(v.getType());
            spilled[v] = array;
            step.keep.push_back({v, array});
          }
        }
      }
      steps.back().keep.append(keep.begin(), keep.end());
      for (Step &step : steps) {
        if (step.loop ? failed(runLoop(b, fixed, step.loop))
                      : failed(runPhase(b, fixed, step.phase, step.keep)))
          return failure();
      }
      return success();
    }

    /// Whether `v` is the same in every thread of a block: from outside
    /// the launch, fixed per block, or pure arithmetic on such values.
    bool uniform(const IRMapping &fixed, Value v) {
      if (fixed.contains(v))
        return true;
      Operation *def = v.getDefiningOp();
      if (!def)
        return !launch.getBody().isAncestor(
            cast<BlockArgument>(v).getOwner()->getParent());
      if (!insideLaunch(def))
        return true;
      return isMemoryEffectFree(def) && def->getNumRegions() == 0 &&
             llvm::all_of(def->getOperands(),
                          [&](Value operand) { return uniform(fixed, operand); });
    }
    /// A uniform `v` computed at `b` (its pure producers cloned).
    Value materializeUniform(OpBuilder &b, IRMapping &mapping, Value v) {
      if (mapping.contains(v))
        return mapping.lookup(v);
      Operation *def = v.getDefiningOp();
      if (!def || !insideLaunch(def))
        return v;
      for (Value operand : def->getOperands())
        materializeUniform(b, mapping, operand);
      return b.clone(*def, mapping)->getResult(cast<OpResult>(v).getResultNumber());
    }

    LogicalResult runLoop(OpBuilder &b, const IRMapping &fixed,
                          scf::ForOp loop) {
      // Bounds the same for every thread of the block (computed from the
      // block id, say a causal attention block's last key).
      for (Value bound : {loop.getLowerBound(), loop.getUpperBound(),
                          loop.getStep()})
        if (!uniform(fixed, bound))
          return loop.emitError("a loop with barriers whose bounds differ "
                                "between the threads of a block");
      SmallVector<std::pair<Value, Value>> inits, yields;
      auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
      for (auto [init, arg, result, next] :
           llvm::zip(loop.getInitArgs(), loop.getRegionIterArgs(),
                     loop.getResults(), yield.getOperands())) {
        Value array = keepArray(init.getType());
        spilled[arg] = array;
        spilled[result] = array;
        inits.push_back({init, array});
        yields.push_back({next, array});
      }
      if (failed(runPhase(b, fixed, {}, inits)))
        return failure();
      IRMapping boundMapping = fixed;
      auto bound = [&](Value v) {
        return materializeUniform(b, boundMapping, v);
      };
      auto copy = scf::ForOp::create(b, loc, bound(loop.getLowerBound()),
                                     bound(loop.getUpperBound()),
                                     bound(loop.getStep()));
      OpBuilder inner = OpBuilder::atBlockBegin(copy.getBody());
      inner.setInsertionPoint(copy.getBody()->getTerminator());
      IRMapping innerFixed = fixed;
      innerFixed.map(loop.getInductionVar(), copy.getInductionVar());
      SmallVector<Operation *> ops;
      for (Operation &op : loop.getBody()->without_terminator())
        ops.push_back(&op);
      return runOps(inner, innerFixed, ops, yields);
    }
  };

  LogicalResult emulate(gpu::LaunchOp launch) {
    std::optional<int64_t> grid = getConstantIntValue(launch.getGridSizeX());
    std::optional<int64_t> threads = getConstantIntValue(launch.getBlockSizeX());
    for (Value one : {launch.getGridSizeY(), launch.getGridSizeZ(),
                      launch.getBlockSizeY(), launch.getBlockSizeZ()})
      if (getConstantIntValue(one) != 1)
        return launch.emitError("only one-dimensional launches are emulated");
    if (!grid || !threads)
      return launch.emitError("launch without constant sizes");
    if (!launch.getPrivateAttributions().empty())
      return launch.emitError("private attributions are not emulated");
    Block *body = &launch.getBody().front();
    OpBuilder b(launch);
    Location loc = launch.getLoc();
    Emulation emu(launch, loc, *threads, b);
    for (auto reduce : body->getOps<gpu::AllReduceOp>())
      emu.partials[reduce] = memref::AllocaOp::create(
          b, loc, MemRefType::get({*threads}, reduce.getType()));
    emu.zero = arith::ConstantIndexOp::create(b, loc, 0);
    emu.one = arith::ConstantIndexOp::create(b, loc, 1);
    emu.count = arith::ConstantIndexOp::create(b, loc, *threads);
    // Shared memory: one buffer, reused by each block in turn (the
    // address space dropped: the CPU has one), and views of it (a stage of
    // a pipelined tile) without it too.
    launch.getBody().walk([](Operation *op) {
      for (Value result : op->getResults())
        if (auto type = dyn_cast<MemRefType>(result.getType()))
          if (isa_and_nonnull<gpu::AddressSpaceAttr>(type.getMemorySpace()))
            result.setType(MemRefType::get(type.getShape(),
                                           type.getElementType(),
                                           type.getLayout()));
    });
    IRMapping fixed;
    for (BlockArgument shared : launch.getWorkgroupAttributions()) {
      auto type = cast<MemRefType>(shared.getType());
      // 16-byte aligned, as on the GPU (aster-gpu-align-workgroup-memory).
      fixed.map(shared, memref::AllocaOp::create(
                            b, loc,
                            MemRefType::get(type.getShape(),
                                            type.getElementType()),
                            b.getI64IntegerAttr(16)));
    }
    auto blocks = scf::ForOp::create(
        b, loc, emu.zero, arith::ConstantIndexOp::create(b, loc, *grid),
        emu.one);
    OpBuilder blockBuilder(blocks.getBody()->getTerminator());
    OpBuilder arrays(blocks); // per-thread arrays, before the blocks
    emu.outer = &arrays;
    // The launch's other region arguments: fixed per block.
    fixed.map(launch.getBlockIds().x, blocks.getInductionVar());
    for (Value v : {launch.getBlockIds().y, launch.getBlockIds().z,
                    launch.getThreadIds().y, launch.getThreadIds().z})
      fixed.map(v, emu.zero);
    SmallVector<Value> sizes = {launch.getGridSizeX(),  launch.getGridSizeY(),
                                launch.getGridSizeZ(),  launch.getBlockSizeX(),
                                launch.getBlockSizeY(), launch.getBlockSizeZ()};
    for (auto [arg, size] : llvm::zip(body->getArguments().slice(6, 6), sizes))
      fixed.map(arg, size);
    SmallVector<Operation *> ops;
    for (Operation &op : body->without_terminator())
      ops.push_back(&op);
    if (failed(emu.runOps(blockBuilder, fixed, ops)))
      return failure();
    launch.erase();
    return success();
  }
};

} // namespace
