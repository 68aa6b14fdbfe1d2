//===- Payload.cpp - Emitting linalg payloads as GPU thread code ----------===//

#include "Payload.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;
using namespace mlir::aster;

FailureOr<linalg::GenericOp> mlir::aster::asGeneric(RewriterBase &rewriter,
                                                    linalg::LinalgOp op) {
  if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation()))
    return generic;
  rewriter.setInsertionPoint(op);
  return linalg::generalizeNamedOp(rewriter, op);
}

FailureOr<SmallVector<linalg::LinalgOp>>
mlir::aster::kernelLinalgOps(Block &body) {
  for (auto copy : llvm::make_early_inc_range(body.getOps<memref::CopyOp>())) {
    OpBuilder b(copy);
    linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                           copy.getTarget());
    copy.erase();
  }
  SmallVector<linalg::LinalgOp> linalgOps;
  for (Operation &op : body) {
    if (auto l = dyn_cast<linalg::LinalgOp>(op)) {
      if (!l.hasPureBufferSemantics())
        return failure();
      linalgOps.push_back(l);
      continue;
    }
    if (!isa<memref::AllocOp, memref::GetGlobalOp, ViewLikeOpInterface,
             func::ReturnOp>(op) &&
        !isMemoryEffectFree(&op))
      return failure();
  }
  return linalgOps;
}

DenseMap<Value, SmallVector<unsigned>>
mlir::aster::writersOf(ArrayRef<linalg::GenericOp> ops) {
  DenseMap<Value, SmallVector<unsigned>> writers;
  for (unsigned i = 0; i < ops.size(); ++i)
    for (Value init : linalg::GenericOp(ops[i]).getDpsInits())
      writers[bufferRoot(init)].push_back(i);
  return writers;
}

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

void mlir::aster::outlineKernel(
    Operation *op, ValueRange operands, StringRef kind, StringRef name,
    SymbolTable &symbols,
    function_ref<void(OpBuilder &, Block *, ArrayRef<Value>, ArrayRef<Value>)>
        emit) {
  MLIRContext *context = op->getContext();
  Location loc = op->getLoc();
  auto type = FunctionType::get(context, operands.getTypes(),
                                op->getResultTypes());
  // Named as kernel formation names kernels: after the calling function.
  auto caller = op->getParentOfType<func::FuncOp>();
  auto kernel = func::FuncOp::create(
      loc, caller ? (caller.getName() + "_" + name).str() : name.str(), type);
  kernel.setPrivate();
  kernel->setAttr("aster.kernel", StringAttr::get(context, kind));
  symbols.insert(kernel); // renamed when the name is taken

  Block *body = kernel.addEntryBlock();
  OpBuilder b = OpBuilder::atBlockBegin(body);
  auto bufferOf = [&](Type t) {
    auto tensor = cast<RankedTensorType>(t);
    return MemRefType::get(tensor.getShape(), tensor.getElementType());
  };
  SmallVector<Value> inputs;
  for (BlockArgument arg : kernel.getArguments())
    inputs.push_back(bufferization::ToBufferOp::create(
        b, loc, bufferOf(arg.getType()), arg, /*read_only=*/true));
  SmallVector<Value> outputs;
  for (Type t : op->getResultTypes())
    outputs.push_back(memref::AllocOp::create(b, loc, bufferOf(t),
                                              b.getI64IntegerAttr(64)));
  emit(b, body, inputs, outputs);
  b.setInsertionPointToEnd(body);
  SmallVector<Value> results;
  for (auto [t, buffer] : llvm::zip(op->getResultTypes(), outputs))
    results.push_back(bufferization::ToTensorOp::create(
        b, loc, t, buffer, /*restrict=*/true, /*writable=*/true));
  func::ReturnOp::create(b, loc, results);

  OpBuilder callBuilder(op);
  auto call = func::CallOp::create(callBuilder, loc, kernel, operands);
  op->replaceAllUsesWith(call.getResults());
  op->erase();
}

