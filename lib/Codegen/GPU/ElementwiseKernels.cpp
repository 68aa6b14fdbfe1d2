//===- ElementwiseKernels.cpp - Elementwise ops: 16-byte vectors, grid-stride //
//
// The GPU strategy for elementwise ops (the elementwise and copy kernels,
// and the epilogues no other strategy took): each thread handles V
// consecutive elements of the innermost dimension (V x the widest element
// = 16 bytes), reading operands that are contiguous along it with one
// vector load and writing the outputs with one vector store; a fixed grid
// strides over the whole iteration space.
//
//===----------------------------------------------------------------------===//

#include "Payload.h"
#include "aster/Codegen/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"

namespace mlir::aster {
#define GEN_PASS_DEF_GPUELEMENTWISEKERNELS
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;
using namespace mlir::aster;

namespace {

/// How operand `operand` of `op` is read along the innermost loop `inner`.
enum class Access { Invariant, Contiguous, Scattered };

Access accessOf(linalg::GenericOp op, OpOperand &operand, unsigned inner) {
  AffineMap map = op.getMatchingIndexingMap(&operand);
  if (!map.isFunctionOfDim(inner))
    return Access::Invariant;
  unsigned last = map.getNumResults() - 1;
  auto type = dyn_cast<MemRefType>(operand.get().getType());
  // Sub-byte elements (i1) are a byte each in memory but packed in a
  // vector: read them one by one.
  if (type && type.getElementTypeBitWidth() % 8 == 0 &&
      type.getLayout().isIdentity() &&
      map.getResult(last) == getAffineDimExpr(inner, map.getContext())) {
    for (unsigned r = 0; r < last; ++r)
      if (map.getResult(r).isFunctionOfDim(inner))
        return Access::Scattered;
    return Access::Contiguous;
  }
  return Access::Scattered;
}

struct GPUElementwiseKernelsPass
    : mlir::aster::impl::GPUElementwiseKernelsBase<GPUElementwiseKernelsPass> {
  using GPUElementwiseKernelsBase::GPUElementwiseKernelsBase;

  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (!func->hasAttr("aster.kernel") || func.isDeclaration())
        continue;
      SmallVector<linalg::LinalgOp> ops;
      for (Operation &op : func.getBody().front())
        if (auto l = dyn_cast<linalg::LinalgOp>(op))
          ops.push_back(l);
      for (linalg::LinalgOp op : ops)
        (void)rewrite(op);
    }
  }

