//===- PlanArena.cpp - Temporaries of a step as offsets in one arena ------===//
//
// After bufferization the calling functions (the entry points, everything
// that is not a kernel) are straight-line code: allocations, kernel calls
// that write into them, copies into the out-parameters. This pass gives
// every statically shaped allocation an offset in one arena per function
// by first fit over live ranges, so that a step allocates nothing: the
// arena is a zero-initialized global of the shared object, mapped once.
// An allocation copied whole into an out-parameter that nothing else
// touches becomes that out-parameter (no temporary, no copy).
//
// The arena's size is the function's `aster.arena_bytes`, which the bundle
// records in plan.json: the memory of a step is known before it runs.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::aster {
#define GEN_PASS_DEF_CPUPLANARENA
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;

namespace {

constexpr int64_t kAlignment = 64;

/// The last position (in `block`) at which `value` or a view of it is used,
/// or nullopt when a view of it escapes through the terminator.
std::optional<unsigned> lastUse(Value value, Block &block,
                                const DenseMap<Operation *, unsigned> &at) {
  unsigned last = 0;
  SmallVector<Value> worklist{value};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (Operation *user : v.getUsers()) {
      Operation *ancestor = block.findAncestorOpInBlock(*user);
      if (!ancestor || ancestor->hasTrait<OpTrait::IsTerminator>())
        return std::nullopt;
      last = std::max(last, at.lookup(ancestor));
      if (isa<ViewLikeOpInterface>(user) ||
          isa<memref::ReshapeOp, memref::ExpandShapeOp,
              memref::CollapseShapeOp, memref::CastOp>(user))
        for (Value result : user->getResults())
          worklist.push_back(result);
    }
  }
  return last;
}

/// The copy of `alloc` into an out-parameter that can take its place:
/// `alloc` is only written by calls and then copied whole, as its last use,
/// into an out-parameter that nothing else uses. Null when there is none.
memref::CopyOp copyIntoOutParameter(memref::AllocOp alloc) {
  memref::CopyOp copy;
  for (Operation *user : alloc->getUsers()) {
    if (auto c = dyn_cast<memref::CopyOp>(user)) {
      if (copy || c.getSource() != alloc.getResult())
        return {};
      copy = c;
    } else if (!isa<func::CallOp>(user)) {
      return {};
    }
  }
  if (!copy)
    return {};
  auto target = dyn_cast<BlockArgument>(copy.getTarget());
  if (!target || !target.hasOneUse() ||
      target.getType() != alloc.getType() ||
      target.getOwner() != alloc->getBlock())
    return {};
  // The copy is the last use of the allocation.
  for (Operation *user : alloc->getUsers())
    if (user != copy && !user->isBeforeInBlock(copy))
      return {};
  return copy;
}

struct Interval {
  unsigned start, end;
  int64_t bytes;
  memref::AllocOp alloc;
  int64_t offset = 0;
};

