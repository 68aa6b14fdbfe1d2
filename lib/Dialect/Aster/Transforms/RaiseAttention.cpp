//===- RaiseAttention.cpp - Decomposed attention to aster.attention -------===//
//
// Patterns for aster-raise-decomposed (the pass lives in
// RaiseDecomposedOps.cpp): `softmax(q k^T * scale [+ mask] [causal]) @ v`,
// as exporters and eager PyTorch spell it, becomes one aster.attention,
// which later phases turn into a flash-attention kernel.
//
// What is proved before rewriting:
// - the softmax is over the last dimension and feeds the left operand of
//   the final matmul untransposed;
// - scores are one matmul of q and k with k transposed (the transpose_rhs
//   flag or a transpose of the last two dimensions), scaled only by splat
//   constants (mul or div, on the scores or on q and k);
// - a causal mask is a constant whose last two dimensions hold "key j is
//   visible from query i" exactly for j <= i (top-left, as aster.attention)
//   and whose other dimensions are 1; masked entries are -inf or a finite
//   value at most -1e30 (PyTorch's finfo(f32/bf16).min). Every causal row
//   keeps its diagonal, so exp(masked - row max) underflows to exactly 0
//   for any score above -1e30 + 745: the same result;
// - any other additive mask is kept as aster.attention's mask operand when
//   it has the scores' element type and broadcasts to them;
// - q, k, v have rank 4 (or rank 3, read as one batch of heads) with equal
//   batch dimensions, and k and v the same number of heads, 1 or q's.
//
//===----------------------------------------------------------------------===//

#include "aster/Dialect/Aster/IR/AsterOps.h"
#include "aster/Dialect/Aster/Transforms/Passes.h"

#include "mlir/Dialect/Traits.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::aster;

namespace {

/// A splat floating-point constant's value as a double.
std::optional<double> splatDouble(Value v) {
  DenseElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || !attr.isSplat() ||
      !isa<FloatType>(attr.getElementType()))
    return std::nullopt;
  return attr.getSplatValue<APFloat>().convertToDouble();
}

bool isMaskedValue(double v) { return v <= -1e30; }

/// Whether the constant's element at (i, j) of its last two dimensions,
/// the same in every leading position (all of size 1), satisfies
/// `visible(i, j) == (j <= i)` for `sq x skv`.
template <typename Visible>
bool isCausalConstant(Value v, int64_t sq, int64_t skv, Visible visible) {
  DenseElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return false;
  auto type = cast<RankedTensorType>(attr.getType());
  ArrayRef<int64_t> shape = type.getShape();
  if (shape.size() < 2 || shape[shape.size() - 2] != sq ||
      shape.back() != skv)
    return false;
  if (llvm::any_of(shape.drop_back(2), [](int64_t d) { return d != 1; }))
    return false;
  int64_t index = 0;
  for (int64_t i = 0; i < sq; ++i)
    for (int64_t j = 0; j < skv; ++j, ++index) {
      std::optional<bool> seen = visible(attr, index);
      if (!seen || *seen != (j <= i))
        return false;
    }
  return true;
}

/// A boolean constant that is true exactly where j <= i.
bool isCausalCondition(Value v, int64_t sq, int64_t skv) {
  if (!cast<RankedTensorType>(v.getType()).getElementType().isInteger(1))
    return false;
  return isCausalConstant(v, sq, skv,
                          [](DenseElementsAttr a, int64_t i) -> std::optional<bool> {
                            return a.getValues<bool>()[i];
                          });
}

/// A float constant that is 0 where j <= i and masked above.
bool isCausalBias(Value v, int64_t sq, int64_t skv) {
  if (!isa<FloatType>(cast<RankedTensorType>(v.getType()).getElementType()))
    return false;
  return isCausalConstant(
      v, sq, skv, [](DenseElementsAttr a, int64_t i) -> std::optional<bool> {
        double x = a.getValues<APFloat>()[i].convertToDouble();
        if (x == 0.0)
          return true;
        if (isMaskedValue(x))
          return false;
        return std::nullopt;
      });
}

struct Match {
  Value q, k;
  double scale = 1.0;
  bool causal = false;
  Value mask;
};

/// Peels scalings by splat constants that keep the shape off `v`,
/// multiplying them into `scale`.
Value peelScale(Value v, double &scale) {
  while (true) {
    Operation *op = v.getDefiningOp();
    if (!op || !isa<MulOp, DivOp>(op))
      return v;
    Value lhs = op->getOperand(0), rhs = op->getOperand(1);
    std::optional<double> c = splatDouble(rhs);
    if (c && lhs.getType() == v.getType() && (isa<MulOp>(op) || *c != 0.0)) {
      scale = isa<MulOp>(op) ? scale * *c : scale / *c;
      v = lhs;
      continue;
    }
    c = splatDouble(lhs);
    if (c && isa<MulOp>(op) && rhs.getType() == v.getType()) {
      scale *= *c;
      v = rhs;
      continue;
    }
    return v;
  }
}

