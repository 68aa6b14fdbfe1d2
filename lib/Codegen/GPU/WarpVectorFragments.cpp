//===- WarpVectorFragments.cpp - Whole tiles per lane, for emulation ------===//
//
// The MmaFragments the CPU emulation runs (include/aster/Codegen/GPU/
// MmaFragments.h): each lane reads the warp's whole tiles (flat vectors)
// and multiplies them in loops, exact products accumulated in f32 as the
// instruction does, and each lane stores the whole accumulator (the same
// values as its neighbours). What this checks is everything around the
// instruction: tiles, staging, guards and epilogues. Loops, not
// vector.contract, because the CPU code of fully unrolled tiles is tens of
// megabytes per model.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/GPU/MmaFragments.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace {

class WarpVectorFragments : public aster::MmaFragments {
public:
  WarpVectorFragments(int64_t m, int64_t n, int64_t k, int64_t lanes,
                      bool reusesAccumulators, bool swizzled)
      : m(m), n(n), k(k), lanes(lanes),
        reusesAccumulators(reusesAccumulators), swizzled(swizzled) {}
  int64_t tileM() const override { return m; }
  int64_t tileN() const override { return n; }
  int64_t tileK() const override { return k; }
  int64_t warpLanes() const override { return lanes; }

  Value zero(OpBuilder &b, Location loc) const override {
    auto type = VectorType::get({m * n}, b.getF32Type());
    return arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
  }

  /// Loops over (i < a, j < b[, l < c]) whose body `body(b, ivs, carried)`
  /// returns the next value of the one carried vector.
  static Value loops(OpBuilder &b, Location loc, ArrayRef<int64_t> sizes,
                     Value init,
                     function_ref<Value(OpBuilder &, ValueRange, Value)> body) {
    SmallVector<Value> ivs;
    std::function<Value(OpBuilder &, size_t, Value)> nest =
        [&](OpBuilder &nb, size_t d, Value carried) -> Value {
      if (d == sizes.size())
        return body(nb, ivs, carried);
      auto loop = scf::ForOp::create(
          nb, loc, arith::ConstantIndexOp::create(nb, loc, 0),
          arith::ConstantIndexOp::create(nb, loc, sizes[d]),
          arith::ConstantIndexOp::create(nb, loc, 1), ValueRange{carried});
      OpBuilder inner = OpBuilder::atBlockBegin(loop.getBody());
      ivs.push_back(loop.getInductionVar());
      Value next = nest(inner, d + 1, loop.getRegionIterArgs()[0]);
      ivs.pop_back();
      scf::YieldOp::create(inner, loc, next);
      return loop.getResult(0);
    };
    return nest(b, 0, init);
  }

