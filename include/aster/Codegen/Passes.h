//===- Passes.h - Code generation passes -----------------------*- C++ -*-===//

#ifndef ASTER_CODEGEN_PASSES_H
#define ASTER_CODEGEN_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::aster {

#define GEN_PASS_DECL
#include "aster/Codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "aster/Codegen/Passes.h.inc"

/// The aster-to-linalg patterns, one function per op family
/// (lib/Codegen/Common/*ToLinalg.cpp).
void populateElementwiseToLinalgPatterns(RewritePatternSet &patterns);
void populateMatmulToLinalgPatterns(RewritePatternSet &patterns);
void populateReductionsToLinalgPatterns(RewritePatternSet &patterns);
void populateDataMovementToLinalgPatterns(RewritePatternSet &patterns);
void populateCompositeToLinalgPatterns(RewritePatternSet &patterns);

} // namespace mlir::aster

#endif // ASTER_CODEGEN_PASSES_H
