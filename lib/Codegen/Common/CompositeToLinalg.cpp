//===- CompositeToLinalg.cpp - Fused aster ops as their elementary ops ----===//
//
// attention (and its saving form and backward), rope, cross_entropy (and
// its forms), the norms (and their saving forms and backward), scatter_add
// and insert_slice. The fused ops are spelled out in elementary aster ops,
// which the other patterns of the conversion then lower; 16-bit inputs are
// computed in f32 and rounded once. This is the meaning of each op in
// upstream terms, not its fast kernel: attention here materialises the
// S x S scores, which the fusion phase (flash attention) replaces.
// scatter_add is a one-hot contraction, the same cost as the LM head that
// precedes it in a training step.
//
//===----------------------------------------------------------------------===//

#include "LinalgBuilders.h"
#include "aster/Codegen/Passes.h"
#include "aster/Dialect/Aster/IR/AsterOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::aster;
using namespace mlir::aster::codegen;

namespace {

/// Builds aster ops with short names; types are inferred.
struct Ops {
  OpBuilder &b;
  Location loc;

  RankedTensorType type(Value v) { return tensorType(v); }
  Type f32() { return b.getF32Type(); }
  Value cast(Value v, Type et) {
    if (type(v).getElementType() == et)
      return v;
    return CastOp::create(b, loc, RankedTensorType::get(type(v).getShape(), et),
                          v);
  }
  Value f(Value v) { return cast(v, computeType(type(v).getElementType())); }
  Value scalar(double value, Type et) {
    auto t = RankedTensorType::get({}, et);
    Attribute a = isa<FloatType>(et) ? Attribute(b.getFloatAttr(et, value))
                                     : Attribute(b.getIntegerAttr(
                                           et, static_cast<int64_t>(value)));
    return ConstantOp::create(b, loc, DenseElementsAttr::get(t, a));
  }
  Value add(Value x, Value y) { return AddOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return SubOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return MulOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return DivOp::create(b, loc, x, y); }
  Value exp(Value x) { return ExpOp::create(b, loc, x); }
  Value log(Value x) { return LogOp::create(b, loc, x); }
  Value sqrt(Value x) { return SqrtOp::create(b, loc, x); }
  Value matmul(Value x, Value y, bool tx = false, bool ty = false) {
    return MatmulOp::create(b, loc, x, y, tx, ty);
  }
  Value reduce(ReduceKind k, Value x, ArrayRef<int64_t> axes, bool keep) {
    return ReduceOp::create(b, loc, k, x, axes, keep);
  }
  Value lastAxis(ReduceKind k, Value x, bool keep = true) {
    return reduce(k, x, {type(x).getRank() - 1}, keep);
  }
  Value reshape(Value x, ArrayRef<int64_t> shape) {
    if (type(x).getShape() == shape)
      return x;
    return ReshapeOp::create(
        b, loc, RankedTensorType::get(shape, type(x).getElementType()), x);
  }
  Value compare(ComparePredicate p, Value x, Value y) {
    return CompareOp::create(b, loc, p, x, y);
  }
  Value select(Value c, Value x, Value y) {
    return SelectOp::create(b, loc, c, x, y);
  }
  Value constant(RankedTensorType t, ArrayRef<double> values) {
    if (isa<FloatType>(t.getElementType())) {
      SmallVector<APFloat> v;
      for (double d : values) {
        APFloat x(d);
        bool lost;
        x.convert(llvm::cast<FloatType>(t.getElementType()).getFloatSemantics(),
                  APFloat::rmNearestTiesToEven, &lost);
        v.push_back(x);
      }
      return ConstantOp::create(b, loc, DenseElementsAttr::get(t, v));
    }
    SmallVector<APInt> v;
    for (double d : values)
      v.push_back(APInt(t.getElementType().getIntOrFloatBitWidth(),
                        static_cast<int64_t>(d), true));
    return ConstantOp::create(b, loc, DenseElementsAttr::get(t, v));
  }
  Value slice(Value x, ArrayRef<int64_t> start, ArrayRef<int64_t> limit,
              ArrayRef<int64_t> step = {}) {
    SmallVector<int64_t> steps(step);
    if (steps.empty())
      steps.assign(start.size(), 1);
    SmallVector<int64_t> shape;
    for (size_t d = 0; d < start.size(); ++d)
      shape.push_back((limit[d] - start[d] + steps[d] - 1) / steps[d]);
    bool unit = llvm::all_of(steps, [](int64_t s) { return s == 1; });
    return SliceOp::create(
        b, loc, RankedTensorType::get(shape, type(x).getElementType()), x,
        b.getDenseI64ArrayAttr(start), b.getDenseI64ArrayAttr(limit),
        unit ? DenseI64ArrayAttr() : b.getDenseI64ArrayAttr(steps));
  }
  /// [B, Hkv, S, D] -> [B, Hq, S, D], query head h reading head h / group.
  Value expandHeads(Value x, int64_t hq) {
    int64_t hkv = type(x).getDimSize(1);
    if (hkv == hq)
      return x;
    SmallVector<double> idx;
    for (int64_t h = 0; h < hq; ++h)
      idx.push_back(h / (hq / hkv));
    Value index = constant(RankedTensorType::get({hq}, b.getI64Type()), idx);
    return GatherOp::create(b, loc, x, index, 1);
  }
  /// [B, Hq, S, D] summed over each group of Hq / Hkv heads -> [B, Hkv, S, D].
  Value sumGroups(Value x, int64_t hkv) {
    ArrayRef<int64_t> s = type(x).getShape();
    if (s[1] == hkv)
      return x;
    Value split = reshape(x, {s[0], hkv, s[1] / hkv, s[2], s[3]});
    return reduce(ReduceKind::sum, split, {2}, false);
  }
};

/// Scores, probabilities and lse of attention, in f32.
struct AttentionParts {
  Value q, k, v; // f32, k and v expanded to Hq heads
  Value probs;   // [B, Hq, Sq, Skv]
  Value lse;     // [B, Hq, Sq, 1]
  double scale;
};

AttentionParts attentionParts(Ops &o, Value q, Value k, Value v, Value mask,
                              bool causal, std::optional<APFloat> scaleAttr,
                              Value savedLse = {}) {
  AttentionParts p;
  int64_t hq = o.type(q).getDimSize(1), d = o.type(q).getDimSize(3);
  p.q = o.f(q);
  p.k = o.expandHeads(o.f(k), hq);
  p.v = o.expandHeads(o.f(v), hq);
  p.scale = scaleAttr ? scaleAttr->convertToDouble()
                      : 1.0 / std::sqrt(static_cast<double>(d));
  Value s = o.mul(o.matmul(p.q, p.k, false, true), o.scalar(p.scale, o.f32()));
  if (mask)
    s = o.add(s, o.f(mask));
  int64_t sq = o.type(q).getDimSize(2);
  if (causal) {
    // A key after its query is masked by comparing indices: no Sq x Skv
    // constant (64 MB at 4096 tokens, embedded in the binary).
    s = elementwise(o.b, o.loc, o.type(s), {s},
                    [](OpBuilder &b, Location loc, ValueRange x) -> Value {
                      Value i = linalg::IndexOp::create(b, loc, 2);
                      Value j = linalg::IndexOp::create(b, loc, 3);
                      Value later = arith::CmpIOp::create(
                          b, loc, arith::CmpIPredicate::ugt, j, i);
                      Value masked = arith::ConstantOp::create(
                          b, loc, b.getF32FloatAttr(-INFINITY));
                      return arith::SelectOp::create(b, loc, later, masked,
                                                     x[0]);
                    });
  }
  if (savedLse) {
    p.lse = o.reshape(savedLse, {o.type(s).getDimSize(0), hq, sq, 1});
    p.probs = o.exp(o.sub(s, p.lse));
    return p;
  }
  Value max = o.lastAxis(ReduceKind::max, s);
  Value e = o.exp(o.sub(s, max));
  Value sum = o.lastAxis(ReduceKind::sum, e);
  p.probs = o.div(e, sum);
  p.lse = o.add(max, o.log(sum));
  return p;
}

/// attention and its saving form, which also returns the lse.
template <typename OpT>
struct AttentionToOps : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpT op, PatternRewriter &rewriter) const override {
    Ops o{rewriter, op.getLoc()};
    AttentionParts p = attentionParts(o, op.getQuery(), op.getKey(),
                                      op.getValue(), op.getMask(),
                                      op.getCausal(), op.getScale());
    SmallVector<Value> results = {o.cast(
        o.matmul(p.probs, p.v), op.getResult().getType().getElementType())};
    if (op->getNumResults() > 1)
      results.push_back(o.reshape(
          p.lse, cast<RankedTensorType>(op->getResult(1).getType()).getShape()));
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct AttentionBwdToOps : OpRewritePattern<AttentionBwdOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionBwdOp op,
                                PatternRewriter &rewriter) const override {
    Ops o{rewriter, op.getLoc()};
    AttentionParts p = attentionParts(o, op.getQuery(), op.getKey(),
                                      op.getValue(), op.getMask(),
                                      op.getCausal(), op.getScale(),
                                      op.getLse());
    int64_t hkv = o.type(op.getKey()).getDimSize(1);
    Value g = o.f(op.getGrad());
    Value dv = o.sumGroups(o.matmul(p.probs, g, true, false), hkv);
    Value dp = o.matmul(g, p.v, false, true);
    Value delta = o.lastAxis(ReduceKind::sum, o.mul(g, o.f(op.getOut())));
    Value ds = o.mul(o.mul(p.probs, o.sub(dp, delta)),
                     o.scalar(p.scale, o.f32()));
    Value dq = o.matmul(ds, p.k);
    Value dk = o.sumGroups(o.matmul(ds, p.q, true, false), hkv);
    rewriter.replaceOp(
        op, {o.cast(dq, op.getGradQuery().getType().getElementType()),
             o.cast(dk, op.getGradKey().getType().getElementType()),
             o.cast(dv, op.getGradValue().getType().getElementType())});
    return success();
  }
};

