//===- aster-reference.cpp - Run aster IR in the reference interpreter ----===//
//
//   aster-reference model.mlir [--entry=forward] [-i NAME=file.npy ...]
//                   [--seed=N] [-o DIR] [--dump-inputs=DIR] [--print-values]
//
// Arguments not given with -i are generated from the seed (parameters from
// their #aster.init). Results are summarised on stdout and, with -o, written
// as DIR/result<i>.npy. Every error is one diagnostic and exit code 1.
//
//===----------------------------------------------------------------------===//

#include "aster/Dialect/Aster/IR/AsterOps.h"
#include "aster/Interpreter/Inputs.h"
#include "aster/Interpreter/Interpreter.h"
#include "aster/Interpreter/Npy.h"
#include "aster/Weights/ParameterBinding.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/InitAllDialects.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;
using namespace mlir::aster;
using namespace mlir::aster::interp;
namespace cl = llvm::cl;

static cl::OptionCategory referenceCategory("Options");
static cl::OptionCategory trainCategory("Training (--steps)");
static cl::opt<std::string> inputFile(cl::cat(referenceCategory), cl::Positional, cl::Required,
                                      cl::desc("<input .mlir file>"));
static cl::opt<std::string>
    entryName(cl::cat(referenceCategory), "entry", cl::desc("function to run (default: @forward, or the "
                                "only function)"),
              cl::init(""));
static cl::list<std::string>
    inputs(cl::cat(referenceCategory), "i", cl::desc("argument values: NAME=file.npy, where NAME is the "
                         "argument's aster.name or aster.data, or its "
                         "position (0, 1, ...)"),
           cl::value_desc("NAME=FILE"));
static cl::opt<uint64_t>
    seed(cl::cat(referenceCategory), "seed", cl::desc("seed for arguments not given with -i"),
         cl::init(0));
static cl::opt<std::string>
    outputDir(cl::cat(referenceCategory), "o", cl::desc("write results as DIR/result<i>.npy"),
              cl::value_desc("DIR"), cl::init(""));
static cl::opt<std::string>
    dumpInputsDir(cl::cat(referenceCategory), "dump-inputs",
                  cl::desc("write every argument's values as DIR/arg<i>.npy"),
                  cl::value_desc("DIR"), cl::init(""));
static cl::opt<std::string> weightsPath(cl::cat(referenceCategory), 
    "weights",
    cl::desc("parameters from a safetensors checkpoint (a file, an index "
             "or a model directory); -i overrides single ones"),
    cl::value_desc("PATH"), cl::init(""));
static cl::opt<std::string> saveParamsPath(cl::cat(referenceCategory), 
    "save-params",
    cl::desc("write the parameters used (loaded or generated) as a "
             "safetensors file, in their declared types"),
    cl::value_desc("FILE"), cl::init(""));
static cl::opt<bool> declaredDtype(cl::cat(referenceCategory), 
    "declared-dtype",
    cl::desc("write float results in their declared width instead of f64"),
    cl::init(false));
static cl::opt<int64_t> trainSteps(
    "steps",
    cl::desc("run @train_step this many times (see aster-compile --train), "
             "feeding each step's parameters and optimizer state to the next "
             "and printing the loss"),
    cl::init(0), cl::cat(trainCategory));
static cl::opt<std::string> tokensPath(cl::cat(referenceCategory), 
    "tokens",
    cl::desc("with --steps: a flat file of token ids (nanoGPT's .bin); step i "
             "reads consecutive windows of the sequence length"),
    cl::value_desc("FILE"), cl::init(""), cl::cat(trainCategory));
static cl::opt<unsigned> tokenWidth(
    "token-width", cl::desc("bytes per token id in --tokens: 2 (uint16, the "
                            "default) or 4 (uint32)"),
    cl::init(2), cl::cat(trainCategory));
static cl::opt<std::string> saveTrainedPath(
    "save-trained",
    cl::desc("with --steps: write the trained parameters (f32) as a "
             "safetensors file"),
    cl::value_desc("FILE"), cl::init(""), cl::cat(trainCategory));
static cl::opt<bool> printValues(cl::cat(referenceCategory), "print-values",
                                 cl::desc("print every result value"),
                                 cl::init(false));

static std::string typeToString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << type;
  return s;
}

static int fail(const llvm::Twine &message) {
  llvm::errs() << "aster-reference: error: " << message << "\n";
  return 1;
}

