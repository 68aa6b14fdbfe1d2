//===- Interpreter.h - The reference interpreter ----------------*- C++ -*-===//
//
// Executes a function of the `aster` dialect naively in f64: every op computes
// its exact-as-f64 result, then rounds it to its result's element type when
// that type is bf16 or f16 (f32 values are held in f64). It is the oracle
// every numeric test compares generated code against, so it favours obvious
// correctness over speed.
//
//===----------------------------------------------------------------------===//

#ifndef ASTER_INTERPRETER_INTERPRETER_H
#define ASTER_INTERPRETER_INTERPRETER_H

#include "aster/Interpreter/RefTensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/LLVM.h"

namespace mlir::aster::interp {

/// Runs `function` on `arguments` (one per function argument, of its type)
/// and returns its results. Failures (an op the interpreter does not know,
/// an index out of range at run time) are emitted as diagnostics at the
/// op's location.
FailureOr<SmallVector<RefTensor>> runFunction(func::FuncOp function,
                                              ArrayRef<RefTensor> arguments);

} // namespace mlir::aster::interp

#endif // ASTER_INTERPRETER_INTERPRETER_H
