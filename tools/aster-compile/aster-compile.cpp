//===- aster-compile.cpp - The Aster compiler driver ----------------------===//
//
//   aster-compile MODEL --batch B --seq S --compile-to=input [-o out.mlir]
//
// MODEL is a HuggingFace config.json, a model directory holding one, or an
// .mlir file in the aster dialect. The driver runs the phases of
// ../shared/DESIGN.md in order and stops after --compile-to, printing the IR;
// the phases after `input` arrive with their issues.
//
//===----------------------------------------------------------------------===//

#include "llvm/ADT/StringSwitch.h"
#include "aster/Codegen/Passes.h"
#include "aster/Dialect/Aster/IR/AsterDialect.h"
#include "aster/Frontend/HF/CausalLM.h"
#include "aster/Frontend/ONNX/ONNXImporter.h"
#include "aster/Dialect/Aster/Transforms/Passes.h"
#include "aster/Interpreter/Npy.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "aster/Target/Bundle.h"
#include "aster/Codegen/GPU/Pipeline.h"
#include "aster/Training/TrainStep.h"
#include "aster/Weights/ParameterBinding.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::aster;
namespace cl = llvm::cl;

namespace {
/// The phases of the driver, in order (DESIGN.md).
enum class Phase { Input, Train, Fuse };
} // namespace

static cl::OptionCategory compileCategory("Options");
static cl::OptionCategory trainCategory("Training (--train)");
static cl::opt<std::string>
    modelPath(cl::cat(compileCategory), cl::Positional, cl::Required,
              cl::desc("<config.json | model directory | model.mlir>"));
static cl::opt<int64_t> batch(cl::cat(compileCategory), "batch", cl::desc("micro-batch size"),
                              cl::init(1));
static cl::opt<int64_t> seq(cl::cat(compileCategory), "seq", cl::desc("sequence length"), cl::init(0));
static cl::opt<Phase> compileTo(cl::cat(compileCategory), 
    "compile-to", cl::desc("stop after this phase and print the IR"),
    cl::values(clEnumValN(Phase::Input, "input",
                          "the model as aster IR: @forward(params, tokens)"),
               clEnumValN(Phase::Train, "train",
                          "with --train: @forward, @loss, @loss_grad and "
                          "@train_step"),
               clEnumValN(Phase::Fuse, "fuse",
                          "the kernels on tensors: one private function per "
                          "kernel (aster.kernel = matmul, reduction, ...), "
                          "called by each entry point")),
    cl::init(Phase::Input));

static cl::opt<std::string> target(cl::cat(compileCategory), 
    "target",
    cl::desc("compile for this target and write a bundle directory at -o: "
             "cpu, sm_80 (A100), sm_90 (H100, GH200), gfx90a (MI250X), "
             "gfx942 (MI300A/X)"),
    cl::init(""));

static cl::opt<std::string> partition(
    cl::cat(compileCategory), "partition",
    cl::desc("a EuroHPC GPU partition whose chip is the target: lumi-g, "
             "leonardo-booster, marenostrum5-acc, jupiter-booster, alps, "
             "meluxina-gpu, karolina-gpu, vega-gpu, deucalion-gpu"),
    cl::init(""));

static cl::opt<std::string> cudaPath(
    cl::cat(compileCategory), "cuda-path",
    cl::desc("for sm_*: the CUDA toolkit (bin/ptxas, nvvm/libdevice); "
             "default: $CUDA_HOME, /usr/local/cuda or the ptxas on PATH"),
    cl::init(""));

static cl::opt<std::string> rocmPath(
    cl::cat(compileCategory), "rocm-path",
    cl::desc("for gfx*: the ROCm toolkit (amdgcn/bitcode, llvm/bin/ld.lld); "
             "default: $ROCM_PATH, /opt/rocm or Debian's rocm-device-libs "
             "with ld.lld"),
    cl::init(""));

static cl::opt<std::string> gpuMatmul(
    cl::cat(compileCategory), "gpu-matmul",
    cl::desc("for sm_*: the tensor-core instruction of bf16/f16 matmuls: "
             "auto (on sm_90 wgmma where both operands copy in 16-byte "
             "chunks, its tiles loaded by TMA; else mma.sync), "
             "wgmma-cp.async (the same, tiles copied by cp.async) or "
             "mma.sync (everywhere, sm_90 too)"),
    cl::init("auto"));

