//===- ONNXImporter.h - ONNX models as aster IR -----------------*- C++ -*-===//
//
// Turns an ONNX ModelProto into `@forward(params..., inputs...) -> outputs`:
// floating-point initializers become parameters (aster.name = the
// initializer's name) whose values come back beside the module; other
// initializers and Constant nodes are constants; graph inputs are data
// arguments (aster.data = the input's name). Shapes are static: symbolic
// dimensions are fixed by the batch and sequence options, and subgraphs of
// known values (shape arithmetic) are folded to constants.
//
//===----------------------------------------------------------------------===//

#ifndef ASTER_FRONTEND_ONNX_ONNXIMPORTER_H
#define ASTER_FRONTEND_ONNX_ONNXIMPORTER_H

#include "aster/Interpreter/RefTensor.h"
#include "aster/Weights/Safetensors.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <vector>

namespace mlir::aster::onnx {

struct ImportOptions {
  /// Values for symbolic input dimensions whose name mentions a batch, or a
  /// sequence (seq, sequence, length); 0 leaves them unfixed (an error).
  int64_t batch = 0;
  int64_t seq = 0;
  /// Graph inputs given a value at compile time (shapes, axes and the like
  /// that an exporter left as inputs): they become constants, so that the
  /// shapes they determine are static.
  std::map<std::string, interp::RefTensor> constantInputs;
};

struct ImportedModel {
  OwningOpRef<ModuleOp> module;
  /// The values of the parameters (floating-point initializers), in the
  /// parameters' types, to write as a safetensors checkpoint.
  std::vector<::aster::weights::TensorData> parameters;
};

/// Imports the ONNX model in `path`. Errors name the file and the node;
/// what the importer does not support says "unsupported".
llvm::Expected<ImportedModel> importModel(MLIRContext &context,
                                          llvm::StringRef path,
                                          const ImportOptions &options);

/// The same for a model already in memory; `name` stands for the file in
/// errors (the fuzzer feeds bytes this way).
llvm::Expected<ImportedModel> importModelFromBytes(MLIRContext &context,
                                                   llvm::StringRef bytes,
                                                   llvm::StringRef name,
                                                   const ImportOptions &options);

} // namespace mlir::aster::onnx

#endif // ASTER_FRONTEND_ONNX_ONNXIMPORTER_H