  static Value flat(OpBuilder &b, Location loc, Value i, int64_t stride,
                    Value j) {
    return arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(b, loc, i,
                              arith::ConstantIndexOp::create(b, loc, stride)),
        j);
  }

  /// The rows x k tile as one flat f32 vector ([row][k]), read element by
  /// element in loops (so that the CPU code stays small; f32 because the
  /// CPU has no bf16 registers).
  Value read(OpBuilder &b, Location loc, Value tiles, Value row, Value col,
             int64_t rows, bool transposed) const {
    auto type = VectorType::get({rows * k}, b.getF32Type());
    Value init = arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
    return loops(b, loc, {rows, k}, init,
                 [&](OpBuilder &lb, ValueRange ivs, Value tile) -> Value {
      Value r = arith::AddIOp::create(lb, loc, row, ivs[0]);
      Value c = arith::AddIOp::create(lb, loc, col, ivs[1]);
      SmallVector<Value> at =
          swizzled     ? aster::swizzledIndices(lb, loc, r, c, transposed)
          : transposed ? SmallVector<Value>{c, r}
                       : SmallVector<Value>{r, c};
      Value v = memref::LoadOp::create(lb, loc, tiles, at);
      v = arith::ExtFOp::create(lb, loc, lb.getF32Type(), v);
      return vector::InsertOp::create(lb, loc, v, tile,
                                      flat(lb, loc, ivs[0], k, ivs[1]));
    });
  }
  Value readA(OpBuilder &b, Location loc, Value tiles, Value row, Value col,
              bool transposed, Value) const override {
    return read(b, loc, tiles, row, col, m, transposed);
  }
  Value readB(OpBuilder &b, Location loc, Value tiles, Value row, Value col,
              bool transposed, Value) const override {
    return read(b, loc, tiles, row, col, n, transposed);
  }

  /// Exact products of the inputs, accumulated in f32.
  Value multiply(OpBuilder &b, Location loc, Value a, Value bTile,
                 Value acc) const override {
    return loops(b, loc, {m, n, k}, acc,
                 [&](OpBuilder &lb, ValueRange ivs, Value c) -> Value {
      auto element = [&](Value tile, Value row) -> Value {
        return vector::ExtractOp::create(lb, loc, tile,
                                         flat(lb, loc, row, k, ivs[2]));
      };
      Value at = flat(lb, loc, ivs[0], n, ivs[1]);
      Value sum = arith::AddFOp::create(
          lb, loc, vector::ExtractOp::create(lb, loc, c, at),
          arith::MulFOp::create(lb, loc, element(a, ivs[0]),
                                element(bTile, ivs[1])));
      return vector::InsertOp::create(lb, loc, sum, c, at);
    });
  }

  void store(OpBuilder &b, Location loc, Value acc, Value target,
             ValueRange leading, Value row, Value col,
             Value) const override {
    Type element = cast<MemRefType>(target.getType()).getElementType();
    if (element != b.getF32Type())
      acc = arith::TruncFOp::create(b, loc, VectorType::get({m * n}, element),
                                    acc);
    Value tile = vector::ShapeCastOp::create(
        b, loc, VectorType::get({m, n}, element), acc);
    SmallVector<Value> indices(leading);
    indices.append({row, col});
    SmallVector<bool> inBounds(2, true);
    vector::TransferWriteOp::create(b, loc, tile, target, indices, inBounds);
  }

  // Every lane holds every row (slot r is row r).
  int64_t laneRows() const override { return m; }
  int64_t rowLanes() const override { return 1; }
  Value slotRow(OpBuilder &b, Location loc, Value, int64_t slot) const override {
    return arith::ConstantIndexOp::create(b, loc, slot);
  }
  Value mapElements(OpBuilder &b, Location loc, ValueRange accs, Value,
                    ElementFn fn) const override {
    SmallVector<Value> inputs(accs);
    return loops(b, loc, {m, n}, zero(b, loc),
                 [&](OpBuilder &lb, ValueRange ivs, Value tile) -> Value {
      Value at = flat(lb, loc, ivs[0], n, ivs[1]);
      SmallVector<Value> elements;
      for (Value acc : inputs)
        elements.push_back(vector::ExtractOp::create(lb, loc, acc, at));
      return vector::InsertOp::create(
          lb, loc, fn(lb, elements, ivs[0], ivs[0], ivs[1]), tile, at);
    });
  }
  Value foldRows(OpBuilder &b, Location loc, Value acc, Value rows,
                 function_ref<Value(OpBuilder &, Value, Value)> combine)
      const override {
    return loops(b, loc, {m, n}, rows,
                 [&](OpBuilder &lb, ValueRange ivs, Value folded) -> Value {
      Value element = vector::ExtractOp::create(
          lb, loc, acc, flat(lb, loc, ivs[0], n, ivs[1]));
      Value row = vector::ExtractOp::create(lb, loc, folded, ivs[0]);
      return vector::InsertOp::create(lb, loc, combine(lb, row, element),
                                      folded, ivs[0]);
    });
  }
  bool accumulatorIsA() const override { return reusesAccumulators; }
  Value accumulatorsAsA(OpBuilder &b, Location loc, ValueRange accs,
                        Type element) const override {
    if (!reusesAccumulators)
      return Value();
    // A[r][j n + c] = acc_j[r][c], rounded to `element` as the instruction
    // sees it.
    auto type = VectorType::get({m * k}, b.getF32Type());
    Value a = arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
    for (auto [j, acc] : llvm::enumerate(accs)) {
      Value tileAcc = acc;
      int64_t offset = int64_t(j) * n;
      a = loops(b, loc, {m, n}, a,
                [&](OpBuilder &lb, ValueRange ivs, Value tile) -> Value {
        Value v = vector::ExtractOp::create(lb, loc, tileAcc,
                                            flat(lb, loc, ivs[0], n, ivs[1]));
        Value rounded = arith::TruncFOp::create(lb, loc, element, v);
        v = arith::ExtFOp::create(lb, loc, lb.getF32Type(), rounded);
        Value col = arith::AddIOp::create(
            lb, loc, ivs[1], arith::ConstantIndexOp::create(lb, loc, offset));
        return vector::InsertOp::create(lb, loc, v, tile,
                                        flat(lb, loc, ivs[0], k, col));
      });
    }
    return a;
  }

private:
  int64_t m, n, k, lanes;
  bool reusesAccumulators, swizzled;
};

} // namespace

std::unique_ptr<aster::MmaFragments>
aster::createWarpVectorFragments(const MmaFragments &like, bool swizzled) {
  return std::make_unique<WarpVectorFragments>(
      like.tileM(), like.tileN(), like.tileK(), like.warpLanes(),
      like.accumulatorIsA(), swizzled);
}

SmallVector<Value> aster::swizzledIndices(OpBuilder &b, Location loc,
                                          Value mn, Value k, bool mnMajor) {
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  // Element `element` of swizzled row `row`: its chunk (8 elements of 16
  // bits) XORed with the row's place in its 8-row atom.
  auto swizzle = [&](Value row, Value element) -> Value {
    Value chunk = arith::DivUIOp::create(b, loc, element, index(8));
    Value within = arith::RemUIOp::create(b, loc, element, index(8));
    chunk = arith::XOrIOp::create(
        b, loc, chunk, arith::RemUIOp::create(b, loc, row, index(8)));
    return arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, chunk, index(8)), within);
  };
  if (!mnMajor)
    return {mn, swizzle(mn, k)};
  Value rowElements = index(kSwizzledRowElements);
  return {arith::DivUIOp::create(b, loc, mn, rowElements), k,
          swizzle(k, arith::RemUIOp::create(b, loc, mn, rowElements))};
}

std::unique_ptr<aster::MmaFragments>
aster::createFragmentsByName(StringRef instruction) {
  if (instruction == "mma.sync")
    return createMmaSyncFragments();
  if (instruction == "mfma")
    return createMfmaFragments();
  if (instruction == "mma.sync-emulated")
    return createWarpVectorFragments(*createMmaSyncFragments());
  if (instruction == "mfma-emulated")
    return createWarpVectorFragments(*createMfmaFragments());
  return nullptr;
}