/// The chip of each partition (shared/reference/eurohpc.md).
static std::optional<std::string> partitionChip(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<std::string>>(name.lower())
      .Cases({"lumi-g", "lumi"}, "gfx90a")
      .Cases({"leonardo-booster", "leonardo"}, "sm_80")
      .Cases({"marenostrum5-acc", "mn5-acc"}, "sm_90")
      .Cases({"jupiter-booster", "jupiter"}, "sm_90")
      .Case("alps", "sm_90")
      .Cases({"meluxina-gpu", "karolina-gpu", "vega-gpu", "deucalion-gpu"},
             "sm_80")
      .Default(std::nullopt);
}

static cl::opt<std::string> cpuName(
    cl::cat(compileCategory), "cpu",
    cl::desc("with --target=cpu: the x86-64 CPU to generate code for, as "
             "for -march (native: this machine; x86-64-v3: AVX2; "
             "x86-64-v4: AVX-512)"),
    cl::init("native"));

static cl::opt<bool> train("train",
                           cl::desc("build the training step from @forward "
                                    "(implied by --compile-to=train)"),
                           cl::cat(trainCategory));
static cl::opt<int64_t> accum("accum",
                              cl::desc("micro-batches per step (--batch is "
                                       "split into this many)"),
                              cl::init(1), cl::cat(trainCategory));
static cl::opt<double> lr("lr", cl::desc("peak learning rate"),
                          cl::init(3e-4), cl::cat(trainCategory));
static cl::opt<double> beta1("beta1", cl::desc("AdamW beta1"), cl::init(0.9),
                             cl::cat(trainCategory));
static cl::opt<double> beta2("beta2", cl::desc("AdamW beta2"),
                             cl::init(0.999), cl::cat(trainCategory));
static cl::opt<double> adamEps("eps", cl::desc("AdamW epsilon"),
                               cl::init(1e-8), cl::cat(trainCategory));
static cl::opt<double> weightDecay("weight-decay",
                                   cl::desc("decoupled weight decay"),
                                   cl::init(0.1), cl::cat(trainCategory));
static cl::opt<bool> decayAll("decay-all",
                              cl::desc("decay norm weights and biases too "
                                       "(default: only rank >= 2)"),
                              cl::cat(trainCategory));
static cl::opt<double> clip("clip",
                            cl::desc("global gradient-norm clip (0: off)"),
                            cl::init(1.0), cl::cat(trainCategory));
static cl::opt<mlir::aster::training::Schedule> schedule(
    "schedule", cl::desc("learning-rate schedule"),
    cl::values(clEnumValN(mlir::aster::training::Schedule::Constant,
                          "constant", "lr at every step"),
               clEnumValN(mlir::aster::training::Schedule::WarmupCosine,
                          "cosine",
                          "linear warmup, then cosine decay to --min-lr")),
    cl::init(mlir::aster::training::Schedule::Constant),
    cl::cat(trainCategory));
static cl::opt<int64_t> warmup("warmup", cl::desc("warmup steps"),
                               cl::init(0), cl::cat(trainCategory));
static cl::opt<int64_t> decaySteps("decay-steps",
                                   cl::desc("step at which the cosine "
                                            "reaches --min-lr"),
                                   cl::init(0), cl::cat(trainCategory));
static cl::opt<double> minLr("min-lr", cl::desc("final learning rate"),
                             cl::init(0.0), cl::cat(trainCategory));
static cl::opt<std::string> dtypeName(cl::cat(compileCategory), 
    "dtype", cl::desc("parameter and compute type (float32, bfloat16, "
                      "float16); default: the config's torch_dtype"),
    cl::init(""));
static cl::opt<std::string> weightsPath(cl::cat(compileCategory), 
    "weights",
    cl::desc("a safetensors checkpoint (file, index or directory) whose "
             "names, shapes and dtypes are checked against the model"),
    cl::value_desc("PATH"), cl::init(""));
