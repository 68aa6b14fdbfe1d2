//===- FormKernels.cpp - Group linalg ops into kernels and outline them ---===//
//
// The fusion phase: the ops of each function on tensors are grouped into
// kernels by a union-find over producer-consumer edges, and each group is
// outlined as a private function (docs/codegen-passes.md has the rules).
// The GPU backends map one kernel function to one launch; the CPU backend
// compiles each into one tiled loop nest.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/Passes.h"
#include "aster/Codegen/KernelShapes.h"

#include "mlir/Analysis/TopologicalSortUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::aster {
#define GEN_PASS_DEF_FORMKERNELS
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;

namespace {

/// What an op of a function body becomes.
enum class Role {
  Kernel,    // computes: belongs to exactly one kernel
  View,      // reinterprets a tensor: cloned into the kernels that read it
  Cloneable, // constants, empty tensors, fills: cloned where used
  Host,      // stays in the calling function
};

Role roleOf(Operation *op) {
  if (isa<linalg::FillOp>(op) || isa<tensor::EmptyOp>(op) ||
      op->hasTrait<OpTrait::ConstantLike>())
    return Role::Cloneable;
  if (isa<linalg::LinalgOp>(op) ||
      isa<tensor::InsertSliceOp, tensor::ConcatOp, tensor::PadOp,
          tensor::GenerateOp, tensor::ScatterOp, tensor::GatherOp,
          scf::ForallOp>(op))
    return Role::Kernel;
  if (isa<tensor::ExtractSliceOp, tensor::ReshapeOp, tensor::ExpandShapeOp,
          tensor::CollapseShapeOp, tensor::CastOp>(op))
    return Role::View;
  return Role::Host;
}

/// What a kernel op computes.
enum class OpKind { Contraction, Reduction, Elementwise, Copy };

/// A generic is a contraction when a non-constant input reads a reduction
/// loop but misses a parallel loop (matmul's A[m, k] misses n); a row reduction
/// (a sum over k of x[m, k]) reads every loop in the input it reduces.
bool isContraction(linalg::LinalgOp op) {
  if (linalg::isaContractionOpInterface(op))
    return true;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (OpOperand *input : op.getDpsInputOperands()) {
    // A constant table (an iota compared with labels) is not an operand
    // being contracted.
    if (Operation *def = input->get().getDefiningOp();
        def && def->hasTrait<OpTrait::ConstantLike>())
      continue;
    AffineMap map = op.getMatchingIndexingMap(input);
    bool readsReduction = false, missesParallel = false;
    for (unsigned d = 0; d < iterators.size(); ++d) {
      bool used = map.isFunctionOfDim(d);
      if (iterators[d] == utils::IteratorType::reduction && used)
        readsReduction = true;
      if (iterators[d] == utils::IteratorType::parallel && !used)
        missesParallel = true;
    }
    if (readsReduction && missesParallel)
      return true;
  }
  return false;
}

OpKind kindOf(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp)
    return OpKind::Copy;
  if (linalgOp.getNumReductionLoops() > 0)
    return isContraction(linalgOp) ? OpKind::Contraction : OpKind::Reduction;
  if (isa<linalg::GenericOp>(op))
    return OpKind::Elementwise;
  return OpKind::Copy; // transpose, copy, broadcast, ...
}

/// One kernel in the making.
struct Group {
  SmallVector<Operation *> ops; // in block order
  int contractions = 0;
  bool reduction = false;
  bool copy = false;
  unsigned rowRank = 0;
};

class KernelFormation {
public:
  explicit KernelFormation(func::FuncOp func) : func(func) {}
  void run();

private:
  void tryMerge(Operation *producer, Value produced, OpOperand &use,
                ArrayRef<Operation *> views);
  void tryMergeSiblings(OpOperand &first, OpOperand &second);
  bool createsCycle(int a, int b);
  void merge(int into, int from, unsigned rowRank);
  void outline(Group &group, int index);

  func::FuncOp func;
  DenseMap<Operation *, int> groupOf;
  DenseMap<Operation *, unsigned> position;
  std::vector<Group> groups;
};

