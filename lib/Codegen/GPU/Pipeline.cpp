//===- Pipeline.cpp - The GPU lowering pipeline ---------------------------===//
//
// aster IR -> kernels on tensors (the fusion phase every target shares) ->
// buffers and arenas -> each kernel's loops mapped onto blocks and threads
// -> gpu.launch -> outlined into one device module -> NVVM or ROCDL ->
// a binary (cubin, HSACO) embedded in host code that launches the kernels
// on one stream through the `mgpu*` functions of upstream's runtime
// interface, which aster-run implements over the CUDA driver API or HIP.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/GPU/Pipeline.h"
#include "aster/Codegen/Passes.h"
#include "aster/Codegen/CPU/Pipeline.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

std::optional<aster::GPUTarget> mlir::aster::gpuTarget(llvm::StringRef chip) {
  // Shared memory per block: the opt-in maximum (163 KB on sm_80, 227 KB
  // on sm_90, of which 48 KB can be static; aster-gpu-dynamic-shared-memory
  // makes the rest dynamic) and the whole LDS on AMD.
  if (chip == "sm_80")
    return GPUTarget{GPUVendor::NVIDIA, "sm_80", "cuda", 163 * 1024, 48 * 1024,
                     ""};
  if (chip == "sm_90")
    return GPUTarget{GPUVendor::NVIDIA, "sm_90", "cuda", 227 * 1024, 48 * 1024,
                     ""};
  if (chip == "gfx90a")
    return GPUTarget{GPUVendor::AMD, "gfx90a", "hip", 64 * 1024, 64 * 1024, ""};
  if (chip == "gfx942")
    return GPUTarget{GPUVendor::AMD, "gfx942", "hip", 64 * 1024, 64 * 1024, ""};
  return std::nullopt;
}

std::string mlir::aster::supportedGPUChips() {
  return "sm_80 (A100), sm_90 (H100, GH200), gfx90a (MI250X), gfx942 "
         "(MI300A/X)";
}

void mlir::aster::buildGPUBufferPipeline(OpPassManager &pm,
                                         const GPUTarget &target,
                                         bool emulated, bool laneEmulation) {
  std::string instruction =
      std::string(target.vendor == GPUVendor::NVIDIA ? "mma.sync" : "mfma") +
      (emulated ? "-emulated" : "");
  // Flash attention on tensor cores, first: it takes the aster ops, each
  // becoming a kernel function with its launch. The attention it does not
  // take (a mask, f32) is spelled out as matmuls and a softmax by the
  // fusion pipeline (the CPU path's flash loop nest is not a GPU kernel).
  GPUAttentionKernelsOptions attention;
  attention.instruction = instruction;
  // Within the static limit (its tiling is sized for it), and up to the
  // chip's opt-in maximum for head dimensions that fit no tiling there
  // (256 on NVIDIA; dynamic shared memory).
  attention.sharedMemory = target.staticSharedMemoryBytes;
  attention.sharedMemoryLimit = target.sharedMemoryBytes;
  attention.asyncCopy = target.vendor == GPUVendor::NVIDIA;
  pm.addPass(createGPUAttentionKernels(attention));
  // scatter_add by atomic adds rather than a one-hot contraction.
  pm.addPass(createGPUScatterAddKernels());
  buildFusionPipeline(pm, /*flashAttention=*/false);
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  addKernelBufferization(pm);
  // Strategies for kernel families, before the arenas (a strategy's
  // launch keeps its buffers live together).
  // Tensor-core matmuls: mma.sync on NVIDIA, wgmma where the chip has it
  // (sm_90a) and both operands copy in 16-byte chunks, MFMA on AMD.
  GPUMatmulKernelsOptions matmul;
  matmul.instruction = instruction;
  // cp.async (sm_80 and later) through three stages; AMD prefetches
  // through registers into two.
  matmul.asyncCopy = target.vendor == GPUVendor::NVIDIA;
  matmul.warpgroupMma =
      target.chip == "sm_90" && target.warpgroupMma && !laneEmulation;
  matmul.tma = matmul.warpgroupMma && target.tma;
  pm.addPass(createGPUMatmulKernels(matmul));
  pm.addPass(createGPURowKernels());
  pm.addPass(createGPUElementwiseKernels());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCPUPlanArena());
}

