//===- onnx_fuzzer.cpp - libFuzzer target for the ONNX importer -----------===//
//
// Feeds arbitrary bytes as an .onnx file to the importer behind
// aster-compile, and verifies what it produces. Anything malformed must give
// an error, never a crash or invalid IR.
//
//===----------------------------------------------------------------------===//

#include "aster/Dialect/Aster/IR/AsterDialect.h"
#include "aster/Frontend/ONNX/ONNXImporter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::aster::AsterDialect, mlir::func::FuncDialect>();
  mlir::MLIRContext context(registry);
  context.getDiagEngine().registerHandler([](mlir::Diagnostic &) {});
  mlir::aster::onnx::ImportOptions options;
  options.batch = 2;
  options.seq = 3;
  llvm::Expected<mlir::aster::onnx::ImportedModel> model =
      mlir::aster::onnx::importModelFromBytes(
          context,
          llvm::StringRef(reinterpret_cast<const char *>(data), size),
          "fuzz.onnx", options);
  if (!model) {
    llvm::consumeError(model.takeError());
    return 0;
  }
  if (mlir::failed(mlir::verify(*model->module)))
    std::abort(); // the importer built IR that does not verify
  return 0;
}