void KernelFormation::run() {
  Block &block = func.getBody().front();
  unsigned index = 0;
  for (Operation &op : block) {
    position[&op] = index++;
    if (roleOf(&op) != Role::Kernel)
      continue;
    Group group;
    group.ops.push_back(&op);
    OpKind kind = kindOf(&op);
    group.contractions = kind == OpKind::Contraction;
    group.reduction = kind == OpKind::Reduction;
    group.copy = kind == OpKind::Copy;
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(&op);
        linalgOp && !group.copy)
      group.rowRank = aster::leadingRowLoops(linalgOp);
    groupOf[&op] = groups.size();
    groups.push_back(std::move(group));
  }

  // Producer-consumer edges in block order, looking through views.
  for (Operation &op : block) {
    if (roleOf(&op) != Role::Kernel)
      continue;
    for (OpOperand &use : op.getOpOperands()) {
      SmallVector<Operation *> views;
      Value value = use.get();
      Operation *def = value.getDefiningOp();
      while (def && roleOf(def) == Role::View) {
        views.push_back(def);
        value = def->getOperand(0);
        def = value.getDefiningOp();
      }
      if (def && roleOf(def) == Role::Kernel)
        tryMerge(def, value, use, views);
    }
  }

  // Siblings: row kernels that read the same tensor make one pass over it
  // (the log-sum-exp and the picked logit of a cross-entropy).
  auto mergeReaders = [&](Value value) {
    SmallVector<OpOperand *> readers;
    for (OpOperand &use : value.getUses())
      if (roleOf(use.getOwner()) == Role::Kernel &&
          use.getOwner()->getBlock() == &block)
        readers.push_back(&use);
    for (unsigned i = 1; i < readers.size(); ++i)
      tryMergeSiblings(*readers[0], *readers[i]);
  };
  for (BlockArgument argument : block.getArguments())
    mergeReaders(argument);
  for (Operation &op : block)
    for (Value result : op.getResults())
      mergeReaders(result);

  // Outline in the order of each kernel's first op.
  llvm::SetVector<int> order;
  for (Operation &op : block)
    if (auto it = groupOf.find(&op); it != groupOf.end())
      order.insert(it->second);
  int kernelIndex = 0;
  for (int group : order)
    outline(groups[group], kernelIndex++);

  // Fills and empties that no kernel took are kernels of their own when a
  // host op reads them (a returned zero gradient); the rest is dead.
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(block)))
    if (isOpTriviallyDead(&op))
      op.erase();
  for (Operation &op : llvm::make_early_inc_range(block))
    if (isa<linalg::FillOp>(op)) {
      Group group;
      group.ops.push_back(&op);
      outline(group, kernelIndex++);
    }
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(block)))
    if (isOpTriviallyDead(&op))
      op.erase();
  sortTopologically(&block);
}

