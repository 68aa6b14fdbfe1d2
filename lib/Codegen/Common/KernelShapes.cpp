//===- KernelShapes.cpp - Shape facts shared by fusion and tiling ---------===//

#include "aster/Codegen/KernelShapes.h"

using namespace mlir;

int64_t mlir::aster::divisorAtMost(int64_t size, int64_t limit,
                                   int64_t multiple) {
  for (int64_t d = std::min(size, limit); d >= 1; --d)
    if (size % d == 0 && d % multiple == 0)
      return d;
  for (int64_t d = std::min(size, limit); d >= 1; --d)
    if (size % d == 0)
      return d;
  return 1;
}

unsigned mlir::aster::leadingRowLoops(linalg::LinalgOp op) {
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  unsigned rank = 0;
  while (rank < iterators.size() &&
         iterators[rank] == utils::IteratorType::parallel &&
         llvm::all_of(op.getDpsInitsMutable(), [&](OpOperand &init) {
           AffineMap map = op.getMatchingIndexingMap(&init);
           return map.getNumResults() > rank &&
                  map.getResult(rank) ==
                      getAffineDimExpr(rank, op.getContext());
         }))
    ++rank;
  return rank;
}
