//===- Passes.h - Code generation passes -----------------------*- C++ -*-===//

#ifndef ASTER_CODEGEN_PASSES_H
#define ASTER_CODEGEN_PASSES_H

#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
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
void populateAttentionToLinalgPatterns(RewritePatternSet &patterns);

/// convert-aster-to-linalg, aster-fuse-elementwise and aster-form-kernels
/// with cleanups: aster IR to one function per kernel, on tensors. Every
/// target's pipeline starts with it. `flashAttention` off spells attention
/// out (the GPU path until its attention kernel family exists).
void buildFusionPipeline(OpPassManager &pm, bool flashAttention = true);
/// Registers it as `aster-fuse` for aster-opt.
void registerFusionPipeline();

} // namespace mlir::aster

#endif // ASTER_CODEGEN_PASSES_H
