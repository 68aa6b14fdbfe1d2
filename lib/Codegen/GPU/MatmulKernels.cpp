//===- MatmulKernels.cpp - Matmuls on tensor cores ------------------------===//
//
// The GPU strategy for matmul kernels with bf16 or f16 operands and an f32
// accumulator (the forward and backward matmuls of a bf16 model, with the
// elementwise ops fused after them). Any contraction whose loops are
// batch, M, N and K dimensions in any order and layout qualifies (several
// M, N or K loops are flattened), so transposed operands (X^T dY, dY W^T)
// and batched attention matmuls take the same path.
//
// A block computes a BM x BN tile of C for one batch index, with four
// warps (2 x 2), each a (MT * tm) x (NT * tn) sub-tile made of MT x NT
// instruction tiles (tm x tn x tk: the MmaFragments, 16 x 8 x 16 for
// mma.sync). Per BK = 32 slice of K the block copies the A and B tiles
// to shared memory with 16-byte loads and stores along whichever of the
// tile's axes is contiguous in memory: [m][k] or [k][m] for A, [n][k] or
// [k][n] for B (the fragments read the latter transposed), rows padded by
// 8 elements so that ldmatrix's eight rows fall in different banks. Rows
// past M or N are read clamped (their results are never stored), K past
// its end as zeros. Then each warp multiplies its
// fragments, the accumulators in registers across the K loop.
//
// The epilogue goes through shared memory one instruction row at a time:
// the warp stores its accumulators of that row, then its lanes walk the
// row with consecutive lanes on consecutive columns, compute the fused
// elementwise ops at each element (their results read by later ops of
// the kernel only are recomputed, not stored) and store what leaves the
// kernel.
//
// On sm_90 (`warpgroup-mma`) a matmul whose two operands copy in 16-byte
// chunks takes wgmma instead: warpgroups of 64 rows (each warp 16 rows
// and all BN columns), K steps of 64, the tiles in the 128-byte swizzled
// layout wgmma's descriptors read (K-major or MN-major, whichever axis is
// contiguous in memory), one buffer aligned to 1024 bytes at run time
// that also holds the staging once the K loop is done, four stages (a
// step's wgmma group stays in flight across the next step). The
// accumulators are mma.sync's n8 tiles (wgmma's per-warp layout), so the
// epilogue is the same. docs/decisions.md has the reasons.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/GPU/MmaFragments.h"
#include "aster/Codegen/Passes.h"
#include "Payload.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

namespace mlir::aster {
#define GEN_PASS_DEF_GPUMATMULKERNELS
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;
using namespace mlir::aster;

namespace {

constexpr int64_t kWarpsM = 2, kWarpsN = 2, kTileK = 32, kPad = 8;
/// Stages of the cp.async pipeline: two K slices in flight while the warps
/// multiply a third (3 x 20 KB of tiles at 128 x 128, two blocks per SM
/// with the epilogue's staging on both sm_80 and sm_90).
constexpr int64_t kAsyncStages = 3;

/// The loops of a contraction by role, each in loop order.
struct Contraction {
  linalg::GenericOp op;
  linalg::FillOp fill;
  Value acc; // the f32 accumulator buffer (the fill's and the op's output)
  SmallVector<unsigned> batch, m, n, k;
  SmallVector<int64_t> ranges;
  int64_t size(ArrayRef<unsigned> dims) const {
    int64_t s = 1;
    for (unsigned d : dims)
      s *= ranges[d];
    return s;
  }
};

Value stripExt(Value v) {
  if (auto ext = v.getDefiningOp<arith::ExtFOp>())
    return ext.getIn();
  return v;
}

/// `out + ext(a) * ext(b)`, a and b the two inputs, in either order.
bool isMultiplyAccumulate(linalg::GenericOp op) {
  Block &body = op.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  if (yield.getNumOperands() != 1 || body.getOperations().size() != 5)
    return false;
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  BlockArgument a = body.getArgument(0), b = body.getArgument(1),
                out = body.getArgument(2);
  Value product = add.getLhs() == out   ? add.getRhs()
                  : add.getRhs() == out ? add.getLhs()
                                        : Value();
  auto mul = product ? product.getDefiningOp<arith::MulFOp>() : nullptr;
  if (!mul)
    return false;
  Value x = stripExt(mul.getLhs()), y = stripExt(mul.getRhs());
  return (x == a && y == b) || (x == b && y == a);
}

std::optional<Contraction> matchContraction(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !op.hasPureBufferSemantics())
    return std::nullopt;
  OpOperand *a = op.getDpsInputOperand(0), *b = op.getDpsInputOperand(1);
  OpOperand *c = op.getDpsInitOperand(0);
  auto aType = dyn_cast<MemRefType>(a->get().getType());
  auto bType = dyn_cast<MemRefType>(b->get().getType());
  auto cType = dyn_cast<MemRefType>(c->get().getType());
  if (!aType || !bType || !cType || aType.getElementType() != bType.getElementType() ||
      !(aType.getElementType().isBF16() || aType.getElementType().isF16()) ||
      !cType.getElementType().isF32() || !isMultiplyAccumulate(op))
    return std::nullopt;
  Contraction con;
  con.op = op;
  con.acc = c->get();
  con.ranges = op.getStaticLoopRanges();
  if (ShapedType::isDynamicShape(con.ranges))
    return std::nullopt;
  AffineMap am = op.getMatchingIndexingMap(a), bm = op.getMatchingIndexingMap(b),
            cm = op.getMatchingIndexingMap(c);
  for (AffineMap map : {am, bm, cm})
    if (!map.isProjectedPermutation())
      return std::nullopt;
  auto iterators = op.getIteratorTypesArray();
  for (unsigned d = 0; d < op.getNumLoops(); ++d) {
    bool inA = am.isFunctionOfDim(d), inB = bm.isFunctionOfDim(d),
         inC = cm.isFunctionOfDim(d);
    bool parallel = iterators[d] == utils::IteratorType::parallel;
    if (parallel && inA && inB && inC)
      con.batch.push_back(d);
    else if (parallel && inA && inC && !inB)
      con.m.push_back(d);
    else if (parallel && inB && inC && !inA)
      con.n.push_back(d);
    else if (!parallel && inA && inB && !inC)
      con.k.push_back(d);
    else
      return std::nullopt;
  }
  if (con.m.empty() || con.n.empty() || con.k.empty())
    return std::nullopt;
  return con;
}

struct GPUMatmulKernelsPass
    : mlir::aster::impl::GPUMatmulKernelsBase<GPUMatmulKernelsPass> {
  using GPUMatmulKernelsBase::GPUMatmulKernelsBase;

  void runOnOperation() override {
    std::unique_ptr<MmaFragments> fragments = createFragmentsByName(instruction);
    if (!fragments) {
      getOperation().emitError("aster-gpu-matmul-kernels: instruction '")
          << instruction << "' is not mma.sync, mfma, mma.sync-emulated or "
          << "mfma-emulated";
      return signalPassFailure();
    }
    for (auto kernel : getOperation().getOps<func::FuncOp>()) {
      auto kind = kernel->getAttrOfType<StringAttr>("aster.kernel");
      if (kind && kind.getValue() == "matmul")
        (void)rewrite(kernel, *fragments);
    }
  }

  LogicalResult rewrite(func::FuncOp kernel, const MmaFragments &mma);
};

/// The pieces of one kernel's emission.
struct MatmulEmitter {
  MatmulEmitter(const Contraction &con, const MmaFragments &mma,
                PayloadEmitter &e, OpBuilder &b, Location loc)
      : con(con), mma(mma), e(e), b(b), loc(loc) {}
  const Contraction &con;
  const MmaFragments &mma;
  PayloadEmitter &e;
  OpBuilder &b;
  Location loc;
  /// The K slice of a step, the block's threads, and whether the tiles
  /// have the 128-byte swizzle (wgmma's, K-major or MN-major) rather than
  /// padded rows.
  int64_t kStep = kTileK, threads = 0;
  bool swizzled = false;
  Value tid, lane, warp, warpRow, warpCol;
  SmallVector<Value> batchIvs; // this block's batch coordinates
  Value rowBase, colBase;      // this block's first M and N (flattened)