bool mlir::aster::contiguousAlong(linalg::GenericOp op, OpOperand &operand,
                                  unsigned dim) {
  auto type = dyn_cast<MemRefType>(operand.get().getType());
  if (!type || type.getRank() == 0 || !type.getLayout().isIdentity() ||
      type.getElementTypeBitWidth() % 8 != 0)
    return false;
  AffineMap map = op.getMatchingIndexingMap(&operand);
  unsigned last = map.getNumResults() - 1;
  if (map.getResult(last) != getAffineDimExpr(dim, op.getContext()))
    return false;
  for (unsigned r = 0; r < last; ++r)
    if (map.getResult(r).isFunctionOfDim(dim))
      return false;
  return true;
}

int64_t mlir::aster::vectorLanes(ArrayRef<Type> types, int64_t size) {
  int64_t widest = 1;
  for (Type t : types) {
    unsigned bits = getElementTypeOrSelf(t).getIntOrFloatBitWidth();
    if (bits % 8 != 0)
      return 1; // i1: a byte in memory, a bit in a vector
    widest = std::max<int64_t>(widest, bits / 8);
  }
  int64_t lanes = std::max<int64_t>(16 / widest, 1);
  while (lanes > 1 && size % lanes != 0)
    lanes /= 2;
  return lanes;
}

/// 16-byte (or narrower) alignment of a vector access of `lanes` elements
/// at a multiple of `lanes` of an identity-layout buffer whose last
/// dimension they divide (arena offsets are multiples of 64 bytes, device
/// allocations of 256); 0 when not known.
static int64_t laneAlignment(MemRefType type, int64_t lanes) {
  if (!type.getLayout().isIdentity() || type.getShape().back() % lanes)
    return 0;
  return lanes * std::max<int64_t>(type.getElementTypeBitWidth() / 8, 1);
}

SmallVector<Value>
PayloadEmitter::readLanes(linalg::GenericOp op, OpOperand &operand,
                          ArrayRef<SmallVector<Value>> laneIvs, unsigned dim) {
  int64_t lanes = laneIvs.size();
  AffineMap map = op.getMatchingIndexingMap(&operand);
  SmallVector<Value> out;
  if (staged.count(operand.get())) {
    for (const SmallVector<Value> &ivs : laneIvs)
      out.push_back(read(op, operand, ivs));
    return out;
  }
  auto it = recomputed.find(operand.get());
  if (it != recomputed.end()) {
    // The producer's point is the reader's indices (its output map is the
    // identity); its lanes run along the index that moves with `dim`.
    SmallVector<SmallVector<Value>> producerIvs;
    for (const SmallVector<Value> &ivs : laneIvs)
      producerIvs.push_back(apply(map, ivs));
    std::optional<unsigned> along;
    unsigned moving = 0;
    for (auto [r, e] : llvm::enumerate(map.getResults()))
      if (e.isFunctionOfDim(dim)) {
        ++moving;
        if (e == getAffineDimExpr(dim, op.getContext()))
          along = r;
      }
    if (moving != 1)
      along = std::nullopt;
    if (!along) { // not along one of its loops: lane by lane
      for (const SmallVector<Value> &ivs : producerIvs)
        out.push_back(payload(it->second, ivs)[0]);
      return out;
    }
    for (SmallVector<Value> &v : payloadLanes(it->second, producerIvs, *along))
      out.push_back(v[0]);
    return out;
  }
  if (!map.isFunctionOfDim(dim)) {
    Value value = read(op, operand, laneIvs[0]);
    return SmallVector<Value>(lanes, value);
  }
  if (lanes > 1 && contiguousAlong(op, operand, dim)) {
    auto type = cast<MemRefType>(operand.get().getType());
    auto load = vector::LoadOp::create(
        b, loc, VectorType::get({lanes}, type.getElementType()), operand.get(),
        apply(map, laneIvs[0]));
    if (int64_t bytes = laneAlignment(type, lanes))
      load.setAlignmentAttr(b.getI64IntegerAttr(bytes));
    for (int64_t v = 0; v < lanes; ++v)
      out.push_back(vector::ExtractOp::create(b, loc, load, v));
    return out;
  }
  for (const SmallVector<Value> &ivs : laneIvs)
    out.push_back(read(op, operand, ivs));
  return out;
}

