//===- CheckLimits.cpp - Kernels that do not fit the chip -----------------===//
//
// Shared memory per block and threads per block are checked at compile
// time, so that a kernel too large for the chip is a diagnostic naming the
// kernel and the limit rather than a failed launch at run time.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "llvm/ADT/StringSet.h"

namespace mlir::aster {
#define GEN_PASS_DEF_GPUCHECKLIMITS
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;

namespace {

int64_t bytesOf(Type type) {
  if (auto memref = dyn_cast<MemRefType>(type))
    return memref.hasStaticShape()
               ? memref.getNumElements() *
                     std::max<int64_t>(memref.getElementTypeBitWidth() / 8, 1)
               : 0;
  return 0;
}

struct GPUCheckLimitsPass
    : mlir::aster::impl::GPUCheckLimitsBase<GPUCheckLimitsPass> {
  using GPUCheckLimitsBase::GPUCheckLimitsBase;

  void runOnOperation() override {
    gpu::GPUModuleOp module = getOperation();
    std::string on = chip.empty() ? std::string("the chip") : std::string(chip);
    // Shared-memory globals, by name.
    llvm::StringMap<int64_t> sharedGlobals;
    module.walk([&](memref::GlobalOp global) {
      if (auto space = dyn_cast_or_null<gpu::AddressSpaceAttr>(
              global.getType().getMemorySpace()))
        if (space.getValue() == gpu::AddressSpace::Workgroup)
          sharedGlobals[global.getSymName()] = bytesOf(global.getType());
    });
    module.walk([&](gpu::GPUFuncOp func) {
      if (!func.isKernel())
        return;
      int64_t shared = 0;
      for (BlockArgument a : func.getWorkgroupAttributions())
        shared += bytesOf(a.getType());
      llvm::StringSet<> counted;
      func.walk([&](memref::GetGlobalOp get) {
        auto it = sharedGlobals.find(get.getName());
        if (it != sharedGlobals.end() && counted.insert(get.getName()).second)
          shared += it->second;
      });
      if (shared > static_cast<int64_t>(sharedMemoryBytes)) {
        func.emitError() << "kernel @" << func.getName() << " needs " << shared
                         << " bytes of shared memory per block; " << on
                         << " allows " << static_cast<int64_t>(sharedMemoryBytes);
        return signalPassFailure();
      }
      if (DenseI32ArrayAttr known = func.getKnownBlockSizeAttr()) {
        int64_t threads = 1;
        for (int32_t d : known.asArrayRef())
          threads *= d;
        if (threads > static_cast<int64_t>(maxThreads)) {
          func.emitError() << "kernel @" << func.getName() << " has " << threads
                           << " threads per block; " << on << " allows "
                           << static_cast<int64_t>(maxThreads);
          return signalPassFailure();
        }
      }
    });
  }
};

} // namespace
