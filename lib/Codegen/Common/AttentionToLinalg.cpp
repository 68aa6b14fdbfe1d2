//===- AttentionToLinalg.cpp - Flash attention as one parallel loop -------===//
//
// `aster.attention` and `aster.attention_fwd` without a mask become one
// `scf.forall` over (batch, head, query block), each iteration looping
// over key blocks with an online softmax: a running row max m, a running
// sum l and an output accumulator rescaled by exp(m_old - m_new) at every
// block (FlashAttention). Scores exist only for one query block and one key
// block at a time, never for the whole sequence. With `causal`, the loop
// stops at the query block's last key and the diagonal block is masked by
// index. Kernel formation keeps the loop as one `attention` kernel.
//
// With a mask operand, or shapes that no block size divides, the op is
// spelled out in elementary ops instead (CompositeToLinalg.cpp).
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/KernelShapes.h"
#include "aster/Codegen/Passes.h"
#include "aster/Dialect/Aster/IR/AsterOps.h"
#include "LinalgBuilders.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"

using namespace mlir;
using namespace mlir::aster;
using namespace mlir::aster::codegen;

namespace {

template <typename OpT>
struct FlashAttention : OpRewritePattern<OpT> {
  FlashAttention(MLIRContext *context)
      : OpRewritePattern<OpT>(context, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(OpT op,
                                PatternRewriter &rewriter) const override {
    if (op.getMask())
      return failure();
    auto qType = cast<RankedTensorType>(op.getQuery().getType());
    auto kType = cast<RankedTensorType>(op.getKey().getType());
    auto outType = cast<RankedTensorType>(op.getResult().getType());
    if (!qType.hasStaticShape() || !kType.hasStaticShape())
      return failure();
    int64_t batch = qType.getDimSize(0), heads = qType.getDimSize(1),
            sq = qType.getDimSize(2), depth = qType.getDimSize(3),
            kvHeads = kType.getDimSize(1), skv = kType.getDimSize(2),
            valueDepth = outType.getDimSize(3);
    bool causal = op.getCausal();
    if (causal && sq != skv)
      return failure(); // top-left causal with a square score matrix
    int64_t bq = divisorAtMost(sq, 64), bk = divisorAtMost(skv, 64);
    if (causal)
      bk = bq;
    double scale = op.getScale() ? op.getScale()->convertToDouble()
                                 : 1.0 / std::sqrt(double(depth));

    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    Type f32 = rewriter.getF32Type();
    auto par = utils::IteratorType::parallel;
    auto red = utils::IteratorType::reduction;
    auto d = [&](unsigned i) { return getAffineDimExpr(i, context); };
    auto map = [&](unsigned dims, ArrayRef<AffineExpr> results) {
      return AffineMap::get(dims, 0, results, context);
    };
    auto filled = [&](OpBuilder &b, ArrayRef<int64_t> shape, double value) {
      Value empty = tensor::EmptyOp::create(b, loc, shape, f32);
      return linalg::FillOp::create(
                 b, loc, ValueRange{scalarConstant(b, loc, value, f32)},
                 ValueRange{empty})
          .getResult(0);
    };
    auto index = [&](OpBuilder &b, int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v).getResult();
    };
    // A generic writing `init`'s type: `body` returns the value to yield.
    using Body = function_ref<Value(OpBuilder &, Location, ValueRange)>;
    auto generic = [&](OpBuilder &b, ValueRange inputs, Value init,
                       ArrayRef<AffineMap> maps,
                       ArrayRef<utils::IteratorType> iterators, Body body) {
      return linalg::GenericOp::create(
                 b, loc, TypeRange{init.getType()}, inputs, ValueRange{init},
                 maps, iterators,
                 [&](OpBuilder &gb, Location gl, ValueRange a) {
                   linalg::YieldOp::create(gb, gl, body(gb, gl, a));
                 })
          .getResult(0);
    };

    Value outInit = tensor::EmptyOp::create(rewriter, loc, outType.getShape(),
                                            outType.getElementType());
    Value lseInit = tensor::EmptyOp::create(
        rewriter, loc, ArrayRef<int64_t>{batch, heads, sq}, f32);
    auto forall = scf::ForallOp::create(
        rewriter, loc,
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(batch),
                               rewriter.getIndexAttr(heads),
                               rewriter.getIndexAttr(sq / bq)},
        ValueRange{outInit, lseInit}, std::nullopt);
    OpBuilder b = OpBuilder::atBlockBegin(forall.getBody());
    Value bi = forall.getInductionVar(0), hi = forall.getInductionVar(1),
          qbi = forall.getInductionVar(2);
    Value qStart = arith::MulIOp::create(b, loc, qbi, index(b, bq));
    Value kvHead = arith::DivUIOp::create(b, loc, hi,
                                          index(b, heads / kvHeads));
    // [rows, cols] of a [B, H, S, cols] operand.
    auto sliceRows = [&](Value source, Value head, Value start, int64_t rows) {
      auto sourceType = cast<RankedTensorType>(source.getType());
      int64_t cols = sourceType.getDimSize(3);
      auto type = RankedTensorType::get({rows, cols},
                                        sourceType.getElementType());
      return tensor::ExtractSliceOp::create(
                 b, loc, type, source,
                 ArrayRef<OpFoldResult>{bi, head, start, b.getIndexAttr(0)},
                 ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                                        b.getIndexAttr(rows),
                                        b.getIndexAttr(cols)},
                 ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                                        b.getIndexAttr(1), b.getIndexAttr(1)})
          .getResult();
    };
    Value qBlock = sliceRows(op.getQuery(), hi, qStart, bq);

    // Keys up to the end of the query block when causal, all otherwise.
    Value keysEnd = causal ? arith::AddIOp::create(b, loc, qStart,
                                                   index(b, bq)).getResult()
                           : index(b, skv);
    Value m0 = filled(b, {bq}, -INFINITY), l0 = filled(b, {bq}, 0.0),
          acc0 = filled(b, {bq, valueDepth}, 0.0);
    auto loop = scf::ForOp::create(
        b, loc, index(b, 0), keysEnd, index(b, bk), ValueRange{m0, l0, acc0},
        [&](OpBuilder &lb, Location, Value kStart, ValueRange carried) {
          Value m = carried[0], l = carried[1], acc = carried[2];
          Value kBlock = sliceRows(op.getKey(), kvHead, kStart, bk);
          Value vBlock = sliceRows(op.getValue(), kvHead, kStart, bk);
          // s[i, j] = scale * sum_d q[i, d] k[j, d], -inf above the diagonal.
          auto contract = arith::FastMathFlags::contract;
          Value sInit = filled(lb, {bq, bk}, 0.0);
          Value s = generic(
              lb, {qBlock, kBlock}, sInit,
              {map(3, {d(0), d(2)}), map(3, {d(1), d(2)}), map(3, {d(0), d(1)})},
              {par, par, red}, [&](OpBuilder &gb, Location gl, ValueRange a) {
                Value x = convertScalar(gb, gl, a[0], f32);
                Value y = convertScalar(gb, gl, a[1], f32);
                Value p = arith::MulFOp::create(gb, gl, x, y, contract);
                return arith::AddFOp::create(gb, gl, a[2], p, contract)
                    .getResult();
              });
          Value scaled = generic(
              lb, {s}, sInit, {map(2, {d(0), d(1)}), map(2, {d(0), d(1)})},
              {par, par}, [&](OpBuilder &gb, Location gl, ValueRange a) {
                Value v = arith::MulFOp::create(
                    gb, gl, a[0], scalarConstant(gb, gl, scale, f32));
                if (!causal)
                  return v;
                Value i = arith::AddIOp::create(
                    gb, gl, qStart, linalg::IndexOp::create(gb, gl, 0));
                Value j = arith::AddIOp::create(
                    gb, gl, kStart, linalg::IndexOp::create(gb, gl, 1));
                Value above = arith::CmpIOp::create(
                    gb, gl, arith::CmpIPredicate::ugt, j, i);
                return arith::SelectOp::create(
                           gb, gl, above,
                           scalarConstant(gb, gl, -INFINITY, f32), v)
                    .getResult();
              });
          // m' = max(m, max_j s); p = exp(s - m'); c = exp(m - m').
          AffineMap rowOf2 = map(2, {d(0)}), all2 = map(2, {d(0), d(1)}),
                    all1 = map(1, {d(0)});
          Value mNew = generic(lb, {scaled}, m, {all2, rowOf2}, {par, red},
                               [&](OpBuilder &gb, Location gl, ValueRange a) {
                                 return arith::MaximumFOp::create(gb, gl, a[0],
                                                                  a[1])
                                     .getResult();
                               });
          auto expOfDifference = [&](OpBuilder &gb, Location gl, ValueRange a) {
            Value x = arith::SubFOp::create(gb, gl, a[0], a[1]);
            return math::ExpOp::create(gb, gl, x).getResult();
          };
          auto product = [&](OpBuilder &gb, Location gl, ValueRange a) {
            return arith::MulFOp::create(gb, gl, a[0], a[1]).getResult();
          };
          Value p = generic(lb, {scaled, mNew}, sInit, {all2, rowOf2, all2},
                            {par, par}, expOfDifference);
          Value correction =
              generic(lb, {m, mNew}, filled(lb, {bq}, 0.0), {all1, all1, all1},
                      {par}, expOfDifference);
          // l' = l c + sum_j p.
          Value lScaled =
              generic(lb, {l, correction}, filled(lb, {bq}, 0.0),
                      {all1, all1, all1}, {par}, product);
          Value lNew = generic(lb, {p}, lScaled, {all2, rowOf2}, {par, red},
                               [&](OpBuilder &gb, Location gl, ValueRange a) {
                                 return arith::AddFOp::create(gb, gl, a[1], a[0])
                                     .getResult();
                               });
          // acc' = acc c + p v.
          Value accScaled =
              generic(lb, {acc, correction}, filled(lb, {bq, valueDepth}, 0.0),
                      {all2, rowOf2, all2}, {par, par}, product);
          Value accNew = generic(
              lb, {p, vBlock}, accScaled,
              {map(3, {d(0), d(1)}), map(3, {d(1), d(2)}), map(3, {d(0), d(2)})},
              {par, red, par}, [&](OpBuilder &gb, Location gl, ValueRange a) {
                Value y = convertScalar(gb, gl, a[1], f32);
                Value x = arith::MulFOp::create(gb, gl, a[0], y, contract);
                return arith::AddFOp::create(gb, gl, a[2], x, contract)
                    .getResult();
              });
          scf::YieldOp::create(lb, loc, ValueRange{mNew, lNew, accNew});
        });
    Value m = loop.getResult(0), l = loop.getResult(1),
          acc = loop.getResult(2);

    // out = acc / l in the result type; lse = m + log l.
    auto outBlockType =
        RankedTensorType::get({bq, valueDepth}, outType.getElementType());
    Value outBlock = generic(
        b, {acc, l},
        tensor::EmptyOp::create(b, loc, outBlockType.getShape(),
                                outBlockType.getElementType()),
        {map(2, {d(0), d(1)}), map(2, {d(0)}), map(2, {d(0), d(1)})},
        {par, par}, [&](OpBuilder &gb, Location gl, ValueRange a) {
          Value x = arith::DivFOp::create(gb, gl, a[0], a[1]);
          return convertScalar(gb, gl, x, outType.getElementType());
        });
    Value lseBlock = generic(
        b, {m, l}, filled(b, {bq}, 0.0),
        {map(1, {d(0)}), map(1, {d(0)}), map(1, {d(0)})}, {par},
        [&](OpBuilder &gb, Location gl, ValueRange a) {
          Value x = math::LogOp::create(gb, gl, a[1]);
          return arith::AddFOp::create(gb, gl, a[0], x).getResult();
        });
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    OpFoldResult one = b.getIndexAttr(1);
    tensor::ParallelInsertSliceOp::create(
        b, loc, outBlock, forall.getRegionIterArgs()[0],
        ArrayRef<OpFoldResult>{bi, hi, qStart, b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{one, one, b.getIndexAttr(bq),
                               b.getIndexAttr(valueDepth)},
        ArrayRef<OpFoldResult>{one, one, one, one});
    tensor::ParallelInsertSliceOp::create(
        b, loc, lseBlock, forall.getRegionIterArgs()[1],
        ArrayRef<OpFoldResult>{bi, hi, qStart},
        ArrayRef<OpFoldResult>{one, one, b.getIndexAttr(bq)},
        ArrayRef<OpFoldResult>{one, one, one});

    SmallVector<Value> results{forall.getResult(0)};
    if (op->getNumResults() > 1)
      results.push_back(forall.getResult(1));
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void mlir::aster::populateAttentionToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<FlashAttention<AttentionOp>, FlashAttention<AttentionFwdOp>>(
      patterns.getContext());
}