/// The argument `key` names: its aster.name or its position.
static std::optional<unsigned> findArgument(func::FuncOp function,
                                            StringRef key) {
  for (unsigned i = 0, e = function.getNumArguments(); i < e; ++i)
    for (StringRef attr :
         {AsterDialect::kNameAttrName, AsterDialect::kDataAttrName})
      if (auto name = function.getArgAttrOfType<StringAttr>(i, attr))
        if (name.getValue() == key)
          return i;
  unsigned index;
  if (!key.getAsInteger(10, index) && index < function.getNumArguments())
    return index;
  return std::nullopt;
}

static std::string describeArgument(func::FuncOp function, unsigned i) {
  std::string s = "argument " + std::to_string(i);
  for (StringRef attr :
       {AsterDialect::kNameAttrName, AsterDialect::kDataAttrName})
    if (auto name = function.getArgAttrOfType<StringAttr>(i, attr))
      s += " '" + name.getValue().str() + "'";
  return s;
}

/// The .npy dtype an argument of element kind `kind` is read from.
static StringRef npyDtypeFor(ElementKind kind) {
  switch (kind) {
  case ElementKind::F32:
  case ElementKind::BF16: // bf16 is read from float32 and rounded
    return "<f4";
  case ElementKind::F16:
    return "<f2";
  case ElementKind::I32:
    return "<i4";
  case ElementKind::I64:
    return "<i8";
  case ElementKind::I1:
    return "|b1";
  }
  return "";
}

static FailureOr<RefTensor> loadArgument(func::FuncOp function, unsigned i,
                                         StringRef path) {
  auto type = cast<RankedTensorType>(function.getArgumentTypes()[i]);
  ElementKind kind = *elementKindOf(type.getElementType());
  llvm::Expected<NpyArray> array = readNpyFile(path);
  if (!array) {
    fail(llvm::toString(array.takeError()));
    return failure();
  }
  if (array->dtype != npyDtypeFor(kind)) {
    fail(path + ": dtype " + array->dtype + " does not match " +
         describeArgument(function, i) + " of element type " +
         kindName(kind) + ", which is read from " + npyDtypeFor(kind));
    return failure();
  }
  if (ArrayRef<int64_t>(array->shape) != type.getShape()) {
    fail(path + ": shape " + shapeToString(array->shape) + " does not match " +
         describeArgument(function, i) + " of shape " +
         shapeToString(type.getShape()));
    return failure();
  }
  RefTensor t;
  t.kind = kind;
  t.shape.assign(array->shape.begin(), array->shape.end());
  t.floats = std::move(array->floats);
  t.ints = std::move(array->ints);
  t.roundToKind();
  return t;
}

static void printSummary(llvm::raw_ostream &os, unsigned index,
                         const RefTensor &t, MLIRContext *context) {
  os << "result " << index << ": " << t.type(context);
  int64_t n = t.size();
  if (n > 0) {
    double sum = 0.0, min = INFINITY, max = -INFINITY;
    int64_t nonFinite = 0;
    for (int64_t i = 0; i < n; ++i) {
      double v = t.asDouble(i);
      if (!std::isfinite(v)) {
        ++nonFinite;
        continue;
      }
      sum += v;
      min = std::min(min, v);
      max = std::max(max, v);
    }
    int64_t finite = n - nonFinite;
    double mean = finite ? sum / finite : NAN, var = 0.0;
    for (int64_t i = 0; i < n; ++i)
      if (std::isfinite(t.asDouble(i)))
        var += (t.asDouble(i) - mean) * (t.asDouble(i) - mean);
    var = finite ? var / finite : NAN;
    os << llvm::format("  mean %.6g  std %.6g  min %.6g  max %.6g", mean,
                       std::sqrt(var), min, max);
    if (nonFinite)
      os << "  non-finite " << nonFinite;
  }
  os << "\n  [";
  int64_t shown = printValues ? n : std::min<int64_t>(n, 8);
  for (int64_t i = 0; i < shown; ++i)
    os << (i ? ", " : "")
       << llvm::format(printValues ? "%.17g" : "%.6g", t.asDouble(i));
  if (shown < n)
    os << ", ...";
  os << "]\n";
}

