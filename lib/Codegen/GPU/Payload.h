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
#include "mlir/IR/SymbolTable.h"

namespace mlir::aster {

struct PayloadEmitter {
  OpBuilder &b;
  Location loc;
  /// Producers whose values are recomputed at their reads, keyed by the
  /// buffer they would have written.
  DenseMap<Value, linalg::GenericOp> recomputed;
  /// Buffers whose value at the point being computed is already at hand
  /// (e.g. a matmul's accumulator, from shared memory): reads of them
  /// (at that point) are this value.
  DenseMap<Value, Value> staged;

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
  /// The value of `operand` at each lane's point `laneIvs[v]`, the lanes
  /// consecutive along loop `dim`: one vector load when the operand is
  /// contiguous along it (16-byte aligned where its layout says so), one
  /// read when it does not depend on it, a read per lane otherwise;
  /// recomputed producers are recomputed lane by lane from their own
  /// inputs read the same way.
  SmallVector<Value> readLanes(linalg::GenericOp op, OpOperand &operand,
                               ArrayRef<SmallVector<Value>> laneIvs,
                               unsigned dim);
  /// The payload at each lane's point, inputs read with readLanes; `outs`
  /// per lane as for payload.
  SmallVector<SmallVector<Value>>
  payloadLanes(linalg::GenericOp op, ArrayRef<SmallVector<Value>> laneIvs,
               unsigned dim, ArrayRef<SmallVector<Value>> outs = {});
  /// Stores each lane's `values` to the outputs of `op`: one vector store
  /// per output contiguous along `dim`, else a store per lane.
  void writeLanes(linalg::GenericOp op,
                  ArrayRef<SmallVector<Value>> values,
                  ArrayRef<SmallVector<Value>> laneIvs, unsigned dim);
  /// Stores `values` to the outputs of `op` at `ivs`.
  void write(linalg::GenericOp op, ArrayRef<Value> values, ArrayRef<Value> ivs);
  /// A loop `for i = start; i < end; i += step` whose body the builder is
  /// left in.
  scf::ForOp loop(Value start, Value end, Value step, ValueRange iterArgs = {});
};

/// Pipelined copies to shared memory (the tensor-core strategies' stages).
/// Stage `stage` (an index) of `tiles` ([stages][...], e.g. [rows][cols])
/// as the tile the fragments read, one rank less.
Value stageOf(OpBuilder &b, Location loc, Value tiles, Value stage);
/// Starts a cp.async of `elements` elements (16 bytes) from `src` at
/// `srcIndices` to `dst` at `dstIndices`: all of them when `valid`, else
/// none read and zeros written.
void copyAsync(OpBuilder &b, Location loc, Value dst, ValueRange dstIndices,
               Value src, ValueRange srcIndices, int64_t elements,
               Value valid);
/// This thread's cp.async copies since the last commit, as a group.
Value commitCopies(OpBuilder &b, Location loc);
/// Waits until at most `pending` of this thread's groups are in flight
/// (`group` one of them, the latest).
void waitCopies(OpBuilder &b, Location loc, Value group, int64_t pending);

/// A launch of `grid` blocks of `block` threads (x only), created where
/// the builder is; the builder is left at the start of its body (before
/// its terminator). Strategies emit launches themselves, so that nothing
/// between them and outlining can re-map their loops.
struct Launch {
  gpu::LaunchOp op;
  Value blockId, threadId;
};
Launch createLaunch(OpBuilder &b, Location loc, int64_t grid, int64_t block);

/// Replaces `op` (on tensors, before bufferization) with a call of a new
/// private kernel function (`aster.kernel = kind`, named `<caller>_<name>`)
/// that takes `operands` and returns `op`'s results. Its body reads the
/// operands as buffers (`bufferization.to_buffer`, read-only), allocates
/// the results, lets `emit(builder, body, inputs, outputs)` write them
/// (the strategy's launches; the builder set where emit puts it), and
/// returns them (`to_tensor`, restrict, writable). Bufferization and the
/// rest of the pipeline then treat it as any kernel.
void outlineKernel(
    Operation *op, ValueRange operands, StringRef kind, StringRef name,
    SymbolTable &symbols,
    function_ref<void(OpBuilder &, Block *, ArrayRef<Value>, ArrayRef<Value>)>
        emit);

/// Whether `operand` of `op` is read or written contiguously along loop
/// `dim` (its last index is that loop's, no other index depends on it, an
/// identity layout, whole-byte elements), so lanes along `dim` can be one
/// vector access.
bool contiguousAlong(linalg::GenericOp op, OpOperand &operand, unsigned dim);

/// Lanes along the innermost dimension that make 16-byte accesses for the
/// widest element among `types`, halved until they divide `size`.
int64_t vectorLanes(ArrayRef<Type> types, int64_t size);

/// `op` as a linalg.generic: itself, or the generic that replaces a named
/// op (created where `op` is; `op` is erased).
FailureOr<linalg::GenericOp> asGeneric(RewriterBase &rewriter,
                                       linalg::LinalgOp op);

/// The linalg ops of a kernel function's `body`, in order, when the rest
/// of it is allocations, views and pure ops (a strategy can replace the
/// linalg ops with a launch); failure otherwise. Bufferization's copies (of
/// a filled buffer into a fresh one, of a result into its out parameter)
/// are first rewritten as linalg.copy, ops of the kernel like the others.
FailureOr<SmallVector<linalg::LinalgOp>> kernelLinalgOps(Block &body);

/// The buffers `ops` write, by root, with the indices (in `ops`) of their
/// writers.
DenseMap<Value, SmallVector<unsigned>>
writersOf(ArrayRef<linalg::GenericOp> ops);

/// The buffer a view reads, through view-like ops.
Value bufferRoot(Value v);

} // namespace mlir::aster

#endif // ASTER_LIB_CODEGEN_GPU_PAYLOAD_H