void KernelFormation::tryMerge(Operation *producer, Value produced,
                               OpOperand &use, ArrayRef<Operation *> views) {
  int a = groupOf.lookup(producer), b = groupOf.lookup(use.getOwner());
  if (a == b)
    return;
  Group &p = groups[a], &c = groups[b];
  if (p.copy || c.copy || c.contractions)
    return;
  auto producerOp = dyn_cast<linalg::LinalgOp>(producer);
  auto consumerOp = dyn_cast<linalg::LinalgOp>(use.getOwner());
  if (!producerOp || !consumerOp)
    return;
  SmallVector<int64_t> producerRanges = producerOp.getStaticLoopRanges();
  SmallVector<int64_t> consumerRanges = consumerOp.getStaticLoopRanges();
  AffineMap producerMap =
      producerOp.getIndexingMapMatchingResult(cast<OpResult>(produced));
  AffineMap consumerMap = consumerOp.getMatchingIndexingMap(&use);
  MLIRContext *context = producer->getContext();

  if (p.contractions) {
    // An epilogue: an elementwise group over the contraction's output
    // space, reading it one to one (possibly permuted: a transpose of the
    // result is an epilogue too), with no view in between.
    if (c.reduction || !views.empty() || !consumerMap.isPermutation() ||
        !producerMap.isProjectedPermutation())
      return;
    int64_t elements = cast<ShapedType>(produced.getType()).getNumElements();
    for (Operation *op : c.ops) {
      if (kindOf(op) != OpKind::Elementwise)
        return;
      int64_t iterations = 1;
      for (int64_t size : cast<linalg::LinalgOp>(op).getStaticLoopRanges())
        iterations = ShapedType::isDynamic(size) ? -1 : iterations * size;
      if (iterations != elements)
        return;
    }
    if (!createsCycle(a, b))
      merge(a, b, p.rowRank);
    return;
  }

  // Rows: the leading loops that both ops are parallel in, index
  // identically along this edge and through its views, with equal sizes.
  unsigned rank = std::min(p.rowRank, c.rowRank);
  ArrayRef<int64_t> producedShape =
      cast<ShapedType>(produced.getType()).getShape();
  ArrayRef<int64_t> readShape =
      cast<ShapedType>(use.get().getType()).getShape();
  unsigned edge = 0;
  while (edge < rank && edge < producerMap.getNumResults() &&
         edge < consumerMap.getNumResults() &&
         producerMap.getResult(edge) == getAffineDimExpr(edge, context) &&
         consumerMap.getResult(edge) == getAffineDimExpr(edge, context) &&
         producerRanges[edge] == consumerRanges[edge] &&
         !ShapedType::isDynamic(producerRanges[edge]) &&
         edge < producedShape.size() && edge < readShape.size() &&
         producedShape[edge] == readShape[edge]) {
    bool kept = true;
    for (Operation *view : views) {
      auto source = cast<ShapedType>(view->getOperand(0).getType());
      auto result = cast<ShapedType>(view->getResult(0).getType());
      if (source.getRank() <= edge || result.getRank() <= edge ||
          source.getShape().take_front(edge + 1) !=
              result.getShape().take_front(edge + 1))
        kept = false;
      if (auto slice = dyn_cast<tensor::ExtractSliceOp>(view))
        if (slice.getStaticOffsets()[edge] != 0)
          kept = false;
    }
    if (!kept)
      break;
    ++edge;
  }
  if (edge == 0 || createsCycle(a, b))
    return;
  merge(a, b, edge);
}

/// The leading loops of `op` that are parallel and read `operand` at the
/// same index (d0, d1, ... in order).
static unsigned rowRankOfRead(linalg::LinalgOp op, OpOperand &operand) {
  AffineMap map = op.getMatchingIndexingMap(&operand);
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  unsigned rank = 0;
  while (rank < map.getNumResults() && rank < iterators.size() &&
         iterators[rank] == utils::IteratorType::parallel &&
         map.getResult(rank) == getAffineDimExpr(rank, op.getContext()))
    ++rank;
  return rank;
}

void KernelFormation::tryMergeSiblings(OpOperand &first, OpOperand &second) {
  int a = groupOf.lookup(first.getOwner()),
      b = groupOf.lookup(second.getOwner());
  if (a == b)
    return;
  Group &x = groups[a], &y = groups[b];
  if (x.contractions || y.contractions || x.copy || y.copy)
    return;
  auto firstOp = dyn_cast<linalg::LinalgOp>(first.getOwner());
  auto secondOp = dyn_cast<linalg::LinalgOp>(second.getOwner());
  if (!firstOp || !secondOp)
    return;
  SmallVector<int64_t> firstRanges = firstOp.getStaticLoopRanges();
  SmallVector<int64_t> secondRanges = secondOp.getStaticLoopRanges();
  unsigned rank = std::min({x.rowRank, y.rowRank,
                            rowRankOfRead(firstOp, first),
                            rowRankOfRead(secondOp, second)});
  unsigned common = 0;
  while (common < rank && firstRanges[common] == secondRanges[common] &&
         !ShapedType::isDynamic(firstRanges[common]))
    ++common;
  if (common == 0 || createsCycle(a, b))
    return;
  merge(a, b, common);
}

