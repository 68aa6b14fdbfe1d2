//===- KernelShapes.h - Shape facts shared by fusion and tiling -*- C++ -*-===//
//
// Small queries on loop nests that kernel formation, flash attention and
// the CPU tiling passes all ask (lib/Codegen/Common/KernelShapes.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef ASTER_CODEGEN_KERNELSHAPES_H
#define ASTER_CODEGEN_KERNELSHAPES_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::aster {

/// The largest divisor of `size` that is at most `limit`, preferring
/// multiples of `multiple` (tiles that divide their loop have static shapes).
int64_t divisorAtMost(int64_t size, int64_t limit, int64_t multiple = 1);

/// The leading loops of `op` that are parallel and index every result
/// identically (d0, d1, ... in order): the rows the op can be split along.
unsigned leadingRowLoops(linalg::LinalgOp op);

} // namespace mlir::aster

#endif // ASTER_CODEGEN_KERNELSHAPES_H