static cl::list<std::string> constantInputs(cl::cat(compileCategory), 
    "constant-input",
    cl::desc("ONNX: give graph input NAME the value in FILE.npy at compile "
             "time (shapes, axes), making it a constant"),
    cl::value_desc("NAME=FILE.npy"));
static cl::opt<std::string> outputPath(cl::cat(compileCategory), "o", cl::desc("output file"),
                                       cl::value_desc("file"), cl::init("-"));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "aster-compile: error: " << message << "\n";
  return 1;
}

/// Where the values of an ONNX model's initializers go: beside -o, with the
/// extension .safetensors.
static std::string parametersPath() {
  llvm::SmallString<256> path(outputPath);
  llvm::sys::path::replace_extension(path, ".safetensors");
  return std::string(path);
}

/// Loads MODEL as aster IR: imports a HuggingFace config or an ONNX model,
/// or parses and verifies an .mlir file.
static FailureOr<OwningOpRef<ModuleOp>> loadInput(MLIRContext &context,
                                                  llvm::SourceMgr &sourceMgr) {
  StringRef path = modelPath;
  if (path.ends_with(".onnx")) {
    mlir::aster::onnx::ImportOptions options;
    options.batch = batch;
    options.seq = seq;
    for (StringRef spec : constantInputs) {
      auto [name, file] = spec.split('=');
      if (file.empty()) {
        fail("--constant-input " + spec + ": expected NAME=FILE.npy");
        return failure();
      }
      llvm::Expected<mlir::aster::interp::NpyArray> array =
          mlir::aster::interp::readNpyFile(file);
      if (!array) {
        fail(llvm::toString(array.takeError()));
        return failure();
      }
      mlir::aster::interp::RefTensor t;
      StringRef dtype = array->dtype;
      if (dtype == "<f4")
        t.kind = mlir::aster::interp::ElementKind::F32;
      else if (dtype == "<f2")
        t.kind = mlir::aster::interp::ElementKind::F16;
      else if (dtype == "<i4")
        t.kind = mlir::aster::interp::ElementKind::I32;
      else if (dtype == "<i8")
        t.kind = mlir::aster::interp::ElementKind::I64;
      else if (dtype == "|b1")
        t.kind = mlir::aster::interp::ElementKind::I1;
      else {
        fail(file + ": dtype " + dtype + " has no aster element type");
        return failure();
      }
      t.shape.assign(array->shape.begin(), array->shape.end());
      t.floats = std::move(array->floats);
      t.ints = std::move(array->ints);
      options.constantInputs[name.str()] = std::move(t);
    }
    llvm::Expected<mlir::aster::onnx::ImportedModel> imported =
        mlir::aster::onnx::importModel(context, path, options);
    if (!imported) {
      fail(llvm::toString(imported.takeError()));
      return failure();
    }
    if (failed(verify(*imported->module)))
      return failure();
    // Exported graphs spell layer norm and GELU as op chains: raise them.
    PassManager pm(&context);
    pm.addPass(mlir::aster::createRaiseDecomposedOps());
    pm.addPass(createCanonicalizerPass());
    if (failed(pm.run(*imported->module)))
      return failure();
    if (!imported->parameters.empty()) {
      if (outputPath == "-") {
        fail(path + ": its " + llvm::Twine(imported->parameters.size()) +
             " floating-point initializers are parameters; give -o FILE so "
             "that their values are written beside it");
        return failure();
      }
      std::string error;
      if (!::aster::weights::writeSafetensors(parametersPath(),
                                              imported->parameters,
                                              {{"format", "pt"}}, error)) {
        fail(error);
        return failure();
      }
    }
    return std::move(imported->module);
  }
  if (path.ends_with(".mlir")) {
    std::string error;
    auto file = openInputFile(path, &error);
    if (!file) {
      fail(path + ": " + error);
      return failure();
    }
    sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
    OwningOpRef<ModuleOp> module =
        parseSourceFile<ModuleOp>(sourceMgr, &context);
    if (!module)
      return failure();
    return module;
  }
  if (!path.ends_with(".json") && !llvm::sys::fs::is_directory(path)) {
    fail(path + ": unsupported model file; expected a config.json, a model "
                "directory holding one, an .onnx or an .mlir file");
    return failure();
  }
  if (seq <= 0) {
    fail("--seq is required to import " + path +
         " (the static sequence length)");
    return failure();
  }
  llvm::Expected<hf::ModelConfig> config = hf::readConfig(path);
  if (!config) {
    fail(llvm::toString(config.takeError()));
    return failure();
  }
  hf::ImportOptions options;
  options.batch = batch;
  if (train) {
    if (accum < 1) {
      fail("--accum=" + llvm::Twine(accum.getValue()) + ": must be >= 1");
      return failure();
    }
    if (batch % accum != 0) {
      fail("--batch " + llvm::Twine(batch.getValue()) +
           " does not divide into --accum " + llvm::Twine(accum.getValue()) +
           " micro-batches");
      return failure();
    }
    options.batch = batch / accum;
  }
  options.seq = seq;
  if (!dtypeName.empty()) {
    if (dtypeName == "float32")
      options.dtype = hf::DType::F32;
    else if (dtypeName == "bfloat16")
      options.dtype = hf::DType::BF16;
    else if (dtypeName == "float16")
      options.dtype = hf::DType::F16;
    else {
      fail("--dtype=" + dtypeName +
           ": expected float32, bfloat16 or float16");
      return failure();
    }
  }
  if (train && config->dropout > 0)
    llvm::errs() << "aster-compile: warning: " << config->path << ": "
                 << config->dropoutField << " = "
                 << llvm::format("%g", config->dropout)
                 << ": dropout is not implemented; the step trains without "
                    "it (as with dropout 0)\n";
  llvm::Expected<OwningOpRef<ModuleOp>> module =
      hf::importCausalLM(context, *config, options);
  if (!module) {
    fail(llvm::toString(module.takeError()));
    return failure();
  }
  if (failed(verify(**module)))
    return failure();
  return std::move(*module);
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  // --help shows this tool's options; LLVM's and MLIR's stay usable
  // (--help-hidden lists them).
  cl::HideUnrelatedOptions({&compileCategory, &trainCategory});
  cl::ParseCommandLineOptions(argc, argv, "Aster compiler driver\n");
  if (compileTo == Phase::Train)
    train = true;
  if (!partition.empty()) {
    std::optional<std::string> chip = partitionChip(partition);
    if (!chip)
      return fail("--partition=" + partition +
                  ": not a partition Aster knows (lumi-g, leonardo-booster, "
                  "marenostrum5-acc, jupiter-booster, alps, meluxina-gpu, "
                  "karolina-gpu, vega-gpu, deucalion-gpu)");
    if (!target.empty() && target != *chip)
      return fail("--partition=" + partition + " has " + *chip +
                  " GPUs but --target=" + target + " was given");
    target = *chip;
  }
  BundleOptions bundleOptions;
  if (!target.empty()) {
    bundleOptions.target = target;
    bundleOptions.cpu = cpuName;
    bundleOptions.gpuMatmul = gpuMatmul;
    std::optional<GPUTarget> gpu = gpuTarget(target);
    if (gpu)
      bundleOptions.toolkit =
          gpu->vendor == GPUVendor::NVIDIA ? cudaPath : rocmPath;
    std::string targetError;
    if (!checkBundleTarget(bundleOptions, targetError))
      return fail(targetError);
    if (outputPath == "-")
      return fail("--target=" + target +
                  " writes a bundle directory: give -o DIR");
    if (compileTo.getNumOccurrences())
      return fail("--compile-to prints IR and --target writes a bundle: "
                  "give one of them");
  } else if (gpuMatmul.getNumOccurrences()) {
    return fail("--gpu-matmul chooses GPU code: give --target=sm_80 or "
                "sm_90 as well");
  }

  DialectRegistry registry;
  registerAllDialects(registry);
  // The conversion interfaces the GPU lowering looks up (to NVVM, ROCDL
  // and LLVM) and the GPU targets' serialization.
  registerAllExtensions(registry);
  registry.insert<AsterDialect>();
  MLIRContext context(registry);
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  FailureOr<OwningOpRef<ModuleOp>> module = loadInput(context, sourceMgr);
  if (failed(module))
    return 1;

  std::string weightsSummary;
  if (!weightsPath.empty()) {
    std::string error;
    std::optional<::aster::weights::Checkpoint> checkpoint =
        ::aster::weights::Checkpoint::open(weightsPath, error);
    if (!checkpoint)
      return fail(error);
    auto forward = (*module)->lookupSymbol<func::FuncOp>("forward");
    if (!forward)
      return fail(modelPath + ": no @forward to bind --weights to");
    llvm::Expected<ParameterBinding> binding =
        bindParameters(forward, *checkpoint);
    if (!binding)
      return fail(llvm::toString(binding.takeError()));
    if (!binding->unused.empty())
      llvm::errs() << "aster-compile: warning: " << weightsPath << ": "
                   << binding->unused.size()
                   << " tensor(s) are not parameters and are ignored: "
                   << llvm::join(ArrayRef(binding->unused).take_front(5), ", ")
                   << (binding->unused.size() > 5 ? ", ..." : "") << "\n";
    weightsSummary = ", weights match " + weightsPath;
  }

  if (train) {
    mlir::aster::training::TrainOptions options;
    options.accumulation = accum;
    options.lr = lr;
    options.beta1 = beta1;
    options.beta2 = beta2;
    options.eps = adamEps;
    options.weightDecay = weightDecay;
    options.decayAll = decayAll;
    options.clipNorm = clip;
    options.schedule = schedule;
    options.warmupSteps = warmup;
    options.decaySteps = decaySteps;
    options.minLr = minLr;
    auto forward = (*module)->lookupSymbol<func::FuncOp>("forward");
    if (forward && batch.getNumOccurrences() &&
        !StringRef(modelPath).ends_with(".json") &&
        !llvm::sys::fs::is_directory(modelPath)) {
      // A fixed-shape model: its batch is the micro-batch.
      int64_t micro = 0;
      for (Type t : forward.getArgumentTypes())
        if (auto rt = dyn_cast<RankedTensorType>(t);
            rt && rt.getElementType().isInteger(32) && rt.getRank() == 2)
          micro = rt.getDimSize(0);
      if (micro && micro * accum != batch)
        return fail("--batch " + llvm::Twine(batch.getValue()) + " with --accum " +
                    llvm::Twine(accum.getValue()) + " needs a micro-batch of " +
                    llvm::Twine(batch / std::max<int64_t>(accum, 1)) + ", but " +
                    modelPath + " has batch " + llvm::Twine(micro));
    }
    std::string trainError;
    if (!mlir::aster::training::buildTrainStep(**module, options, trainError))
      return fail(modelPath + ": " + trainError);
  }

  if (compileTo == Phase::Fuse) {
    PassManager pm(&context);
    buildFusionPipeline(pm);
    if (failed(pm.run(**module)))
      return 1;
  }

  if (!target.empty()) {
    std::string bundleError;
    if (!writeBundle(**module, outputPath, bundleOptions, bundleError))
      return fail(modelPath + ": " + bundleError);
    llvm::outs() << "aster-compile: " << modelPath << " -> " << outputPath
                 << " (bundle for " << target
                 << (train ? ": @forward and @train_step" : ": @forward")
                 << ")\n";
    return 0;
  }

  std::string error;
  auto output = openOutputFile(outputPath, &error);
  if (!output)
    return fail(outputPath + ": " + error);
  (*module)->print(output->os());
  output->os() << "\n";
  output->keep();

  if (outputPath != "-") {
    // What the user asked for, in one line (stdout holds no IR here).
    int64_t count = 0, tensors = 0;
    (*module)->walk([&](func::FuncOp fn) {
      if (fn.getSymName() != "forward")
        return;
      for (unsigned i = 0; i < fn.getNumArguments(); ++i)
        if (fn.getArgAttr(i, AsterDialect::kNameAttrName)) {
          count += cast<RankedTensorType>(fn.getArgumentTypes()[i])
                       .getNumElements();
          ++tensors;
        }
    });
    llvm::outs() << "aster-compile: " << modelPath << " -> " << outputPath
                 << ": " << count << " parameters in " << tensors
                 << " tensors" << weightsSummary
                 << (train ? "; training step @train_step" : "") << "\n";
  }
  return 0;
}
