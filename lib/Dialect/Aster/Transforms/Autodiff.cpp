//===- Autodiff.cpp - Reverse-mode differentiation of aster functions -----===//
//
// aster-autodiff: clones @F into @F_grad, turns the fused ops into their
// saving forms, then walks the ops backwards from the returned scalar,
// asking each op (GradientOpInterface) for its operands' gradients and
// summing them per value. Only "active" values, those that depend on a
// differentiated argument, receive gradients.
//
//===----------------------------------------------------------------------===//

#include "aster/Dialect/Aster/IR/AsterOps.h"
#include "aster/Dialect/Aster/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir::aster {
#define GEN_PASS_DEF_AUTODIFF
#include "aster/Dialect/Aster/Transforms/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;
using namespace mlir::aster;

namespace {

bool isFloatTensor(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && isa<FloatType>(type.getElementType());
}

/// Whether argument `i` of `f` is differentiated: a float tensor that is
/// not data.
bool isDifferentiated(func::FuncOp f, unsigned i) {
  return isFloatTensor(f.getArgument(i)) &&
         !f.getArgAttr(i, AsterDialect::kDataAttrName);
}

LogicalResult differentiate(func::FuncOp grad) {
  Block &body = grad.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  OpBuilder b(grad.getContext());

  // The fused ops become the forms that save what their backward reads.
  for (Operation &op : llvm::make_early_inc_range(body.without_terminator())) {
    auto iface = dyn_cast<GradientOpInterface>(&op);
    if (!iface)
      continue;
    b.setInsertionPoint(&op);
    if (Operation *saving = iface.buildSavingForm(b)) {
      op.getResult(0).replaceAllUsesWith(saving->getResult(0));
      op.erase();
    }
  }

  // Activity: float values that depend on a differentiated argument.
  llvm::DenseSet<Value> active;
  for (unsigned i = 0; i < grad.getNumArguments(); ++i)
    if (isDifferentiated(grad, i))
      active.insert(grad.getArgument(i));
  SmallVector<Operation *> ops;
  for (Operation &op : body.without_terminator()) {
    ops.push_back(&op);
    if (llvm::any_of(op.getOperands(),
                     [&](Value v) { return active.contains(v); }))
      for (Value r : op.getResults())
        if (isFloatTensor(r))
          active.insert(r);
  }

  // The reverse sweep, appending the backward before the return.
  llvm::DenseMap<Value, Value> adjoint;
  b.setInsertionPoint(ret);
  Value loss = ret.getOperand(0);
  auto lossType = cast<RankedTensorType>(loss.getType());
  adjoint[loss] = ConstantOp::create(
      b, ret.getLoc(),
      DenseElementsAttr::get(lossType,
                             b.getFloatAttr(lossType.getElementType(), 1.0)));
  for (Operation *op : llvm::reverse(ops)) {
    if (!llvm::any_of(op->getResults(),
                      [&](Value r) { return adjoint.count(r); }) ||
        !llvm::any_of(op->getOperands(),
                      [&](Value v) { return active.contains(v); }))
      continue;
    auto iface = dyn_cast<GradientOpInterface>(op);
    if (!iface)
      return op->emitOpError("has no gradient rule");
    if (auto attention = dyn_cast<AttentionFwdOp>(op);
        attention && attention.getMask() &&
        active.contains(attention.getMask()))
      return op->emitOpError("cannot differentiate through its mask, which "
                             "depends on a differentiated argument");
    // Results no gradient flows to contribute zeros.
    SmallVector<Value> resultGrads;
    for (Value r : op->getResults()) {
      Value g = adjoint.lookup(r);
      if (!g && isFloatTensor(r)) {
        auto type = cast<RankedTensorType>(r.getType());
        g = ConstantOp::create(
            b, op->getLoc(),
            DenseElementsAttr::get(type,
                                   b.getFloatAttr(type.getElementType(), 0.0)));
      }
      resultGrads.push_back(g);
    }
    SmallVector<Value> operandGrads;
    if (failed(iface.buildGradients(b, resultGrads, operandGrads)))
      return failure();
    for (auto [operand, g] : llvm::zip(op->getOperands(), operandGrads)) {
      if (!g || !active.contains(operand))
        continue;
      Value &acc = adjoint[operand];
      acc = acc ? AddOp::create(b, op->getLoc(), acc, g).getResult() : g;
    }
  }

  // Return the value and the gradients, zeros where none flowed.
  SmallVector<Value> results = {loss};
  for (unsigned i = 0; i < grad.getNumArguments(); ++i) {
    if (!isDifferentiated(grad, i))
      continue;
    Value arg = grad.getArgument(i);
    Value g = adjoint.lookup(arg);
    if (!g) {
      auto type = cast<RankedTensorType>(arg.getType());
      g = ConstantOp::create(
          b, ret.getLoc(),
          DenseElementsAttr::get(type,
                                 b.getFloatAttr(type.getElementType(), 0.0)));
    }
    results.push_back(g);
  }
  func::ReturnOp::create(b, ret.getLoc(), results);
  ret.erase();
  grad.setFunctionType(b.getFunctionType(
      grad.getArgumentTypes(), ValueRange(results).getTypes()));
  return success();
}

struct AutodiffPass : mlir::aster::impl::AutodiffBase<AutodiffPass> {
  using AutodiffBase::AutodiffBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto f = module.lookupSymbol<func::FuncOp>(function);
    if (!f) {
      module.emitError("aster-autodiff: no function @") << function;
      return signalPassFailure();
    }
    if (f.isExternal() || !f.getBody().hasOneBlock()) {
      f.emitError("aster-autodiff: @")
          << function << " must have a body of one block";
      return signalPassFailure();
    }
    auto resultType = f.getNumResults() == 1
                          ? dyn_cast<RankedTensorType>(f.getResultTypes()[0])
                          : RankedTensorType();
    if (!resultType || resultType.getRank() != 0 ||
        !isa<FloatType>(resultType.getElementType())) {
      f.emitError("aster-autodiff: @")
          << function << " must return one rank-0 float tensor, got "
          << f.getFunctionType().getResults();
      return signalPassFailure();
    }
    std::string name = function + "_grad";
    if (module.lookupSymbol(name)) {
      f.emitError("aster-autodiff: @") << name << " already exists";
      return signalPassFailure();
    }
    func::FuncOp grad = f.clone();
    grad.setSymName(name);
    module.insert(std::next(f->getIterator()), grad);
    if (failed(differentiate(grad)))
      return signalPassFailure();
  }
};

} // namespace
