//===- AlignWorkgroupMemory.cpp - 16-byte aligned shared memory -----------===//
//
// A kernel's workgroup attributions become shared-memory globals aligned to
// their element type unless the attribution says otherwise (`llvm.align`),
// but the strategies access shared memory 16 bytes at a time (vector
// stores of the matmul tiles, ldmatrix rows, LDS reads): every attribution
// is given 16-byte alignment.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir::aster {
#define GEN_PASS_DEF_GPUALIGNWORKGROUPMEMORY
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;

namespace {

struct GPUAlignWorkgroupMemoryPass
    : mlir::aster::impl::GPUAlignWorkgroupMemoryBase<
          GPUAlignWorkgroupMemoryPass> {
  void runOnOperation() override {
    OpBuilder b(&getContext());
    StringAttr name = b.getStringAttr(LLVM::LLVMDialect::getAlignAttrName());
    getOperation().walk([&](gpu::GPUFuncOp func) {
      for (unsigned i = 0; i < func.getNumWorkgroupAttributions(); ++i) {
        auto given = dyn_cast_or_null<IntegerAttr>(
            func.getWorkgroupAttributionAttr(i, name));
        if (!given || given.getInt() < kAlignment)
          func.setWorkgroupAttributionAttr(i, name,
                                           b.getI64IntegerAttr(kAlignment));
      }
    });
  }
  static constexpr int64_t kAlignment = 16;
};

} // namespace
