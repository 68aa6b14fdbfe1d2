//===- ROCDLTarget.cpp - AMD: the device module to ROCDL and HSACO --------===//
//
// The device half of the GPU pipeline for gfx90a and gfx942 (wave64): the
// ROCDL target attribute and upstream's gpu-to-ROCDL conversion for HIP;
// math functions come from the ROCm device libraries (ocml, ockl), which
// gpu-module-to-binary links before ld.lld makes the HSACO.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/GPU/Pipeline.h"
#include "aster/Codegen/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"

using namespace mlir;

void mlir::aster::addROCDLDeviceLowering(OpPassManager &pm,
                                         const GPUTarget &target) {
  GpuROCDLAttachTargetOptions attach;
  attach.chip = target.chip;
  attach.optLevel = 3;
  attach.wave64Flag = true;
  pm.addPass(createGpuROCDLAttachTarget(attach));
  ConvertGpuOpsToROCDLOpsOptions convert;
  convert.chipset = target.chip;
  convert.runtime = gpu::amd::Runtime::HIP;
  // amdgpu.mfma of the tensor-core matmuls.
  ConvertAMDGPUToROCDLPassOptions amdgpu;
  amdgpu.chipset = target.chip;
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertAMDGPUToROCDLPass(amdgpu));
  // 16-byte vector accesses of the elementwise strategy.
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertVectorToLLVMPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToROCDLOps(convert));
  // Hardware float atomics (scatter_add) instead of compare-and-swap loops.
  pm.addNestedPass<gpu::GPUModuleOp>(createAMDAtomicHints());
  pm.addNestedPass<gpu::GPUModuleOp>(createCanonicalizerPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createReconcileUnrealizedCastsPass());
}

namespace {
bool hasBitcode(llvm::StringRef dir) {
  return llvm::sys::fs::exists(dir.str() + "/amdgcn/bitcode/ocml.bc");
}
bool hasLinker(llvm::StringRef dir) {
  return llvm::sys::fs::can_execute(dir.str() + "/llvm/bin/ld.lld");
}
} // namespace

/// A ROCm toolkit folder: `given`, $ROCM_PATH, /opt/rocm, or, when the
/// device libraries and ld.lld are in different places (Debian's
/// rocm-device-libs and lld-22), a folder of links to them under
/// `scratch`.
bool mlir::aster::findROCmToolkit(std::string &root, const std::string &given,
                     const std::string &scratch, std::string &error) {
  if (!given.empty()) {
    if (hasBitcode(given) && hasLinker(given)) {
      root = given;
      return true;
    }
    error = "--rocm-path=" + given +
            " is not a ROCm toolkit (no amdgcn/bitcode/ocml.bc or "
            "llvm/bin/ld.lld)";
    return false;
  }
  SmallVector<std::string> roots;
  if (std::optional<std::string> v = llvm::sys::Process::GetEnv("ROCM_PATH"))
    roots.push_back(*v);
  roots.push_back("/opt/rocm");
  for (const std::string &r : roots)
    if (hasBitcode(r) && hasLinker(r)) {
      root = r;
      return true;
    }
  std::string bitcode;
  for (const std::string &r :
       {roots.front(), std::string("/opt/rocm"),
        std::string("/usr/lib/x86_64-linux-gnu"), std::string("/usr")})
    if (hasBitcode(r)) {
      bitcode = r + "/amdgcn";
      break;
    }
  std::string linker;
  for (const char *c : {"/usr/lib/llvm-22/bin/ld.lld"})
    if (llvm::sys::fs::can_execute(c))
      linker = c;
  if (linker.empty())
    if (llvm::ErrorOr<std::string> lld = llvm::sys::findProgramByName("ld.lld"))
      linker = *lld;
  if (bitcode.empty() || linker.empty()) {
    error = std::string("no ROCm toolkit found for AMD kernels: ") +
            (bitcode.empty() ? "the device libraries (amdgcn/bitcode/ocml.bc; "
                               "Debian: apt-get install rocm-device-libs)"
                             : "ld.lld (Debian: apt-get install lld-22)") +
            " missing; give --rocm-path=DIR or ROCM_PATH";
    return false;
  }
  root = scratch + "/rocm-toolkit";
  llvm::sys::fs::create_directories(root + "/llvm/bin");
  llvm::sys::fs::remove(root + "/amdgcn");
  llvm::sys::fs::remove(root + "/llvm/bin/ld.lld");
  if (llvm::sys::fs::create_link(bitcode, root + "/amdgcn") ||
      llvm::sys::fs::create_link(linker, root + "/llvm/bin/ld.lld")) {
    error = root + ": cannot make the ROCm toolkit folder";
    return false;
  }
  return true;
}
