//===- Tiling.cpp - Tiling helpers shared by the CPU passes ---------------===//

#include "Tiling.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/TilingInterface.h"

using namespace mlir;

FailureOr<scf::SCFTileAndFuseResult>
mlir::aster::tileAndFuseIntoForall(RewriterBase &rewriter,
                                   linalg::LinalgOp root,
                                   ArrayRef<int64_t> tileSizes) {
  if (llvm::all_of(tileSizes, [](int64_t size) { return size == 0; }))
    return failure();
  rewriter.setInsertionPoint(root);
  scf::SCFTilingOptions tiling;
  tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  tiling.setTileSizes(getAsIndexOpFoldResult(root.getContext(), tileSizes));
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
        // A packed copy of an operand is made once, before the loop, not
        // once per tile.
        if (isa<linalg::TransposeOp>(producer.getOwner()))
          return std::nullopt;
        scf::SCFTileAndFuseOptions::ControlFnResult result;
        result.yieldProducerReplacement = returned(producer.getOwner());
        return result;
      });
  FailureOr<scf::SCFTileAndFuseResult> tiled =
      scf::tileConsumerAndFuseProducersUsingSCF(
          rewriter, cast<TilingInterface>(root.getOperation()), fusion);
  if (failed(tiled) || tiled->loops.empty())
    return failure();
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

  return tiled;
}