/// Reads a flat token file (nanoGPT's train.bin): little-endian unsigned
/// ids of `tokenWidth` bytes, each below `vocab`.
static FailureOr<std::vector<int64_t>> readTokens(StringRef path,
                                                  int64_t vocab) {
  if (tokenWidth != 2 && tokenWidth != 4) {
    fail("--token-width=" + llvm::Twine(tokenWidth.getValue()) +
         ": expected 2 (uint16) or 4 (uint32)");
    return failure();
  }
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!buffer) {
    fail(path + ": " + buffer.getError().message());
    return failure();
  }
  StringRef bytes = (*buffer)->getBuffer();
  if (bytes.size() % tokenWidth != 0) {
    fail(path + ": " + llvm::Twine(bytes.size()) +
         " bytes is not a whole number of " +
         llvm::Twine(tokenWidth.getValue()) + "-byte token ids");
    return failure();
  }
  std::vector<int64_t> ids(bytes.size() / tokenWidth);
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto *p =
        reinterpret_cast<const unsigned char *>(bytes.data()) + i * tokenWidth;
    uint64_t v = 0;
    for (unsigned byte = 0; byte < tokenWidth; ++byte)
      v |= static_cast<uint64_t>(p[byte]) << (8 * byte);
    if (vocab > 0 && v >= static_cast<uint64_t>(vocab)) {
      fail(path + ": token " + llvm::Twine(i) + " is " + llvm::Twine(v) +
           ", outside the vocabulary of " + llvm::Twine(vocab));
      return failure();
    }
    ids[i] = static_cast<int64_t>(v);
  }
  return ids;
}

