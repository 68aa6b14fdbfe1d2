//===- TrainStep.h - The training step built from @forward ------*- C++ -*-===//
//
// From a causal LM's @forward(params..., tokens) -> logits, builds the
// functions a trainer runs:
//
//   @loss(params..., tokens)        causal-LM cross-entropy (mean, f32)
//   @loss_grad(params..., tokens)   (loss, d loss / d params...)
//   @train_step(params..., m..., v..., tokens, step)
//       -> (loss, params'..., m'..., v'...)
//
// Parameters, m and v are f32 (master weights and optimizer state); the
// forward computes in its own element type (bf16 or f16 for mixed
// precision, f32 end to end otherwise). docs/training.md gives the
// formulas.
//
//===----------------------------------------------------------------------===//

#ifndef ASTER_TRAINING_TRAINSTEP_H
#define ASTER_TRAINING_TRAINSTEP_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace mlir::aster::training {

enum class Schedule { Constant, WarmupCosine };

struct TrainOptions {
  /// Micro-batches per step: the step's tokens are [accumulation * b, S]
  /// for a forward of micro-batch b.
  int64_t accumulation = 1;
  // AdamW (PyTorch's defaults, but the weight decay of GPT training).
  double lr = 3e-4, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double weightDecay = 0.1;
  /// Decay every parameter; by default those of rank < 2 (norm weights,
  /// biases) are excluded.
  bool decayAll = false;
  /// Global-norm clipping threshold; 0 disables it.
  double clipNorm = 1.0;
  Schedule schedule = Schedule::Constant;
  int64_t warmupSteps = 0, decaySteps = 0;
  double minLr = 0.0;
};

/// Checks the options; returns a one-line message naming the bad one.
std::string validate(const TrainOptions &options);

/// Adds @loss, @loss_grad and @train_step to `module`, which holds
/// @forward. On failure returns false with `error` set to one line.
bool buildTrainStep(ModuleOp module, const TrainOptions &options,
                    std::string &error);

} // namespace mlir::aster::training

#endif // ASTER_TRAINING_TRAINSTEP_H
