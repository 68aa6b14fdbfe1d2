//===- Pipeline.h - The GPU lowering pipeline --------------------*- C++ -*-===//

#ifndef ASTER_CODEGEN_GPU_PIPELINE_H
#define ASTER_CODEGEN_GPU_PIPELINE_H

#include "mlir/Pass/PassManager.h"

#include <optional>
#include <string>

namespace mlir::aster {

enum class GPUVendor { NVIDIA, AMD };

/// A chip Aster generates code for, and the limits its kernels must fit.
struct GPUTarget {
  GPUVendor vendor;
  std::string chip;          // sm_80, sm_90, gfx90a, gfx942
  std::string runtime;       // cuda, hip: the executor aster-run uses
  int64_t sharedMemoryBytes; // per block, the most a kernel may ask for
  /// Per block without opting in: more is dynamic shared memory
  /// (aster-gpu-dynamic-shared-memory). NVIDIA's 48 KB; AMD's LDS is all
  /// static (the same as sharedMemoryBytes).
  int64_t staticSharedMemoryBytes;
  /// The toolkit that turns device IR into a binary: the CUDA root (with
  /// bin/ptxas and nvvm/libdevice) or a ROCm folder (with amdgcn/bitcode
  /// and llvm/bin/ld.lld). Filled in by findGPUToolkit.
  std::string toolkit;
  /// sm_90: wgmma for the matmuls whose operands allow it; false keeps
  /// mma.sync everywhere (aster-compile --gpu-matmul=mma.sync).
  bool warpgroupMma = true;
  /// sm_90: wgmma's tiles loaded by TMA where both operands have a tensor
  /// map; false copies them with cp.async (--gpu-matmul=wgmma-cp.async).
  bool tma = true;
};

/// The target for `chip`, or nullopt when Aster does not generate code for
/// it. `supportedGPUChips` lists the ones it does, for messages.
std::optional<GPUTarget> gpuTarget(llvm::StringRef chip);
std::string supportedGPUChips();

/// Finds the toolkit for `target`: `given` when not empty, else the usual
/// places ($CUDA_HOME, /usr/local/cuda, the ptxas on PATH; $ROCM_PATH,
/// /opt/rocm, Debian's rocm-device-libs with LLVM 22's ld.lld). For ROCm
/// pieces in separate places, a toolkit folder of links is made under
/// `scratch`. Returns false with a one-line `error` naming what is missing.
bool findGPUToolkit(GPUTarget &target, const std::string &given,
                    const std::string &scratch, std::string &error);

/// Fusion (attention spelled out), bufferization, the strategies of the
/// kernel families for `target` (each kernel a gpu.launch) and the arenas.
/// `emulated`: tensor-core matmuls as whole tiles per lane (multiplied in
/// loops), for running the strategies on the CPU (aster-gpu-emulate-on-cpu).
/// `laneEmulation`: the chip's own fragments, each lane's part run on the
/// CPU by aster-gpu-emulate-blocks, which cannot run wgmma (sm_90 keeps
/// mma.sync then).
void buildGPUBufferPipeline(OpPassManager &pm, const GPUTarget &target,
                            bool emulated = false, bool laneEmulation = false);
/// Buffer-level IR to the LLVM dialect: kernels mapped onto blocks and
/// threads, outlined into a device module lowered to NVVM or ROCDL and
/// compiled to a binary embedded in the host code, which launches the
/// kernels through the `mgpu*` runtime functions aster-run provides.
void buildGPULLVMPipeline(OpPassManager &pm, const GPUTarget &target);

/// The device half for one vendor (lib/Codegen/NVIDIA, lib/Codegen/AMD):
/// attach the target, lower the device module.
void addNVVMDeviceLowering(OpPassManager &pm, const GPUTarget &target);
void addROCDLDeviceLowering(OpPassManager &pm, const GPUTarget &target);

/// The vendor halves of findGPUToolkit.
bool findCUDAToolkit(std::string &root, const std::string &given,
                     std::string &error);
bool findROCmToolkit(std::string &root, const std::string &given,
                     const std::string &scratch, std::string &error);

/// Registers `aster-gpu-to-llvm{chip=...}` for aster-opt.
void registerGPUPipeline();

} // namespace mlir::aster

#endif // ASTER_CODEGEN_GPU_PIPELINE_H