  Value c(int64_t v) { return e.index(v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value lt(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, y);
  }

  /// The contraction's loop point for flattened (m, n, k) (each may be
  /// null: its loops are 0).
  SmallVector<Value> point(Value m, Value n, Value k) {
    SmallVector<Value> ivs(con.ranges.size(), c(0));
    for (auto [d, v] : llvm::zip(con.batch, batchIvs))
      ivs[d] = v;
    auto place = [&](ArrayRef<unsigned> dims, Value flat) {
      if (!flat)
        return;
      SmallVector<int64_t> sizes;
      for (unsigned d : dims)
        sizes.push_back(con.ranges[d]);
      for (auto [d, v] : llvm::zip(dims, e.delinearize(flat, sizes)))
        ivs[d] = v;
    };
    place(con.m, m);
    place(con.n, n);
    place(con.k, k);
    return ivs;
  }

  /// How an operand's tile is copied: 16-byte loads along K (stored
  /// [row][k]) or along the rows (stored [k][row], `transposed`), when that
  /// axis is contiguous in memory and its innermost loop a whole number of
  /// 16 bytes; else element by element, stored [row][k].
  struct Copy {
    int64_t vec = 1;
    bool transposed = false;
  };
  Copy copyOf(OpOperand &operand, ArrayRef<unsigned> rowDims) {
    Copy copy;
    if (contiguousAlong(con.op, operand, con.k.back()) &&
        con.ranges[con.k.back()] % 8 == 0)
      copy.vec = 8;
    else if (contiguousAlong(con.op, operand, rowDims.back()) &&
             con.ranges[rowDims.back()] % 8 == 0)
      copy = {8, true};
    return copy;
  }
  /// The operand's tiles, `stages` of them: [stage][row][k] or, when
  /// `transposed`, [stage][k][row], rows padded; swizzled (wgmma), rows
  /// of kSwizzledRowElements: [stage][row][k] (K-major) or
  /// [stage][row / 64][k][row % 64] (MN-major).
  MemRefType tileType(Copy copy, int64_t stages, int64_t rows, Type element,
                      Attribute space) const {
    SmallVector<int64_t> shape =
        swizzled && copy.transposed
            ? SmallVector<int64_t>{stages, rows / kSwizzledRowElements, kStep,
                                   kSwizzledRowElements}
        : copy.transposed ? SmallVector<int64_t>{stages, kStep, rows + kPad}
        : SmallVector<int64_t>{stages, rows, kStep + (swizzled ? 0 : kPad)};
    return MemRefType::get(shape, element, nullptr, space);
  }
  /// An operand as a TMA tensor: its buffer viewed as [batch..., outer,
  /// inner] (sizes and strides in elements), the inner dimension the
  /// contiguous axis of its tiles (K, or the rows when `transposed`), the
  /// outer the other, and before them the batch loops it depends on
  /// (`batchLoops`, positions in con.batch, outermost first).
  struct TensorView {
    SmallVector<int64_t> sizes, strides;
    SmallVector<unsigned> batchLoops;
  };
  /// The TMA view of `operand` (rows along `rowDims`), when its buffer has
  /// static strides, each group of flattened loops (the rows, K) is one
  /// stride, the inner one 1 and the others whole 16-byte multiples
  /// growing outwards, and there are at most five dimensions; nullopt
  /// otherwise.
  std::optional<TensorView> tensorView(OpOperand &operand,
                                       ArrayRef<unsigned> rowDims,
                                       Copy copy) {
    auto type = cast<MemRefType>(operand.get().getType());
    SmallVector<int64_t> strides;
    int64_t offset;
    if (type.getMemorySpace() ||
        failed(type.getStridesAndOffset(strides, offset)) ||
        llvm::any_of(strides, ShapedType::isDynamic) ||
        (!ShapedType::isDynamic(offset) && offset % 8 != 0))
      return std::nullopt;
    // Each loop's step in elements (the operand's dimensions it indexes).
    SmallVector<int64_t> step(con.ranges.size(), 0);
    linalg::GenericOp op = con.op;
    for (auto [j, expr] :
         llvm::enumerate(op.getMatchingIndexingMap(&operand).getResults())) {
      auto dim = dyn_cast<AffineDimExpr>(expr);
      if (!dim)
        return std::nullopt;
      step[dim.getPosition()] += strides[j];
    }
    auto flat = [&](ArrayRef<unsigned> dims) -> std::pair<int64_t, int64_t> {
      for (size_t i = 0; i + 1 < dims.size(); ++i)
        if (step[dims[i]] != step[dims[i + 1]] * con.ranges[dims[i + 1]])
          return {0, 0};
      return {con.size(dims), step[dims.back()]};
    };
    auto [innerSize, innerStride] = flat(copy.transposed ? rowDims : con.k);
    auto [outerSize, outerStride] = flat(copy.transposed ? con.k : rowDims);
    // Strides other than the innermost in whole 16 bytes (8 elements).
    auto aligned = [](int64_t stride) { return stride > 0 && stride % 8 == 0; };
    if (innerStride != 1 || !aligned(outerStride))
      return std::nullopt;
    TensorView view;
    for (auto [i, d] : llvm::enumerate(con.batch)) {
      if (step[d] == 0)
        continue; // the operand is the same for each of this loop's values
      if (!aligned(step[d]))
        return std::nullopt;
      view.sizes.push_back(con.ranges[d]);
      view.strides.push_back(step[d]);
      view.batchLoops.push_back(i);
    }
    view.sizes.append({outerSize, innerSize});
    view.strides.append({outerStride, 1});
    // The driver's tensor maps: at most five dimensions, and (as we use
    // them) strides growing outwards.
    if (view.sizes.size() > 5 ||
        !llvm::is_sorted(llvm::reverse(view.strides)))
      return std::nullopt;
    return view;
  }
  /// `operand`'s buffer as `view` (host side).
  Value viewOf(OpOperand &operand, const TensorView &view) {
    auto metadata =
        memref::ExtractStridedMetadataOp::create(b, loc, operand.get());
    auto type = cast<MemRefType>(operand.get().getType());
    auto viewType = MemRefType::get(
        view.sizes, type.getElementType(),
        StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic,
                               view.strides),
        type.getMemorySpace());
    return memref::ReinterpretCastOp::create(
        b, loc, viewType, metadata.getBaseBuffer(),
        OpFoldResult(metadata.getOffset()),
        getAsIndexOpFoldResult(b.getContext(), view.sizes),
        getAsIndexOpFoldResult(b.getContext(), view.strides));
  }

