//===- AtomicHints.cpp - AMD: atomics on local coarse-grained memory ------===//
//
// The AMDGPU backend emits hardware float atomics (global_atomic_add_f32)
// only where it knows the memory is not fine-grained (host-coherent) and
// not on another device; otherwise a compare-and-swap loop. Aster's device
// buffers are hipMalloc'd on the device that runs the kernel, so every
// global atomic may say so (ROCDL's discardable attributes, translated to
// !amdgpu.no.fine.grained.memory and friends).
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/ROCDLDialect.h"

namespace mlir::aster {
#define GEN_PASS_DEF_AMDATOMICHINTS
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;

namespace {

/// AMDGPU's flat (generic) and global address spaces: a kernel's buffers
/// are flat pointers until LLVM infers them global.
constexpr unsigned kFlat = 0, kGlobal = 1;

struct AMDAtomicHintsPass
    : mlir::aster::impl::AMDAtomicHintsBase<AMDAtomicHintsPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    auto unit = UnitAttr::get(ctx);
    ROCDL::ROCDLDialect::NoFineGrainedMemoryAttrHelper notFineGrained(ctx);
    ROCDL::ROCDLDialect::NoRemoteMemoryAttrHelper notRemote(ctx);
    ROCDL::ROCDLDialect::IgnoreDenormalModeAttrHelper ignoreDenormals(ctx);
    getOperation().walk([&](LLVM::AtomicRMWOp op) {
      auto pointer = cast<LLVM::LLVMPointerType>(op.getPtr().getType());
      if (pointer.getAddressSpace() != kFlat &&
          pointer.getAddressSpace() != kGlobal)
        return;
      notFineGrained.setAttr(op, unit);
      notRemote.setAttr(op, unit);
      if (op.getBinOp() == LLVM::AtomicBinOp::fadd &&
          op.getVal().getType().isF32())
        ignoreDenormals.setAttr(op, unit);
    });
  }
};

} // namespace
