//===- TrainStep.cpp - @loss, @loss_grad and @train_step from @forward ----===//
//
// The formulas are those of PyTorch's CrossEntropyLoss, clip_grad_norm_ and
// AdamW (decoupled weight decay), written out in aster ops so that every
// phase after this one (fusion, sharding, codegen) sees the whole step.
// docs/training.md states them; test/Training checks them step for step
// against numpy.
//
//===----------------------------------------------------------------------===//

#include "aster/Training/TrainStep.h"
#include "aster/Dialect/Aster/IR/AsterOps.h"
#include "aster/Dialect/Aster/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>
#include <cstdio>

using namespace mlir;
using namespace mlir::aster;
using namespace mlir::aster::training;

static std::string number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", v);
  return buffer;
}

std::string mlir::aster::training::validate(const TrainOptions &o) {
  auto bad = [](const char *name, double v, const char *range) {
    return std::string("--") + name + "=" + number(v) + ": must be " + range;
  };
  if (o.accumulation < 1)
    return bad("accum", o.accumulation, ">= 1");
  if (!(o.lr > 0) || !std::isfinite(o.lr))
    return bad("lr", o.lr, "a finite value > 0");
  if (!(o.beta1 >= 0 && o.beta1 < 1))
    return bad("beta1", o.beta1, "in [0, 1)");
  if (!(o.beta2 >= 0 && o.beta2 < 1))
    return bad("beta2", o.beta2, "in [0, 1)");
  if (!(o.eps > 0) || !std::isfinite(o.eps))
    return bad("eps", o.eps, "a finite value > 0");
  if (!(o.weightDecay >= 0) || !std::isfinite(o.weightDecay))
    return bad("weight-decay", o.weightDecay, "a finite value >= 0");
  if (!(o.clipNorm >= 0) || !std::isfinite(o.clipNorm))
    return bad("clip", o.clipNorm, "a finite value >= 0 (0 disables it)");
  if (o.warmupSteps < 0)
    return bad("warmup", o.warmupSteps, ">= 0");
  if (o.schedule == Schedule::WarmupCosine) {
    if (o.decaySteps <= o.warmupSteps)
      return "--decay-steps=" + number(o.decaySteps) +
             ": must exceed --warmup (" + number(o.warmupSteps) +
             ") for the cosine schedule";
    if (!(o.minLr >= 0 && o.minLr <= o.lr))
      return bad("min-lr", o.minLr, "in [0, --lr]");
  }
  return "";
}

namespace {

/// A rank-0 f32 constant.
Value f32(ImplicitLocOpBuilder &b, double v) {
  auto type = RankedTensorType::get({}, b.getF32Type());
  return ConstantOp::create(b,
                            DenseElementsAttr::get(type, b.getF32FloatAttr(v)));
}

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

/// The sum of all elements, as a rank-0 tensor.
Value sumAll(ImplicitLocOpBuilder &b, Value x) {
  int64_t rank = typeOf(x).getRank();
  if (rank == 0)
    return x;
  SmallVector<int64_t> axes;
  for (int64_t d = 0; d < rank; ++d)
    axes.push_back(d);
  return ReduceOp::create(b, ReduceKind::sum, x, axes, false);
}

Value add(ImplicitLocOpBuilder &b, Value x, Value y) {
  return AddOp::create(b, x, y);
}
Value sub(ImplicitLocOpBuilder &b, Value x, Value y) {
  return SubOp::create(b, x, y);
}
Value mul(ImplicitLocOpBuilder &b, Value x, Value y) {
  return MulOp::create(b, x, y);
}
Value div(ImplicitLocOpBuilder &b, Value x, Value y) {
  return DivOp::create(b, x, y);
}
/// min(x, y) for rank-0 tensors (y wherever x is NaN, as min() does not).
Value minimum(ImplicitLocOpBuilder &b, Value x, Value y) {
  Value less = CompareOp::create(b, ComparePredicate::lt, x, y);
  return SelectOp::create(b, less, x, y);
}

/// The learning rate for the 0-based `step` (an f32 rank-0 tensor).
Value learningRate(ImplicitLocOpBuilder &b, const TrainOptions &o,
                   Value step) {
  if (o.schedule == Schedule::Constant)
    return f32(b, o.lr);
  // Warmup: lr * (step + 1) / warmup while step < warmup.
  Value one = f32(b, 1.0);
  Value warm = div(b, mul(b, f32(b, o.lr), add(b, step, one)),
                   f32(b, std::max<int64_t>(o.warmupSteps, 1)));
  // Cosine from lr to min_lr over [warmup, decay_steps], then min_lr.
  Value progress = div(b, sub(b, step, f32(b, o.warmupSteps)),
                       f32(b, o.decaySteps - o.warmupSteps));
  progress = minimum(b, progress, one);
  Value cosine = CosOp::create(b, mul(b, progress, f32(b, M_PI)));
  Value decayed =
      add(b, f32(b, o.minLr),
          mul(b, mul(b, f32(b, 0.5), add(b, one, cosine)),
              f32(b, o.lr - o.minLr)));
  Value warming = CompareOp::create(b, ComparePredicate::lt, step,
                                    f32(b, o.warmupSteps));
  return SelectOp::create(b, warming, warm, decayed);
}

} // namespace

