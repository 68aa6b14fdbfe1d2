//===- Bundle.cpp - plan.json and kernels.so for a target -----------------===//
//
// The entry points' signatures are read from the aster IR (names, roles,
// initialisers), then the module goes through the target's pipeline (CPU,
// or GPU: host code with the device binary embedded), LLVM IR is written,
// and clang links it with a small C file of fixed-signature wrappers
// (`aster_call_<entry>(void **descriptors)`), so that the runtime calls
// any entry through one function type without libffi.
//
//===----------------------------------------------------------------------===//

#include "aster/Target/Bundle.h"
#include "aster/Codegen/CPU/Pipeline.h"
#include "aster/Codegen/GPU/Pipeline.h"
#include "aster/Dialect/Aster/IR/AsterOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringSet.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/ROCDL/ROCDLToLLVMIRTranslation.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVM/ROCDL/Target.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

#include <unistd.h>

using namespace mlir;
using namespace mlir::aster;

namespace {

std::string dtypeName(Type t) {
  if (t.isF32())
    return "f32";
  if (t.isBF16())
    return "bf16";
  if (t.isF16())
    return "f16";
  if (t.isInteger(1))
    return "i1";
  if (t.isInteger(32))
    return "i32";
  if (t.isInteger(64))
    return "i64";
  return "";
}

nlohmann::json tensorJson(RankedTensorType type) {
  return {{"dtype", dtypeName(type.getElementType())},
          {"shape", std::vector<int64_t>(type.getShape().begin(),
                                         type.getShape().end())}};
}

nlohmann::json entryJson(func::FuncOp f) {
  nlohmann::json args = nlohmann::json::array(), results = nlohmann::json::array();
  for (unsigned i = 0; i < f.getNumArguments(); ++i) {
    nlohmann::json a = tensorJson(cast<RankedTensorType>(f.getArgumentTypes()[i]));
    if (auto name = f.getArgAttrOfType<StringAttr>(i, AsterDialect::kNameAttrName)) {
      a["name"] = name.getValue().str();
      a["role"] = name.getValue().starts_with("adam.") ? "optimizer" : "parameter";
    } else if (auto data = f.getArgAttrOfType<StringAttr>(i, AsterDialect::kDataAttrName)) {
      a["name"] = data.getValue().str();
      a["role"] = "data";
    } else {
      a["name"] = "arg" + std::to_string(i);
      a["role"] = "data";
    }
    if (auto init = f.getArgAttrOfType<InitAttr>(i, AsterDialect::kInitAttrName)) {
      static const char *kinds[] = {"zeros", "ones", "constant", "normal",
                                    "uniform"};
      a["init"] = {{"kind", kinds[static_cast<int>(init.getKind())]},
                   {"mean", init.getMeanValue()},
                   {"std", init.getStdValue()},
                   {"low", init.getLowValue()},
                   {"high", init.getHighValue()},
                   {"value", init.getConstantValue()}};
    }
    args.push_back(a);
  }
  for (Type t : f.getResultTypes())
    results.push_back(tensorJson(cast<RankedTensorType>(t)));
  return {{"wrapper", "aster_call_" + f.getSymName().str()},
          {"args", args},
          {"results", results}};
}

bool run(ArrayRef<StringRef> args, std::string &error) {
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(args[0], args, std::nullopt, {}, 0, 0,
                                     &message);
  if (rc != 0) {
    error = args[0].str() + " failed" + (message.empty() ? "" : ": " + message);
    return false;
  }
  return true;
}

/// The buffer-level steps of a bufferized calling function: its arena, the
/// buffers at their offsets, and its kernel calls in order, each argument
/// named as an argument or result of the function, a buffer (with the
/// shape it is read as), a constant, or a scalar.
nlohmann::json describeCalls(func::FuncOp f, unsigned inputs,
                             function_ref<void(func::FuncOp)> onHostCall) {
  ModuleOp module = f->getParentOfType<ModuleOp>();
  nlohmann::json buffers = nlohmann::json::array(),
                 calls = nlohmann::json::array();
  DenseMap<Value, nlohmann::json> refs;
  auto shapeOf = [](Value v) {
    auto type = cast<MemRefType>(v.getType());
    return nlohmann::json{{"dtype", dtypeName(type.getElementType())},
                          {"shape", type.getShape()}};
  };
  for (BlockArgument arg : f.getArguments())
    refs[arg] = arg.getArgNumber() < inputs
                    ? nlohmann::json{{"arg", arg.getArgNumber()}}
                    : nlohmann::json{{"result", arg.getArgNumber() - inputs}};
  auto ref = [&](Value v) -> nlohmann::json {
    auto it = refs.find(v);
    if (it != refs.end())
      return it->second;
    if (auto constant = v.getDefiningOp<arith::ConstantOp>()) {
      if (auto i = dyn_cast<IntegerAttr>(constant.getValue()))
        return {{"value", i.getInt()}};
      if (auto x = dyn_cast<FloatAttr>(constant.getValue()))
        return {{"value", x.getValueAsDouble()}};
    }
    return {{"unknown", true}};
  };
  for (Operation &op : f.getBody().front()) {
    if (auto global = dyn_cast<memref::GetGlobalOp>(op)) {
      if (!global.getName().starts_with("__aster_"))
        refs[global] = {{"constant", global.getName().str()}};
    } else if (auto view = dyn_cast<memref::ViewOp>(op)) {
      auto offset = view.getByteShift().getDefiningOp<arith::ConstantIndexOp>();
      nlohmann::json buffer = shapeOf(view);
      buffer["id"] = buffers.size();
      buffer["offset"] = offset ? offset.value() : -1;
      auto type = view.getType();
      buffer["bytes"] = type.getNumElements() *
                        std::max<int64_t>(1, type.getElementTypeBitWidth() / 8);
      refs[view] = {{"buffer", buffers.size()}};
      buffers.push_back(buffer);
    } else if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
      nlohmann::json buffer = shapeOf(alloc);
      buffer["id"] = buffers.size();
      buffer["heap"] = true;
      refs[alloc] = {{"buffer", buffers.size()}};
      buffers.push_back(buffer);
    } else if (isa<ViewLikeOpInterface>(op) ||
               isa<memref::ReshapeOp, memref::ExpandShapeOp,
                   memref::CollapseShapeOp, memref::CastOp>(op)) {
      nlohmann::json viewed = ref(op.getOperand(0));
      nlohmann::json shape = shapeOf(op.getResult(0));
      viewed["shape"] = shape["shape"];
      refs[op.getResult(0)] = viewed;
    } else if (auto call = dyn_cast<func::CallOp>(op)) {
      nlohmann::json step;
      auto callee = module.lookupSymbol<func::FuncOp>(call.getCalleeAttr());
      if (callee && callee->hasAttr("aster.kernel")) {
        step["kernel"] = call.getCallee().str();
        step["kind"] =
            callee->getAttrOfType<StringAttr>("aster.kernel").getValue().str();
      } else {
        step["function"] = call.getCallee().str();
        if (callee)
          onHostCall(callee);
      }
      nlohmann::json args = nlohmann::json::array();
      for (Value operand : call.getOperands())
        args.push_back(ref(operand));
      step["args"] = args;
      calls.push_back(step);
    } else if (auto copy = dyn_cast<memref::CopyOp>(op)) {
      calls.push_back({{"copy", {ref(copy.getSource()), ref(copy.getTarget())}}});
    }
  }
  int64_t arena = 0;
  if (auto bytes = f->getAttrOfType<IntegerAttr>("aster.arena_bytes"))
    arena = bytes.getInt();
  return {{"own_arena_bytes", arena}, {"buffers", buffers}, {"calls", calls}};
}

