//===- TileAndVectorize.cpp - Cache tiles, threads and register tiles -----===//
//
// For each matmul kernel (aster-form-kernels): the kernel's last op (the
// epilogue, or the contraction itself) is tiled into an `scf.forall` over
// cache-sized output tiles, with the contraction and its fill fused into
// each tile; the forall is what runs on several threads. Inside a tile
// the contraction is tiled again into register tiles of rm x rn outputs,
// looping over k innermost, and each register tile is vectorized into a
// `vector.contract`. The pipeline then hoists the accumulator out of the k
// loop (upstream loop-invariant-subset-hoisting): rm x rn/width vector
// registers of sums, rn-wide loads of B, broadcasts of A, FMAs.
//
// Tile sizes divide the loop ranges exactly, so every tile has a static
// shape and vectorizes without masks. Row and elementwise kernels are
// left to LLVM's vectorizer for now.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Interfaces/TilingInterface.h"

namespace mlir::aster {
#define GEN_PASS_DEF_CPUTILEANDVECTORIZE
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;

namespace {

/// The largest divisor of `size` that is at most `limit`, preferring
/// multiples of `multiple`.
int64_t divisorAtMost(int64_t size, int64_t limit, int64_t multiple = 1) {
  for (int64_t d = std::min(size, limit); d >= 1; --d)
    if (size % d == 0 && d % multiple == 0)
      return d;
  for (int64_t d = std::min(size, limit); d >= 1; --d)
    if (size % d == 0)
      return d;
  return 1;
}

/// The positions of the last two parallel loops of `op` (m and n of a
/// matmul; -1 where the op has fewer).
std::pair<int, int> lastTwoParallelLoops(linalg::LinalgOp op) {
  int m = -1, n = -1;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (int i = iterators.size() - 1; i >= 0; --i) {
    if (iterators[i] != utils::IteratorType::parallel)
      continue;
    if (n < 0)
      n = i;
    else if (m < 0)
      m = i;
  }
  return {m, n};
}

class MatmulKernelTiling {
public:
  MatmulKernelTiling(func::FuncOp kernel, int64_t vectorWidth)
      : kernel(kernel), rn(2 * vectorWidth) {}
  LogicalResult run();

private:
  LogicalResult tileRegisters(linalg::LinalgOp contraction);

  func::FuncOp kernel;
  int64_t rm = 4;  // rows of a register tile
  int64_t rn;      // columns: two vector registers
  static constexpr int64_t cacheRows = 64, cacheColumns = 256;
};

LogicalResult MatmulKernelTiling::run() {
  linalg::LinalgOp root;
  kernel.walk([&](linalg::LinalgOp op) {
    if (!isa<linalg::FillOp>(op))
      root = op;
  });
  if (!root || !root.hasPureTensorSemantics())
    return success();
  SmallVector<int64_t> ranges = root.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return success();

  // Level 1: cache tiles of the output, one scf.forall iteration each.
  auto [m, n] = lastTwoParallelLoops(root);
  SmallVector<utils::IteratorType> iterators = root.getIteratorTypesArray();
  SmallVector<int64_t> sizes(ranges.size(), 0);
  for (unsigned i = 0; i < ranges.size(); ++i)
    if (iterators[i] == utils::IteratorType::parallel)
      sizes[i] = 1;
  if (n >= 0)
    sizes[n] = divisorAtMost(ranges[n], cacheColumns, rn);
  if (m >= 0)
    sizes[m] = divisorAtMost(ranges[m], cacheRows, rm);

  IRRewriter rewriter(kernel.getContext());
  rewriter.setInsertionPoint(root);
  scf::SCFTilingOptions tiling;
  tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  tiling.setTileSizes(getAsIndexOpFoldResult(kernel.getContext(), sizes));
  scf::SCFTileAndFuseOptions fusion;
  fusion.setTilingOptions(tiling);
  // Results of fused producers that the kernel returns are yielded by the
  // loop too (the matmul output beside its epilogue).
  auto returned = [&](Operation *producer) {
    for (Operation *user : producer->getUsers())
      if (isa<func::ReturnOp>(user))
        return true;
    return false;
  };
  fusion.setFusionControlFn(
      [&](tensor::ExtractSliceOp, OpResult producer, bool)
          -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
        scf::SCFTileAndFuseOptions::ControlFnResult result;
        result.yieldProducerReplacement = returned(producer.getOwner());
        return result;
      });
  FailureOr<scf::SCFTileAndFuseResult> tiled =
      scf::tileConsumerAndFuseProducersUsingSCF(
          rewriter, cast<TilingInterface>(root.getOperation()), fusion);
  if (failed(tiled))
    return root.emitError("could not tile the kernel into cache tiles");
  Operation *outerLoop = tiled->loops.front();
  for (auto [original, replacement] : tiled->replacements)
    rewriter.replaceUsesWithIf(original, replacement, [&](OpOperand &use) {
      return !outerLoop->isAncestor(use.getOwner());
    });
  // Tile-and-fuse leaves dead slices of the original producers inside the
  // loop; drop them, then the untiled ops are dead (in some order of their
  // uses).
  for (bool erased = true; erased;) {
    erased = false;
    SmallVector<Operation *> dead;
    outerLoop->walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (op != outerLoop && isOpTriviallyDead(op)) {
        dead.push_back(op);
        return WalkResult::skip();
      }
      return WalkResult::advance();
    });
    for (Operation *op : llvm::reverse(dead)) {
      rewriter.eraseOp(op);
      erased = true;
    }
  }

  SmallVector<Operation *> untiled(tiled->fusedProducers.begin(),
                                   tiled->fusedProducers.end());
  untiled.push_back(root);
  for (bool erased = true; erased;) {
    erased = false;
    for (Operation *&op : untiled)
      if (op && op->use_empty()) {
        rewriter.eraseOp(op);
        op = nullptr;
        erased = true;
      }
  }

  for (Operation *op : tiled->tiledAndFusedOps)
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
        linalgOp && linalgOp.getNumReductionLoops() > 0)
      return tileRegisters(linalgOp);
  return success();
}

