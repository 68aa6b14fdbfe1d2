//===- AsterDialect.h - Aster dialect declaration ---------------*- C++ -*-===//
//
// The `aster` dialect, its enums and attributes.
//
//===----------------------------------------------------------------------===//

#ifndef ASTER_DIALECT_ASTER_IR_ASTERDIALECT_H
#define ASTER_DIALECT_ASTER_IR_ASTERDIALECT_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"

#include "aster/Dialect/Aster/IR/AsterOpsDialect.h.inc"

#include "aster/Dialect/Aster/IR/AsterEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "aster/Dialect/Aster/IR/AsterAttrs.h.inc"

#endif // ASTER_DIALECT_ASTER_IR_ASTERDIALECT_H
