//===- Tiling.h - Tiling helpers shared by the CPU passes -------*- C++ -*-===//

#ifndef ASTER_LIB_CODEGEN_CPU_TILING_H
#define ASTER_LIB_CODEGEN_CPU_TILING_H

#include "aster/Codegen/KernelShapes.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::aster {

/// Tiles `root` into an `scf.forall` with `tileSizes` (0: not tiled) and
/// fuses its producers into each tile. Producers whose results the
/// function returns are yielded by the loop too. The untiled ops are
/// erased; every use outside the loop reads the loop's results.
FailureOr<scf::SCFTileAndFuseResult>
tileAndFuseIntoForall(RewriterBase &rewriter, linalg::LinalgOp root,
                      ArrayRef<int64_t> tileSizes);

} // namespace mlir::aster

#endif // ASTER_LIB_CODEGEN_CPU_TILING_H