/// Level 2: register tiles of the contraction inside a cache tile, k
/// innermost, vectorized; the accumulator is then loop-invariant in k.
LogicalResult MatmulKernelTiling::tileRegisters(linalg::LinalgOp contraction) {
  SmallVector<int64_t> ranges = contraction.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return success();
  SmallVector<utils::IteratorType> iterators =
      contraction.getIteratorTypesArray();
  auto [m, n] = lastTwoParallelLoops(contraction);
  SmallVector<int64_t> sizes(ranges.size(), 1);
  SmallVector<int64_t> interchange;
  for (unsigned i = 0; i < ranges.size(); ++i)
    if (iterators[i] == utils::IteratorType::parallel)
      interchange.push_back(i);
  for (unsigned i = 0; i < ranges.size(); ++i)
    if (iterators[i] != utils::IteratorType::parallel)
      interchange.push_back(i);
  if (n >= 0)
    sizes[n] = divisorAtMost(ranges[n], rn, /*multiple=*/rn / 2);
  if (m >= 0)
    sizes[m] = divisorAtMost(ranges[m], rm);

  IRRewriter rewriter(contraction.getContext());
  rewriter.setInsertionPoint(contraction);
  scf::SCFTilingOptions tiling;
  tiling.setTileSizes(
      getAsIndexOpFoldResult(contraction.getContext(), sizes));
  tiling.setInterchange(interchange);
  FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(contraction.getOperation()), tiling);
  if (failed(tiled))
    return contraction.emitError("could not tile the contraction into "
                                 "register tiles");
  rewriter.replaceOp(contraction, tiled->replacements);

  auto tile = cast<linalg::LinalgOp>(tiled->tiledOps.front());
  rewriter.setInsertionPoint(tile);
  FailureOr<linalg::VectorizationResult> vectorized = linalg::vectorize(
      rewriter, tile, /*inputVectorSizes=*/{}, /*inputScalableVecDims=*/{},
      /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
      /*assumeDynamicDimsMatchVecSizes=*/false,
      /*createNamedContraction=*/true);
  if (failed(vectorized))
    return success(); // stays a loop nest
  rewriter.replaceOp(tile, vectorized->replacements);
  // The vectorizer builds the accumulation from the reduction kind (a
  // multi_reduction over the unit k dimension, folded here into an add),
  // without the body's `contract` flag: put it back so that LLVM forms
  // FMAs.
  RewritePatternSet folds(contraction.getContext());
  vector::MultiDimReductionOp::getCanonicalizationPatterns(
      folds, contraction.getContext());
  (void)applyPatternsGreedily(tiled->loops.front(), std::move(folds));
  tiled->loops.front()->walk([](Operation *op) {
    if (isa<arith::AddFOp, arith::MulFOp>(op) &&
        isa<VectorType>(op->getResult(0).getType()))
      op->setAttr(cast<arith::ArithFastMathInterface>(op).getFastMathAttrName(),
                  arith::FastMathFlagsAttr::get(
                      op->getContext(), arith::FastMathFlags::contract));
  });
  return success();
}

struct CPUTileAndVectorizePass
    : mlir::aster::impl::CPUTileAndVectorizeBase<CPUTileAndVectorizePass> {
  using CPUTileAndVectorizeBase::CPUTileAndVectorizeBase;
  void runOnOperation() override {
    for (auto kernel : getOperation().getOps<func::FuncOp>()) {
      auto kind = kernel->getAttrOfType<StringAttr>("aster.kernel");
      if (!kind || kind.getValue() != "matmul")
        continue;
      if (failed(MatmulKernelTiling(kernel, vectorWidth).run()))
        return signalPassFailure();
    }
  }
};

} // namespace