/// Merging groups `a` and `b` is illegal when some op outside both is
/// reachable from one and reaches the other: the kernel would both feed and
/// consume it. Views and clones are looked through (they go into kernels).
bool KernelFormation::createsCycle(int a, int b) {
  auto inUnion = [&](Operation *op) {
    auto it = groupOf.find(op);
    return it != groupOf.end() && (it->second == a || it->second == b);
  };
  unsigned last = 0;
  for (int g : {a, b})
    for (Operation *op : groups[g].ops)
      last = std::max(last, position.lookup(op));
  Block *block = &func.getBody().front();
  // (op, whether the path left the union through a kernel or host op)
  SmallVector<std::pair<Operation *, bool>> worklist;
  DenseSet<std::pair<Operation *, unsigned>> seen;
  auto pushUsers = [&](Operation *from, bool escaped) {
    for (Value result : from->getResults())
      for (Operation *user : result.getUsers()) {
        Operation *ancestor = block->findAncestorOpInBlock(*user);
        if (!ancestor || inUnion(ancestor) ||
            position.lookup(ancestor) > last)
          continue;
        Role role = roleOf(ancestor);
        bool through =
            escaped || role == Role::Kernel || role == Role::Host;
        if (seen.insert({ancestor, unsigned(through)}).second)
          worklist.push_back({ancestor, through});
      }
  };
  for (int g : {a, b})
    for (Operation *op : groups[g].ops)
      pushUsers(op, false);
  while (!worklist.empty()) {
    auto [op, escaped] = worklist.pop_back_val();
    for (Value result : op->getResults())
      for (Operation *user : result.getUsers()) {
        Operation *ancestor = block->findAncestorOpInBlock(*user);
        if (ancestor && escaped && inUnion(ancestor))
          return true;
      }
    pushUsers(op, escaped);
  }
  return false;
}

void KernelFormation::merge(int into, int from, unsigned rowRank) {
  Group &target = groups[into], &source = groups[from];
  for (Operation *op : source.ops)
    groupOf[op] = into;
  target.ops.append(source.ops.begin(), source.ops.end());
  llvm::sort(target.ops, [&](Operation *x, Operation *y) {
    return position.lookup(x) < position.lookup(y);
  });
  target.contractions += source.contractions;
  target.reduction |= source.reduction;
  target.rowRank = std::min({target.rowRank, source.rowRank, rowRank});
  source.ops.clear();
}

StringRef kindName(const Group &group) {
  if (llvm::any_of(group.ops, [](Operation *op) {
        return isa<scf::ForallOp>(op);
      }))
    return "attention"; // flash attention (AttentionToLinalg.cpp)
  if (group.contractions)
    return "matmul";
  if (group.reduction)
    return "reduction";
  if (group.copy)
    return "copy";
  for (Operation *op : group.ops) {
    if (isa<linalg::FillOp>(op))
      return "fill";
    bool gathers = false;
    op->walk([&](tensor::ExtractOp) { gathers = true; });
    if (gathers)
      return "gather";
  }
  return "elementwise";
}

