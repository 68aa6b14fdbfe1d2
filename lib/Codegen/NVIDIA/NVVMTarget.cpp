//===- NVVMTarget.cpp - NVIDIA: the device module to NVVM and a cubin -----===//
//
// The device half of the GPU pipeline for sm_80 and sm_90: the NVVM target
// attribute (chip, -O3) and upstream's gpu-to-NVVM conversion; math
// functions come from libdevice, which gpu-module-to-binary links from the
// CUDA toolkit before ptxas makes the cubin.
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

void mlir::aster::addNVVMDeviceLowering(OpPassManager &pm,
                                        const GPUTarget &target) {
  GpuNVVMAttachTargetOptions attach;
  // sm_90a: the H100's arch-specific instructions (wgmma) need the
  // binary made for that chip alone, which every sm_90 part is.
  attach.chip = target.chip == "sm_90" ? "sm_90a" : target.chip;
  // PTX 8.3 (CUDA 12.3) on sm_90: the tensor-map acquire fence TMA loads
  // from host-written maps need.
  if (target.chip == "sm_90")
    attach.features = "+ptx83";
  attach.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(attach));
  ConvertGpuOpsToNVVMOpsOptions convert;
  convert.hasRedux = true; // sm_80 and later
  // 16-byte vector accesses of the elementwise strategy.
  // ldmatrix of the tensor-core matmuls.
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertNVGPUToNVVMPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertVectorToLLVMPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps(convert));
  // The dynamic shared memory above 48 KB (aster-gpu-dynamic-shared-memory)
  // as PTX's .extern .shared array.
  pm.addNestedPass<gpu::GPUModuleOp>(createNVVMExternDynamicShared());
  pm.addNestedPass<gpu::GPUModuleOp>(createCanonicalizerPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createReconcileUnrealizedCastsPass());
}

namespace {
bool isCUDARoot(llvm::StringRef root) {
  return !root.empty() &&
         llvm::sys::fs::can_execute(root.str() + "/bin/ptxas") &&
         llvm::sys::fs::exists(root.str() + "/nvvm/libdevice");
}
} // namespace

/// The CUDA root: `given`, $CUDA_HOME, $CUDA_PATH, /usr/local/cuda, or the
/// folder above the ptxas on PATH.
bool mlir::aster::findCUDAToolkit(std::string &root, const std::string &given,
                     std::string &error) {
  if (!given.empty()) {
    if (isCUDARoot(given)) {
      root = given;
      return true;
    }
    error = "--cuda-path=" + given +
            " is not a CUDA toolkit (no bin/ptxas or nvvm/libdevice)";
    return false;
  }
  SmallVector<std::string> candidates;
  for (const char *var : {"CUDA_HOME", "CUDA_PATH"})
    if (std::optional<std::string> v = llvm::sys::Process::GetEnv(var))
      candidates.push_back(*v);
  candidates.push_back("/usr/local/cuda");
  if (llvm::ErrorOr<std::string> ptxas = llvm::sys::findProgramByName("ptxas"))
    candidates.push_back(
        llvm::sys::path::parent_path(llvm::sys::path::parent_path(*ptxas)).str());
  for (const std::string &c : candidates)
    if (isCUDARoot(c)) {
      root = c;
      return true;
    }
  error = "no CUDA toolkit found for NVIDIA kernels (ptxas and libdevice): "
          "install the CUDA toolkit, or give --cuda-path=DIR or CUDA_HOME";
  return false;
}
