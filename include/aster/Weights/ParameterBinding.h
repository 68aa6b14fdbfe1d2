//===- ParameterBinding.h - Checkpoint tensors for @forward parameters -*- C++ -*-===//
//
// Matches the parameters of an entry function (arguments with aster.name)
// to the tensors of a safetensors checkpoint, checking names, shapes and
// dtypes, the way transformers' from_pretrained does.
//
//===----------------------------------------------------------------------===//

#ifndef ASTER_WEIGHTS_PARAMETERBINDING_H
#define ASTER_WEIGHTS_PARAMETERBINDING_H

#include "aster/Weights/Safetensors.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Error.h"

namespace mlir::aster {

struct ParameterBinding {
  /// For each argument of the function, the tensor bound to it (null for
  /// arguments that are not parameters).
  SmallVector<const ::aster::weights::TensorInfo *> tensors;
  /// Checkpoint tensors no parameter uses (reported, not an error: HF
  /// checkpoints carry buffers and tied copies).
  SmallVector<std::string> unused;
};

/// Binds every parameter of `function` to a checkpoint tensor of the same
/// name, or of the name without its first component (`transformer.`,
/// `model.`), as base-model checkpoints store it. A parameter without a
/// tensor, a shape mismatch or a non-float tensor is an error naming the
/// checkpoint and the tensor.
llvm::Expected<ParameterBinding>
bindParameters(func::FuncOp function, const ::aster::weights::Checkpoint &checkpoint);

} // namespace mlir::aster

#endif // ASTER_WEIGHTS_PARAMETERBINDING_H