/// mean (layer norm only) and rstd over the last dimension, kept as 1.
std::pair<Value, Value> normStats(Ops &o, Value x, double eps, bool rms) {
  Value mean;
  Value centered = x;
  if (!rms) {
    mean = o.lastAxis(ReduceKind::mean, x);
    centered = o.sub(x, mean);
  }
  Value var = o.lastAxis(ReduceKind::mean, o.mul(centered, centered));
  Value rstd = o.div(o.scalar(1.0, o.f32()),
                     o.sqrt(o.add(var, o.scalar(eps, o.f32()))));
  return {mean, rstd};
}

template <typename OpT, bool Rms>
/// layer_norm / rms_norm and their saving forms (Rms: no mean, no bias).
struct NormFwdToOps : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpT op, PatternRewriter &rewriter) const override {
    Ops o{rewriter, op.getLoc()};
    Value x = o.f(op.getInput());
    auto [mean, rstd] = normStats(o, x, op.getEpsilon().convertToDouble(), Rms);
    Value xhat = o.mul(Rms ? x : o.sub(x, mean), rstd);
    Value y = o.mul(xhat, o.f(op.getWeight()));
    ArrayRef<int64_t> rows = o.type(rstd).getShape().drop_back();
    SmallVector<Value> results;
    if constexpr (!Rms) {
      if (op.getBias())
        y = o.add(y, o.f(op.getBias()));
      results = {o.cast(y, op.getResult().getType().getElementType()),
                 o.reshape(mean, rows), o.reshape(rstd, rows)};
    } else {
      results = {o.cast(y, op.getResult().getType().getElementType()),
                 o.reshape(rstd, rows)};
    }
    // The plain op (layer_norm, rms_norm) keeps only y; its saving form
    // also returns the statistics.
    rewriter.replaceOp(op, ArrayRef<Value>(results).take_front(
                               op->getNumResults()));
    return success();
  }
};

