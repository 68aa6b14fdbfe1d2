//===- AsterOps.h - Aster operations ----------------------------*- C++ -*-===//
//
// The ops of the `aster` dialect.
//
//===----------------------------------------------------------------------===//

#ifndef ASTER_DIALECT_ASTER_IR_ASTEROPS_H
#define ASTER_DIALECT_ASTER_IR_ASTEROPS_H

#include "aster/Dialect/Aster/IR/AsterDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "aster/Dialect/Aster/IR/AsterOps.h.inc"

#endif // ASTER_DIALECT_ASTER_IR_ASTEROPS_H
