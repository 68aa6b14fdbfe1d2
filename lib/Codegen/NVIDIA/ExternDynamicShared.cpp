//===- ExternDynamicShared.cpp - Dynamic shared memory as .extern .shared -===//
//
// Upstream's lowering of `gpu.dynamic_shared_memory` declares the dynamic
// region as an internal, zero-sized shared-memory global. NVPTX demotes an
// internal global used by one kernel to a static variable of that kernel,
// and prints a zero-sized one as one byte (`.shared .align 16 .b8 x;`):
// the kernel then addresses a 1-byte static variable, not the dynamic
// region after its static ones. The region is `.extern .shared ... x[]`
// in PTX (what CUDA's `extern __shared__` gives): external linkage. Every
// zero-sized shared-memory global is the dynamic region, since no other
// one can hold anything.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

namespace mlir::aster {
#define GEN_PASS_DEF_NVVMEXTERNDYNAMICSHARED
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;

namespace {

struct NVVMExternDynamicSharedPass
    : mlir::aster::impl::NVVMExternDynamicSharedBase<
          NVVMExternDynamicSharedPass> {
  void runOnOperation() override {
    for (auto global : getOperation().getOps<LLVM::GlobalOp>()) {
      auto array = dyn_cast<LLVM::LLVMArrayType>(global.getGlobalType());
      if (global.getAddrSpace() !=
              static_cast<unsigned>(NVVM::NVVMMemorySpace::Shared) ||
          !array ||
          array.getNumElements() != 0)
        continue;
      global.setLinkage(LLVM::Linkage::External);
    }
  }
};

} // namespace
