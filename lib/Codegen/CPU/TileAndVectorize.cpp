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
#include "Tiling.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Interfaces/TilingInterface.h"

namespace mlir::aster {
#define GEN_PASS_DEF_CPUTILEANDVECTORIZE
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;
using namespace mlir::aster;

namespace {

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
  /// `canonical`: every canonicalization pattern; `folds`: those of
  /// vector.multi_reduction. Both are built once per pass run.
  MatmulKernelTiling(func::FuncOp kernel, int64_t vectorWidth,
                     const FrozenRewritePatternSet &canonical,
                     const FrozenRewritePatternSet &folds)
      : kernel(kernel), rn(2 * vectorWidth), canonical(canonical),
        folds(folds) {}
  LogicalResult run();

private:
  void packForVectorLoads(linalg::GenericOp contraction);
  LogicalResult tileRegisters(linalg::LinalgOp contraction);

  func::FuncOp kernel;
  int64_t rm = 4;  // rows of a register tile
  int64_t rn;      // columns: two vector registers
  const FrozenRewritePatternSet &canonical;
  const FrozenRewritePatternSet &folds;
  static constexpr int64_t cacheRows = 64, cacheColumns = 256;
  static constexpr int64_t cacheDepth = 256; // k per block of a cache tile
};

/// The register tile loads rn consecutive columns (loop n) of each operand
/// that has n. An operand stored with another dimension innermost (the
/// weight of `x @ w^T`, [n, k]) would need a strided gather per load: it is
/// copied once into a layout with n innermost, a transpose of K x N
/// elements against the M x N x K multiply-adds that read it.
void MatmulKernelTiling::packForVectorLoads(linalg::GenericOp contraction) {
  auto [m, n] = lastTwoParallelLoops(contraction);
  if (n < 0)
    return;
  OpBuilder builder(contraction);
  SmallVector<AffineMap> maps = contraction.getIndexingMapsArray();
  bool changed = false;
  for (OpOperand *input : contraction.getDpsInputOperands()) {
    AffineMap map = maps[input->getOperandNumber()];
    auto type = dyn_cast<RankedTensorType>(input->get().getType());
    std::optional<unsigned> position =
        map.getResultPosition(getAffineDimExpr(n, contraction.getContext()));
    if (!type || !position || *position + 1 == map.getNumResults() ||
        !map.isProjectedPermutation())
      continue;
    SmallVector<int64_t> permutation;
    for (unsigned i = 0; i < map.getNumResults(); ++i)
      if (i != *position)
        permutation.push_back(i);
    permutation.push_back(*position);
    SmallVector<int64_t> shape;
    SmallVector<AffineExpr> results;
    for (int64_t i : permutation) {
      shape.push_back(type.getDimSize(i));
      results.push_back(map.getResult(i));
    }
    Value empty = tensor::EmptyOp::create(builder, contraction.getLoc(), shape,
                                          type.getElementType());
    Value packed = linalg::TransposeOp::create(builder, contraction.getLoc(),
                                               input->get(), empty, permutation)
                       ->getResult(0);
    input->set(packed);
    maps[input->getOperandNumber()] = AffineMap::get(
        map.getNumDims(), 0, results, contraction.getContext());
    changed = true;
  }
  if (changed)
    contraction.setIndexingMapsAttr(builder.getAffineMapArrayAttr(maps));
}

LogicalResult MatmulKernelTiling::run() {
  linalg::LinalgOp root;
  kernel.walk([&](linalg::LinalgOp op) {
    if (!isa<linalg::FillOp>(op))
      root = op;
  });
  if (!root || !root.hasPureTensorSemantics())
    return success();
  kernel.walk([&](linalg::GenericOp op) {
    if (op.getNumReductionLoops() > 0)
      packForVectorLoads(op);
  });
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
  // Tiles that divide the ranges where a good divisor exists; otherwise
  // the full size, with a smaller last tile (the register level peels it).
  if (n >= 0) {
    sizes[n] = divisorAtMost(ranges[n], cacheColumns, rn);
    if (sizes[n] % rn != 0 && ranges[n] > cacheColumns)
      sizes[n] = cacheColumns;
  }
  if (m >= 0) {
    sizes[m] = divisorAtMost(ranges[m], cacheRows, rm);
    if (sizes[m] % rm != 0 && ranges[m] > cacheRows)
      sizes[m] = cacheRows;
  }

  IRRewriter rewriter(kernel.getContext());
  FailureOr<scf::SCFTileAndFuseResult> tiled =
      tileAndFuseIntoForall(rewriter, root, sizes);
  if (failed(tiled))
    return root.emitError("could not tile the kernel into cache tiles");
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
  SmallVector<utils::IteratorType> iterators =
      contraction.getIteratorTypesArray();

  // Blocks of k: the cacheDepth x cacheColumns block of B that all the
  // register tiles of a cache tile read stays in L2.
  IRRewriter rewriter(contraction.getContext());
  SmallVector<int64_t> blocks(ranges.size(), 0);
  bool blocked = false;
  for (unsigned i = 0; i < ranges.size(); ++i)
    if (iterators[i] == utils::IteratorType::reduction &&
        !ShapedType::isDynamic(ranges[i]) && ranges[i] > cacheDepth) {
      blocks[i] = divisorAtMost(ranges[i], cacheDepth);
      blocked = blocks[i] > 1;
    }
  if (blocked) {
    rewriter.setInsertionPoint(contraction);
    scf::SCFTilingOptions blocking;
    blocking.setTileSizes(
        getAsIndexOpFoldResult(contraction.getContext(), blocks));
    FailureOr<scf::SCFTilingResult> tiledBlocks = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(contraction.getOperation()),
        blocking);
    if (failed(tiledBlocks))
      return contraction.emitError("could not tile the contraction into k "
                                   "blocks");
    rewriter.replaceOp(contraction, tiledBlocks->replacements);
    contraction = cast<linalg::LinalgOp>(tiledBlocks->tiledOps.front());
    ranges = contraction.getStaticLoopRanges();
  }