  /// A value loaded from global memory and the place of `tiles` it goes
  /// to, stored after the K step's multiplications (the register path);
  /// `guard` (may be null) says whether this thread has the chunk.
  struct Pending {
    Value value, guard;
    SmallVector<Value> at;
  };

  /// Starts copying the rows x kStep slice at (rowStart, k0) of `operand`
  /// (rows along `rowDims`) into stage `stage` of `tiles`, consecutive
  /// threads on consecutive chunks along the contiguous axis: with
  /// cp.async when `async` and the chunks are 16 bytes, else as loads into
  /// registers whose stores are appended to `pending`.
  void copyTile(OpOperand &operand, ArrayRef<unsigned> rowDims, int64_t rows,
                Value rowStart, Value k0, Value tiles, Value stage, Copy copy,
                bool isA, bool async, SmallVectorImpl<Pending> &pending) {
    int64_t rowTotal = con.size(rowDims), kTotal = con.size(con.k);
    linalg::GenericOp op = con.op;
    Type element = cast<MemRefType>(operand.get().getType()).getElementType();
    int64_t vec = copy.vec;
    int64_t chunks = rows * kStep / vec;
    assert(threads > 0 && "the block's threads are set before copies");
    for (int64_t first = 0; first < chunks; first += threads) {
      Value chunk = add(tid, c(first));
      Value guard;
      if (first + threads > chunks) {
        // The threads past the last chunk load chunk 0 and store nothing.
        guard = lt(chunk, c(chunks));
        chunk = arith::SelectOp::create(b, loc, guard, chunk, c(0));
      }
      Value row, kk;
      if (copy.transposed) {
        kk = arith::DivUIOp::create(b, loc, chunk, c(rows / vec));
        row = mul(arith::RemUIOp::create(b, loc, chunk, c(rows / vec)), c(vec));
      } else {
        row = arith::DivUIOp::create(b, loc, chunk, c(kStep / vec));
        kk = mul(arith::RemUIOp::create(b, loc, chunk, c(kStep / vec)), c(vec));
      }
      // Rows past the end read row 0's memory (their results are never
      // stored); K past its end reads as zeros. A chunk is wholly inside
      // or outside: its axis' innermost loop is a multiple of it.
      Value globalRow = add(rowStart, row), globalK = add(k0, kk);
      Value rowValid = lt(globalRow, c(rowTotal));
      Value kValid = lt(globalK, c(kTotal));
      Value r = arith::SelectOp::create(b, loc, rowValid, globalRow, c(0));
      Value kIdx = arith::SelectOp::create(b, loc, kValid, globalK, c(0));
      SmallVector<Value> ivs =
          isA ? point(r, nullptr, kIdx) : point(nullptr, r, kIdx);
      SmallVector<Value> indices =
          e.apply(op.getMatchingIndexingMap(&operand), ivs);
      SmallVector<Value> at = {stage};
      if (swizzled)
        at.append(swizzledIndices(b, loc, row, kk, copy.transposed));
      else if (copy.transposed)
        at.append({kk, row});
      else
        at.append({row, kk});
      if (async && vec * element.getIntOrFloatBitWidth() == 128) {
        // 16 bytes, or none read and zeros written past K.
        OpBuilder::InsertionGuard g(b);
        if (guard) {
          auto inside = scf::IfOp::create(b, loc, guard, false);
          b.setInsertionPointToStart(inside.thenBlock());
        }
        copyAsync(b, loc, tiles, at, operand.get(), indices, vec, kValid);
        continue;
      }
      Value v;
      if (vec == 1) {
        Value zero = arith::ConstantOp::create(b, loc, element,
                                               b.getZeroAttr(element));
        v = memref::LoadOp::create(b, loc, operand.get(), indices);
        v = arith::SelectOp::create(b, loc, kValid, v, zero);
      } else {
        auto vecType = VectorType::get({vec}, element);
        auto load =
            vector::LoadOp::create(b, loc, vecType, operand.get(), indices);
        load.setAlignmentAttr(b.getI64IntegerAttr(16));
        Value zeros = arith::ConstantOp::create(b, loc, vecType,
                                                b.getZeroAttr(vecType));
        v = arith::SelectOp::create(b, loc, kValid, load, zeros);
      }
      pending.push_back({v, guard, at});
    }
  }

