//===- WarpVectorFragments.cpp - Whole tiles per lane, vector.contract ----===//
//
// The MmaFragments the CPU emulation runs (include/aster/Codegen/GPU/
// MmaFragments.h): each lane reads the warp's whole tiles and multiplies
// them with vector.contract, and each lane stores the whole accumulator
// (the same values as its neighbours). What this checks is everything
// around the instruction: tiles, staging, guards and epilogues.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/GPU/MmaFragments.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace {

class WarpVectorFragments : public aster::MmaFragments {
public:
  WarpVectorFragments(int64_t m, int64_t n, int64_t k, int64_t lanes)
      : m(m), n(n), k(k), lanes(lanes) {}
  int64_t tileM() const override { return m; }
  int64_t tileN() const override { return n; }
  int64_t tileK() const override { return k; }
  int64_t warpLanes() const override { return lanes; }

  Value zero(OpBuilder &b, Location loc) const override {
    auto type = VectorType::get({m, n}, b.getF32Type());
    return arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
  }

  Value read(OpBuilder &b, Location loc, Value tiles, Value row, Value col,
             int64_t rows, bool transposed) const {
    Type element = cast<MemRefType>(tiles.getType()).getElementType();
    Value pad = arith::ConstantOp::create(b, loc, element,
                                          b.getZeroAttr(element));
    auto type = VectorType::get({rows, k}, element);
    if (!transposed)
      return vector::TransferReadOp::create(b, loc, type, tiles,
                                            ValueRange{row, col}, pad,
                                            ArrayRef<bool>{true, true});
    AffineMap swap = AffineMap::getPermutationMap(ArrayRef<unsigned>{1, 0},
                                                  b.getContext());
    return vector::TransferReadOp::create(b, loc, type, tiles,
                                          ValueRange{col, row},
                                          AffineMapAttr::get(swap), pad,
                                          /*mask=*/Value(),
                                          b.getBoolArrayAttr({true, true}));
  }
  Value readA(OpBuilder &b, Location loc, Value tiles, Value row, Value col,
              bool transposed, Value) const override {
    return read(b, loc, tiles, row, col, m, transposed);
  }
  Value readB(OpBuilder &b, Location loc, Value tiles, Value row, Value col,
              bool transposed, Value) const override {
    return read(b, loc, tiles, row, col, n, transposed);
  }

  Value multiply(OpBuilder &b, Location loc, Value a, Value bTile,
                 Value acc) const override {
    MLIRContext *ctx = b.getContext();
    AffineExpr i, j, l;
    bindDims(ctx, i, j, l);
    SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {i, l}, ctx),
                                   AffineMap::get(3, 0, {j, l}, ctx),
                                   AffineMap::get(3, 0, {i, j}, ctx)};
    // vector.contract multiplies in the inputs' type; the instruction
    // multiplies exactly and accumulates in f32.
    Type f32 = b.getF32Type();
    auto widen = [&](Value v) -> Value {
      auto type = cast<VectorType>(v.getType());
      return arith::ExtFOp::create(b, loc, type.clone(f32), v);
    };
    return vector::ContractionOp::create(
        b, loc, widen(a), widen(bTile), acc, b.getAffineMapArrayAttr(maps),
        b.getArrayAttr({vector::IteratorTypeAttr::get(
                            ctx, vector::IteratorType::parallel),
                        vector::IteratorTypeAttr::get(
                            ctx, vector::IteratorType::parallel),
                        vector::IteratorTypeAttr::get(
                            ctx, vector::IteratorType::reduction)}));
  }

  void store(OpBuilder &b, Location loc, Value acc, Value staging, Value warp,
             Value row, Value col, Value) const override {
    vector::TransferWriteOp::create(b, loc, acc, staging,
                                    ValueRange{warp, row, col},
                                    ArrayRef<bool>{true, true});
  }

private:
  int64_t m, n, k, lanes;
};

} // namespace

std::unique_ptr<aster::MmaFragments>
aster::createWarpVectorFragments(const MmaFragments &like) {
  return std::make_unique<WarpVectorFragments>(like.tileM(), like.tileN(),
                                               like.tileK(), like.warpLanes());
}
