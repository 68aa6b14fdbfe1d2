//===- Pipeline.h - The CPU lowering pipeline ------------------*- C++ -*-===//

#ifndef ASTER_CODEGEN_CPU_PIPELINE_H
#define ASTER_CODEGEN_CPU_PIPELINE_H

#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringRef.h"

namespace mlir::aster {

/// aster IR to the LLVM dialect for an x86 CPU (lib/Codegen/CPU).
/// `vectorWidth` is the f32 lanes of the target's vector registers (4 for
/// SSE, 8 for AVX2, 16 for AVX-512): it sizes the matmul register tiles.
void buildCPUPipeline(OpPassManager &pm, int64_t vectorWidth = 8);
/// Its two halves: to bufferized kernels and calls with arena offsets (what
/// a bundle's plan.json describes), then to the LLVM dialect.
void buildCPUBufferPipeline(OpPassManager &pm, int64_t vectorWidth);
/// One-shot bufferization of the kernels and entry points (function
/// results become out-parameters, identity layouts at function
/// boundaries), shared by the CPU and GPU pipelines.
void addKernelBufferization(OpPassManager &pm);
void buildCPULLVMPipeline(OpPassManager &pm);

/// The f32 lanes of the vector registers of an x86 CPU given as a -march
/// name ("native": this machine); 0 when LLVM does not know the name.
int64_t cpuVectorWidth(llvm::StringRef cpu);
/// Registers it as `aster-cpu-to-llvm` for aster-opt.
void registerCPUPipeline();

} // namespace mlir::aster

#endif // ASTER_CODEGEN_CPU_PIPELINE_H