  /// Stores what copyTile loaded into registers.
  void finishCopies(ArrayRef<Pending> pending, Value tiles) {
    for (const Pending &p : pending) {
      OpBuilder::InsertionGuard g(b);
      if (p.guard) {
        auto inside = scf::IfOp::create(b, loc, p.guard, false);
        b.setInsertionPointToStart(inside.thenBlock());
      }
      if (isa<VectorType>(p.value.getType())) {
        auto store = vector::StoreOp::create(b, loc, p.value, tiles, p.at);
        store.setAlignmentAttr(b.getI64IntegerAttr(16));
      } else {
        memref::StoreOp::create(b, loc, p.value, tiles, p.at);
      }
    }
  }
};

LogicalResult GPUMatmulKernelsPass::rewrite(func::FuncOp kernel,
                                            const MmaFragments &mma) {
  Block &body = kernel.getBody().front();
  FailureOr<SmallVector<linalg::LinalgOp>> kernelOps = kernelLinalgOps(body);
  if (failed(kernelOps))
    return failure();
  SmallVector<linalg::LinalgOp> &linalgOps = *kernelOps;
  // fill(0) of the accumulator, the contraction, elementwise ops.
  if (linalgOps.size() < 2)
    return failure();
  auto fill = dyn_cast<linalg::FillOp>(linalgOps[0].getOperation());
  auto contractionOp = dyn_cast<linalg::GenericOp>(linalgOps[1].getOperation());
  if (!fill || !contractionOp || !matchPattern(fill.value(), m_AnyZeroFloat()))
    return failure();
  std::optional<Contraction> found = matchContraction(contractionOp);
  if (!found || fill.output() != found->acc)
    return failure();
  Contraction &con = *found;
  con.fill = fill;
  auto accType = cast<MemRefType>(con.acc.getType());
  if (!accType.getLayout().isIdentity() ||
      !con.op.getMatchingIndexingMap(con.op.getDpsInitOperand(0))
           .isProjectedPermutation())
    return failure();

  IRRewriter rewriter(kernel.getContext());
  SmallVector<linalg::GenericOp> epilogue;
  for (linalg::LinalgOp op : ArrayRef(linalgOps).drop_front(2)) {
    if (op.getNumReductionLoops() != 0 ||
        op.getStaticLoopRanges() != llvm::to_vector(accType.getShape()))
      return failure();
    for (OpOperand &init : op.getDpsInitsMutable())
      if (!op.getMatchingIndexingMap(&init).isIdentity())
        return failure();
  }
  for (linalg::LinalgOp op : ArrayRef(linalgOps).drop_front(2)) {
    FailureOr<linalg::GenericOp> generic = asGeneric(rewriter, op);
    if (failed(generic))
      return failure();
    epilogue.push_back(*generic);
  }
  // Buffers written in the kernel are read at the point being written
  // (the identity map), so each element is one thread's business.
  SmallVector<linalg::GenericOp> all = {con.op};
  all.append(epilogue);
  DenseMap<Value, SmallVector<unsigned>> writers = writersOf(all);
  for (linalg::GenericOp op : epilogue)
    for (OpOperand *input : op.getDpsInputOperands())
      if (isa<MemRefType>(input->get().getType()) &&
          writers.count(bufferRoot(input->get())) &&
          (input->get() != bufferRoot(input->get()) ||
           !op.getMatchingIndexingMap(input).isIdentity()))
        return failure();

  // A buffer only this kernel's later ops read, written once: recomputed
  // at its reads, never stored.
  auto internal = [&](Value buffer, unsigned writer) {
    if (!buffer.getDefiningOp<memref::AllocOp>() ||
        writers[buffer].size() != 1)
      return false;
    for (OpOperand &use : buffer.getUses()) {
      Operation *user = use.getOwner();
      if (user == con.fill || user == all[writer])
        continue;
      auto reader = dyn_cast<linalg::GenericOp>(user);
      if (!reader || !reader.isDpsInput(&use) ||
          !llvm::is_contained(all, reader) ||
          reader->isBeforeInBlock(all[writer]))
        return false;
    }
    return true;
  };
  // The accumulator leaves the kernel as it is unless the epilogue
  // overwrites it (in place, as bufferization likes to).
  bool storeAcc = !internal(con.acc, 0) && writers[con.acc].size() == 1;
  SmallVector<bool> recompute;
  for (unsigned i = 0; i < epilogue.size(); ++i) {
    linalg::GenericOp op = epilogue[i];
    Block &opBody = op.getRegion().front();
    bool outsUnused = llvm::all_of(
        opBody.getArguments().drop_front(op.getNumDpsInputs()),
        [](BlockArgument arg) { return arg.use_empty(); });
    // Its inputs must not change after it (recomputing reads them later).
    bool inputsStay = llvm::all_of(op.getDpsInputs(), [&](Value input) {
      return llvm::all_of(writers.lookup(bufferRoot(input)),
                          [&](unsigned w) { return w <= i + 1; });
    });
    recompute.push_back(op.getNumDpsInits() == 1 && outsUnused && inputsStay &&
                        internal(op.getDpsInitOperand(0)->get(), i + 1));
  }

  int64_t mTotal = con.size(con.m), nTotal = con.size(con.n),
          kTotal = con.size(con.k), batchTotal = con.size(con.batch);
  OpOperand &aOperand = *con.op.getDpsInputOperand(0);
  OpOperand &bOperand = *con.op.getDpsInputOperand(1);
  Type element = cast<MemRefType>(aOperand.get().getType()).getElementType();
  OpBuilder b(kernel.getContext());
  b.setInsertionPointAfter(all.back());
  Location loc = con.op.getLoc();
  PayloadEmitter e(b, loc);
  MatmulEmitter m(con, mma, e, b, loc);
  MatmulEmitter::Copy copyA = m.copyOf(aOperand, con.m);
  MatmulEmitter::Copy copyB = m.copyOf(bOperand, con.n);
  // wgmma: both operands copied in 16-byte chunks by cp.async, into
  // K-major or MN-major swizzled tiles.
  bool warpgroup = warpgroupMma && asyncCopy &&
                   StringRef(instruction).starts_with("mma.sync") &&
                   copyA.vec == 8 && copyB.vec == 8;
  bool emulated = StringRef(instruction).ends_with("-emulated");
  int64_t tm = mma.tileM(), tn = mma.tileN(), tk = mma.tileK();
  int64_t lanes = mma.warpLanes();
  // Tiles. mma.sync and MFMA: warps in 2 x 2, each up to 4 x 8
  // instruction tiles (64 x 64 with mma.sync), fewer when the matrix is
  // smaller. wgmma: one warpgroup per 64 rows (two for M above 64), each
  // warp 16 rows and the block's BN columns (8 to 128).
  int64_t warpsM = kWarpsM, warpsN = kWarpsN, mt, nt;
  if (warpgroup) {
    m.kStep = kSwizzledRowElements;
    m.swizzled = true;
    warpsM = mTotal > 64 ? 8 : 4;
    warpsN = 1;
    mt = 1;
    // An MN-major B tile is whole 64-element rows.
    int64_t least = copyB.transposed ? kSwizzledRowElements : tn;
    nt = std::min<int64_t>(128, std::max<int64_t>(
                                    least, llvm::PowerOf2Ceil(nTotal))) / tn;
  } else {
    auto perWarp = [](int64_t total, int64_t tile, int64_t most) {
      int64_t need = (total + kWarpsM * tile - 1) / (kWarpsM * tile);
      return std::min<int64_t>(most, llvm::PowerOf2Ceil(need));
    };
    mt = perWarp(mTotal, tm, std::max<int64_t>(64 / tm, 1));
    nt = perWarp(nTotal, tn, std::max<int64_t>(64 / tn, 1));
  }
  int64_t bm = warpsM * mt * tm, bn = warpsN * nt * tn;
  int64_t mBlocks = (mTotal + bm - 1) / bm, nBlocks = (nTotal + bn - 1) / bn;
  int64_t warps = warpsM * warpsN;
  int64_t threads = warps * lanes;
  int64_t stripWidth = nt * tn;
  m.threads = threads;

  // TMA (`tma`, with wgmma on the chip): both operands as tensor maps the
  // host encodes, each stage's tiles loaded by one thread and waited for
  // on an mbarrier; else (or when an operand's layout has no tensor map)
  // cp.async by every thread. A K-major tile is one box of its rows by
  // 64 k; an MN-major one a box of 64 k by 64 rows per 64 rows.
  // Emulated, the same views, boxes and coordinates, each box copied by
  // thread 0 at once (loops over its elements, zeros outside the view)
  // into the swizzled layout; no barriers (the emulation's phases order
  // the copy before the reads).
  bool wgmma = warpgroup && !emulated;
  std::optional<MatmulEmitter::TensorView> viewA, viewB;
  if (warpgroup && tma) {
    viewA = m.tensorView(aOperand, con.m, copyA);
    viewB = m.tensorView(bOperand, con.n, copyB);
  }
  bool useTma = viewA && viewB;
  auto boxOf = [](const MatmulEmitter::TensorView &view, MatmulEmitter::Copy copy,
                  int64_t rows) {
    SmallVector<int64_t> box(view.batchLoops.size(), 1);
    box.append({copy.transposed ? kSwizzledRowElements : rows,
                kSwizzledRowElements});
    return box;
  };
  // A box as a tile in shared memory.
  auto boxTypeOf = [&](const MatmulEmitter::TensorView &view,
                       MatmulEmitter::Copy copy, int64_t rows) {
    return MemRefType::get(
        boxOf(view, copy, rows), element, nullptr,
        gpu::AddressSpaceAttr::get(b.getContext(),
                                   gpu::AddressSpace::Workgroup));
  };
  // The views (the emulation reads them) and their tensor maps.
  Value tensorA, tensorB, mapA, mapB;
  if (useTma) {
    tensorA = m.viewOf(aOperand, *viewA);
    tensorB = m.viewOf(bOperand, *viewB);
    if (!emulated) {
      mapA = createTensorMap(b, loc, tensorA, boxOf(*viewA, copyA, bm));
      mapB = createTensorMap(b, loc, tensorB, boxOf(*viewB, copyB, bn));
    }
  }
  Launch launch = createLaunch(b, loc, batchTotal * mBlocks * nBlocks, threads);
  auto workgroup = gpu::AddressSpaceAttr::get(b.getContext(),
                                              gpu::AddressSpace::Workgroup);
  // Stages of tiles: the copy of a later K slice is under way while the
  // warps multiply the current one. wgmma keeps a step's instructions in
  // flight during the next step, so the stage they read is rewritten a
  // step later: one stage more.
  int64_t stages = asyncCopy ? kAsyncStages + (warpgroup ? 1 : 0) : 2;
  MemRefType tilesAType = m.tileType(copyA, stages, bm, element, workgroup);
  MemRefType tilesBType = m.tileType(copyB, stages, bn, element, workgroup);
  // Staging: one instruction row per warp, rows padded by 4 floats.
  auto stagingType = MemRefType::get({warps, tm, stripWidth + 4},
                                     b.getF32Type(), nullptr, workgroup);
  Value tilesA, tilesB, staging, swizzledBase, raw, shift;
  // wgmma's descriptors: the B tiles' offset from the A tiles, a stage of
  // each, in bytes (the views' layout).
  int64_t offsetB = 0, stageBytesA = 0, stageBytesB = 0;
  if (warpgroup) {
    // One buffer, 1024-byte aligned at run time (the swizzle's atoms): the
    // A then the B stages, the epilogue's staging over them once the K
    // loop is done.
    auto bytes = [](MemRefType type) {
      return type.getNumElements() * type.getElementTypeBitWidth() / 8;
    };
    int64_t tileBytes = bytes(tilesAType) + bytes(tilesBType);
    raw = launch.op.addWorkgroupAttribution(
        MemRefType::get({1024 + std::max(tileBytes, bytes(stagingType))},
                        b.getI8Type(), nullptr, workgroup),
        loc);
    Value address = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, raw);
    shift = arith::AndIOp::create(
        b, loc, arith::SubIOp::create(b, loc, e.index(1024), address),
        e.index(1023));
    swizzledBase = m.add(address, shift);
    auto view = [&](MemRefType type, Value offset) -> Value {
      return memref::ViewOp::create(b, loc, type, raw, offset, ValueRange{});
    };
    tilesA = view(tilesAType, shift);
    offsetB = bytes(tilesAType);
    stageBytesA = offsetB / stages;
    stageBytesB = bytes(tilesBType) / stages;
    tilesB = view(tilesBType, m.add(shift, e.index(offsetB)));
    staging = view(stagingType, shift);
  } else {
    tilesA = launch.op.addWorkgroupAttribution(tilesAType, loc);
    tilesB = launch.op.addWorkgroupAttribution(tilesBType, loc);
    staging = launch.op.addWorkgroupAttribution(stagingType, loc);
  }

