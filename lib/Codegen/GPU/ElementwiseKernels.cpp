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

namespace mlir::aster {
#define GEN_PASS_DEF_GPUELEMENTWISEKERNELS
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;
using namespace mlir::aster;

namespace {

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
    FailureOr<linalg::GenericOp> generic = asGeneric(rewriter, linalgOp);
    if (failed(generic))
      return failure();
    linalg::GenericOp op = *generic;
    unsigned inner = sizes.size() - 1;
    // Lanes: 16 bytes of the widest output element, dividing the
    // innermost dimension.
    SmallVector<Type> outputTypes;
    for (OpOperand &init : op.getDpsInitsMutable())
      outputTypes.push_back(init.get().getType());
    int64_t lanes = vectorLanes(outputTypes, sizes[inner]);
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

    SmallVector<SmallVector<Value>> laneIvs(lanes, ivs);
    for (int64_t v = 1; v < lanes; ++v)
      laneIvs[v][inner] = arith::AddIOp::create(b, loc, ivs[inner], e.index(v));
    e.writeLanes(op, e.payloadLanes(op, laneIvs, inner), laneIvs, inner);
    op->erase();
    return success();
  }

};

} // namespace
