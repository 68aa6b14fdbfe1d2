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
#include "llvm/ADT/DenseMap.h"

namespace mlir::aster::interp {

/// The most elements one tensor may hold in the interpreter (8 GiB of f64).
constexpr int64_t kMaxElements = int64_t(1) << 30;

/// Checks that every tensor `function` and the functions it calls compute
/// fits the interpreter (at most kMaxElements elements), emitting an error
/// at the first that does not.
LogicalResult checkTensorSizes(func::FuncOp function);

/// Runs `function` on `arguments` (one per function argument, of its type)
/// and returns its results. Failures (an op the interpreter does not know,
/// an index out of range at run time) are emitted as diagnostics at the
/// op's location.
FailureOr<SmallVector<RefTensor>> runFunction(func::FuncOp function,
                                              ArrayRef<RefTensor> arguments);

/// Evaluates one aster op whose operands all have values in `values`,
/// adding its results. Importers use it to fold subgraphs whose inputs are
/// all known (shape arithmetic), with exactly the ops' semantics.
LogicalResult evaluateOp(Operation *op,
                         llvm::DenseMap<Value, RefTensor> &values);

} // namespace mlir::aster::interp

#endif // ASTER_INTERPRETER_INTERPRETER_H