SmallVector<SmallVector<Value>>
PayloadEmitter::payloadLanes(linalg::GenericOp op,
                             ArrayRef<SmallVector<Value>> laneIvs, unsigned dim,
                             ArrayRef<SmallVector<Value>> outs) {
  int64_t lanes = laneIvs.size();
  Block &body = op.getRegion().front();
  SmallVector<SmallVector<Value>> inputs(lanes,
                                         SmallVector<Value>(op.getNumDpsInputs()));
  for (OpOperand *input : op.getDpsInputOperands()) {
    unsigned i = input->getOperandNumber();
    if (!isa<MemRefType>(input->get().getType()) ||
        body.getArgument(i).use_empty())
      continue;
    SmallVector<Value> values = readLanes(op, *input, laneIvs, dim);
    for (int64_t v = 0; v < lanes; ++v)
      inputs[v][i] = values[v];
  }
  SmallVector<SmallVector<Value>> results;
  for (int64_t v = 0; v < lanes; ++v)
    results.push_back(payload(op, laneIvs[v], inputs[v],
                              outs.empty() ? ArrayRef<Value>() : outs[v]));
  return results;
}

void PayloadEmitter::writeLanes(linalg::GenericOp op,
                                ArrayRef<SmallVector<Value>> values,
                                ArrayRef<SmallVector<Value>> laneIvs,
                                unsigned dim) {
  int64_t lanes = laneIvs.size();
  for (auto [k, init] : llvm::enumerate(op.getDpsInitsMutable())) {
    auto type = cast<MemRefType>(init.get().getType());
    AffineMap map = op.getMatchingIndexingMap(&init);
    if (lanes > 1 && contiguousAlong(op, init, dim)) {
      SmallVector<Value> elements;
      for (int64_t v = 0; v < lanes; ++v)
        elements.push_back(values[v][k]);
      Value vector = vector::FromElementsOp::create(
          b, loc, VectorType::get({lanes}, type.getElementType()), elements);
      auto store = vector::StoreOp::create(b, loc, vector, init.get(),
                                           apply(map, laneIvs[0]));
      if (int64_t bytes = laneAlignment(type, lanes))
        store.setAlignmentAttr(b.getI64IntegerAttr(bytes));
      continue;
    }
    for (int64_t v = 0; v < lanes; ++v)
      memref::StoreOp::create(b, loc, values[v][k], init.get(),
                              apply(map, laneIvs[v]));
  }
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
  if (Value value = staged.lookup(operand.get()))
    return value;
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

Value mlir::aster::stageOf(OpBuilder &b, Location loc, Value tiles,
                           Value stage) {
  auto type = cast<MemRefType>(tiles.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  offsets[0] = stage;
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1)};
  for (int64_t size : type.getShape().drop_front())
    sizes.push_back(b.getIndexAttr(size));
  SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
  auto view = memref::SubViewOp::inferRankReducedResultType(
      type.getShape().drop_front(), type, offsets, sizes, strides);
  return memref::SubViewOp::create(b, loc, cast<MemRefType>(view), tiles,
                                   offsets, sizes, strides);
}

void mlir::aster::copyAsync(OpBuilder &b, Location loc, Value dst,
                            ValueRange dstIndices, Value src,
                            ValueRange srcIndices, int64_t elements,
                            Value valid) {
  Value count = arith::SelectOp::create(
      b, loc, valid, arith::ConstantIndexOp::create(b, loc, elements),
      arith::ConstantIndexOp::create(b, loc, 0));
  nvgpu::DeviceAsyncCopyOp::create(b, loc, dst, dstIndices, src, srcIndices,
                                   b.getIndexAttr(elements), count,
                                   b.getUnitAttr());
}

Value mlir::aster::commitCopies(OpBuilder &b, Location loc) {
  return nvgpu::DeviceAsyncCreateGroupOp::create(
      b, loc, nvgpu::DeviceAsyncTokenType::get(b.getContext()), ValueRange{});
}

void mlir::aster::waitCopies(OpBuilder &b, Location loc, Value group,
                             int64_t pending) {
  nvgpu::DeviceAsyncWaitOp::create(b, loc, group,
                                   b.getI32IntegerAttr(pending));
}