template <typename OpT, bool Rms>
struct NormBwdToOps : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpT op, PatternRewriter &rewriter) const override {
    Ops o{rewriter, op.getLoc()};
    Value x = o.f(op.getInput()), g = o.f(op.getGrad());
    Value w = o.f(op.getWeight());
    SmallVector<int64_t> kept(o.type(x).getShape());
    kept.back() = 1;
    Value rstd = o.reshape(op.getRstd(), kept);
    Value xhat;
    if constexpr (Rms)
      xhat = o.mul(x, rstd);
    else
      xhat = o.mul(o.sub(x, o.reshape(op.getMean(), kept)), rstd);
    SmallVector<int64_t> rowAxes;
    for (int64_t d = 0; d + 1 < o.type(x).getRank(); ++d)
      rowAxes.push_back(d);
    auto sumRows = [&](Value v) {
      return rowAxes.empty() ? v : o.reduce(ReduceKind::sum, v, rowAxes, false);
    };
    Value gw = o.mul(g, w);
    Value inner = o.mul(xhat, o.lastAxis(ReduceKind::mean, o.mul(gw, xhat)));
    Value dx = Rms ? o.mul(rstd, o.sub(gw, inner))
                   : o.mul(rstd, o.sub(o.sub(gw, o.lastAxis(ReduceKind::mean, gw)),
                                       inner));
    Type xt = op.getGradInput().getType().getElementType();
    Type wt = op.getGradWeight().getType().getElementType();
    SmallVector<Value> results = {o.cast(dx, xt),
                                  o.cast(sumRows(o.mul(g, xhat)), wt)};
    if constexpr (!Rms)
      results.push_back(o.cast(sumRows(g), wt));
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// Cross-entropy pieces over [rows..., C] logits in f32.
struct CrossEntropyParts {
  Value x;       // f32 logits
  Value onehot;  // f32 [rows..., C]
  Value valid;   // i1 [rows...]
  Value validF;  // f32 [rows...]
  Value lse;     // f32 [rows...], 0 where ignored
  Value count;   // f32 scalar: positions not ignored
};

CrossEntropyParts crossEntropyParts(Ops &o, Value logits, Value labels,
                                    int64_t ignore, Value savedLse = {}) {
  CrossEntropyParts p;
  p.x = o.f(logits);
  ArrayRef<int64_t> shape = o.type(p.x).getShape();
  int64_t c = shape.back();
  Type lt = o.type(labels).getElementType();
  SmallVector<double> iota;
  for (int64_t i = 0; i < c; ++i)
    iota.push_back(i);
  Value classes = o.constant(RankedTensorType::get({c}, lt), iota);
  SmallVector<int64_t> withOne(o.type(labels).getShape());
  withOne.push_back(1);
  p.onehot = o.cast(o.compare(ComparePredicate::eq, o.reshape(labels, withOne),
                              classes),
                    o.f32());
  p.valid = o.compare(ComparePredicate::ne, labels, o.scalar(ignore, lt));
  p.validF = o.cast(p.valid, o.f32());
  Value zero = o.scalar(0.0, o.f32());
  if (savedLse) {
    p.lse = savedLse;
  } else {
    Value max = o.lastAxis(ReduceKind::max, p.x);
    Value sum = o.lastAxis(ReduceKind::sum, o.exp(o.sub(p.x, max)));
    p.lse = o.select(p.valid,
                     o.lastAxis(ReduceKind::sum, o.add(max, o.log(sum)), false),
                     zero);
  }
  p.count = o.reduce(ReduceKind::sum, p.validF,
                     llvm::to_vector(llvm::seq<int64_t>(0, o.type(p.validF).getRank())),
                     false);
  return p;
}

/// The loss of `reduction` from per-position losses.
Value reduceLoss(Ops &o, CrossEntropyParts &p, Value perPosition,
                 LossReduction reduction) {
  if (reduction == LossReduction::none)
    return perPosition;
  SmallVector<int64_t> all =
      llvm::to_vector(llvm::seq<int64_t>(0, o.type(perPosition).getRank()));
  Value total = all.empty() ? perPosition
                            : o.reduce(ReduceKind::sum, perPosition, all, false);
  return reduction == LossReduction::sum ? total : o.div(total, p.count);
}

Value perPositionLoss(Ops &o, CrossEntropyParts &p) {
  Value picked = o.lastAxis(ReduceKind::sum, o.mul(p.x, p.onehot), false);
  return o.select(p.valid, o.sub(p.lse, picked), o.scalar(0.0, o.f32()));
}

struct CrossEntropyToOps : OpRewritePattern<CrossEntropyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CrossEntropyOp op,
                                PatternRewriter &rewriter) const override {
    Ops o{rewriter, op.getLoc()};
    CrossEntropyParts p = crossEntropyParts(o, op.getLogits(), op.getLabels(),
                                            op.getIgnoreIndex());
    rewriter.replaceOp(op, reduceLoss(o, p, perPositionLoss(o, p),
                                      op.getReduction()));
    return success();
  }
};

