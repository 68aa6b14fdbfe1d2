//===- ScatterAddKernels.cpp - scatter_add by atomic adds -----------------===//
//
// The GPU strategy for `aster.scatter_add` (the embedding gradient of a
// training step): instead of the one-hot contraction that spells the op
// out (vocabulary x tokens x width multiply-adds, and a vocabulary x
// tokens one-hot matrix in memory), each update element is added to its
// row of the result with an f32 atomic add: tokens x width work. Like the
// attention strategy it runs on aster IR, first in the GPU buffer
// pipeline, and outlines each op into a kernel function
// (`aster.kernel = "scatter"`, outlineKernel in Payload.h) whose launches
// are, over flat element indices with a grid-stride loop:
//   1. zero the f32 accumulator (the result itself when it is f32);
//   2. per update element (outer o, index j, inner i): the row
//      r = indices[j] (negative counts from the end; clamped to the
//      table, as the gather clamps: token ids are checked before a step
//      runs), then acc[o, r, i] += updates[o, j, i], atomically;
//   3. for a 16-bit result, the accumulator rounded into it.
// Consecutive threads take consecutive inner elements, so the loads and
// the atomics of a row are coalesced. The order of the additions, and so
// the last bits of an f32 sum, can differ between runs.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/Passes.h"
#include "aster/Dialect/Aster/IR/AsterOps.h"
#include "Payload.h"

namespace mlir::aster {
#define GEN_PASS_DEF_GPUSCATTERADDKERNELS
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;
using namespace mlir::aster;

namespace {

constexpr int64_t kThreads = 256, kMostBlocks = 4096;

/// The buffer as one dimension (identity layouts only, which the
/// outlined function's buffers have).
Value flat(OpBuilder &b, Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  if (type.getRank() == 1)
    return buffer;
  SmallVector<ReassociationIndices> all(1);
  for (int64_t d = 0; d < type.getRank(); ++d)
    all[0].push_back(d);
  return memref::CollapseShapeOp::create(b, loc, buffer, all);
}

/// A launch over `count` flat elements, `body(b, element)` per element
/// (grid-stride).
void forEachElement(OpBuilder &b, Location loc, int64_t count,
                    function_ref<void(OpBuilder &, Value)> body) {
  int64_t blocks =
      std::min<int64_t>((count + kThreads - 1) / kThreads, kMostBlocks);
  Launch launch = createLaunch(b, loc, blocks, kThreads);
  PayloadEmitter e(b, loc);
  Value first = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, launch.blockId, e.index(kThreads)),
      launch.threadId);
  scf::ForOp loop =
      e.loop(first, e.index(count), e.index(blocks * kThreads));
  body(b, loop.getInductionVar());
}

struct GPUScatterAddKernelsPass
    : mlir::aster::impl::GPUScatterAddKernelsBase<GPUScatterAddKernelsPass> {
  using GPUScatterAddKernelsBase::GPUScatterAddKernelsBase;

  void runOnOperation() override {
    SmallVector<ScatterAddOp> ops;
    getOperation().walk([&](ScatterAddOp op) {
      Type element = op.getType().getElementType();
      if ((element.isF32() || element.isBF16() || element.isF16()) &&
          op.getType().hasStaticShape() &&
          cast<RankedTensorType>(op.getUpdates().getType()).hasStaticShape() &&
          cast<RankedTensorType>(op.getIndices().getType()).hasStaticShape())
        ops.push_back(op);
    });
    SymbolTable symbols(getOperation());
    for (ScatterAddOp op : ops)
      outline(op, symbols);
  }

  void outline(ScatterAddOp op, SymbolTable &symbols) {
    RankedTensorType out = op.getType();
    int64_t axis = op.getAxis(), rows = out.getDimSize(axis);
    int64_t inner = 1;
    for (int64_t d = axis + 1; d < out.getRank(); ++d)
      inner *= out.getDimSize(d);
    int64_t indexCount =
        cast<RankedTensorType>(op.getIndices().getType()).getNumElements();
    int64_t updateCount =
        cast<RankedTensorType>(op.getUpdates().getType()).getNumElements();
    int64_t resultCount = out.getNumElements();
    Location loc = op.getLoc();
    outlineKernel(
        op, {op.getUpdates(), op.getIndices()}, "scatter", "scatter_add",
        symbols,
        [&](OpBuilder &b, Block *body, ArrayRef<Value> inputs,
            ArrayRef<Value> outputs) {
          Type f32 = b.getF32Type();
          Value updates = flat(b, loc, inputs[0]);
          Value indices = flat(b, loc, inputs[1]);
          Value result = flat(b, loc, outputs[0]);
          // The f32 accumulator: the result itself when it is f32.
          Value acc = result;
          if (!out.getElementType().isF32())
            acc = memref::AllocOp::create(
                b, loc, MemRefType::get({resultCount}, f32),
                b.getI64IntegerAttr(64));
          PayloadEmitter e(b, loc);
          auto c = [&](int64_t v) { return e.index(v); };
          forEachElement(b, loc, resultCount, [&](OpBuilder &lb, Value at) {
            memref::StoreOp::create(
                lb, loc,
                arith::ConstantOp::create(lb, loc, lb.getF32FloatAttr(0)), acc,
                ValueRange{at});
          });
          b.setInsertionPointToEnd(body);
          forEachElement(b, loc, updateCount, [&](OpBuilder &lb, Value at) {
            // at = (o * indexCount + j) * inner + i.
            Value i = arith::RemUIOp::create(lb, loc, at, c(inner));
            Value oj = arith::DivUIOp::create(lb, loc, at, c(inner));
            Value j = arith::RemUIOp::create(lb, loc, oj, c(indexCount));
            Value o = arith::DivUIOp::create(lb, loc, oj, c(indexCount));
            Value id = memref::LoadOp::create(lb, loc, indices, ValueRange{j});
            Value row =
                arith::IndexCastOp::create(lb, loc, lb.getIndexType(), id);
            // Negative from the end, then clamped to [0, rows).
            Value negative = arith::CmpIOp::create(
                lb, loc, arith::CmpIPredicate::slt, row, c(0));
            row = arith::SelectOp::create(
                lb, loc, negative,
                arith::AddIOp::create(lb, loc, row, c(rows)), row);
            row = arith::MaxSIOp::create(lb, loc, row, c(0));
            row = arith::MinSIOp::create(lb, loc, row, c(rows - 1));
            Value target = arith::AddIOp::create(
                lb, loc,
                arith::MulIOp::create(
                    lb, loc,
                    arith::AddIOp::create(
                        lb, loc, arith::MulIOp::create(lb, loc, o, c(rows)),
                        row),
                    c(inner)),
                i);
            Value value = memref::LoadOp::create(lb, loc, updates,
                                                 ValueRange{at});
            if (!value.getType().isF32())
              value = arith::ExtFOp::create(lb, loc, f32, value);
            memref::AtomicRMWOp::create(lb, loc, arith::AtomicRMWKind::addf,
                                        value, acc, ValueRange{target});
          });
          if (acc == result)
            return;
          b.setInsertionPointToEnd(body);
          forEachElement(b, loc, resultCount, [&](OpBuilder &lb, Value at) {
            Value value = memref::LoadOp::create(lb, loc, acc, ValueRange{at});
            memref::StoreOp::create(
                lb, loc,
                arith::TruncFOp::create(lb, loc, out.getElementType(), value),
                result, ValueRange{at});
          });
        });
  }
};

} // namespace