/// Runs @train_step --steps times, feeding results 1.. back as the state.
template <typename WriteAll>
static int runTraining(ModuleOp module, func::FuncOp step,
                       SmallVector<RefTensor> args, WriteAll writeAll) {
  // Layout (aster-compile --train): params, m, v (P each), tokens, step.
  unsigned numArgs = step.getNumArguments();
  std::optional<unsigned> tokensIndex = findArgument(step, "tokens");
  std::optional<unsigned> stepIndex = findArgument(step, "step");
  if (!tokensIndex || !stepIndex || *stepIndex != numArgs - 1 ||
      *tokensIndex != numArgs - 2 || (numArgs - 2) % 3 != 0 ||
      step.getNumResults() != numArgs - 1)
    return fail("@" + step.getSymName() + " is not a training step built by "
                "aster-compile --train (params, m, v, tokens, step -> loss, "
                "params, m, v)");
  unsigned state = numArgs - 2;
  RefTensor &tokens = args[*tokensIndex];
  int64_t rows = tokens.shape[0], seqLen = tokens.shape[1];
  int64_t vocab = 0;
  if (auto forward = module.lookupSymbol<func::FuncOp>("forward"))
    if (forward.getNumResults() &&
        isa<RankedTensorType>(forward.getResultTypes()[0]))
      vocab = cast<RankedTensorType>(forward.getResultTypes()[0])
                  .getShape()
                  .back();
  std::vector<int64_t> stream;
  if (!tokensPath.empty()) {
    FailureOr<std::vector<int64_t>> ids = readTokens(tokensPath, vocab);
    if (failed(ids))
      return 1;
    stream = std::move(*ids);
    if (static_cast<int64_t>(stream.size()) < seqLen)
      return fail(tokensPath + ": " + llvm::Twine(stream.size()) +
                  " tokens, fewer than one sequence of " +
                  llvm::Twine(seqLen));
  } else if (vocab > 0) {
    for (int64_t i = 0, e = tokens.size(); i < e; ++i)
      if (tokens.ints[i] < 0 || tokens.ints[i] >= vocab)
        return fail("tokens: id " + llvm::Twine(tokens.ints[i]) +
                    " at position " + llvm::Twine(i) +
                    " is outside the vocabulary of " + llvm::Twine(vocab));
  }
  llvm::outs() << "@" << step.getSymName() << ": " << trainSteps
               << " steps, " << state / 3 << " parameter tensors, "
               << rows << " x " << seqLen << " tokens per step from "
               << (tokensPath.empty() ? std::string("a fixed batch")
                                      : tokensPath.getValue())
               << "\n";
  SmallVector<RefTensor> results;
  int64_t windows =
      stream.empty() ? 0 : static_cast<int64_t>(stream.size()) - seqLen + 1;
  for (int64_t i = 0; i < trainSteps; ++i) {
    if (!stream.empty())
      for (int64_t r = 0; r < rows; ++r) {
        int64_t offset = ((i * rows + r) * seqLen) % windows;
        for (int64_t c = 0; c < seqLen; ++c)
          tokens.ints[r * seqLen + c] = stream[offset + c];
      }
    args[*stepIndex].ints[0] = i;
    FailureOr<SmallVector<RefTensor>> out = runFunction(step, args);
    if (failed(out))
      return 1;
    results = std::move(*out);
    llvm::outs() << llvm::format("step %lld/%lld  loss %.6f\n",
                                 static_cast<long long>(i + 1),
                                 static_cast<long long>(trainSteps.getValue()),
                                 results[0].floats[0]);
    llvm::outs().flush();
    for (unsigned k = 0; k < state; ++k)
      args[k] = results[k + 1];
  }
  if (!saveTrainedPath.empty()) {
    std::vector<::aster::weights::TensorData> params;
    for (unsigned k = 0; k < state / 3; ++k) {
      auto name =
          step.getArgAttrOfType<StringAttr>(k, AsterDialect::kNameAttrName);
      if (!name)
        continue;
      params.push_back(
          {name.getValue().str(), ::aster::weights::DType::F32,
           std::vector<int64_t>(args[k].shape.begin(), args[k].shape.end()),
           ::aster::weights::encodeFloats(args[k].floats,
                                          ::aster::weights::DType::F32)});
    }
    std::string error;
    if (!::aster::weights::writeSafetensors(saveTrainedPath, params,
                                            {{"format", "pt"}}, error))
      return fail(error);
    llvm::outs() << "wrote " << params.size() << " trained parameters to "
                 << saveTrainedPath << "\n";
  }
  if (!outputDir.empty() &&
      !writeAll(outputDir, "result", results, !declaredDtype))
    return 1;
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  // --help shows this tool's options; LLVM's and MLIR's stay usable
  // (--help-hidden lists them).
  cl::HideUnrelatedOptions({&referenceCategory, &trainCategory});
  cl::ParseCommandLineOptions(
      argc, argv, "Aster reference interpreter: runs aster IR in f64\n");

  // Every dialect parses, so that IR from any stage is read and the
  // interpreter can name the op it does not run.
  DialectRegistry registry;
  registerAllDialects(registry);
  registry.insert<AsterDialect>();
  MLIRContext context(registry);
  // A run-time error names the op by its location; the generic form of the
  // op (MLIR's "see current operation" note) adds nothing for a user.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  std::string error;
  auto file = openInputFile(inputFile, &error);
  if (!file)
    return fail(inputFile + ": " + error);
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;

  if (trainSteps < 0)
    return fail("--steps=" + llvm::Twine(trainSteps.getValue()) +
                ": must be >= 0");
  bool training = trainSteps > 0;
  if (!training && (!tokensPath.empty() || !saveTrainedPath.empty()))
    return fail("--tokens and --save-trained need --steps");
  if (training && entryName.empty())
    entryName = "train_step";
  func::FuncOp function;
  if (!entryName.empty()) {
    function = module->lookupSymbol<func::FuncOp>(entryName);
    if (!function)
      return fail(inputFile + ": no function @" + entryName);
  } else if (!(function = module->lookupSymbol<func::FuncOp>("forward"))) {
    auto functions = llvm::to_vector(module->getOps<func::FuncOp>());
    if (functions.size() != 1)
      return fail(inputFile + ": no @forward and " +
                  llvm::Twine(functions.size()) +
                  " functions; choose one with --entry");
    function = functions.front();
  }
  if (function.isExternal())
    return fail(inputFile + ": @" + function.getSymName() + " has no body");
  if (failed(checkTensorSizes(function)))
    return 1;
  for (Type t : function.getArgumentTypes()) {
    auto ranked = dyn_cast<RankedTensorType>(t);
    if (!ranked || !ranked.hasStaticShape() ||
        !elementKindOf(ranked.getElementType()))
      return fail(inputFile + ": @" + function.getSymName() +
                  " takes an argument of type " + typeToString(t) +
                  ", not a static aster tensor");
  }

  unsigned numArgs = function.getNumArguments();
  SmallVector<std::optional<RefTensor>> arguments(numArgs);
  unsigned fromFiles = 0, fromWeights = 0;
  for (StringRef spec : inputs) {
    auto [key, path] = spec.split('=');
    if (path.empty())
      return fail("-i " + spec + ": expected NAME=file.npy");
    std::optional<unsigned> index = findArgument(function, key);
    if (!index)
      return fail("-i " + spec + ": @" + function.getSymName() +
                  " has no argument named '" + key + "'");
    if (arguments[*index])
      return fail("-i " + spec + ": " + describeArgument(function, *index) +
                  " is given twice");
    FailureOr<RefTensor> value = loadArgument(function, *index, path);
    if (failed(value))
      return 1;
    arguments[*index] = std::move(*value);
    ++fromFiles;
  }
  if (!weightsPath.empty()) {
    std::string error;
    std::optional<::aster::weights::Checkpoint> checkpoint =
        ::aster::weights::Checkpoint::open(weightsPath, error);
    if (!checkpoint)
      return fail(error);
    // A training step's parameters are @loss's (its optimizer state is
    // not in a checkpoint); they come first in both.
    func::FuncOp bindTarget = function;
    if (training)
      if (auto loss = module->lookupSymbol<func::FuncOp>("loss"))
        bindTarget = loss;
    llvm::Expected<ParameterBinding> binding =
        bindParameters(bindTarget, *checkpoint);
    if (!binding)
      return fail(llvm::toString(binding.takeError()));
    if (!binding->unused.empty())
      llvm::errs() << "aster-reference: warning: " << weightsPath << ": "
                   << binding->unused.size()
                   << " tensor(s) are not parameters of @"
                   << function.getSymName() << " and are ignored: "
                   << llvm::join(ArrayRef(binding->unused).take_front(5), ", ")
                   << (binding->unused.size() > 5 ? ", ..." : "") << "\n";
    for (unsigned i = 0; i < bindTarget.getNumArguments(); ++i) {
      const ::aster::weights::TensorInfo *tensor = binding->tensors[i];
      if (!tensor || arguments[i])
        continue;
      auto type = cast<RankedTensorType>(function.getArgumentTypes()[i]);
      RefTensor t = RefTensor::zeros(*elementKindOf(type.getElementType()),
                                     type.getShape());
      if (!checkpoint->readFloats(*tensor, t.floats, error))
        return fail(error);
      if (t.kind == ElementKind::F32)
        for (double &v : t.floats)
          v = static_cast<float>(v);
      t.roundToKind();
      arguments[i] = std::move(t);
      ++fromWeights;
    }
  }

  SmallVector<RefTensor> args;
  for (unsigned i = 0; i < numArgs; ++i) {
    if (!arguments[i]) {
      auto type = cast<RankedTensorType>(function.getArgumentTypes()[i]);
      auto name = function.getArgAttrOfType<StringAttr>(
          i, AsterDialect::kNameAttrName);
      auto init =
          function.getArgAttrOfType<InitAttr>(i, AsterDialect::kInitAttrName);
      std::string key = name ? name.getValue().str() : std::to_string(i);
      arguments[i] = generateArgument(type, init, seed, key,
                                      integerBoundFromUses(function, i));
    }
    args.push_back(std::move(*arguments[i]));
  }

  auto writeAll = [&](StringRef dir, StringRef stem,
                      ArrayRef<RefTensor> tensors, bool asF64) -> bool {
    if (std::error_code ec = llvm::sys::fs::create_directories(dir)) {
      fail(dir + ": cannot create directory: " + ec.message());
      return false;
    }
    for (auto [i, t] : llvm::enumerate(tensors)) {
      llvm::SmallString<256> path(dir);
      llvm::sys::path::append(path, stem + llvm::Twine(i) + ".npy");
      if (llvm::Error err = writeNpyFile(path, t, asF64)) {
        fail(llvm::toString(std::move(err)));
        return false;
      }
    }
    return true;
  };
  if (!dumpInputsDir.empty() &&
      !writeAll(dumpInputsDir, "arg", args, /*asF64=*/false))
    return 1;
  if (!saveParamsPath.empty()) {
    std::vector<::aster::weights::TensorData> params;
    for (unsigned i = 0; i < numArgs; ++i) {
      auto name = function.getArgAttrOfType<StringAttr>(
          i, AsterDialect::kNameAttrName);
      if (!name || !args[i].isFloat())
        continue;
      ::aster::weights::DType dtype =
          args[i].kind == ElementKind::BF16   ? ::aster::weights::DType::BF16
          : args[i].kind == ElementKind::F16 ? ::aster::weights::DType::F16
                                             : ::aster::weights::DType::F32;
      params.push_back({name.getValue().str(), dtype,
                        std::vector<int64_t>(args[i].shape.begin(),
                                             args[i].shape.end()),
                        ::aster::weights::encodeFloats(args[i].floats, dtype)});
    }
    std::string error;
    if (!::aster::weights::writeSafetensors(saveParamsPath, params,
                                            {{"format", "pt"}}, error))
      return fail(error);
  }

  if (training)
    return runTraining(*module, function, std::move(args), writeAll);

  FailureOr<SmallVector<RefTensor>> results = runFunction(function, args);
  if (failed(results))
    return 1;

  llvm::outs() << "@" << function.getSymName() << ": " << numArgs
               << " arguments (" << fromFiles << " from files, ";
  if (!weightsPath.empty())
    llvm::outs() << fromWeights << " from weights, ";
  llvm::outs() << numArgs - fromFiles - fromWeights << " generated with seed "
               << seed
               << "), " << results->size() << " results\n";
  for (auto [i, t] : llvm::enumerate(*results))
    printSummary(llvm::outs(), i, t, &context);
  if (!outputDir.empty() &&
      !writeAll(outputDir, "result", *results, !declaredDtype))
    return 1;
  return 0;
}
