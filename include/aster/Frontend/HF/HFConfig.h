//===- HFConfig.h - HuggingFace config.json for decoder-only models -*- C++ -*-===//
//
// The fields of a HuggingFace `config.json` that fix the architecture of a
// decoder-only causal LM (gpt2, llama, mistral, qwen2), read in either naming
// style (`n_embd` / `hidden_size`, ...). A field the importer cannot honour
// is an error naming it, never silently ignored.
//
//===----------------------------------------------------------------------===//

#ifndef ASTER_FRONTEND_HF_HFCONFIG_H
#define ASTER_FRONTEND_HF_HFCONFIG_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir::aster::hf {

enum class Family { GPT2, Llama, Mistral, Qwen2 };

/// The activation of the MLP (gated for the llama-like families).
enum class Activation { GeluExact, GeluTanh, Relu, Silu };

/// Floating-point type of parameters and compute.
enum class DType { F32, BF16, F16 };

struct ModelConfig {
  std::string path; // the file the config came from, for diagnostics
  Family family = Family::GPT2;
  std::string modelType;
  int64_t vocabSize = 0;
  int64_t hiddenSize = 0;
  int64_t numLayers = 0;
  int64_t numHeads = 0;
  int64_t numKVHeads = 0;
  int64_t headDim = 0;
  int64_t intermediateSize = 0;
  int64_t maxPositions = 0;
  double normEps = 1e-5;
  double ropeTheta = 10000.0;
  double initializerRange = 0.02;
  bool tieWordEmbeddings = true;
  /// Biases on the q, k, v projections (qwen2; llama's attention_bias).
  bool qkvBias = false;
  /// Bias on the attention output projection (llama's attention_bias).
  bool outputBias = false;
  /// Biases on the MLP projections (llama's mlp_bias).
  bool mlpBias = false;
  Activation activation = Activation::GeluTanh;
  DType dtype = DType::F32;
  /// Attention window (mistral, qwen2 with use_sliding_window); a window at
  /// least the sequence length is plain causal attention.
  std::optional<int64_t> slidingWindow;
  /// GPT-2: scale_attn_weights and scale_attn_by_inverse_layer_idx.
  bool scaleAttnWeights = true;
  bool scaleAttnByInverseLayerIdx = false;
  /// The largest dropout probability the config asks for (GPT-2's
  /// resid/embd/attn_pdrop, 0.1 when absent; llama's attention_dropout) and
  /// the field it comes from. Inference ignores dropout; training reports
  /// that it is not applied.
  double dropout = 0.0;
  std::string dropoutField;
};

/// Parses the text of a config.json; `path` names it in errors.
llvm::Expected<ModelConfig> parseConfig(llvm::StringRef text,
                                        llvm::StringRef path);
/// Reads `path`, a config.json or a model directory holding one.
llvm::Expected<ModelConfig> readConfig(llvm::StringRef path);

llvm::StringRef familyName(Family family);

} // namespace mlir::aster::hf

#endif // ASTER_FRONTEND_HF_HFCONFIG_H