void KernelFormation::outline(Group &group, int index) {
  llvm::SmallPtrSet<Operation *, 16> members(group.ops.begin(),
                                             group.ops.end());
  MLIRContext *context = func.getContext();
  OpBuilder moduleBuilder(func);
  moduleBuilder.setInsertionPointAfter(func);
  std::string name = (func.getSymName() + "_k" + Twine(index) + "_" +
                      kindName(group))
                         .str();
  auto kernel = func::FuncOp::create(moduleBuilder, group.ops.front()->getLoc(),
                                     name, FunctionType::get(context, {}, {}));
  kernel.setPrivate();
  kernel->setAttr("aster.kernel", StringAttr::get(context, kindName(group)));
  Block *body = kernel.addEntryBlock();
  OpBuilder builder = OpBuilder::atBlockBegin(body);

  IRMapping mapping;
  SmallVector<Value> arguments;
  std::function<void(Value)> materialize = [&](Value value) {
    if (mapping.contains(value))
      return;
    Operation *def = value.getDefiningOp();
    if (def && !members.contains(def) &&
        (roleOf(def) == Role::View || roleOf(def) == Role::Cloneable) &&
        def->getParentRegion() == &func.getBody()) {
      for (Value operand : def->getOperands())
        materialize(operand);
      llvm::SetVector<Value> captured;
      getUsedValuesDefinedAbove(def->getRegions(), captured);
      for (Value v : captured)
        materialize(v);
      builder.clone(*def, mapping);
      return;
    }
    mapping.map(value, body->addArgument(value.getType(), value.getLoc()));
    arguments.push_back(value);
  };
  for (Operation *op : group.ops) {
    for (Value operand : op->getOperands())
      materialize(operand);
    llvm::SetVector<Value> captured;
    getUsedValuesDefinedAbove(op->getRegions(), captured);
    for (Value v : captured)
      materialize(v);
    builder.clone(*op, mapping);
  }

  // Results: what the caller still reads, directly or through a view that
  // is not only read by this kernel (which has its own clone of it).
  Block &block = func.getBody().front();
  std::function<bool(Value)> readOutside = [&](Value value) {
    return llvm::any_of(value.getUsers(), [&](Operation *user) {
      Operation *ancestor = block.findAncestorOpInBlock(*user);
      if (members.contains(ancestor))
        return false;
      if (roleOf(ancestor) == Role::View)
        return llvm::any_of(ancestor->getResults(), readOutside);
      return true;
    });
  };
  SmallVector<Value> results;
  for (Operation *op : group.ops)
    for (Value result : op->getResults())
      if (readOutside(result))
        results.push_back(result);
  SmallVector<Value> returned =
      llvm::map_to_vector(results, [&](Value v) { return mapping.lookup(v); });
  func::ReturnOp::create(builder, kernel.getLoc(), returned);
  kernel.setFunctionType(FunctionType::get(
      context, body->getArgumentTypes(), TypeRange(ValueRange(returned))));

  OpBuilder caller(group.ops.back());
  caller.setInsertionPointAfter(group.ops.back());
  auto call = func::CallOp::create(caller, group.ops.back()->getLoc(), kernel,
                                   arguments);
  for (auto [old, replacement] : llvm::zip(results, call.getResults()))
    old.replaceAllUsesWith(replacement);
  // Views that only this kernel read go with it.
  std::function<void(Operation *)> eraseIfDead = [&](Operation *view) {
    SmallVector<Operation *> users(view->getUsers());
    for (Operation *user : users)
      if (roleOf(user) == Role::View)
        eraseIfDead(user);
    if (view->use_empty())
      view->erase();
  };
  for (Operation *op : llvm::reverse(group.ops)) {
    SmallVector<Operation *> users(op->getUsers());
    for (Operation *user : users)
      if (roleOf(user) == Role::View)
        eraseIfDead(user);
    op->erase();
  }
}

struct FormKernelsPass : mlir::aster::impl::FormKernelsBase<FormKernelsPass> {
  using FormKernelsBase::FormKernelsBase;
  void runOnOperation() override {
    SmallVector<func::FuncOp> functions;
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isDeclaration() && !func->hasAttr("aster.kernel") &&
          func.getBody().hasOneBlock())
        functions.push_back(func);
    for (func::FuncOp func : functions)
      KernelFormation(func).run();
    deduplicateKernels();
  }

  /// Identical kernels (the layers of a transformer, a forward kernel
  /// recomputed in the backward) become one function: one compilation, one
  /// copy of the code.
  void deduplicateKernels() {
    ModuleOp module = getOperation();
    DenseMap<std::pair<Type, unsigned>, SmallVector<func::FuncOp>> buckets;
    SmallVector<func::FuncOp> kernels;
    for (auto func : module.getOps<func::FuncOp>())
      if (func->hasAttr("aster.kernel"))
        kernels.push_back(func);
    for (func::FuncOp kernel : kernels) {
      unsigned size = 0;
      kernel.walk([&](Operation *) { ++size; });
      SmallVector<func::FuncOp> &bucket =
          buckets[{kernel.getFunctionType(), size}];
      func::FuncOp same;
      for (func::FuncOp candidate : bucket)
        if (candidate->getAttr("aster.kernel") == kernel->getAttr("aster.kernel") &&
            OperationEquivalence::isRegionEquivalentTo(
                &candidate.getBody(), &kernel.getBody(),
                OperationEquivalence::IgnoreLocations)) {
          same = candidate;
          break;
        }
      if (!same) {
        bucket.push_back(kernel);
        continue;
      }
      if (failed(SymbolTable::replaceAllSymbolUses(
              kernel, same.getSymNameAttr(), module)))
        return signalPassFailure();
      kernel.erase();
    }
  }
};

} // namespace
