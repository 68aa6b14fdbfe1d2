//===- Payload.cpp - Emitting linalg payloads as GPU thread code ----------===//

#include "Payload.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;
using namespace mlir::aster;

Value mlir::aster::bufferRoot(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      break;
    v = view.getViewSource();
  }
  return v;
}

Launch mlir::aster::createLaunch(OpBuilder &b, Location loc, int64_t grid,
                                int64_t block) {
  auto c = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  Value one = c(1);
  auto launch =
      gpu::LaunchOp::create(b, loc, c(grid), one, one, c(block), one, one);
  Block &body = launch.getBody().front();
  if (body.empty() || !body.back().hasTrait<OpTrait::IsTerminator>()) {
    b.setInsertionPointToEnd(&body);
    gpu::TerminatorOp::create(b, loc);
  }
  b.setInsertionPoint(body.getTerminator());
  return {launch, launch.getBlockIds().x, launch.getThreadIds().x};
}

Value PayloadEmitter::index(int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

SmallVector<Value> PayloadEmitter::apply(AffineMap map, ArrayRef<Value> ivs) {
  SmallVector<Value> out;
  for (AffineExpr e : map.getResults())
    out.push_back(affine::AffineApplyOp::create(
        b, loc, AffineMap::get(map.getNumDims(), 0, e), ivs));
  return out;
}

SmallVector<Value> PayloadEmitter::delinearize(Value linear,
                                               ArrayRef<int64_t> sizes) {
  SmallVector<Value> out(sizes.size());
  for (size_t i = sizes.size(); i-- > 0;) {
    if (i == 0) {
      out[i] = linear;
      break;
    }
    Value size = index(sizes[i]);
    out[i] = arith::RemUIOp::create(b, loc, linear, size);
    linear = arith::DivUIOp::create(b, loc, linear, size);
  }
  return out;
}

Value PayloadEmitter::read(linalg::GenericOp op, OpOperand &operand,
                           ArrayRef<Value> ivs) {
  SmallVector<Value> indices = apply(op.getMatchingIndexingMap(&operand), ivs);
  auto it = recomputed.find(operand.get());
  if (it != recomputed.end())
    return payload(it->second, indices)[0];
  return memref::LoadOp::create(b, loc, operand.get(), indices);
}

SmallVector<Value> PayloadEmitter::payload(linalg::GenericOp op,
                                           ArrayRef<Value> ivs,
                                           ArrayRef<Value> inputs,
                                           ArrayRef<Value> outs) {
  Block &body = op.getRegion().front();
  IRMapping mapping;
  for (OpOperand *input : op.getDpsInputOperands()) {
    unsigned i = input->getOperandNumber();
    BlockArgument arg = body.getArgument(i);
    if (arg.use_empty())
      continue;
    if (i < inputs.size() && inputs[i])
      mapping.map(arg, inputs[i]);
    else if (!isa<MemRefType>(input->get().getType()))
      mapping.map(arg, input->get()); // a scalar operand
    else
      mapping.map(arg, read(op, *input, ivs));
  }
  for (auto [i, init] : llvm::enumerate(op.getDpsInitsMutable())) {
    BlockArgument arg = body.getArgument(op.getNumDpsInputs() + i);
    if (arg.use_empty())
      continue;
    mapping.map(arg, i < outs.size() && outs[i] ? outs[i] : read(op, init, ivs));
  }
  for (Operation &inner : body.without_terminator()) {
    if (auto idx = dyn_cast<linalg::IndexOp>(inner)) {
      mapping.map(idx.getResult(), ivs[idx.getDim()]);
      continue;
    }
    b.clone(inner, mapping);
  }
  SmallVector<Value> results;
  for (Value v : body.getTerminator()->getOperands())
    results.push_back(mapping.lookupOrDefault(v));
  return results;
}

void PayloadEmitter::write(linalg::GenericOp op, ArrayRef<Value> values,
                           ArrayRef<Value> ivs) {
  for (auto [i, init] : llvm::enumerate(op.getDpsInitsMutable()))
    memref::StoreOp::create(b, loc, values[i], init.get(),
                            apply(op.getMatchingIndexingMap(&init), ivs));
}

scf::ForOp PayloadEmitter::loop(Value start, Value end, Value step,
                                ValueRange iterArgs) {
  auto loop = scf::ForOp::create(b, loc, start, end, step, iterArgs);
  b.setInsertionPointToStart(loop.getBody());
  return loop;
}
