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

/// `alloc` is only written by calls and then copied whole into an
/// out-parameter that nothing else uses: that out-parameter can be used
/// in its place.
Value outParameterFor(memref::AllocOp alloc) {
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
  return target;
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
    SmallVector<func::FuncOp> hosts;
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isDeclaration() && !func->hasAttr("aster.kernel") &&
          func.getBody().hasOneBlock())
        hosts.push_back(func);
    for (func::FuncOp func : hosts)
      plan(func);
  }

  void plan(func::FuncOp func) {
    Block &block = func.getBody().front();
    // Out-parameters instead of temporaries copied into them.
    for (auto alloc : llvm::make_early_inc_range(block.getOps<memref::AllocOp>()))
      if (Value out = outParameterFor(alloc)) {
        memref::CopyOp copy;
        for (Operation *user : alloc->getUsers())
          if (auto c = dyn_cast<memref::CopyOp>(user))
            copy = c;
        copy.erase();
        alloc.getResult().replaceAllUsesWith(out);
        alloc.erase();
      }

    DenseMap<Operation *, unsigned> at;
    unsigned index = 0;
    for (Operation &op : block)
      at[&op] = index++;
    SmallVector<Interval> intervals;
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
    if (intervals.empty())
      return;

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

    // The arena: a zero-initialized global, one per function.
    OpBuilder builder(func);
    MLIRContext *context = func.getContext();
    auto arenaType = MemRefType::get({arenaBytes}, IntegerType::get(context, 8));
    std::string name = ("__aster_arena_" + func.getSymName()).str();
    memref::GlobalOp::create(builder, func.getLoc(), name,
                             builder.getStringAttr("private"), arenaType,
                             /*initial_value=*/UnitAttr::get(context),
                             /*constant=*/false,
                             builder.getI64IntegerAttr(kAlignment));
    builder.setInsertionPointToStart(&block);
    Value arena = memref::GetGlobalOp::create(builder, func.getLoc(),
                                              arenaType, name);
    for (Interval &i : intervals) {
      builder.setInsertionPoint(i.alloc);
      Value offset = arith::ConstantIndexOp::create(builder, i.alloc.getLoc(),
                                                    i.offset);
      Value view = memref::ViewOp::create(builder, i.alloc.getLoc(),
                                          i.alloc.getType(), arena, offset,
                                          ValueRange{});
      i.alloc.getResult().replaceAllUsesWith(view);
      i.alloc.erase();
    }
    func->setAttr("aster.arena_bytes", builder.getI64IntegerAttr(arenaBytes));
  }
};

} // namespace
