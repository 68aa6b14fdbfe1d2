//===- Inputs.cpp - Seeded inputs for the reference interpreter -----------===//

#include "aster/Interpreter/Inputs.h"
#include "aster/Dialect/Aster/IR/AsterOps.h"

#include "llvm/ADT/StringExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::aster;
using namespace mlir::aster::interp;

RefTensor mlir::aster::interp::generateArgument(RankedTensorType type,
                                                InitAttr init, uint64_t seed,
                                                llvm::StringRef key,
                                                int64_t intBound) {
  ElementKind kind = *elementKindOf(type.getElementType());
  RefTensor t = RefTensor::zeros(kind, type.getShape());
  SeededStream stream(seed, std::string_view(key.data(), key.size()));
  if (!t.isFloat()) {
    for (int64_t &v : t.ints)
      v = static_cast<int64_t>(stream.next() % static_cast<uint64_t>(intBound));
    return t;
  }
  for (double &v : t.floats) {
    if (!init) {
      v = stream.normal();
      continue;
    }
    switch (init.getKind()) {
    case InitKind::zeros:
      v = 0.0;
      break;
    case InitKind::ones:
      v = 1.0;
      break;
    case InitKind::constant:
      v = init.getConstantValue();
      break;
    case InitKind::normal:
      v = init.getMeanValue() + init.getStdValue() * stream.normal();
      break;
    case InitKind::uniform:
      v = init.getLowValue() + (init.getHighValue() - init.getLowValue()) * stream.uniform();
      break;
    }
  }
  // Arguments are values of their declared type: unlike op results, which
  // the oracle holds in f64, a generated f32 input is an f32 number, as any
  // file or device buffer would hold it.
  if (kind == ElementKind::F32)
    for (double &v : t.floats)
      v = static_cast<float>(v);
  t.roundToKind();
  return t;
}

/// The tightest bound the uses of `value` put on its integers: embedding
/// ids, cross-entropy labels, rope positions, followed through data
/// movement (slice, reshape, transpose, concat) and into called functions.
static int64_t boundFromUses(Value value, ModuleOp module, int depth) {
  int64_t bound = 0;
  auto tighten = [&](int64_t b) {
    if (b > 0 && (bound == 0 || b < bound))
      bound = b;
  };
  if (depth > 16)
    return 0;
  for (OpOperand &use : value.getUses()) {
    Operation *user = use.getOwner();
    if (auto op = dyn_cast<EmbeddingOp>(user);
        op && use.get() == op.getIds())
      tighten(op.getTable().getType().getDimSize(0));
    else if (auto op = dyn_cast<CrossEntropyOp>(user);
             op && use.get() == op.getLabels())
      tighten(op.getLogits().getType().getShape().back());
    else if (auto op = dyn_cast<RopeOp>(user);
             op && use.get() == op.getPositions())
      tighten(op.getInput().getType().getShape().drop_back().back());
    else if (isa<SliceOp, ReshapeOp, TransposeOp, ConcatOp, BroadcastOp>(user))
      tighten(boundFromUses(user->getResult(0), module, depth + 1));
    else if (auto call = dyn_cast<func::CallOp>(user); call && module)
      if (auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee());
          callee && !callee.isExternal())
        tighten(boundFromUses(callee.getArgument(use.getOperandNumber()),
                              module, depth + 1));
  }
  return bound;
}

int64_t mlir::aster::interp::integerBoundFromUses(func::FuncOp function,
                                                  unsigned index) {
  if (function.isExternal())
    return 2;
  int64_t bound = boundFromUses(function.getArgument(index),
                                function->getParentOfType<ModuleOp>(), 0);
  return bound == 0 ? 2 : bound;
}
