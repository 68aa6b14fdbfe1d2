//===- TileRows.cpp - Row and elementwise kernels over row tiles ----------===//
//
// A row kernel (norms, softmax, cross-entropy and the elementwise ops
// around them) or an elementwise kernel is tiled over its leading rows
// into an `scf.forall`, every op of the kernel fused into each tile: a
// tile of rows is read once, all of its reductions and elementwise steps
// run on data in cache, and the tiles run on threads.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/Passes.h"
#include "Tiling.h"
#include "aster/Codegen/KernelShapes.h"

#include "llvm/ADT/SetVector.h"

namespace mlir::aster {
#define GEN_PASS_DEF_CPUTILEROWS
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;
using namespace mlir::aster;

namespace {

/// The linalg ops that `sink` reads, transitively, inside the kernel.
llvm::SetVector<Operation *> producersOf(Operation *sink) {
  llvm::SetVector<Operation *> seen;
  SmallVector<Operation *> worklist{sink};
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    for (Value operand : op->getOperands()) {
      Operation *def = operand.getDefiningOp();
      if (def && !isa<func::FuncOp>(def) && seen.insert(def))
        worklist.push_back(def);
    }
  }
  return seen;
}

struct CPUTileRowsPass
    : mlir::aster::impl::CPUTileRowsBase<CPUTileRowsPass> {
  using CPUTileRowsBase::CPUTileRowsBase;

  void runOnOperation() override {
    for (auto kernel : getOperation().getOps<func::FuncOp>()) {
      auto kind = kernel->getAttrOfType<StringAttr>("aster.kernel");
      if (!kind || (kind.getValue() != "reduction" &&
                    kind.getValue() != "elementwise" &&
                    kind.getValue() != "gather"))
        continue;
      tileKernel(kernel);
    }
  }

  void tileKernel(func::FuncOp kernel) {
    // Sinks: the ops whose results only the return reads.
    SmallVector<linalg::LinalgOp> sinks;
    kernel.walk([&](linalg::LinalgOp op) {
      if (op->getParentOp() == kernel.getOperation() &&
          llvm::all_of(op->getUsers(), [](Operation *user) {
            return isa<func::ReturnOp>(user);
          }))
        sinks.push_back(op);
    });
    // Sinks that share a producer would each recompute it: leave such a
    // kernel as it is.
    DenseMap<Operation *, int> readers;
    for (linalg::LinalgOp sink : sinks)
      for (Operation *producer : producersOf(sink))
        if (isa<linalg::LinalgOp>(producer) &&
            !isa<linalg::FillOp>(producer) && ++readers[producer] > 1)
          return;
    // The rows every op of the kernel is parallel in (a reduction's
    // parallel loops; all loops of an elementwise kernel).
    unsigned kernelRows = ~0u;
    kernel.walk([&](linalg::LinalgOp op) {
      if (!isa<linalg::FillOp>(op))
        kernelRows = std::min(kernelRows, leadingRowLoops(op));
    });
    IRRewriter rewriter(kernel.getContext());
    for (linalg::LinalgOp sink : sinks) {
      SmallVector<int64_t> ranges = sink.getStaticLoopRanges();
      unsigned rows = std::min(leadingRowLoops(sink), kernelRows);
      if (rows == 0 || llvm::any_of(ranges, ShapedType::isDynamic))
        continue;
      // Whole rows of the last row loop, in tiles of about `tileElements`
      // elements; the loops before it one at a time.
      int64_t perRow = 1;
      for (unsigned i = rows; i < ranges.size(); ++i)
        perRow *= ranges[i];
      SmallVector<int64_t> sizes(ranges.size(), 0);
      for (unsigned i = 0; i + 1 < rows; ++i)
        sizes[i] = 1;
      sizes[rows - 1] = divisorAtMost(
          ranges[rows - 1], std::max<int64_t>(1, tileElements / perRow));
      (void)tileAndFuseIntoForall(rewriter, sink, sizes);
    }
  }
};

} // namespace