void mlir::aster::buildGPULLVMPipeline(OpPassManager &pm,
                                       const GPUTarget &target) {
  // No buffer deallocation pipeline: the arenas hold every static
  // temporary, and aster-gpu-host-memory frees what is left when its
  // function returns (the pipeline cannot see through gpu.barrier).
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addPass(createCopiesToLinalg());
  pm.addPass(createForallToParallelLoopPass());
  pm.addPass(createGPUMapLoops());
  pm.addPass(createConvertParallelLoopToGpuPass());
  pm.addPass(createGPUHostMemory());
  pm.addPass(createCanonicalizerPass());
  // Constants (and memref.dim) cloned into each launch before outlining,
  // so that kernels see them as constants rather than as parameters
  // (divisions by the tile sizes become shifts, loop bounds are known).
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createGPUAlignWorkgroupMemory());
  pm.addPass(createLowerAffinePass());
  // One stream per call of a host function, waited on when it returns.
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  // After scf-to-cf: the lowering splits the kernel's blocks.
  GPULowerBlockReductionsOptions reductions;
  reductions.subgroupSize = target.vendor == GPUVendor::NVIDIA ? 32 : 64;
  pm.addNestedPass<gpu::GPUModuleOp>(createGPULowerBlockReductions(reductions));
  GPUCheckLimitsOptions limits;
  limits.chip = target.chip;
  limits.sharedMemoryBytes = target.sharedMemoryBytes;
  limits.maxThreads = 1024;
  pm.addNestedPass<gpu::GPUModuleOp>(createGPUCheckLimits(limits));
  if (target.staticSharedMemoryBytes < target.sharedMemoryBytes) {
    GPUDynamicSharedMemoryOptions dynamic;
    dynamic.staticLimit = target.staticSharedMemoryBytes;
    pm.addPass(createGPUDynamicSharedMemory(dynamic));
  }
  // 16-bit arithmetic is done in f32. bf16 <-> f32 conversions: NVIDIA's
  // sm_80 and later convert natively (cvt.rn.bf16x2.f32 rounds two
  // values in one instruction, flash attention's P and every bf16 store);
  // on AMD they are integer operations.
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = target.vendor != GPUVendor::NVIDIA;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  if (target.vendor == GPUVendor::NVIDIA)
    addNVVMDeviceLowering(pm, target);
  else
    addROCDLDeviceLowering(pm, target);
  // The host: entry points with C-interface wrappers, launches as runtime
  // calls.
  pm.addNestedPass<func::FuncOp>(LLVM::createLLVMRequestCWrappersPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  // TMA's tensor maps: nvgpu.tma.create.descriptor to a call of
  // mgpuTensorMapEncodeTiledMemref (aster-run's).
  if (target.vendor == GPUVendor::NVIDIA)
    pm.addNestedPass<func::FuncOp>(createConvertNVGPUToNVVMPass());
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createStripParameterAttrs());
}

namespace {
struct EmulationOptions : PassPipelineOptions<EmulationOptions> {
  Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("The chip whose strategies (tile shapes, lanes per "
                     "warp) are emulated"),
      llvm::cl::init("sm_80")};
  Option<bool> lanes{
      *this, "lanes",
      llvm::cl::desc("Matmuls with the chip's own fragments (ldmatrix, "
                     "mma.sync), each lane's part of the warp's instructions "
                     "emulated, instead of whole tiles per lane (NVIDIA)"),
      llvm::cl::init(false)};
};

struct GPUPipelineOptions : PassPipelineOptions<GPUPipelineOptions> {
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("sm_80, sm_90, gfx90a or gfx942"),
                           llvm::cl::init("sm_90")};
  Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA root or ROCm toolkit folder for the binary")};
  Option<bool> warpgroupMma{
      *this, "warpgroup-mma",
      llvm::cl::desc("sm_90: wgmma for the matmuls whose operands allow it "
                     "(false: mma.sync everywhere)"),
      llvm::cl::init(true)};
  Option<bool> tma{
      *this, "tma",
      llvm::cl::desc("sm_90: wgmma's tiles loaded by TMA where the operands "
                     "allow (false: cp.async)"),
      llvm::cl::init(true)};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("What gpu-module-to-binary makes: isa (PTX, AMDGCN "
                     "assembly), bin (cubin, HSACO), none (stop before)"),
      llvm::cl::init("isa")};
};
} // namespace

void mlir::aster::registerGPUPipeline() {
  PassPipelineRegistration<EmulationOptions>(
      "aster-gpu-emulate-on-cpu",
      "The GPU strategies' code, run on the CPU: the GPU buffer pipeline, "
      "block code in phases (aster-gpu-emulate-blocks), then the CPU's "
      "lowering to LLVM (for checking strategies without a GPU)",
      [](OpPassManager &pm, const EmulationOptions &options) {
        std::optional<GPUTarget> target = gpuTarget(options.chip);
        if (!target) {
          llvm::errs() << "aster-gpu-emulate-on-cpu: chip '" << options.chip
                       << "' is not one of " << supportedGPUChips() << "\n";
          return;
        }
        buildGPUBufferPipeline(pm, *target, /*emulated=*/!options.lanes,
                               /*laneEmulation=*/options.lanes);
        pm.addPass(createGPUEmulateBlocks());
        buildCPULLVMPipeline(pm);
      });
  PassPipelineRegistration<GPUPipelineOptions>(
      "aster-gpu-to-llvm",
      "Lower aster IR to host LLVM IR with an embedded GPU binary (kernels "
      "mapped onto blocks and threads, NVVM or ROCDL)",
      [](OpPassManager &pm, const GPUPipelineOptions &options) {
        std::optional<GPUTarget> target = gpuTarget(options.chip);
        if (!target) {
          llvm::errs() << "aster-gpu-to-llvm: chip '" << options.chip
                       << "' is not one of " << supportedGPUChips() << "\n";
          return;
        }
        target->toolkit = options.toolkit;
        target->warpgroupMma = options.warpgroupMma;
        target->tma = options.tma;
        buildGPUBufferPipeline(pm, *target);
        buildGPULLVMPipeline(pm, *target);
        if (options.format != "none") {
          GpuModuleToBinaryPassOptions binary;
          binary.compilationTarget = options.format;
          binary.toolkitPath = target->toolkit;
          pm.addPass(createGpuModuleToBinaryPass(binary));
        }
      });
}

bool mlir::aster::findGPUToolkit(GPUTarget &target, const std::string &given,
                                 const std::string &scratch,
                                 std::string &error) {
  if (target.vendor == GPUVendor::NVIDIA)
    return findCUDAToolkit(target.toolkit, given, error);
  return findROCmToolkit(target.toolkit, given, scratch, error);
}
