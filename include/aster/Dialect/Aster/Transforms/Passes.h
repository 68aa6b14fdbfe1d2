//===- Passes.h - Passes on the aster dialect -------------------*- C++ -*-===//

#ifndef ASTER_DIALECT_ASTER_TRANSFORMS_PASSES_H
#define ASTER_DIALECT_ASTER_TRANSFORMS_PASSES_H

#include "aster/Dialect/Aster/IR/AsterDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

namespace mlir::aster {

#define GEN_PASS_DECL
#include "aster/Dialect/Aster/Transforms/Passes.h.inc"

/// softmax(q k^T * scale [+ mask] [causal]) @ v to aster.attention; part of
/// aster-raise-decomposed (RaiseAttention.cpp).
void populateRaiseAttentionPatterns(RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "aster/Dialect/Aster/Transforms/Passes.h.inc"

} // namespace mlir::aster

#endif // ASTER_DIALECT_ASTER_TRANSFORMS_PASSES_H