struct CPUPlanArenaPass
    : mlir::aster::impl::CPUPlanArenaBase<CPUPlanArenaPass> {
  using CPUPlanArenaBase::CPUPlanArenaBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> hosts, kernels;
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isDeclaration() && func.getBody().hasOneBlock())
        (func->hasAttr("aster.kernel") ? kernels : hosts).push_back(func);
    // One arena per calling function.
    for (func::FuncOp func : hosts) {
      SmallVector<Interval> intervals;
      int64_t bytes = plan(func, intervals);
      if (!bytes)
        continue;
      std::string name = ("__aster_arena_" + func.getSymName()).str();
      place(func, intervals, createArena(module, name, bytes));
      func->setAttr("aster.arena_bytes",
                    IntegerAttr::get(IntegerType::get(&getContext(), 64), bytes));
    }
    // Kernels run one at a time (their threads work inside them): their
    // whole-tensor temporaries (packed operands, unfused intermediates)
    // share one scratch arena, as large as the largest kernel needs.
    // Tile-local temporaries inside the parallel loops stay allocations.
    SmallVector<std::pair<func::FuncOp, SmallVector<Interval>>> plans;
    int64_t scratch = 0;
    for (func::FuncOp kernel : kernels) {
      SmallVector<Interval> intervals;
      scratch = std::max(scratch, plan(kernel, intervals));
      if (!intervals.empty())
        plans.push_back({kernel, std::move(intervals)});
    }
    if (scratch == 0)
      return;
    memref::GlobalOp global =
        createArena(module, "__aster_kernel_scratch", scratch);
    for (auto &[kernel, intervals] : plans)
      place(kernel, intervals, global);
  }

  memref::GlobalOp createArena(ModuleOp module, StringRef name,
                               int64_t bytes) {
    OpBuilder builder = OpBuilder::atBlockBegin(module.getBody());
    MLIRContext *context = module.getContext();
    return memref::GlobalOp::create(
        builder, module.getLoc(), name, builder.getStringAttr("private"),
        MemRefType::get({bytes}, IntegerType::get(context, 8)),
        /*initial_value=*/UnitAttr::get(context), /*constant=*/false,
        builder.getI64IntegerAttr(kAlignment));
  }

  /// Rewrites the planned allocations of `func` into views of `arena`.
  void place(func::FuncOp func, MutableArrayRef<Interval> intervals,
             memref::GlobalOp arena) {
    Block &block = func.getBody().front();
    OpBuilder builder = OpBuilder::atBlockBegin(&block);
    Value base = memref::GetGlobalOp::create(builder, func.getLoc(),
                                             arena.getType(), arena.getSymName());
    for (Interval &i : intervals) {
      builder.setInsertionPoint(i.alloc);
      Value offset = arith::ConstantIndexOp::create(builder, i.alloc.getLoc(),
                                                    i.offset);
      Value view = memref::ViewOp::create(builder, i.alloc.getLoc(),
                                          i.alloc.getType(), base, offset,
                                          ValueRange{});
      i.alloc.getResult().replaceAllUsesWith(view);
      i.alloc.erase();
    }
  }

  /// Offsets for the top-level allocations of `func`; returns the bytes
  /// they need together.
  int64_t plan(func::FuncOp func, SmallVector<Interval> &intervals) {
    Block &block = func.getBody().front();
    // Out-parameters instead of temporaries copied into them.
    for (auto alloc : llvm::make_early_inc_range(block.getOps<memref::AllocOp>()))
      if (memref::CopyOp copy = copyIntoOutParameter(alloc)) {
        Value out = copy.getTarget();
        copy.erase();
        alloc.getResult().replaceAllUsesWith(out);
        alloc.erase();
      }

    DenseMap<Operation *, unsigned> at;
    unsigned index = 0;
    for (Operation &op : block)
      at[&op] = index++;
    for (auto alloc : block.getOps<memref::AllocOp>()) {
      MemRefType type = alloc.getType();
      if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
          !alloc.getDynamicSizes().empty() || !type.getElementType().isIntOrFloat())
        continue;
      std::optional<unsigned> end = lastUse(alloc.getResult(), block, at);
      if (!end)
        continue;
      int64_t bits = type.getNumElements() *
                     std::max<int64_t>(8, type.getElementTypeBitWidth());
      int64_t bytes = (bits / 8 + kAlignment - 1) / kAlignment * kAlignment;
      intervals.push_back({at.lookup(alloc), std::max(*end, at.lookup(alloc)),
                           std::max<int64_t>(bytes, kAlignment), alloc});
    }

    // First fit, in program order, among the blocks live at each start.
    int64_t arenaBytes = 0;
    SmallVector<Interval *> live;
    for (Interval &next : intervals) {
      llvm::erase_if(live, [&](Interval *i) { return i->end < next.start; });
      llvm::sort(live, [](Interval *a, Interval *b) {
        return a->offset < b->offset;
      });
      int64_t offset = 0;
      for (Interval *i : live) {
        if (i->offset - offset >= next.bytes)
          break;
        offset = std::max(offset, i->offset + i->bytes);
      }
      next.offset = offset;
      arenaBytes = std::max(arenaBytes, offset + next.bytes);
      live.push_back(&next);
    }
    return arenaBytes;
  }
};

} // namespace
