//===- MapLoops.cpp - Parallel loops onto GPU blocks and threads ----------===//
//
// The generic GPU strategy: every top-level parallel loop of a function is
// flattened to one dimension and split into blocks of threads; what is
// nested inside runs sequentially in its thread. Family-specific strategies
// (vector accesses, row reductions across a block, tensor-core matmul)
// take their kernels before this pass; every other kernel is correct here.
//
//===----------------------------------------------------------------------===//

#include "Payload.h"
#include "aster/Codegen/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::aster {
#define GEN_PASS_DEF_GPUMAPLOOPS
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;
using namespace mlir::aster;

namespace {

/// The constant global `value` reads, if it is one.
memref::GlobalOp constantGlobal(Value value, SymbolTable &symbols) {
  auto get = value.getDefiningOp<memref::GetGlobalOp>();
  if (!get)
    return nullptr;
  auto global = symbols.lookup<memref::GlobalOp>(get.getName());
  return global && global.getConstant() ? global : nullptr;
}

gpu::ParallelLoopDimMappingAttr dimMapping(MLIRContext *context,
                                           gpu::Processor processor) {
  AffineMap identity = AffineMap::getMultiDimIdentityMap(1, context);
  return gpu::ParallelLoopDimMappingAttr::get(context, processor, identity,
                                              identity);
}

/// Runs each loop nested in `loop` sequentially in its thread.
void mapNestedSequential(scf::ParallelOp loop) {
  MLIRContext *context = loop.getContext();
  loop.getBody()->walk([&](scf::ParallelOp nested) {
    SmallVector<gpu::ParallelLoopDimMappingAttr> mapping(
        nested.getNumLoops(), dimMapping(context, gpu::Processor::Sequential));
    (void)gpu::setMappingAttr(nested, mapping);
  });
}

/// Whether `op`, at the top level of a function, is work for the device:
/// it reads or writes memory (allocations, views and calls stay on the
/// host).
bool isDeviceWork(Operation &op) {
  // A TMA tensor map is encoded by the host (the matmul strategy's).
  if (isa<scf::ParallelOp, gpu::LaunchOp, memref::AllocOp, memref::AllocaOp,
          memref::DeallocOp, memref::GetGlobalOp, func::CallOp,
          func::ReturnOp, ViewLikeOpInterface, nvgpu::TmaCreateDescriptorOp>(
          op) ||
      op.hasTrait<OpTrait::IsTerminator>())
    return false;
  return !isMemoryEffectFree(&op);
}

struct GPUMapLoopsPass
    : mlir::aster::impl::GPUMapLoopsBase<GPUMapLoopsPass> {
  using GPUMapLoopsBase::GPUMapLoopsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    sinkConstantArguments(module, symbols);
    if (failed(lowerLinalgToLoops(module)))
      return signalPassFailure();
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isDeclaration())
        continue;
      if (!func.getBody().hasOneBlock()) {
        func.emitError("GPU code generation needs functions of one block");
        return signalPassFailure();
      }
      if (failed(wrapSerialWork(func)))
        return signalPassFailure();
      for (auto loop : llvm::make_early_inc_range(
               func.getBody().front().getOps<scf::ParallelOp>()))
        if (!loop->hasAttr(gpu::getMappingAttrName())) // not a strategy's
          mapLoop(loop);
      cloneGlobalsIntoLoops(func, symbols);
    }
  }

  /// Each linalg op becomes a loop nest with its parallel dimensions
  /// outermost (one `scf.parallel`, which the mapping splits over blocks
  /// and threads) and its reductions innermost (sequential in a thread).
  LogicalResult lowerLinalgToLoops(ModuleOp module) {
    IRRewriter rewriter(module.getContext());
    SmallVector<linalg::LinalgOp> ops;
    module.walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    for (linalg::LinalgOp op : ops) {
      FailureOr<linalg::GenericOp> asGenericOp = asGeneric(rewriter, op);
      if (failed(asGenericOp))
        return op->emitError("GPU code generation: cannot generalize");
      linalg::GenericOp generic = *asGenericOp;
      SmallVector<unsigned> order;
      for (auto [i, kind] : llvm::enumerate(generic.getIteratorTypesArray()))
        if (kind == utils::IteratorType::parallel)
          order.push_back(i);
      for (auto [i, kind] : llvm::enumerate(generic.getIteratorTypesArray()))
        if (kind != utils::IteratorType::parallel)
          order.push_back(i);
      if (!llvm::equal(order, llvm::seq<unsigned>(0, order.size()))) {
        FailureOr<linalg::GenericOp> swapped =
            linalg::interchangeGenericOp(rewriter, generic, order);
        if (failed(swapped))
          return generic->emitError("GPU code generation: cannot interchange");
        generic = *swapped;
      }
      rewriter.setInsertionPoint(generic);
      if (failed(linalg::linalgOpToParallelLoops(
              rewriter, cast<linalg::LinalgOp>(generic.getOperation()))))
        return generic->emitError("GPU code generation: cannot make loops");
      rewriter.eraseOp(generic);
    }
    return success();
  }

  /// A kernel argument that every call passes the same constant global is
  /// read from the global inside the kernel, so that the table is in the
  /// device module rather than in host memory.
  void sinkConstantArguments(ModuleOp module, SymbolTable &symbols) {
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isDeclaration() || func.isPublic())
        continue;
      auto uses = SymbolTable::getSymbolUses(func, module);
      if (!uses)
        continue;
      SmallVector<func::CallOp> calls;
      bool onlyCalls = true;
      for (const SymbolTable::SymbolUse &use : *uses) {
        if (auto call = dyn_cast<func::CallOp>(use.getUser()))
          calls.push_back(call);
        else
          onlyCalls = false;
      }
      if (!onlyCalls || calls.empty())
        continue;
      OpBuilder builder = OpBuilder::atBlockBegin(&func.getBody().front());
      for (BlockArgument arg : func.getArguments()) {
        memref::GlobalOp global =
            constantGlobal(calls.front().getOperand(arg.getArgNumber()), symbols);
        if (!global || arg.use_empty() ||
            llvm::any_of(calls, [&](func::CallOp call) {
              return constantGlobal(call.getOperand(arg.getArgNumber()),
                                    symbols) != global;
            }))
          continue;
        if (arg.getType() != global.getType())
          continue;
        Value read = memref::GetGlobalOp::create(
            builder, func.getLoc(), global.getType(), global.getSymName());
        arg.replaceAllUsesWith(read);
      }
    }
  }

  /// Moves each run of top-level device work that is not a parallel loop
  /// (a reduction to a scalar, a lone store) into a one-iteration parallel
  /// loop, which becomes a one-thread launch.
  LogicalResult wrapSerialWork(func::FuncOp func) {
    Block &body = func.getBody().front();
    SmallVector<SmallVector<Operation *>> runs;
    bool open = false;
    for (Operation &op : body) {
      if (!isDeviceWork(op)) {
        // Arithmetic between two pieces of work goes with them.
        if (isMemoryEffectFree(&op) && !op.getNumRegions() &&
            !op.hasTrait<OpTrait::IsTerminator>()) {
          if (open)
            runs.back().push_back(&op);
          continue;
        }
        open = false;
        continue;
      }
      if (!open)
        runs.emplace_back();
      runs.back().push_back(&op);
      open = true;
    }
    for (SmallVector<Operation *> &run : runs) {
      while (!isDeviceWork(*run.back()))
        run.pop_back();
      OpBuilder builder(run.front());
      Location loc = run.front()->getLoc();
      Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
      Value one = arith::ConstantIndexOp::create(builder, loc, 1);
      auto loop = scf::ParallelOp::create(builder, loc, ValueRange{zero},
                                          ValueRange{one}, ValueRange{one});
      Operation *terminator = loop.getBody()->getTerminator();
      for (Operation *op : run)
        op->moveBefore(terminator);
      for (Operation *op : run) {
        bool usedOutside = llvm::any_of(op->getUsers(), [&](Operation *user) {
          return !loop->isAncestor(user);
        });
        if (!usedOutside)
          continue;
        // Host arithmetic that happened to sit between two pieces of work.
        bool hostOperands = llvm::all_of(op->getOperands(), [&](Value v) {
          return !loop->isAncestor(v.getParentBlock()->getParentOp());
        });
        if (isMemoryEffectFree(op) && hostOperands) {
          OpBuilder before(loop);
          Operation *copy = before.clone(*op);
          op->replaceUsesWithIf(copy->getResults(), [&](OpOperand &use) {
            return !loop->isAncestor(use.getOwner());
          });
          continue;
        }
        return func.emitError()
               << "GPU code generation: a value computed on the device is "
                  "used on the host ("
               << op->getName() << ")";
      }
    }
    return success();
  }

  /// One dimension, blocks of `blockSize` threads; nested loops sequential.
  void mapLoop(scf::ParallelOp loop) {
    MLIRContext *context = loop.getContext();
    IRRewriter rewriter(context);
    if (loop.getNumLoops() > 1) {
      std::vector<unsigned> all(loop.getNumLoops());
      std::iota(all.begin(), all.end(), 0);
      rewriter.setInsertionPoint(loop);
      Operation *before = loop->getPrevNode();
      Block *block = loop->getBlock();
      collapseParallelLoops(rewriter, loop, {all});
      // The collapsed loop takes the old one's place, after the ops that
      // compute its bounds.
      Operation *next = before ? before->getNextNode() : &block->front();
      while (!isa<scf::ParallelOp>(next))
        next = next->getNextNode();
      loop = cast<scf::ParallelOp>(next);
    }
    int64_t threads = blockSize;
    std::optional<int64_t> lower = getConstantIntValue(loop.getLowerBound()[0]);
    std::optional<int64_t> upper = getConstantIntValue(loop.getUpperBound()[0]);
    std::optional<int64_t> step = getConstantIntValue(loop.getStep()[0]);
    if (lower && upper && step && *step > 0)
      threads = std::clamp<int64_t>((*upper - *lower + *step - 1) / *step, 1,
                                    blockSize);
    auto [outer, inner] =
        scf::tileParallelLoop(loop, {threads}, /*noMinMaxBounds=*/true);
    (void)gpu::setMappingAttr(outer, {dimMapping(context, gpu::Processor::BlockX)});
    (void)gpu::setMappingAttr(inner, {dimMapping(context, gpu::Processor::ThreadX)});
    mapNestedSequential(inner);
  }

  /// Reads of constant globals inside the device loops (and the launches
  /// of the family strategies), directly or
  /// through views, come from the device module's copy of the global: the
  /// read and its views are cloned next to each use in a loop.
  void cloneGlobalsIntoLoops(func::FuncOp func, SymbolTable &symbols) {
    Block &body = func.getBody().front();
    SmallVector<Operation *> chainOps;
    llvm::SmallPtrSet<Operation *, 8> rooted;
    for (Operation &op : body) {
      if (auto get = dyn_cast<memref::GetGlobalOp>(op)) {
        if (constantGlobal(get.getResult(), symbols))
          rooted.insert(&op), chainOps.push_back(&op);
        continue;
      }
      if (isa<ViewLikeOpInterface>(op) && isMemoryEffectFree(&op) &&
          llvm::any_of(op.getOperands(), [&](Value v) {
            return v.getDefiningOp() && rooted.contains(v.getDefiningOp());
          }))
        rooted.insert(&op), chainOps.push_back(&op);
    }
    for (Operation *op : chainOps)
      for (OpOperand &use : llvm::make_early_inc_range(op->getUses())) {
        Operation *user = use.getOwner();
        if (!user->getParentOfType<scf::ParallelOp>() &&
            !user->getParentOfType<gpu::LaunchOp>())
          continue;
        OpBuilder builder(user);
        use.set(cloneChain(use.get(), builder, rooted));
      }
  }

  Value cloneChain(Value value, OpBuilder &builder,
                   const llvm::SmallPtrSetImpl<Operation *> &rooted) {
    Operation *op = value.getDefiningOp();
    if (!op || !rooted.contains(op))
      return value;
    IRMapping mapping;
    for (Value operand : op->getOperands())
      mapping.map(operand, cloneChain(operand, builder, rooted));
    Operation *copy = builder.clone(*op, mapping);
    return copy->getResult(cast<OpResult>(value).getResultNumber());
  }
};

} // namespace
