//===- Pipeline.h - The CPU lowering pipeline ------------------*- C++ -*-===//

#ifndef ASTER_CODEGEN_CPU_PIPELINE_H
#define ASTER_CODEGEN_CPU_PIPELINE_H

#include "mlir/Pass/PassManager.h"

namespace mlir::aster {

/// aster IR to the LLVM dialect for the host CPU (lib/Codegen/CPU).
void buildCPUPipeline(OpPassManager &pm);
/// Registers it as `aster-cpu-to-llvm` for aster-opt.
void registerCPUPipeline();

} // namespace mlir::aster

#endif // ASTER_CODEGEN_CPU_PIPELINE_H
