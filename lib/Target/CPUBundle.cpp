//===- CPUBundle.cpp - plan.json and kernels.so for the CPU ---------------===//
//
// The entry points' signatures are read from the aster IR (names, roles,
// initialisers), then the module goes through the CPU pipeline, LLVM IR is
// written, and clang links it with a small C file of fixed-signature
// wrappers (`aster_call_<entry>(void **descriptors)`), so that the runtime
// calls any entry through one function type without libffi.
//
//===----------------------------------------------------------------------===//

#include "aster/Target/CPUBundle.h"
#include "aster/Codegen/CPU/Pipeline.h"
#include "aster/Dialect/Aster/IR/AsterOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "llvm/ADT/StringSet.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
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

bool mlir::aster::writeCPUBundle(ModuleOp module, const std::string &dir,
                                 const std::string &cpu, std::string &error) {
  int64_t vectorWidth = cpuVectorWidth(cpu);
  if (!vectorWidth) {
    error = "--cpu=" + cpu + ": not an x86-64 CPU that LLVM knows (try "
            "native, x86-64-v3, x86-64-v4, znver4, sapphirerapids)";
    return false;
  }
  nlohmann::json plan = {{"format", "aster-bundle"},
                         {"version", 1},
                         {"target", "cpu"},
                         {"kernels", "kernels.so"}};
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
  PassManager pm(module.getContext());
  buildCPUPipeline(pm, vectorWidth);
  std::string diagnostic;
  {
    ScopedDiagnosticHandler capture(module.getContext(), [&](Diagnostic &d) {
      if (diagnostic.empty())
        diagnostic = d.str();
      return success();
    });
    if (failed(pm.run(*lowered))) {
      error = "CPU code generation failed: " + diagnostic;
      llvm::sys::fs::remove_directories(tmp);
      return false;
    }
  }
  // The arenas (aster-cpu-plan-arena): each entry point's temporaries and
  // those of the functions it calls, placed before the step runs.
  {
    llvm::StringMap<int64_t> arenaBytes;
    lowered->walk([&](LLVM::GlobalOp global) {
      StringRef name = global.getSymName();
      if (name.consume_front("__aster_arena_"))
        if (auto array = dyn_cast<LLVM::LLVMArrayType>(global.getGlobalType()))
          arenaBytes[name] = array.getNumElements();
    });
    for (func::FuncOp f : functions) {
      int64_t total = 0;
      llvm::StringSet<> seen;
      SmallVector<func::FuncOp> worklist{f};
      while (!worklist.empty()) {
        func::FuncOp g = worklist.pop_back_val();
        if (!seen.insert(g.getSymName()).second)
          continue;
        total += arenaBytes.lookup(g.getSymName());
        g.walk([&](func::CallOp call) {
          if (auto callee =
                  module.lookupSymbol<func::FuncOp>(call.getCalleeAttr()))
            worklist.push_back(callee);
        });
      }
      plan["entry_points"][f.getSymName().str()]["arena_bytes"] = total;
    }
  }
  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
  module.getContext()->appendDialectRegistry(registry);
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
  std::string ompDir = ompLibraryDir(*clang);
  if (!llvm::sys::fs::exists(ompDir + "/libomp.so")) {
    error = "libomp is needed for CPU kernel threads and is not in " + ompDir +
            " (Debian: apt-get install libomp-22-dev)";
    llvm::sys::fs::remove_directories(tmp);
    return false;
  }
  std::string rpath = "-Wl,-rpath," + ompDir;
  if (!run({*clang, "-Wno-override-module", "-O2", march, "-fopenmp",
            "-shared", "-fPIC", ll, c, "-o", so, "-lm", rpath},
           error)) {
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
