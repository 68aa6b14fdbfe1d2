//===- Payload.h - Emitting linalg payloads as GPU thread code --*- C++ -*-===//
//
// The GPU strategies write each linalg op as explicit thread code: loads at
// the op's indexing maps, the payload's ops cloned, stores. This is the
// shared part (lib/Codegen/GPU/Payload.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef ASTER_LIB_CODEGEN_GPU_PAYLOAD_H
#define ASTER_LIB_CODEGEN_GPU_PAYLOAD_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

namespace mlir::aster {

struct PayloadEmitter {
  OpBuilder &b;
  Location loc;
  /// Producers whose values are recomputed at their reads, keyed by the
  /// buffer they would have written.
  DenseMap<Value, linalg::GenericOp> recomputed;

  PayloadEmitter(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value index(int64_t v);
  /// Each result of `map` at `ivs`.
  SmallVector<Value> apply(AffineMap map, ArrayRef<Value> ivs);
  /// `linear` as coordinates in `sizes` (row-major).
  SmallVector<Value> delinearize(Value linear, ArrayRef<int64_t> sizes);
  /// The value of `operand` of `op` at iteration point `ivs`.
  Value read(linalg::GenericOp op, OpOperand &operand, ArrayRef<Value> ivs);
  /// The payload of `op` at `ivs`. `inputs[i]` (when given and not null) is
  /// input i's value, else it is read; `outs` likewise for the outputs.
  SmallVector<Value> payload(linalg::GenericOp op, ArrayRef<Value> ivs,
                             ArrayRef<Value> inputs = {},
                             ArrayRef<Value> outs = {});
  /// Stores `values` to the outputs of `op` at `ivs`.
  void write(linalg::GenericOp op, ArrayRef<Value> values, ArrayRef<Value> ivs);
  /// A loop `for i = start; i < end; i += step` whose body the builder is
  /// left in.
  scf::ForOp loop(Value start, Value end, Value step, ValueRange iterArgs = {});
};

/// A launch of `grid` blocks of `block` threads (x only), created where
/// the builder is; the builder is left at the start of its body (before
/// its terminator). Strategies emit launches themselves, so that nothing
/// between them and outlining can re-map their loops.
struct Launch {
  gpu::LaunchOp op;
  Value blockId, threadId;
};
Launch createLaunch(OpBuilder &b, Location loc, int64_t grid, int64_t block);

/// The buffer a view reads, through view-like ops.
Value bufferRoot(Value v);

} // namespace mlir::aster

#endif // ASTER_LIB_CODEGEN_GPU_PAYLOAD_H