  LogicalResult rewrite(linalg::LinalgOp linalgOp) {
    if (!linalgOp.hasPureBufferSemantics() ||
        linalgOp.getNumReductionLoops() != 0 || linalgOp.getNumLoops() == 0)
      return failure();
    SmallVector<int64_t> sizes = linalgOp.getStaticLoopRanges();
    if (ShapedType::isDynamicShape(sizes))
      return failure();
    for (OpOperand &init : linalgOp.getDpsInitsMutable())
      if (!linalgOp.getMatchingIndexingMap(&init).isIdentity())
        return failure();
    IRRewriter rewriter(linalgOp.getContext());
    rewriter.setInsertionPoint(linalgOp);
    linalg::GenericOp op = dyn_cast<linalg::GenericOp>(linalgOp.getOperation());
    if (!op) {
      FailureOr<linalg::GenericOp> g =
          linalg::generalizeNamedOp(rewriter, linalgOp);
      if (failed(g))
        return failure();
      op = *g;
    }
    unsigned inner = sizes.size() - 1;
    // Lanes: 16 bytes of the widest output element, dividing the
    // innermost dimension.
    int64_t widest = 1;
    bool subByte = false;
    for (OpOperand &init : op.getDpsInitsMutable()) {
      unsigned bits =
          cast<MemRefType>(init.get().getType()).getElementTypeBitWidth();
      subByte |= bits % 8 != 0;
      widest = std::max<int64_t>(widest, bits / 8);
    }
    int64_t lanes = subByte ? 1 : std::max<int64_t>(16 / widest, 1);
    while (lanes > 1 && sizes[inner] % lanes != 0)
      lanes /= 2;
    int64_t total = 1;
    for (int64_t s : sizes)
      total *= s;
    int64_t chunks = total / lanes;
    int64_t threads = std::min<int64_t>(blockSize, std::max<int64_t>(chunks, 1));
    int64_t blocks =
        std::clamp<int64_t>((chunks + threads - 1) / threads, 1, maxBlocks);

    OpBuilder b(op);
    Location loc = op.getLoc();
    PayloadEmitter e(b, loc);
    Launch launch = createLaunch(b, loc, blocks, threads);
    Value first = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, launch.blockId, e.index(threads)),
        launch.threadId);
    scf::ForOp stride =
        e.loop(first, e.index(chunks), e.index(blocks * threads));
    Value base = arith::MulIOp::create(b, loc, stride.getInductionVar(),
                                       e.index(lanes));
    SmallVector<Value> ivs = e.delinearize(base, sizes);

    // Inputs: one vector load, one scalar, or a load per lane.
    SmallVector<SmallVector<Value>> perLane(lanes,
                                            SmallVector<Value>(op.getNumDpsInputs()));
    SmallVector<SmallVector<Value>> laneIvs(lanes, ivs);
    for (int64_t v = 1; v < lanes; ++v)
      laneIvs[v][inner] = arith::AddIOp::create(b, loc, ivs[inner], e.index(v));
    for (OpOperand *input : op.getDpsInputOperands()) {
      unsigned i = input->getOperandNumber();
      if (!isa<MemRefType>(input->get().getType()) ||
          op.getRegion().front().getArgument(i).use_empty())
        continue;
      Access access = lanes > 1 ? accessOf(op, *input, inner) : Access::Scattered;
      if (access == Access::Invariant) {
        Value value = e.read(op, *input, ivs);
        for (int64_t v = 0; v < lanes; ++v)
          perLane[v][i] = value;
      } else if (access == Access::Contiguous) {
        auto type = cast<MemRefType>(input->get().getType());
        Value vector = vectorLoad(e, input->get(), type.getElementType(), lanes,
                                  e.apply(op.getMatchingIndexingMap(input), ivs),
                                  type.getShape().back() % lanes == 0);
        for (int64_t v = 0; v < lanes; ++v)
          perLane[v][i] = vector::ExtractOp::create(b, loc, vector, v);
      } // Scattered: read by the payload at each lane's point.
    }
    SmallVector<SmallVector<Value>> results;
    for (int64_t v = 0; v < lanes; ++v)
      results.push_back(e.payload(op, laneIvs[v], perLane[v]));
    for (auto [k, init] : llvm::enumerate(op.getDpsInitsMutable())) {
      if (lanes == 1) {
        e.write(op, results[0], ivs);
        break;
      }
      SmallVector<Value> elements;
      for (int64_t v = 0; v < lanes; ++v)
        elements.push_back(results[v][k]);
      auto type = cast<MemRefType>(init.get().getType());
      Value vector = vector::FromElementsOp::create(
          b, loc, VectorType::get({lanes}, type.getElementType()), elements);
      auto store = vector::StoreOp::create(
          b, loc, vector, init.get(),
          e.apply(op.getMatchingIndexingMap(&init), ivs));
      if (int64_t bytes = alignment(type, lanes))
        store.setAlignmentAttr(b.getI64IntegerAttr(bytes));
    }
    op->erase();
    return success();
  }

  /// 16-byte (or narrower) alignment of a vector access at a multiple of
  /// `lanes` elements of an identity-layout buffer (arena offsets are
  /// multiples of 64 bytes, device allocations of 256).
  static int64_t alignment(MemRefType type, int64_t lanes) {
    if (!type.getLayout().isIdentity() || type.getShape().back() % lanes)
      return 0;
    return lanes * std::max<int64_t>(type.getElementTypeBitWidth() / 8, 1);
  }

  Value vectorLoad(PayloadEmitter &e, Value memref, Type element, int64_t lanes,
                   ArrayRef<Value> indices, bool aligned) {
    auto load = vector::LoadOp::create(
        e.b, e.loc, VectorType::get({lanes}, element), memref, indices);
    if (int64_t bytes = aligned ? alignment(cast<MemRefType>(memref.getType()), lanes) : 0)
      load.setAlignmentAttr(e.b.getI64IntegerAttr(bytes));
    return load;
  }
};

} // namespace
