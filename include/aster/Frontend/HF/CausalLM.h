//===- CausalLM.h - HuggingFace decoder-only models as aster IR -*- C++ -*-===//
//
// Builds `@forward(params..., %tokens: tensor<BxSxi32>) -> logits` for a
// ModelConfig. Parameters are the HuggingFace state-dict keys, initialised
// (#aster.init) the way the family's _init_weights does.
//
//===----------------------------------------------------------------------===//

#ifndef ASTER_FRONTEND_HF_CAUSALLM_H
#define ASTER_FRONTEND_HF_CAUSALLM_H

#include "aster/Frontend/HF/HFConfig.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace mlir::aster::hf {

struct ImportOptions {
  /// Micro-batch and sequence length: the static shape of the tokens.
  int64_t batch = 1;
  int64_t seq = 0;
  /// Overrides the config's torch_dtype.
  std::optional<DType> dtype;
};

/// The module holding @forward, or an error naming the config field that
/// cannot be honoured with these options (e.g. a sequence longer than
/// GPT-2's position table, a sliding window shorter than the sequence).
llvm::Expected<OwningOpRef<ModuleOp>>
importCausalLM(MLIRContext &context, const ModelConfig &config,
               const ImportOptions &options);

} // namespace mlir::aster::hf

#endif // ASTER_FRONTEND_HF_CAUSALLM_H