  m.tid = launch.threadId;
  m.lane = arith::RemUIOp::create(b, loc, m.tid, e.index(lanes));
  m.warp = arith::DivUIOp::create(b, loc, m.tid, e.index(lanes));
  m.warpRow = m.mul(arith::DivUIOp::create(b, loc, m.warp, e.index(warpsN)),
                    e.index(mt * tm));
  m.warpCol = m.mul(arith::RemUIOp::create(b, loc, m.warp, e.index(warpsN)),
                    e.index(nt * tn));
  // Block -> (batch, M tile, N tile), N fastest.
  Value block = launch.blockId;
  Value nBlock = arith::RemUIOp::create(b, loc, block, e.index(nBlocks));
  Value rest = arith::DivUIOp::create(b, loc, block, e.index(nBlocks));
  Value mBlock = arith::RemUIOp::create(b, loc, rest, e.index(mBlocks));
  Value batch = arith::DivUIOp::create(b, loc, rest, e.index(mBlocks));
  SmallVector<int64_t> batchSizes;
  for (unsigned d : con.batch)
    batchSizes.push_back(con.ranges[d]);
  if (!batchSizes.empty())
    m.batchIvs = e.delinearize(batch, batchSizes);
  m.rowBase = m.mul(mBlock, e.index(bm));
  m.colBase = m.mul(nBlock, e.index(bn));