struct CrossEntropyFwdToOps : OpRewritePattern<CrossEntropyFwdOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CrossEntropyFwdOp op,
                                PatternRewriter &rewriter) const override {
    Ops o{rewriter, op.getLoc()};
    CrossEntropyParts p = crossEntropyParts(o, op.getLogits(), op.getLabels(),
                                            op.getIgnoreIndex());
    rewriter.replaceOp(op, {reduceLoss(o, p, perPositionLoss(o, p),
                                       op.getReduction()),
                            p.lse});
    return success();
  }
};

struct CrossEntropyBwdToOps : OpRewritePattern<CrossEntropyBwdOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CrossEntropyBwdOp op,
                                PatternRewriter &rewriter) const override {
    Ops o{rewriter, op.getLoc()};
    CrossEntropyParts p = crossEntropyParts(o, op.getLogits(), op.getLabels(),
                                            op.getIgnoreIndex(), op.getLse());
    SmallVector<int64_t> withOne(o.type(op.getLabels()).getShape());
    withOne.push_back(1);
    // The weight of each position: grad (per position for `none`), over the
    // count for `mean`, 0 where ignored.
    Value w = op.getGrad();
    if (op.getReduction() == LossReduction::mean)
      w = o.div(w, p.count);
    w = o.mul(w, p.validF);
    Value probs = o.exp(o.sub(p.x, o.reshape(p.lse, withOne)));
    Value d = o.mul(o.sub(probs, p.onehot), o.reshape(w, withOne));
    rewriter.replaceOp(op, o.cast(d, op.getType().getElementType()));
    return success();
  }
};

