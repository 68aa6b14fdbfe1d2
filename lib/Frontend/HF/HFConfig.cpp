//===- HFConfig.cpp - HuggingFace config.json for decoder-only models -----===//

#include "aster/Frontend/HF/HFConfig.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cmath>

using namespace mlir::aster::hf;
using llvm::StringRef;

namespace {
/// Reads fields of one config object; every error names the file and field.
class FieldReader {
public:
  FieldReader(const llvm::json::Object &object, StringRef path)
      : object(object), path(path) {}

  llvm::Error error(StringRef field, const llvm::Twine &message) const {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": field '" + field + "' " +
                                       message);
  }

  /// The first of `names` present (and not null), or nullptr.
  const llvm::json::Value *find(std::initializer_list<StringRef> names,
                                StringRef &found) const {
    for (StringRef name : names)
      if (const llvm::json::Value *v = object.get(name);
          v && v->kind() != llvm::json::Value::Null) {
        found = name;
        return v;
      }
    found = *names.begin();
    return nullptr;
  }

  /// A positive integer field, required unless `fallback` is given.
  llvm::Error positive(std::initializer_list<StringRef> names, int64_t &out,
                       std::optional<int64_t> fallback = std::nullopt) const {
    StringRef name;
    const llvm::json::Value *v = find(names, name);
    if (!v) {
      if (fallback) {
        out = *fallback;
        return llvm::Error::success();
      }
      return error(name, "is missing");
    }
    std::optional<int64_t> i = v->getAsInteger();
    if (!i || *i <= 0)
      return error(name, "must be a positive integer");
    out = *i;
    return llvm::Error::success();
  }

  /// A number field with a default; `positiveOnly` rejects <= 0.
  llvm::Error number(std::initializer_list<StringRef> names, double &out,
                     double fallback, bool positiveOnly) const {
    StringRef name;
    const llvm::json::Value *v = find(names, name);
    if (!v) {
      out = fallback;
      return llvm::Error::success();
    }
    std::optional<double> d = v->getAsNumber();
    if (!d || !std::isfinite(*d) || (positiveOnly ? *d <= 0 : *d < 0))
      return error(name, positiveOnly ? "must be a number > 0"
                                      : "must be a number >= 0");
    out = *d;
    return llvm::Error::success();
  }

  llvm::Error boolean(StringRef name, bool &out, bool fallback) const {
    StringRef found;
    const llvm::json::Value *v = find({name}, found);
    if (!v) {
      out = fallback;
      return llvm::Error::success();
    }
    std::optional<bool> b = v->getAsBoolean();
    if (!b)
      return error(name, "must be true or false");
    out = *b;
    return llvm::Error::success();
  }

  llvm::Expected<std::optional<std::string>>
  string(std::initializer_list<StringRef> names) const {
    StringRef name;
    const llvm::json::Value *v = find(names, name);
    if (!v)
      return std::optional<std::string>();
    std::optional<StringRef> s = v->getAsString();
    if (!s)
      return error(name, "must be a string");
    return std::optional<std::string>(s->str());
  }

  bool has(StringRef name) const {
    const llvm::json::Value *v = object.get(name);
    return v && v->kind() != llvm::json::Value::Null;
  }

private:
  const llvm::json::Object &object;
  StringRef path;
};
} // namespace

StringRef mlir::aster::hf::familyName(Family family) {
  switch (family) {
  case Family::GPT2:
    return "gpt2";
  case Family::Llama:
    return "llama";
  case Family::Mistral:
    return "mistral";
  case Family::Qwen2:
    return "qwen2";
  }
  return "";
}

#define TRY(expr)                                                              \
  if (llvm::Error err = (expr))                                                \
    return std::move(err);