  // The K loop over `stages` buffers, the accumulators carried in
  // registers, one barrier per step. Step t multiplies stage t % stages.
  // - cp.async: steps 0 and 1 are copied before the loop, one group
  //   each; step t starts step t + 2's copy into the stage step t - 1
  //   (t - 2 with wgmma) read (every warp is past the barrier, so done
  //   with it) and, after its multiplications, waits until at most one
  //   group is in flight: step t + 1's copies have landed. A copy past the
  //   last step reads nothing and writes zeros to a stage no step reads
  //   again, so every step commits one group and the count holds. wgmma
  //   reads the stages through the async proxy: each wait is followed by a
  //   proxy fence, the barrier after it making the tiles visible to it;
  //   each step waits for the previous step's wgmma group, not its own.
  // - registers (two stages): step t loads step t + 1's slices before its
  //   multiplications and stores them into the other stage after them.
  // The instructions themselves (emulated, the warpgroup tiling runs with
  // whole tiles per lane).
  auto waitForCopies = [&](Value group, int64_t pending) {
    waitCopies(b, loc, group, pending);
    if (wgmma)
      fenceSharedForAsyncProxy(b, loc);
  };
  int64_t kSteps = llvm::divideCeil(kTotal, m.kStep);
  auto startCopies = [&](Value step, Value stage,
                         SmallVectorImpl<MatmulEmitter::Pending> &pendingA,
                         SmallVectorImpl<MatmulEmitter::Pending> &pendingB) {
    Value k0 = m.mul(step, e.index(m.kStep));
    m.copyTile(aOperand, con.m, bm, m.rowBase, k0, tilesA, stage, copyA,
               /*isA=*/true, asyncCopy, pendingA);
    m.copyTile(bOperand, con.n, bn, m.colBase, k0, tilesB, stage, copyB,
               /*isA=*/false, asyncCopy, pendingB);
  };
  auto finishCopies = [&](ArrayRef<MatmulEmitter::Pending> pendingA,
                          ArrayRef<MatmulEmitter::Pending> pendingB) {
    m.finishCopies(pendingA, tilesA);
    m.finishCopies(pendingB, tilesB);
  };
  int64_t prefetched = asyncCopy ? kAsyncStages - 1 : 1;
  // TMA: thread 0 arms stage `stage`'s barrier with the bytes of both
  // tiles and starts their loads for K step `step`.
  Value barriers, isFirstThread;
  // The emulation of one box load: box element (i0, i1) (outer, inner) of
  // `tensor` at `at` (innermost first) into `tiles` at `stage`, where the
  // strategy's copies would put it.
  auto emulateBoxLoad = [&](Value tensor, MemRefType boxType, ValueRange at,
                            Value tiles, Value stage, MatmulEmitter::Copy copy,
                            int64_t rowOffset) {
    auto tensorType = cast<MemRefType>(tensor.getType());
    int64_t rank = tensorType.getRank();
    int64_t outer = boxType.getDimSize(rank - 2);
    int64_t inner = boxType.getDimSize(rank - 1);
    OpBuilder::InsertionGuard g(b);
    scf::ForOp outerLoop = e.loop(e.index(0), e.index(outer), e.index(1));
    scf::ForOp innerLoop = e.loop(e.index(0), e.index(inner), e.index(1));
    Value i0 = outerLoop.getInductionVar(), i1 = innerLoop.getInductionVar();
    // The element's indices in the tensor (outermost first) and whether it
    // is inside.
    SmallVector<Value> indices(llvm::reverse(at));
    indices[rank - 2] = m.add(indices[rank - 2], i0);
    indices[rank - 1] = m.add(indices[rank - 1], i1);
    Value inside = m.lt(indices[rank - 2], e.index(tensorType.getDimSize(rank - 2)));
    inside = arith::AndIOp::create(
        b, loc, inside,
        m.lt(indices[rank - 1], e.index(tensorType.getDimSize(rank - 1))));
    for (Value &index : indices)
      index = arith::SelectOp::create(b, loc, inside, index, e.index(0));
    Value zero = arith::ConstantOp::create(b, loc, element, b.getZeroAttr(element));
    Value value = arith::SelectOp::create(
        b, loc, inside, memref::LoadOp::create(b, loc, tensor, indices), zero);
    // The tile's row (m or n) and k of the element.
    Value row = copy.transposed ? m.add(e.index(rowOffset), i1) : i0;
    Value k = copy.transposed ? i0 : i1;
    SmallVector<Value> place = {stage};
    place.append(swizzledIndices(b, loc, row, k, copy.transposed));
    memref::StoreOp::create(b, loc, value, tiles, place);
  };
  auto loadStage = [&](Value step, Value stage) {
    if (!emulated)
      expectTileBytes(b, loc, barriers, stage, stageBytesA + stageBytesB);
    Value k0 = m.mul(step, e.index(m.kStep));
    auto load = [&](Value map, Value tensor, Value tiles,
                    const MatmulEmitter::TensorView &view,
                    MatmulEmitter::Copy copy, int64_t rows, Value rowStart,
                    int64_t first, int64_t stageBytes) {
      // Boxes: one of rows x 64 (K-major), or 64 x 64 per 64 rows.
      int64_t boxes = copy.transposed ? rows / kSwizzledRowElements : 1;
      MemRefType boxType = boxTypeOf(view, copy, rows);
      for (int64_t j = 0; j < boxes; ++j) {
        Value rowsAt = m.add(rowStart, e.index(j * kSwizzledRowElements));
        // Innermost first: the contiguous axis, the other, the batch.
        SmallVector<Value> at = copy.transposed
                                    ? SmallVector<Value>{rowsAt, k0}
                                    : SmallVector<Value>{k0, rowStart};
        for (unsigned i : llvm::reverse(view.batchLoops))
          at.push_back(m.batchIvs[i]);
        if (emulated) {
          emulateBoxLoad(tensor, boxType, at, tiles, stage, copy,
                         j * kSwizzledRowElements);
          continue;
        }
        Value offset = m.add(
            shift, m.add(e.index(first + j * stageBytes / boxes),
                         m.mul(stage, e.index(stageBytes))));
        Value tile =
            memref::ViewOp::create(b, loc, boxType, raw, offset, ValueRange{});
        loadTile(b, loc, map, tile, at, barriers, stage);
      }
    };
    load(mapA, tensorA, tilesA, *viewA, copyA, bm, m.rowBase, 0, stageBytesA);
    load(mapB, tensorB, tilesB, *viewB, copyB, bn, m.colBase, offsetB,
         stageBytesB);
  };
  // Thread 0 starts step `step`'s loads into `stage` unless it is past K.
  auto loadStageIfAny = [&](Value step, Value stage) {
    OpBuilder::InsertionGuard g(b);
    Value inside = arith::AndIOp::create(b, loc, isFirstThread,
                                         m.lt(step, e.index(kSteps)));
    auto ifOp = scf::IfOp::create(b, loc, inside, false);
    b.setInsertionPointToStart(ifOp.thenBlock());
    loadStage(step, stage);
  };
  if (useTma) {
    isFirstThread = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                          m.tid, e.index(0));
    if (!emulated) {
      barriers = createTileBarriers(b, loc, stages);
      OpBuilder::InsertionGuard g(b);
      auto ifOp = scf::IfOp::create(b, loc, isFirstThread, false);
      b.setInsertionPointToStart(ifOp.thenBlock());
      initTileBarriers(b, loc, barriers, stages);
      // Thread 0 issues every load: its view of the maps the host wrote.
      acquireTensorMap(b, loc, mapA, boxTypeOf(*viewA, copyA, bm));
      acquireTensorMap(b, loc, mapB, boxTypeOf(*viewB, copyB, bn));
    }
    gpu::BarrierOp::create(b, loc);
    for (int64_t s = 0; s < prefetched; ++s)
      loadStageIfAny(e.index(s), e.index(s));
  }
  for (int64_t s = 0; s < prefetched && !useTma; ++s) {
    SmallVector<MatmulEmitter::Pending> pendingA, pendingB;
    startCopies(e.index(s), e.index(s), pendingA, pendingB);
    finishCopies(pendingA, pendingB);
    if (!asyncCopy)
      continue;
    Value group = commitCopies(b, loc);
    if (s == prefetched - 1)
      waitForCopies(group, prefetched - 1);
  }
  // The emulation of wgmma: whole tiles per lane read from the swizzled
  // stages.
  std::unique_ptr<MmaFragments> swizzledReads =
      warpgroup && emulated ? createWarpVectorFragments(mma, /*swizzled=*/true)
                            : nullptr;
  const MmaFragments &reads = swizzledReads ? *swizzledReads : mma;
  SmallVector<Value> zeros(mt * nt, mma.zero(b, loc));
  auto kLoop = scf::ForOp::create(b, loc, e.index(0), e.index(kSteps),
                                  e.index(1), zeros);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(kLoop.getBody());
    Value step = kLoop.getInductionVar();
    gpu::BarrierOp::create(b, loc);
    Value next = m.add(step, e.index(prefetched));
    auto stageOfStep = [&](Value t) -> Value {
      return arith::RemUIOp::create(b, loc, t, e.index(stages));
    };
    SmallVector<MatmulEmitter::Pending> pendingA, pendingB;
    Value group, stage;
    if (useTma) {
      loadStageIfAny(next, stageOfStep(next));
      stage = stageOfStep(step);
      // This step's tiles: the barrier's use number step / stages, whose
      // phases alternate in parity.
      Value use = arith::DivUIOp::create(b, loc, step, e.index(stages));
      Value parity = arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::ne,
          arith::AndIOp::create(b, loc, use, e.index(1)), e.index(0));
      if (!emulated)
        waitTileBarrier(b, loc, barriers, stage, parity);
    } else {
      startCopies(next, stageOfStep(next), pendingA, pendingB);
      group = asyncCopy ? commitCopies(b, loc) : Value();
      stage = stageOfStep(step);
    }
    SmallVector<Value> acc(kLoop.getRegionIterArgs());
    if (wgmma) {
      // This warp's warpgroup multiplies its 64 rows of the stage.
      Value warpgroupIndex = arith::DivUIOp::create(b, loc, m.warp, e.index(4));
      Value aAddress =
          m.add(swizzledBase,
                m.add(m.mul(stage, e.index(stageBytesA)),
                      m.mul(warpgroupIndex, e.index(stageBytesA / bm * 64))));
      Value bAddress =
          m.add(swizzledBase,
                m.add(e.index(offsetB), m.mul(stage, e.index(stageBytesB))));
      acc = warpgroupMultiply(b, loc, aAddress, copyA.transposed, bAddress,
                              copyB.transposed, acc, element);
      waitForWarpgroupMma(b, loc, /*pending=*/1);
    } else {
      Value stageA = stageOf(b, loc, tilesA, stage);
      Value stageB = stageOf(b, loc, tilesB, stage);
      for (int64_t ks = 0; ks < m.kStep; ks += tk) {
        SmallVector<Value> as, bs;
        for (int64_t i = 0; i < mt; ++i)
          as.push_back(reads.readA(b, loc, stageA,
                                   m.add(m.warpRow, e.index(i * tm)),
                                   e.index(ks), copyA.transposed, m.lane));
        for (int64_t j = 0; j < nt; ++j)
          bs.push_back(reads.readB(b, loc, stageB,
                                   m.add(m.warpCol, e.index(j * tn)),
                                   e.index(ks), copyB.transposed, m.lane));
        for (int64_t i = 0; i < mt; ++i)
          for (int64_t j = 0; j < nt; ++j)
            acc[i * nt + j] =
                reads.multiply(b, loc, as[i], bs[j], acc[i * nt + j]);
      }
    }
    finishCopies(pendingA, pendingB);
    // Step t + 1's copies: all groups but the latest.
    if (group)
      waitForCopies(group, prefetched - 1);
    scf::YieldOp::create(b, loc, acc);
  }
  // The copies past the last step (into stages no one reads) end before
  // the block does.
  if (asyncCopy && !useTma)
    waitCopies(b, loc, commitCopies(b, loc), 0);
  // The last step's wgmma, and the staging over the tiles: every warp done
  // with them.
  if (wgmma)
    waitForWarpgroupMma(b, loc, /*pending=*/0);
  if (warpgroup)
    gpu::BarrierOp::create(b, loc);
  // The epilogue, one instruction row of the warp's tile at a time.
  for (auto [i, op] : llvm::enumerate(epilogue))
    if (recompute[i])
      e.recomputed[op.getDpsInitOperand(0)->get()] = op;
  AffineMap cMap = con.op.getMatchingIndexingMap(con.op.getDpsInitOperand(0));
  for (int64_t i = 0; i < mt; ++i) {
    for (int64_t j = 0; j < nt; ++j)
      mma.store(b, loc, kLoop.getResult(i * nt + j), staging,
                ValueRange{m.warp}, e.index(0), e.index(j * tn), m.lane);
    gpu::BarrierOp::create(b, loc);
    int64_t elements = tm * stripWidth;
    scf::ForOp walk = e.loop(m.lane, e.index(elements), e.index(lanes));
    {
      Value idx = walk.getInductionVar();
      Value r = arith::DivUIOp::create(b, loc, idx, e.index(stripWidth));
      Value col = arith::RemUIOp::create(b, loc, idx, e.index(stripWidth));
      Value row = m.add(m.rowBase, m.add(m.warpRow, m.add(e.index(i * tm), r)));
      Value column = m.add(m.colBase, m.add(m.warpCol, col));
      Value inside = arith::AndIOp::create(b, loc, m.lt(row, e.index(mTotal)),
                                           m.lt(column, e.index(nTotal)));
      auto guard = scf::IfOp::create(b, loc, inside, false);
      b.setInsertionPointToStart(guard.thenBlock());
      Value value = memref::LoadOp::create(b, loc, staging,
                                           ValueRange{m.warp, r, col});
      SmallVector<Value> ivs = e.apply(cMap, m.point(row, column, nullptr));
      // Each op's results are at hand for the later ops' reads (at the
      // same point).
      e.staged[con.acc] = value;
      if (storeAcc)
        memref::StoreOp::create(b, loc, value, con.acc, ivs);
      for (auto [n, op] : llvm::enumerate(epilogue)) {
        if (recompute[n])
          continue;
        SmallVector<Value> results = e.payload(op, ivs);
        e.write(op, results, ivs);
        for (auto [init, result] : llvm::zip(op.getDpsInits(), results))
          e.staged[init] = result;
      }
      e.staged.clear();
    }
    b.setInsertionPointAfter(walk);
    gpu::BarrierOp::create(b, loc);
  }

  for (linalg::GenericOp op : llvm::reverse(epilogue))
    op->erase();
  con.op->erase();
  con.fill->erase();
  return success();
}

} // namespace
