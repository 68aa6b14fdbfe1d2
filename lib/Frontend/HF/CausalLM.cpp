//===- CausalLM.cpp - HuggingFace decoder-only models as aster IR ---------===//
//
// Transcribes the forward pass of transformers' GPT2LMHeadModel and
// LlamaForCausalLM (which MistralForCausalLM and Qwen2ForCausalLM follow,
// up to biases and windows) into aster ops. Parameter names, shapes and
// initialisers are those of the HuggingFace modules, so that a checkpoint
// maps onto the arguments one to one.
//
//===----------------------------------------------------------------------===//

#include "aster/Frontend/HF/CausalLM.h"
#include "aster/Dialect/Aster/IR/AsterOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <cmath>

using namespace mlir;
using namespace mlir::aster;
using namespace mlir::aster::hf;

namespace {

class CausalLMBuilder {
public:
  CausalLMBuilder(MLIRContext &context, const ModelConfig &config,
                  const ImportOptions &options)
      : config(config), options(options),
        fileLoc(FileLineColLoc::get(&context, config.path, 1, 1)),
        b(fileLoc, &context) {
    switch (options.dtype.value_or(config.dtype)) {
    case DType::F32:
      elementType = b.getF32Type();
      break;
    case DType::BF16:
      elementType = b.getBF16Type();
      break;
    case DType::F16:
      elementType = b.getF16Type();
      break;
    }
  }

  OwningOpRef<ModuleOp> build();

private:
  RankedTensorType tensor(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, elementType);
  }
  InitAttr normal(double std) {
    APFloat zero(0.0), one(1.0);
    return InitAttr::get(b.getContext(), InitKind::normal, zero, APFloat(std),
                         zero, one, zero);
  }
  InitAttr filled(InitKind kind) { return InitAttr::get(b.getContext(), kind); }

  /// A parameter argument of @forward, inserted before the tokens.
  Value param(const Twine &name, ArrayRef<int64_t> shape, InitAttr init);
  /// Sets the location of the ops that follow to `name` (a module path).
  void at(const Twine &name) {
    b.setLoc(NameLoc::get(b.getStringAttr(name), fileLoc));
  }

  /// x @ W (+ b): a Conv1D ([in, out]) for GPT-2, nn.Linear ([out, in])
  /// otherwise.
  Value linear(Value x, const Twine &prefix, int64_t in, int64_t out,
               bool bias, double std);
  Value activation(Value x);
  Value norm(Value x, const Twine &prefix);
  /// [B, S, heads * d] -> [B, heads, S, d].
  Value splitHeads(Value x, int64_t heads);
  Value attention(Value x, const Twine &prefix, int64_t layer);
  Value mlp(Value x, const Twine &prefix);

  const ModelConfig &config;
  const ImportOptions &options;
  Location fileLoc;
  ImplicitLocOpBuilder b;
  Type elementType;
  Block *body = nullptr;
  SmallVector<std::pair<std::string, InitAttr>> params;
};

Value CausalLMBuilder::param(const Twine &name, ArrayRef<int64_t> shape,
                             InitAttr init) {
  unsigned index = body->getNumArguments() - 1; // before the tokens
  params.push_back({name.str(), init});
  return body->insertArgument(index, tensor(shape),
                              NameLoc::get(b.getStringAttr(name), fileLoc));
}

Value CausalLMBuilder::linear(Value x, const Twine &prefix, int64_t in,
                              int64_t out, bool bias, double std) {
  bool conv1d = config.family == Family::GPT2;
  Value w = conv1d ? param(prefix + ".weight", {in, out}, normal(std))
                   : param(prefix + ".weight", {out, in}, normal(std));
  Value y = MatmulOp::create(b, x, w, /*transpose_lhs=*/false,
                             /*transpose_rhs=*/!conv1d);
  if (bias)
    y = AddOp::create(b, y,
                      param(prefix + ".bias", {out}, filled(InitKind::zeros)));
  return y;
}

Value CausalLMBuilder::activation(Value x) {
  switch (config.activation) {
  case Activation::GeluExact:
    return GeluOp::create(b, x, GeluApproximation::none);
  case Activation::GeluTanh:
    return GeluOp::create(b, x, GeluApproximation::tanh);
  case Activation::Relu:
    return ReluOp::create(b, x);
  case Activation::Silu:
    return SiluOp::create(b, x);
  }
  return x;
}