/// Matches the scores feeding the softmax.
bool matchScores(Value v, int64_t sq, int64_t skv, Match &m) {
  if (auto select = v.getDefiningOp<SelectOp>()) {
    std::optional<double> fill = splatDouble(select.getFalseValue());
    if (m.causal || !fill || !isMaskedValue(*fill) ||
        !isCausalCondition(select.getCondition(), sq, skv) ||
        select.getTrueValue().getType() != v.getType())
      return false;
    m.causal = true;
    return matchScores(select.getTrueValue(), sq, skv, m);
  }
  if (auto add = v.getDefiningOp<AddOp>()) {
    for (auto [scores, bias] : {std::pair(add.getLhs(), add.getRhs()),
                                std::pair(add.getRhs(), add.getLhs())}) {
      if (scores.getType() != v.getType())
        continue;
      Match tryMatch = m;
      if (!m.causal && isCausalBias(bias, sq, skv)) {
        tryMatch.causal = true;
      } else if (!m.mask) {
        tryMatch.mask = bias;
      } else {
        continue;
      }
      if (matchScores(scores, sq, skv, tryMatch)) {
        m = tryMatch;
        return true;
      }
    }
    return false;
  }
  Value product = peelScale(v, m.scale);
  auto qk = product.getDefiningOp<MatmulOp>();
  if (!qk || qk.getTransposeLhs())
    return false;
  Value k = peelScale(qk.getRhs(), m.scale);
  if (!qk.getTransposeRhs()) {
    auto transpose = k.getDefiningOp<TransposeOp>();
    if (!transpose)
      return false;
    ArrayRef<int64_t> perm = transpose.getPermutation();
    int64_t rank = perm.size();
    for (int64_t d = 0; d < rank; ++d)
      if (perm[d] != (d == rank - 2 ? rank - 1 : d == rank - 1 ? rank - 2 : d))
        return false;
    k = transpose.getInput();
  }
  m.q = peelScale(qk.getLhs(), m.scale);
  m.k = peelScale(k, m.scale);
  return true;
}

struct RaiseAttention : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp pv,
                                PatternRewriter &rewriter) const override {
    if (pv.getTransposeLhs() || pv.getTransposeRhs())
      return rewriter.notifyMatchFailure(pv, "transposed operands");
    auto softmax = pv.getLhs().getDefiningOp<SoftmaxOp>();
    auto probsType = cast<RankedTensorType>(pv.getLhs().getType());
    int64_t rank = probsType.getRank();
    if (!softmax || static_cast<int64_t>(softmax.getAxis()) != rank - 1 || (rank != 3 && rank != 4))
      return rewriter.notifyMatchFailure(pv, "not softmax(.) @ v");
    int64_t sq = probsType.getDimSize(rank - 2);
    int64_t skv = probsType.getDimSize(rank - 1);
    Match m;
    if (!matchScores(softmax.getInput(), sq, skv, m))
      return rewriter.notifyMatchFailure(pv, "scores are not q k^T");
    Value v = pv.getRhs();
    auto qt = cast<RankedTensorType>(m.q.getType());
    auto kt = cast<RankedTensorType>(m.k.getType());
    auto vt = cast<RankedTensorType>(v.getType());
    Type et = qt.getElementType();
    if (qt.getRank() != rank || kt.getRank() != rank || vt.getRank() != rank ||
        kt.getElementType() != et || vt.getElementType() != et ||
        probsType.getElementType() != et)
      return rewriter.notifyMatchFailure(pv, "ranks or element types differ");
    ArrayRef<int64_t> qs = qt.getShape(), ks = kt.getShape(),
                      vs = vt.getShape();
    // Batch dimensions: the leading one equal; heads (rank 4) equal, or
    // 1 for both k and v.
    if (ks[0] != qs[0] || vs[0] != qs[0] ||
        (rank == 4 && (ks[1] != vs[1] || (ks[1] != qs[1] && ks[1] != 1))))
      return rewriter.notifyMatchFailure(pv, "batch dimensions differ");
    if (m.mask) {
      auto mt = cast<RankedTensorType>(m.mask.getType());
      SmallVector<int64_t> full;
      if (rank != 4 || mt.getElementType() != et ||
          !::mlir::OpTrait::util::getBroadcastedShape(mt.getShape(),
                                              probsType.getShape(), full) ||
          ArrayRef<int64_t>(full) != probsType.getShape())
        return rewriter.notifyMatchFailure(pv, "mask does not fit");
    }
    Location loc = pv.getLoc();
    auto as4d = [&](Value x) -> Value {
      if (rank == 4)
        return x;
      auto t = cast<RankedTensorType>(x.getType());
      SmallVector<int64_t> shape{1};
      llvm::append_range(shape, t.getShape());
      return ReshapeOp::create(rewriter, loc,
                               RankedTensorType::get(shape, et), x);
    };
    Value result = AttentionOp::create(
        rewriter, loc, as4d(m.q), as4d(m.k), as4d(v), m.mask, m.causal,
        rewriter.getF64FloatAttr(m.scale));
    if (rank == 3)
      result = ReshapeOp::create(rewriter, loc, pv.getType(), result);
    rewriter.replaceOp(pv, result);
    return success();
  }
};

} // namespace

void mlir::aster::populateRaiseAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseAttention>(patterns.getContext());
}