/// The folder of the libomp that `clang -fopenmp` links: LLVM's lib folder
/// beside the real clang binary.
std::string ompLibraryDir(StringRef clang) {
  llvm::SmallString<256> real;
  if (llvm::sys::fs::real_path(clang, real))
    real = clang;
  llvm::SmallString<256> lib(
      llvm::sys::path::parent_path(llvm::sys::path::parent_path(real)));
  llvm::sys::path::append(lib, "lib");
  return std::string(lib);
}

} // namespace

bool mlir::aster::checkBundleTarget(const BundleOptions &options,
                                    std::string &error) {
  if (options.target != "cpu" && !gpuTarget(options.target)) {
    error = "--target=" + options.target + ": not a target Aster compiles "
            "for (cpu, " + supportedGPUChips() + ")";
    return false;
  }
  if (options.gpuMatmul != "auto" && options.gpuMatmul != "wgmma-cp.async" &&
      options.gpuMatmul != "mma.sync") {
    error = "--gpu-matmul=" + options.gpuMatmul +
            ": not auto, wgmma-cp.async or mma.sync";
    return false;
  }
  std::optional<GPUTarget> gpu = gpuTarget(options.target);
  if (options.gpuMatmul != "auto" &&
      (!gpu || gpu->vendor != GPUVendor::NVIDIA)) {
    error = "--gpu-matmul=" + options.gpuMatmul +
            " is for NVIDIA targets (sm_80, sm_90), not --target=" +
            options.target;
    return false;
  }
  if ((options.target == "cpu" || options.cpu != "native") &&
      !cpuVectorWidth(options.cpu)) {
    error = "--cpu=" + options.cpu + ": not an x86-64 CPU that LLVM knows (try "
            "native, x86-64-v3, x86-64-v4, znver4, sapphirerapids)";
    return false;
  }
  return true;
}