bool mlir::aster::training::buildTrainStep(ModuleOp module,
                                           const TrainOptions &options,
                                           std::string &error) {
  error = validate(options);
  if (!error.empty())
    return false;
  auto forward = module.lookupSymbol<func::FuncOp>("forward");
  if (!forward || forward.isExternal()) {
    error = "no @forward to train";
    return false;
  }
  for (StringRef name : {"loss", "loss_grad", "train_step"})
    if (module.lookupSymbol(name)) {
      error = "the module already has @" + name.str();
      return false;
    }
  // Parameters: the float arguments named aster.name; tokens: the one
  // integer [b, S] data argument.
  SmallVector<unsigned> params;
  std::optional<unsigned> tokensIndex;
  for (unsigned i = 0; i < forward.getNumArguments(); ++i) {
    auto type = dyn_cast<RankedTensorType>(forward.getArgumentTypes()[i]);
    if (forward.getArgAttr(i, AsterDialect::kNameAttrName) && type &&
        isa<FloatType>(type.getElementType()))
      params.push_back(i);
    else if (forward.getArgAttr(i, AsterDialect::kDataAttrName) && type &&
             type.getRank() == 2 && type.getElementType().isInteger(32))
      tokensIndex = i;
  }
  if (params.empty()) {
    error = "@forward has no trainable parameters (float arguments with "
            "aster.name)";
    return false;
  }
  if (!tokensIndex || forward.getNumArguments() != params.size() + 1) {
    error = "@forward must take its parameters and one i32 [batch, seq] "
            "tokens argument marked aster.data";
    return false;
  }
  auto tokensType = cast<RankedTensorType>(
      forward.getArgumentTypes()[*tokensIndex]);
  int64_t micro = tokensType.getDimSize(0), seq = tokensType.getDimSize(1);
  auto logitsType = forward.getNumResults() >= 1
                        ? dyn_cast<RankedTensorType>(forward.getResultTypes()[0])
                        : RankedTensorType();
  if (!logitsType || logitsType.getRank() != 3 ||
      logitsType.getDimSize(0) != micro || logitsType.getDimSize(1) != seq ||
      !isa<FloatType>(logitsType.getElementType())) {
    error = "@forward must return float logits [batch, seq, vocab] first";
    return false;
  }
  if (seq < 2) {
    error = "--seq must be at least 2 to predict a next token";
    return false;
  }
  int64_t vocab = logitsType.getDimSize(2);
  MLIRContext *context = module.getContext();
  ImplicitLocOpBuilder b(forward.getLoc(), context);
  b.setInsertionPointAfter(forward);
  Type f32Type = b.getF32Type();
  auto master = [&](unsigned i) {
    return RankedTensorType::get(
        cast<RankedTensorType>(forward.getArgumentTypes()[i]).getShape(),
        f32Type);
  };

  // @loss(params (f32)..., tokens) -> mean cross-entropy of next tokens.
  SmallVector<Type> lossInputs;
  for (unsigned i : params)
    lossInputs.push_back(master(i));
  lossInputs.push_back(tokensType);
  auto loss = func::FuncOp::create(
      b, "loss",
      b.getFunctionType(lossInputs, {RankedTensorType::get({}, f32Type)}));
  for (auto [k, i] : llvm::enumerate(params))
    loss.setArgAttrs(k, forward.getArgAttrDict(i));
  loss.setArgAttrs(params.size(), forward.getArgAttrDict(*tokensIndex));
  {
    Block *entry = loss.addEntryBlock();
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(entry);
    IRMapping map;
    for (auto [k, i] : llvm::enumerate(params)) {
      Value arg = entry->getArgument(k);
      Type compute = forward.getArgumentTypes()[i];
      // Mixed precision: the f32 master weight cast to the compute type.
      if (compute != arg.getType())
        arg = CastOp::create(b, compute, arg);
      map.map(forward.getArgument(i), arg);
    }
    Value tokens = entry->getArgument(params.size());
    map.map(forward.getArgument(*tokensIndex), tokens);
    for (Operation &op : forward.getBody().front().without_terminator())
      b.clone(op, map);
    Value logits = map.lookup(
        forward.getBody().front().getTerminator()->getOperand(0));
    Type et = logitsType.getElementType();
    Value shifted = SliceOp::create(
        b, RankedTensorType::get({micro, seq - 1, vocab}, et), logits,
        b.getDenseI64ArrayAttr({0, 0, 0}),
        b.getDenseI64ArrayAttr({micro, seq - 1, vocab}), DenseI64ArrayAttr());
    Value labels = SliceOp::create(
        b, RankedTensorType::get({micro, seq - 1}, b.getI32Type()), tokens,
        b.getDenseI64ArrayAttr({0, 1}), b.getDenseI64ArrayAttr({micro, seq}),
        DenseI64ArrayAttr());
    Value ce = CrossEntropyOp::create(b, shifted, labels);
    func::ReturnOp::create(b, ce);
  }

  // @loss_grad.
  PassManager pm(context);
  pm.enableVerifier(true);
  pm.addPass(createAutodiff(AutodiffOptions{"loss"}));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  {
    std::string message;
    ScopedDiagnosticHandler capture(context, [&](Diagnostic &d) {
      if (message.empty())
        message = d.str();
      return success();
    });
    if (failed(pm.run(module))) {
      error = "building @loss_grad failed: " + message;
      return false;
    }
  }
  auto lossGrad = module.lookupSymbol<func::FuncOp>("loss_grad");

  // @train_step(params..., m..., v..., tokens, step).
  size_t count = params.size();
  SmallVector<Type> stepInputs, stepResults = {RankedTensorType::get({}, f32Type)};
  for (int copy = 0; copy < 3; ++copy)
    for (unsigned i : params) {
      stepInputs.push_back(master(i));
      stepResults.push_back(master(i));
    }
  auto allTokens = RankedTensorType::get({options.accumulation * micro, seq},
                                         b.getI32Type());
  stepInputs.push_back(allTokens);
  stepInputs.push_back(RankedTensorType::get({}, b.getI64Type()));
  b.setInsertionPointAfter(lossGrad);
  auto step = func::FuncOp::create(
      b, "train_step", b.getFunctionType(stepInputs, stepResults));
  for (auto [k, i] : llvm::enumerate(params)) {
    step.setArgAttrs(k, forward.getArgAttrDict(i));
    StringRef name =
        cast<StringAttr>(forward.getArgAttr(i, AsterDialect::kNameAttrName))
            .getValue();
    for (int copy = 1; copy <= 2; ++copy) {
      unsigned index = copy * count + k;
      step.setArgAttr(index, AsterDialect::kNameAttrName,
                      b.getStringAttr((copy == 1 ? "adam.m." : "adam.v.") +
                                      name.str()));
      step.setArgAttr(index, AsterDialect::kInitAttrName,
                      InitAttr::get(context, InitKind::zeros));
    }
  }
  step.setArgAttr(3 * count, AsterDialect::kDataAttrName,
                  b.getStringAttr("tokens"));
  step.setArgAttr(3 * count + 1, AsterDialect::kDataAttrName,
                  b.getStringAttr("step"));
  Block *entry = step.addEntryBlock();
  b.setInsertionPointToStart(entry);
  auto arg = [&](int copy, size_t k) {
    return entry->getArgument(copy * count + k);
  };
  Value tokens = entry->getArgument(3 * count);
  Value stepIndex = CastOp::create(b, RankedTensorType::get({}, f32Type),
                                   entry->getArgument(3 * count + 1));

  // Gradient accumulation: the mean over micro-batches of loss and grads.
  Value lossSum;
  SmallVector<Value> grads(count);
  for (int64_t a = 0; a < options.accumulation; ++a) {
    Value micro_tokens = SliceOp::create(
        b, tokensType, tokens, b.getDenseI64ArrayAttr({a * micro, 0}),
        b.getDenseI64ArrayAttr({(a + 1) * micro, seq}), DenseI64ArrayAttr());
    SmallVector<Value> callArgs;
    for (size_t k = 0; k < count; ++k)
      callArgs.push_back(arg(0, k));
    callArgs.push_back(micro_tokens);
    auto call = func::CallOp::create(b, lossGrad, callArgs);
    lossSum = lossSum ? add(b, lossSum, call.getResult(0)) : call.getResult(0);
    for (size_t k = 0; k < count; ++k)
      grads[k] = grads[k] ? add(b, grads[k], call.getResult(k + 1))
                          : call.getResult(k + 1);
  }
  Value scale = f32(b, 1.0 / options.accumulation);
  Value meanLoss = options.accumulation > 1 ? mul(b, lossSum, scale) : lossSum;
  if (options.accumulation > 1)
    for (Value &g : grads)
      g = mul(b, g, scale);

  // Global-norm clipping (torch.nn.utils.clip_grad_norm_).
  if (options.clipNorm > 0) {
    Value squares;
    for (Value g : grads) {
      Value s = sumAll(b, mul(b, g, g));
      squares = squares ? add(b, squares, s) : s;
    }
    Value norm = SqrtOp::create(b, squares);
    Value coef = div(b, f32(b, options.clipNorm), add(b, norm, f32(b, 1e-6)));
    coef = minimum(b, coef, f32(b, 1.0));
    for (Value &g : grads)
      g = mul(b, g, coef);
  }

  // AdamW (torch.optim.AdamW): t = step + 1,
  //   m' = b1 m + (1 - b1) g,  v' = b2 v + (1 - b2) g^2,
  //   p' = p (1 - lr wd) - (lr / (1 - b1^t)) m' / (sqrt(v') / sqrt(1 - b2^t) + eps).
  Value lr = learningRate(b, options, stepIndex);
  Value t = add(b, stepIndex, f32(b, 1.0));
  Value one = f32(b, 1.0);
  Value bc1 = sub(b, one, PowOp::create(b, f32(b, options.beta1), t));
  Value bc2 = sub(b, one, PowOp::create(b, f32(b, options.beta2), t));
  Value stepSize = div(b, lr, bc1);
  Value sqrtBc2 = SqrtOp::create(b, bc2);
  SmallVector<Value> newParams, newM, newV;
  for (size_t k = 0; k < count; ++k) {
    Value g = grads[k], p = arg(0, k), m = arg(1, k), v = arg(2, k);
    Value m2 = add(b, mul(b, f32(b, options.beta1), m),
                   mul(b, f32(b, 1.0 - options.beta1), g));
    Value v2 = add(b, mul(b, f32(b, options.beta2), v),
                   mul(b, f32(b, 1.0 - options.beta2), mul(b, g, g)));
    bool decays = options.weightDecay > 0 &&
                  (options.decayAll || typeOf(p).getRank() >= 2);
    Value decayed = p;
    if (decays)
      decayed = mul(b, p, sub(b, one, mul(b, lr, f32(b, options.weightDecay))));
    Value denom =
        add(b, div(b, SqrtOp::create(b, v2), sqrtBc2), f32(b, options.eps));
    Value update = mul(b, stepSize, div(b, m2, denom));
    newParams.push_back(sub(b, decayed, update));
    newM.push_back(m2);
    newV.push_back(v2);
  }
  SmallVector<Value> results = {meanLoss};
  llvm::append_range(results, newParams);
  llvm::append_range(results, newM);
  llvm::append_range(results, newV);
  func::ReturnOp::create(b, results);
  return true;
}