static llvm::Error readActivation(const FieldReader &fields,
                                  ModelConfig &config) {
  bool gpt2 = config.family == Family::GPT2;
  auto act = fields.string({gpt2 ? "activation_function" : "hidden_act",
                            gpt2 ? "hidden_act" : "activation_function"});
  if (!act)
    return act.takeError();
  std::string name = act->value_or(gpt2 ? "gelu_new" : "silu");
  std::optional<Activation> activation =
      llvm::StringSwitch<std::optional<Activation>>(name)
          .Cases({"gelu_new", "gelu_pytorch_tanh", "gelu_fast"},
                 Activation::GeluTanh)
          .Case("gelu", Activation::GeluExact)
          .Case("relu", Activation::Relu)
          .Cases({"silu", "swish"}, Activation::Silu)
          .Default(std::nullopt);
  if (!activation)
    return fields.error(gpt2 ? "activation_function" : "hidden_act",
                        "'" + name +
                            "' is not supported; supported: gelu_new, "
                            "gelu_pytorch_tanh, gelu_fast, gelu, relu, silu");
  config.activation = *activation;
  return llvm::Error::success();
}

static llvm::Error readDType(const FieldReader &fields, ModelConfig &config) {
  auto dtype = fields.string({"torch_dtype", "dtype"});
  if (!dtype)
    return dtype.takeError();
  std::string name = dtype->value_or("float32");
  if (name == "float32")
    config.dtype = DType::F32;
  else if (name == "bfloat16")
    config.dtype = DType::BF16;
  else if (name == "float16")
    config.dtype = DType::F16;
  else
    return fields.error(fields.has("torch_dtype") ? "torch_dtype" : "dtype",
                        "'" + name +
                            "' is not supported; supported: float32, "
                            "bfloat16, float16");
  return llvm::Error::success();
}