  // Register tiles: rm x rn outputs, k innermost. A range that rn (or rm)
  // does not divide is tiled anyway and its loop peeled: full tiles in a
  // main loop, the rest in a remainder loop that stays scalar.
  auto [m, n] = lastTwoParallelLoops(contraction);
  SmallVector<int64_t> sizes(ranges.size(), 1);
  SmallVector<int64_t> interchange;
  for (unsigned i = 0; i < ranges.size(); ++i)
    if (iterators[i] == utils::IteratorType::parallel)
      interchange.push_back(i);
  for (unsigned i = 0; i < ranges.size(); ++i)
    if (iterators[i] != utils::IteratorType::parallel)
      interchange.push_back(i);
  auto registerSize = [](int64_t range, int64_t size, int64_t multiple) {
    if (ShapedType::isDynamic(range))
      return size;
    int64_t divisor = divisorAtMost(range, size, multiple);
    return divisor % multiple == 0 ? divisor : size;
  };
  if (n >= 0)
    sizes[n] = registerSize(ranges[n], rn, rn / 2);
  if (m >= 0)
    sizes[m] = registerSize(ranges[m], rm, 1);

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
  Operation *nest = tiled->loops.front()->getParentOp();
  for (int dim : {m, n}) {
    if (dim < 0)
      continue;
    auto position = llvm::find(interchange, dim) - interchange.begin();
    auto loop = dyn_cast<scf::ForOp>(tiled->loops[position].getOperation());
    scf::ForOp remainder;
    if (loop)
      (void)scf::peelForLoopAndSimplifyBounds(rewriter, loop, remainder);
  }

  // Peeling made the main loop's tile sizes constants; canonicalization
  // turns them into static shapes.
  (void)applyPatternsGreedily(nest, canonical);

  // Vectorize every register tile with a static shape.
  SmallVector<linalg::LinalgOp> tiles;
  int vectorDim = n >= 0 ? n : 0;
  nest->walk([&](linalg::LinalgOp op) {
    if (op.getNumReductionLoops() > 0 && op.hasPureTensorSemantics() &&
        llvm::none_of(op.getStaticLoopRanges(), ShapedType::isDynamic) &&
        op.getStaticLoopRanges()[vectorDim] <= rn)
      tiles.push_back(op);
  });
  for (linalg::LinalgOp tile : tiles) {
    rewriter.setInsertionPoint(tile);
    FailureOr<linalg::VectorizationResult> vectorized = linalg::vectorize(
        rewriter, tile, /*inputVectorSizes=*/{}, /*inputScalableVecDims=*/{},
        /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
        /*assumeDynamicDimsMatchVecSizes=*/false,
        /*createNamedContraction=*/true);
    if (succeeded(vectorized))
      rewriter.replaceOp(tile, vectorized->replacements);
  }
  // The vectorizer builds the accumulation from the reduction kind (a
  // multi_reduction over the unit k dimension, folded here into an add),
  // without the body's `contract` flag: put it back so that LLVM forms
  // FMAs.
  (void)applyPatternsGreedily(nest, folds);
  nest->walk([](Operation *op) {
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

  LogicalResult initialize(MLIRContext *context) override {
    RewritePatternSet all(context);
    for (Dialect *dialect : context->getLoadedDialects())
      dialect->getCanonicalizationPatterns(all);
    for (RegisteredOperationName op : context->getRegisteredOperations())
      op.getCanonicalizationPatterns(all, context);
    canonical = FrozenRewritePatternSet(std::move(all));
    RewritePatternSet reductions(context);
    vector::MultiDimReductionOp::getCanonicalizationPatterns(reductions,
                                                             context);
    folds = FrozenRewritePatternSet(std::move(reductions));
    return success();
  }

  void runOnOperation() override {
    for (auto kernel : getOperation().getOps<func::FuncOp>()) {
      auto kind = kernel->getAttrOfType<StringAttr>("aster.kernel");
      if (!kind || kind.getValue() != "matmul")
        continue;
      if (failed(
              MatmulKernelTiling(kernel, vectorWidth, canonical, folds).run()))
        return signalPassFailure();
    }
  }

  FrozenRewritePatternSet canonical, folds;
};

} // namespace
