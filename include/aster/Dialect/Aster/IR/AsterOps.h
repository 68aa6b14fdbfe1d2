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

namespace mlir::aster {
namespace detail {
LogicalResult verifyNoUnknownAttributes(Operation *op);
} // namespace detail

namespace OpTrait {
/// See Aster_NoUnknownAttributes in AsterBase.td.
template <typename ConcreteType>
class NoUnknownAttributes
    : public ::mlir::OpTrait::TraitBase<ConcreteType, NoUnknownAttributes> {
public:
  static LogicalResult verifyTrait(Operation *op) {
    return detail::verifyNoUnknownAttributes(op);
  }
};
} // namespace OpTrait
} // namespace mlir::aster

#include "aster/Dialect/Aster/IR/AsterInterfaces.h.inc"

#define GET_OP_CLASSES
#include "aster/Dialect/Aster/IR/AsterOps.h.inc"

#endif // ASTER_DIALECT_ASTER_IR_ASTEROPS_H
