//===- aster-opt.cpp - Aster's mlir-opt -----------------------------------===//
//
// Parses, verifies, transforms and prints Aster IR: the `aster` dialect with
// the upstream dialects and passes it is lowered through. The lit suite
// drives every pass through this tool.
//
//===----------------------------------------------------------------------===//

#include "aster/Dialect/Aster/IR/AsterDialect.h"
#include "aster/Codegen/CPU/Pipeline.h"
#include "aster/Codegen/GPU/Pipeline.h"
#include "aster/Codegen/Passes.h"
#include "aster/Dialect/Aster/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::aster::registerAsterTransformsPasses();
  mlir::aster::registerAsterCodegenPasses();
  mlir::aster::registerCPUPipeline();
  mlir::aster::registerFusionPipeline();
  mlir::aster::registerGPUPipeline();
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates device modules to LLVM IR.
  mlir::registerAllToLLVMIRTranslations(registry);
  registry.insert<mlir::aster::AsterDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Aster optimizer driver\n", registry));
}