bool mlir::aster::writeBundle(ModuleOp module, const std::string &dir,
                              const BundleOptions &options,
                              std::string &error) {
  if (!checkBundleTarget(options, error))
    return false;
  std::optional<GPUTarget> gpu = gpuTarget(options.target);
  int64_t vectorWidth = cpuVectorWidth(options.cpu);
  // A GPU bundle's host code only launches kernels: any x86-64 runs it
  // unless --cpu says otherwise.
  std::string cpu = gpu && options.cpu == "native" ? "x86-64" : options.cpu;
  llvm::SmallString<128> toolkitScratch;
  if (gpu) {
    if (std::error_code ec = llvm::sys::fs::createUniqueDirectory(
            "aster-toolkit", toolkitScratch)) {
      error = "cannot make a temporary folder: " + ec.message();
      return false;
    }
    gpu->warpgroupMma = options.gpuMatmul != "mma.sync";
    gpu->tma = options.gpuMatmul == "auto";
    bool found = findGPUToolkit(*gpu, options.toolkit,
                                std::string(toolkitScratch), error);
    if (!found) {
      llvm::sys::fs::remove_directories(toolkitScratch);
      return false;
    }
  }
  llvm::scope_exit removeScratch([&] {
    if (!toolkitScratch.empty())
      llvm::sys::fs::remove_directories(toolkitScratch);
  });
  nlohmann::json plan = {{"format", "aster-bundle"},
                         {"version", 2},
                         {"target", options.target},
                         {"kernels", "kernels.so"}};
  if (gpu) {
    plan["runtime"] = gpu->runtime;
    plan["device_code"] =
        gpu->vendor == GPUVendor::NVIDIA ? "kernels.ptx" : "kernels.s";
  }
  nlohmann::json entries = nlohmann::json::object();
  SmallVector<func::FuncOp> functions;
  for (StringRef name : {"forward", "train_step"})
    if (auto f = module.lookupSymbol<func::FuncOp>(name)) {
      for (Type t : llvm::concat<const Type>(f.getArgumentTypes(),
                                             f.getResultTypes()))
        if (!isa<RankedTensorType>(t) ||
            dtypeName(cast<RankedTensorType>(t).getElementType()).empty()) {
          error = "@" + name.str() + " has a non-tensor argument or result";
          return false;
        }
      entries[name.str()] = entryJson(f);
      functions.push_back(f);
    }
  if (functions.empty()) {
    error = "no @forward or @train_step to compile";
    return false;
  }
  if (entries.contains("train_step")) {
    // Results 1..3P are the next step's parameters and AdamW state.
    nlohmann::json &step = entries["train_step"];
    size_t state = step["args"].size() - 2;
    nlohmann::json feeds = nlohmann::json::array();
    for (size_t k = 0; k < state; ++k)
      feeds.push_back({k + 1, k});
    step["state"] = feeds;
  }
  plan["entry_points"] = entries;

  // The bundle is written in a temporary directory beside `dir`, then
  // renamed into place.
  llvm::SmallString<256> tmp(dir);
  tmp += ".tmp" + std::to_string(::getpid());
  llvm::sys::fs::remove_directories(tmp);
  if (std::error_code ec = llvm::sys::fs::create_directories(tmp)) {
    error = std::string(tmp) + ": " + ec.message();
    return false;
  }
  auto path = [&](StringRef file) {
    llvm::SmallString<256> p(tmp);
    llvm::sys::path::append(p, file);
    return std::string(p);
  };

  OwningOpRef<ModuleOp> lowered = module.clone();
  std::string diagnostic;
  // Runs a pipeline on `target` (the lowered module unless given).
  auto runPipeline = [&](function_ref<void(OpPassManager &)> build,
                         ModuleOp target = {}) {
    PassManager pm(module.getContext());
    build(pm);
    ScopedDiagnosticHandler capture(module.getContext(), [&](Diagnostic &d) {
      if (diagnostic.empty())
        diagnostic = d.str();
      return success();
    });
    return pm.run(target ? target : *lowered);
  };
  std::string targetName = gpu ? gpu->chip : std::string("CPU");
  if (failed(runPipeline([&](OpPassManager &pm) {
        if (gpu)
          buildGPUBufferPipeline(pm, *gpu);
        else
          buildCPUBufferPipeline(pm, vectorWidth);
      }))) {
    error = targetName + " code generation failed: " + diagnostic;
    llvm::sys::fs::remove_directories(tmp);
    return false;
  }
  // What each entry point does, at the buffer level: its arena, the buffers
  // at their offsets, the ordered kernel calls (version 2).
  {
    llvm::StringSet<> described;
    SmallVector<func::FuncOp> worklist;
    for (func::FuncOp f : functions)
      worklist.push_back(lowered->lookupSymbol<func::FuncOp>(f.getSymName()));
    nlohmann::json hostFunctions = nlohmann::json::object();
    while (!worklist.empty()) {
      func::FuncOp g = worklist.pop_back_val();
      if (!g || !described.insert(g.getSymName()).second)
        continue;
      // Its inputs, before its results became out-parameters.
      auto original = module.lookupSymbol<func::FuncOp>(g.getSymName());
      unsigned inputs =
          original ? original.getNumArguments() : g.getNumArguments();
      nlohmann::json steps =
          describeCalls(g, inputs, [&](func::FuncOp callee) {
            worklist.push_back(callee);
          });
      bool entry = plan["entry_points"].contains(g.getSymName().str());
      nlohmann::json &target = entry ? plan["entry_points"][g.getSymName().str()]
                                     : hostFunctions[g.getSymName().str()];
      for (auto &[key, value] : steps.items())
        target[key] = value;
    }
    plan["functions"] = hostFunctions;
    // Everything a step of an entry point uses: its arena and the arenas of
    // the functions it calls.
    for (func::FuncOp f : functions) {
      int64_t total = 0;
      llvm::StringSet<> seen;
      SmallVector<std::string> names{f.getSymName().str()};
      while (!names.empty()) {
        std::string name = names.pop_back_val();
        if (!seen.insert(name).second)
          continue;
        const nlohmann::json &g = plan["entry_points"].contains(name)
                                      ? plan["entry_points"][name]
                                      : plan["functions"][name];
        total += g.value("own_arena_bytes", int64_t(0));
        for (const nlohmann::json &call : g["calls"])
          if (call.contains("function"))
            names.push_back(call["function"].get<std::string>());
      }
      plan["entry_points"][f.getSymName().str()]["arena_bytes"] = total;
    }
    plan["collectives"] = nlohmann::json::array();
  }
  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
  registerNVVMDialectTranslation(registry);
  registerROCDLDialectTranslation(registry);
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  ROCDL::registerROCDLTargetInterfaceExternalModels(registry);
  module.getContext()->appendDialectRegistry(registry);
  if (failed(runPipeline([&](OpPassManager &pm) {
        if (gpu)
          buildGPULLVMPipeline(pm, *gpu);
        else
          buildCPULLVMPipeline(pm);
      }))) {
    error = targetName + " code generation failed: " + diagnostic;
    llvm::sys::fs::remove_directories(tmp);
    return false;
  }
  if (gpu) {
    // The device code's assembly (PTX, AMDGCN) beside the bundle, for
    // reading and for the checks; then the binary that runs.
    OwningOpRef<ModuleOp> assembly = lowered->clone();
    auto toBinary = [&](StringRef format, ModuleOp target) {
      return runPipeline(
          [&](OpPassManager &pm) {
            GpuModuleToBinaryPassOptions binary;
            binary.compilationTarget = format.str();
            binary.toolkitPath = gpu->toolkit;
            pm.addPass(createGpuModuleToBinaryPass(binary));
          },
          target);
    };
    if (failed(toBinary("isa", *assembly))) {
      error = targetName + " device code generation failed: " + diagnostic;
      llvm::sys::fs::remove_directories(tmp);
      return false;
    }
    {
      std::error_code ec;
      std::string file = path(plan["device_code"].get<std::string>());
      llvm::raw_fd_ostream out(file, ec);
      if (ec) {
        error = file + ": " + ec.message();
        return false;
      }
      assembly->walk([&](gpu::BinaryOp binary) {
        for (Attribute object : binary.getObjects())
          out << "// device module " << binary.getSymName() << "\n"
              << cast<gpu::ObjectAttr>(object).getObject().getValue() << "\n";
      });
    }
    if (failed(toBinary("bin", *lowered))) {
      error = targetName + " device code generation failed: " + diagnostic;
      llvm::sys::fs::remove_directories(tmp);
      return false;
    }
  }
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*lowered, llvmContext, "kernels");
  if (!llvmModule) {
    error = "translation to LLVM IR failed";
    llvm::sys::fs::remove_directories(tmp);
    return false;
  }
  {
    std::error_code ec;
    llvm::raw_fd_ostream ll(path("kernels.ll"), ec);
    if (ec) {
      error = path("kernels.ll") + ": " + ec.message();
      return false;
    }
    llvmModule->print(ll, nullptr);
  }
  {
    std::error_code ec;
    llvm::raw_fd_ostream c(path("entry.c"), ec);
    if (ec) {
      error = path("entry.c") + ": " + ec.message();
      return false;
    }
    c << "// Fixed-signature entry points for the runtime (generated).\n";
    for (func::FuncOp f : functions) {
      unsigned n = f.getNumArguments() + f.getNumResults();
      std::string name = f.getSymName().str();
      c << "void _mlir_ciface_" << name << "(";
      for (unsigned i = 0; i < n; ++i)
        c << (i ? ", " : "") << "void *";
      c << ");\nvoid aster_call_" << name << "(void **d) {\n  _mlir_ciface_"
        << name << "(";
      for (unsigned i = 0; i < n; ++i)
        c << (i ? ", " : "") << "d[" << i << "]";
      c << ");\n}\n";
    }
  }
  llvm::ErrorOr<std::string> clang = llvm::sys::findProgramByName("clang-22");
  if (!clang)
    clang = llvm::sys::findProgramByName("clang", {"/usr/lib/llvm-22/bin"});
  if (!clang) {
    error = "clang-22 is needed to link CPU kernels and was not found";
    llvm::sys::fs::remove_directories(tmp);
    return false;
  }
  std::string ll = path("kernels.ll"), c = path("entry.c"),
              so = path("kernels.so");
  // -O2 vectorizes the loops of row and elementwise kernels; libomp runs
  // the matmul tiles on threads and is found through the rpath.
  std::string march = "-march=" + cpu;
  SmallVector<StringRef> command = {*clang, "-Wno-override-module", "-O2",
                                    march, "-shared", "-fPIC", ll, c, "-o",
                                    so, "-lm"};
  std::string ompDir = ompLibraryDir(*clang), rpath = "-Wl,-rpath," + ompDir;
  if (!gpu) {
    if (!llvm::sys::fs::exists(ompDir + "/libomp.so")) {
      error = "libomp is needed for CPU kernel threads and is not in " +
              ompDir + " (Debian: apt-get install libomp-22-dev)";
      llvm::sys::fs::remove_directories(tmp);
      return false;
    }
    command.append({"-fopenmp", rpath});
  } else {
    // The mgpu* functions the launches call are aster-run's.
    command.push_back("-Wl,--allow-shlib-undefined");
  }
  if (!run(command, error)) {
    llvm::sys::fs::remove_directories(tmp);
    return false;
  }
  llvm::sys::fs::remove(ll);
  llvm::sys::fs::remove(c);
  {
    std::error_code ec;
    llvm::raw_fd_ostream out(path("plan.json"), ec);
    if (ec) {
      error = path("plan.json") + ": " + ec.message();
      return false;
    }
    out << plan.dump(2) << "\n";
  }
  if (llvm::sys::fs::exists(dir))
    llvm::sys::fs::remove_directories(dir);
  if (std::error_code ec = llvm::sys::fs::rename(tmp, dir)) {
    error = dir + ": " + ec.message();
    return false;
  }
  return true;
}