struct RopeToOps : OpRewritePattern<RopeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RopeOp op, PatternRewriter &rewriter) const override {
    Ops o{rewriter, op.getLoc()};
    Value x = o.f(op.getInput());
    ArrayRef<int64_t> shape = o.type(x).getShape();
    int64_t rank = shape.size(), d = shape.back(), s = shape[rank - 2];
    int64_t half = d / 2;
    double theta = op.getTheta().convertToDouble();
    SmallVector<double> inv;
    for (int64_t i = 0; i < half; ++i)
      inv.push_back(std::pow(theta, -2.0 * i / d));
    Value invFreq = o.constant(RankedTensorType::get({1, half}, o.f32()), inv);
    Value positions;
    if (op.getPositions()) {
      positions = o.reshape(o.cast(op.getPositions(), o.f32()), {s, 1});
    } else {
      SmallVector<double> iota;
      for (int64_t i = 0; i < s; ++i)
        iota.push_back(i);
      positions = o.constant(RankedTensorType::get({s, 1}, o.f32()), iota);
    }
    Value angle = o.mul(positions, invFreq); // [S, half]
    Value cos = CosOp::create(rewriter, op.getLoc(), angle);
    Value sin = SinOp::create(rewriter, op.getLoc(), angle);
    if (op.getInverse())
      sin = NegOp::create(rewriter, op.getLoc(), sin);
    bool interleaved = op.getLayout() == RopeLayout::interleaved;
    SmallVector<int64_t> start(rank, 0), limit(shape);
    SmallVector<int64_t> step(rank, 1);
    Value x1, x2;
    if (interleaved) {
      step.back() = 2;
      x1 = o.slice(x, start, limit, step);
      start.back() = 1;
      x2 = o.slice(x, start, limit, step);
    } else {
      limit.back() = half;
      x1 = o.slice(x, start, limit);
      start.back() = half;
      limit.back() = d;
      x2 = o.slice(x, start, limit);
    }
    Value a = o.sub(o.mul(x1, cos), o.mul(x2, sin));
    Value b = o.add(o.mul(x2, cos), o.mul(x1, sin));
    Value out;
    if (interleaved) {
      SmallVector<int64_t> pairs(o.type(a).getShape());
      pairs.push_back(1);
      Value joined = ConcatOp::create(
          rewriter, op.getLoc(), ValueRange{o.reshape(a, pairs), o.reshape(b, pairs)},
          rank);
      out = o.reshape(joined, shape);
    } else {
      out = ConcatOp::create(rewriter, op.getLoc(), ValueRange{a, b}, rank - 1);
    }
    rewriter.replaceOp(op, o.cast(out, op.getType().getElementType()));
    return success();
  }
};