llvm::Expected<ModelConfig> mlir::aster::hf::parseConfig(StringRef text,
                                                         StringRef path) {
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(text);
  if (!json)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": not valid JSON: " +
                                       llvm::toString(json.takeError()));
  const llvm::json::Object *object = json->getAsObject();
  if (!object)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": expected a JSON object");
  FieldReader fields(*object, path);
  ModelConfig config;
  config.path = path.str();

  auto modelType = fields.string({"model_type"});
  if (!modelType)
    return modelType.takeError();
  if (!*modelType)
    return fields.error("model_type", "is missing");
  config.modelType = **modelType;
  std::optional<Family> family =
      llvm::StringSwitch<std::optional<Family>>(config.modelType)
          .Case("gpt2", Family::GPT2)
          .Case("llama", Family::Llama)
          .Case("mistral", Family::Mistral)
          .Case("qwen2", Family::Qwen2)
          .Default(std::nullopt);
  if (!family)
    return fields.error("model_type", "'" + config.modelType +
                                          "' is not supported; supported: "
                                          "gpt2, llama, mistral, qwen2");
  config.family = *family;
  bool gpt2 = config.family == Family::GPT2;

  TRY(fields.positive({"vocab_size"}, config.vocabSize));
  TRY(fields.positive({"n_embd", "hidden_size"}, config.hiddenSize));
  TRY(fields.positive({"n_layer", "num_hidden_layers"}, config.numLayers));
  TRY(fields.positive({"n_head", "num_attention_heads"}, config.numHeads));
  TRY(fields.positive({"num_key_value_heads"}, config.numKVHeads,
                      config.numHeads));
  if (gpt2 && fields.has("num_key_value_heads"))
    return fields.error("num_key_value_heads",
                        "is not supported for gpt2 (multi-head only)");
  if (fields.has("head_dim")) {
    TRY(fields.positive({"head_dim"}, config.headDim));
    if (gpt2)
      return fields.error("head_dim", "is not supported for gpt2");
  } else {
    if (config.hiddenSize % config.numHeads != 0)
      return fields.error(gpt2 ? "n_head" : "num_attention_heads",
                          "(" + llvm::Twine(config.numHeads) +
                              ") must divide the hidden size (" +
                              llvm::Twine(config.hiddenSize) + ")");
    config.headDim = config.hiddenSize / config.numHeads;
  }
  if (config.numHeads % config.numKVHeads != 0)
    return fields.error("num_key_value_heads",
                        "(" + llvm::Twine(config.numKVHeads) +
                            ") must divide the attention heads (" +
                            llvm::Twine(config.numHeads) + ")");
  TRY(fields.positive({"n_inner", "intermediate_size"},
                      config.intermediateSize,
                      gpt2 ? std::optional<int64_t>(4 * config.hiddenSize)
                           : std::nullopt));
  TRY(fields.positive({"n_positions", "max_position_embeddings"},
                      config.maxPositions));
  TRY(fields.number({"layer_norm_epsilon", "rms_norm_eps", "layer_norm_eps"},
                    config.normEps, gpt2 ? 1e-5 : 1e-6,
                    /*positiveOnly=*/false));
  TRY(fields.number({"initializer_range"}, config.initializerRange, 0.02,
                    /*positiveOnly=*/true));
  TRY(fields.boolean("tie_word_embeddings", config.tieWordEmbeddings, gpt2));
  TRY(readActivation(fields, config));
  TRY(readDType(fields, config));

  for (StringRef field : gpt2 ? std::initializer_list<StringRef>{"resid_pdrop",
                                                                 "embd_pdrop",
                                                                 "attn_pdrop"}
                              : std::initializer_list<StringRef>{
                                    "attention_dropout"}) {
    double p = 0.0;
    TRY(fields.number({field}, p, gpt2 ? 0.1 : 0.0, /*positiveOnly=*/false));
    if (p > config.dropout) {
      config.dropout = p;
      config.dropoutField = field.str();
    }
  }
  if (gpt2) {
    TRY(fields.boolean("scale_attn_weights", config.scaleAttnWeights, true));
    TRY(fields.boolean("scale_attn_by_inverse_layer_idx",
                       config.scaleAttnByInverseLayerIdx, false));
    config.qkvBias = config.outputBias = config.mlpBias = true;
    return config;
  }

  TRY(fields.number({"rope_theta"}, config.ropeTheta, 10000.0,
                    /*positiveOnly=*/true));
  if (fields.has("rope_scaling")) {
    const llvm::json::Object *scaling =
        object->get("rope_scaling")->getAsObject();
    std::optional<StringRef> kind;
    if (scaling)
      for (StringRef key : {"rope_type", "type"})
        if (const llvm::json::Value *v = scaling->get(key))
          if ((kind = v->getAsString()))
            break;
    if (!kind || *kind != "default")
      return fields.error("rope_scaling",
                          "'" + (kind ? kind->str() : std::string("?")) +
                              "' is not implemented; only plain RoPE "
                              "(rope_scaling null or 'default') is");
  }
  if (fields.has("partial_rotary_factor")) {
    double factor;
    TRY(fields.number({"partial_rotary_factor"}, factor, 1.0, true));
    if (factor != 1.0)
      return fields.error("partial_rotary_factor",
                          "other than 1.0 is not implemented");
  }
  if (config.family == Family::Qwen2) {
    config.qkvBias = true;
    bool useSlidingWindow = false;
    TRY(fields.boolean("use_sliding_window", useSlidingWindow, false));
    if (useSlidingWindow && fields.has("sliding_window")) {
      int64_t window;
      TRY(fields.positive({"sliding_window"}, window));
      config.slidingWindow = window;
    }
  } else {
    bool attentionBias, mlpBias;
    TRY(fields.boolean("attention_bias", attentionBias, false));
    TRY(fields.boolean("mlp_bias", mlpBias, false));
    config.qkvBias = config.outputBias = attentionBias;
    config.mlpBias = mlpBias;
    if (config.family == Family::Mistral && fields.has("sliding_window")) {
      int64_t window;
      TRY(fields.positive({"sliding_window"}, window));
      config.slidingWindow = window;
    }
  }
  return config;
}

llvm::Expected<ModelConfig> mlir::aster::hf::readConfig(StringRef path) {
  llvm::SmallString<256> file(path);
  if (llvm::sys::fs::is_directory(path))
    llvm::sys::path::append(file, "config.json");
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(file, /*IsText=*/true);
  if (!buffer)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   file + ": cannot read: " +
                                       buffer.getError().message());
  return parseConfig((*buffer)->getBuffer(), file);
}
