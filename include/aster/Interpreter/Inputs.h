//===- Inputs.h - Seeded inputs for the reference interpreter ---*- C++ -*-===//
//
// Deterministic values for arguments that no file provides: parameters from
// their #aster.init, other float inputs from a standard normal, integer inputs
// uniform in [0, bound). Each argument draws from its own stream, keyed by
// the seed and its name (or position), so adding an argument leaves the
// values of the others unchanged. The generator (SplitMix64 with Box-Muller)
// is written out so that the values are the same on every platform.
//
//===----------------------------------------------------------------------===//

#ifndef ASTER_INTERPRETER_INPUTS_H
#define ASTER_INTERPRETER_INPUTS_H

#include "aster/Dialect/Aster/IR/AsterDialect.h"
#include "aster/Interpreter/RefTensor.h"
#include "aster/Support/SeededStream.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::aster::interp {

/// A deterministic, platform-independent random stream.
/// The generator shared with the runtime (aster/Support/SeededStream.h).
using SeededStream = ::aster::SeededStream;

RefTensor generateArgument(RankedTensorType type, InitAttr init,
                           uint64_t seed, llvm::StringRef key,
                           int64_t intBound);

/// The exclusive bound for integer argument `index` implied by its uses: the
/// vocabulary of an embedding it indexes, the classes of a cross_entropy it
/// labels, the sequence of a rope it positions; 2 when nothing bounds it.
int64_t integerBoundFromUses(func::FuncOp function, unsigned index);

} // namespace mlir::aster::interp

#endif // ASTER_INTERPRETER_INPUTS_H
