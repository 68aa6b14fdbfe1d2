//===- Passes.td - Code generation passes --------------------*- tablegen -*-===//

#ifndef ASTER_CODEGEN_PASSES_TD
#define ASTER_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAsterToLinalg : Pass<"convert-aster-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower aster ops to linalg, tensor, arith and math on tensors";
  let description = [{
    The first step of code generation, shared by the CPU and GPU paths:
    every aster op becomes upstream ops on tensors (one conversion file per
    op family in lib/Codegen/Common). Elementwise ops with numpy
    broadcasting become `linalg.generic`s whose indexing maps broadcast;
    matmuls are `linalg.generic` contractions accumulating in f32 for 16-bit
    operands; reductions, softmax and the norms are reductions plus
    elementwise generics, computed in f32 for 16-bit inputs; data movement
    uses `tensor` ops and `linalg.transpose`; gathers and embeddings read
    with `tensor.extract` (an index outside the table is clamped: token ids
    are checked before a step runs).

    An op without a lowering yet fails the pass, naming the op.
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect"
  ];
}

def CopiesToLinalg : Pass<"aster-copies-to-linalg"> {
  let summary = "Rewrite memref.copy as linalg.copy";
  let description = [{
    Bufferization copies into out-parameters with `memref.copy`, whose LLVM
    lowering calls the MLIR runtime's `memrefCopy` when a side is strided.
    Kernels link no MLIR runtime, so copies become `linalg.copy` and then
    loops like every other kernel.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def StripParameterAttrs : Pass<"aster-strip-parameter-attrs", "::mlir::ModuleOp"> {
  let summary = "Remove the aster.* argument attributes from lowered functions";
  let description = [{
    `aster.name`, `aster.init` and `aster.data` describe parameters and
    data to the interpreter and the bundle writer, which read them before
    code generation. The lowered module leaves the aster dialect, so that
    `mlir-translate` and LLVM see only upstream attributes.
  }];
}

#endif // ASTER_CODEGEN_PASSES_TD