Value CausalLMBuilder::norm(Value x, const Twine &prefix) {
  int64_t h = config.hiddenSize;
  APFloat eps(config.normEps);
  Value w = param(prefix + ".weight", {h}, filled(InitKind::ones));
  if (config.family != Family::GPT2)
    return RmsNormOp::create(b, x, w, eps);
  Value bias = param(prefix + ".bias", {h}, filled(InitKind::zeros));
  return LayerNormOp::create(b, x, w, bias, eps);
}

Value CausalLMBuilder::splitHeads(Value x, int64_t heads) {
  int64_t batch = options.batch, seq = options.seq, d = config.headDim;
  Value split = ReshapeOp::create(
      b, RankedTensorType::get({batch, seq, heads, d}, elementType), x);
  return TransposeOp::create(b, split, ArrayRef<int64_t>{0, 2, 1, 3});
}

Value CausalLMBuilder::attention(Value x, const Twine &prefix, int64_t layer) {
  int64_t h = config.hiddenSize, d = config.headDim;
  int64_t heads = config.numHeads, kvHeads = config.numKVHeads;
  int64_t batch = options.batch, seq = options.seq;
  double std = config.initializerRange;
  double scale = 1.0 / std::sqrt(static_cast<double>(d));
  Value q, k, v;
  if (config.family == Family::GPT2) {
    // One fused c_attn projection, split into q, k, v.
    at(prefix + ".c_attn");
    Value qkv = linear(x, prefix + ".c_attn", h, 3 * h, /*bias=*/true, std);
    Value parts[3];
    for (int i = 0; i < 3; ++i)
      parts[i] = splitHeads(
          SliceOp::create(b, qkv, ArrayRef<int64_t>{0, 0, i * h},
                          ArrayRef<int64_t>{batch, seq, (i + 1) * h},
                          DenseI64ArrayAttr()),
          heads);
    q = parts[0], k = parts[1], v = parts[2];
    if (!config.scaleAttnWeights)
      scale = 1.0;
    if (config.scaleAttnByInverseLayerIdx)
      scale /= static_cast<double>(layer + 1);
  } else {
    at(prefix);
    APFloat theta(config.ropeTheta);
    q = splitHeads(linear(x, prefix + ".q_proj", h, heads * d, config.qkvBias,
                          std),
                   heads);
    k = splitHeads(linear(x, prefix + ".k_proj", h, kvHeads * d,
                          config.qkvBias, std),
                   kvHeads);
    v = splitHeads(linear(x, prefix + ".v_proj", h, kvHeads * d,
                          config.qkvBias, std),
                   kvHeads);
    q = RopeOp::create(b, q, Value(), theta, RopeLayout::half_split);
    k = RopeOp::create(b, k, Value(), theta, RopeLayout::half_split);
  }
  at(prefix);
  Value attn = AttentionOp::create(b, q, k, v, Value(), /*causal=*/true,
                                   b.getF64FloatAttr(scale));
  Value merged = ReshapeOp::create(
      b, RankedTensorType::get({batch, seq, heads * d}, elementType),
      TransposeOp::create(b, attn, ArrayRef<int64_t>{0, 2, 1, 3}));
  if (config.family == Family::GPT2) {
    double projStd = std / std::sqrt(2.0 * config.numLayers);
    at(prefix + ".c_proj");
    return linear(merged, prefix + ".c_proj", h, h, /*bias=*/true, projStd);
  }
  at(prefix + ".o_proj");
  return linear(merged, prefix + ".o_proj", heads * d, h, config.outputBias,
                std);
}

Value CausalLMBuilder::mlp(Value x, const Twine &prefix) {
  int64_t h = config.hiddenSize, inner = config.intermediateSize;
  double std = config.initializerRange;
  if (config.family == Family::GPT2) {
    at(prefix + ".c_fc");
    Value hidden =
        activation(linear(x, prefix + ".c_fc", h, inner, /*bias=*/true, std));
    at(prefix + ".c_proj");
    return linear(hidden, prefix + ".c_proj", inner, h, /*bias=*/true,
                  std / std::sqrt(2.0 * config.numLayers));
  }
  at(prefix);
  bool bias = config.mlpBias;
  Value gate = activation(linear(x, prefix + ".gate_proj", h, inner, bias, std));
  Value up = linear(x, prefix + ".up_proj", h, inner, bias, std);
  return linear(MulOp::create(b, gate, up), prefix + ".down_proj", inner, h,
                bias, std);
}