/// scatter_add as a contraction with a one-hot matrix of the indices.
struct ScatterAddToLinalg : OpRewritePattern<ScatterAddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScatterAddOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Ops o{rewriter, loc};
    MLIRContext *context = rewriter.getContext();
    RankedTensorType out = op.getType();
    int64_t axis = op.getAxis(), n = out.getDimSize(axis);
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d)
      outer *= out.getDimSize(d);
    for (int64_t d = axis + 1; d < out.getRank(); ++d)
      inner *= out.getDimSize(d);
    int64_t j = tensorType(op.getIndices()).getNumElements();
    Type it = tensorType(op.getIndices()).getElementType();
    // Negative indices count from the end.
    Value idx = o.reshape(op.getIndices(), {j, 1});
    idx = o.select(o.compare(ComparePredicate::lt, idx, o.scalar(0, it)),
                   o.add(idx, o.scalar(n, it)), idx);
    SmallVector<double> iota;
    for (int64_t i = 0; i < n; ++i)
      iota.push_back(i);
    // 16-bit updates stay 16-bit, with a 16-bit one-hot (0 and 1 are
    // exact): the products are exact either way and the sum is in f32, and
    // the contraction is then one for tensor cores on GPUs.
    Type ut = tensorType(op.getUpdates()).getElementType();
    bool narrow = ut.isBF16() || ut.isF16();
    Type operandType = narrow ? ut : o.f32();
    Value onehot = o.cast(
        o.compare(ComparePredicate::eq, idx,
                  o.constant(RankedTensorType::get({1, n}, it), iota)),
        operandType);
    Value updates = o.reshape(narrow ? op.getUpdates() : o.f(op.getUpdates()),
                              {outer, j, inner});
    // result[o, n, i] = sum_j onehot[j, n] * updates[o, j, i].
    auto d = [&](int64_t i) { return getAffineDimExpr(i, context); };
    SmallVector<AffineMap> maps = {
        AffineMap::get(4, 0, {d(0), d(3), d(2)}, context),
        AffineMap::get(4, 0, {d(3), d(1)}, context),
        AffineMap::get(4, 0, {d(0), d(1), d(2)}, context)};
    auto accType = RankedTensorType::get({outer, n, inner}, o.f32());
    Value zero = scalarConstant(rewriter, loc, 0.0, o.f32());
    Value init = linalg::FillOp::create(rewriter, loc, ValueRange{zero},
                                        ValueRange{emptyLike(rewriter, loc, accType)})
                     .getResult(0);
    // The one-hot and updates are aster ops the conversion legalises in
    // turn.
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{accType}, ValueRange{updates, onehot},
        ValueRange{init}, maps,
        {utils::IteratorType::parallel, utils::IteratorType::parallel,
         utils::IteratorType::parallel, utils::IteratorType::reduction},
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value x = a[0], y = a[1];
          if (narrow) {
            x = arith::ExtFOp::create(b, l, b.getF32Type(), x);
            y = arith::ExtFOp::create(b, l, b.getF32Type(), y);
          }
          Value prod = arith::MulFOp::create(b, l, x, y);
          linalg::YieldOp::create(b, l,
                                  arith::AddFOp::create(b, l, a[2], prod).getResult());
        });
    Value r = reshape(rewriter, loc, generic.getResult(0), out.getShape());
    rewriter.replaceOp(op, convertTensor(rewriter, loc, r, out.getElementType()));
    return success();
  }
};

struct InsertSliceToTensor : OpRewritePattern<InsertSliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(InsertSliceOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType out = op.getType();
    Value zero = scalarConstant(rewriter, loc, 0.0, out.getElementType());
    Value dest = linalg::FillOp::create(rewriter, loc, ValueRange{zero},
                                        ValueRange{emptyLike(rewriter, loc, out)})
                     .getResult(0);
    SmallVector<OpFoldResult> offsets, sizes, strides;
    ArrayRef<int64_t> srcShape = tensorType(op.getSource()).getShape();
    for (int64_t d = 0; d < out.getRank(); ++d) {
      offsets.push_back(rewriter.getIndexAttr(op.getStart()[d]));
      sizes.push_back(rewriter.getIndexAttr(srcShape[d]));
      strides.push_back(rewriter.getIndexAttr(
          op.getStep() ? (*op.getStep())[d] : 1));
    }
    rewriter.replaceOpWithNewOp<tensor::InsertSliceOp>(op, op.getSource(), dest,
                                                       offsets, sizes, strides);
    return success();
  }
};

} // namespace

void mlir::aster::populateCompositeToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<AttentionToOps<AttentionOp>, AttentionToOps<AttentionFwdOp>,
               AttentionBwdToOps,
               NormFwdToOps<LayerNormOp, false>,
               NormFwdToOps<RmsNormOp, true>,
               NormFwdToOps<LayerNormFwdOp, false>,
               NormFwdToOps<RmsNormFwdOp, true>,
               NormBwdToOps<LayerNormBwdOp, false>,
               NormBwdToOps<RmsNormBwdOp, true>, CrossEntropyToOps,
               CrossEntropyFwdToOps, CrossEntropyBwdToOps, RopeToOps,
               ScatterAddToLinalg, InsertSliceToTensor>(patterns.getContext());
}