OwningOpRef<ModuleOp> CausalLMBuilder::build() {
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  b.setInsertionPointToEnd(module->getBody());
  int64_t batch = options.batch, seq = options.seq;
  int64_t h = config.hiddenSize, vocab = config.vocabSize;
  auto tokensType = RankedTensorType::get({batch, seq}, b.getI32Type());
  auto logitsType = tensor({batch, seq, vocab});
  auto function = func::FuncOp::create(
      b, "forward", b.getFunctionType({tokensType}, {logitsType}));
  body = function.addEntryBlock();
  b.setInsertionPointToStart(body);
  double std = config.initializerRange;
  bool gpt2 = config.family == Family::GPT2;
  std::string base = gpt2 ? "transformer" : "model";

  Value embedTable;
  Value x;
  if (gpt2) {
    at("transformer.wte");
    embedTable = param("transformer.wte.weight", {vocab, h}, normal(std));
    x = EmbeddingOp::create(b, embedTable, body->getArguments().back());
    at("transformer.wpe");
    Value positions = SliceOp::create(
        b,
        param("transformer.wpe.weight", {config.maxPositions, h}, normal(std)),
        ArrayRef<int64_t>{0, 0}, ArrayRef<int64_t>{seq, h},
        DenseI64ArrayAttr());
    x = AddOp::create(b, x, positions);
  } else {
    at("model.embed_tokens");
    embedTable = param("model.embed_tokens.weight", {vocab, h}, normal(std));
    x = EmbeddingOp::create(b, embedTable, body->getArguments().back());
  }

  for (int64_t layer = 0; layer < config.numLayers; ++layer) {
    std::string prefix = (gpt2 ? base + ".h." : base + ".layers.") +
                         std::to_string(layer);
    at(prefix);
    Value normed = norm(x, prefix + (gpt2 ? ".ln_1" : ".input_layernorm"));
    x = AddOp::create(
        b, x, attention(normed, prefix + (gpt2 ? ".attn" : ".self_attn"), layer));
    at(prefix);
    normed = norm(x, prefix + (gpt2 ? ".ln_2" : ".post_attention_layernorm"));
    x = AddOp::create(b, x, mlp(normed, prefix + ".mlp"));
  }

  at(gpt2 ? "transformer.ln_f" : "model.norm");
  x = norm(x, gpt2 ? "transformer.ln_f" : "model.norm");
  at("lm_head");
  Value head = config.tieWordEmbeddings
                   ? embedTable
                   : param("lm_head.weight", {vocab, h}, normal(std));
  Value logits = MatmulOp::create(b, x, head, /*transpose_lhs=*/false,
                                  /*transpose_rhs=*/true);
  func::ReturnOp::create(b, logits);

  // The signature, with each parameter's checkpoint key and initialiser.
  function.setFunctionType(
      b.getFunctionType(body->getArgumentTypes(), {logitsType}));
  for (auto [i, entry] : llvm::enumerate(params)) {
    function.setArgAttr(i, AsterDialect::kNameAttrName,
                        b.getStringAttr(entry.first));
    function.setArgAttr(i, AsterDialect::kInitAttrName, entry.second);
  }
  function.setArgAttr(params.size(), AsterDialect::kDataAttrName,
                      b.getStringAttr("tokens"));
  return module;
}

llvm::Error configError(const ModelConfig &config, StringRef field,
                        const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 config.path + ": field '" + field + "' " +
                                     message);
}

} // namespace

llvm::Expected<OwningOpRef<ModuleOp>>
mlir::aster::hf::importCausalLM(MLIRContext &context,
                                const ModelConfig &config,
                                const ImportOptions &options) {
  if (options.batch <= 0 || options.seq <= 0)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "the batch (" + Twine(options.batch) +
                                       ") and the sequence length (" +
                                       Twine(options.seq) +
                                       ") must be positive");
  if (config.family == Family::GPT2 && options.seq > config.maxPositions)
    return configError(config, "n_positions",
                       "(" + Twine(config.maxPositions) +
                           ") is shorter than the sequence length " +
                           Twine(options.seq) +
                           ": GPT-2 has no position embedding beyond it");
  if (config.slidingWindow && *config.slidingWindow < options.seq)
    return configError(config, "sliding_window",
                       "(" + Twine(*config.slidingWindow) +
                           ") is shorter than the sequence length " +
                           Twine(options.seq) +
                           ": sliding-window attention is not implemented");
  context.loadDialect<AsterDialect, func::FuncDialect>();
  return CausalLMBuilder(context, config, options).build();
}
