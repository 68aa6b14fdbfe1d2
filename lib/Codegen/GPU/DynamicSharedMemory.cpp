//===- DynamicSharedMemory.cpp - Shared memory above the static limit ----===//
//
// A kernel's workgroup attributions become static shared memory, which
// NVIDIA caps at 48 KB per block; more (up to 163 KB on sm_80, 227 KB on
// sm_90) must be dynamic shared memory, sized at launch and opted into per
// function at run time (cuFuncSetAttribute, which aster-run's executor
// does for a launch above 48 KB). A kernel whose attributions exceed the
// static limit gets them as views into `gpu.dynamic_shared_memory` (each
// at an offset aligned like the attribution, 16 bytes at least), and
// every launch of it asks for the total. Kernels within the limit are left
// as they are.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::aster {
#define GEN_PASS_DEF_GPUDYNAMICSHAREDMEMORY
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;

namespace {

constexpr int64_t kMinAlignment = 16;

struct GPUDynamicSharedMemoryPass
    : mlir::aster::impl::GPUDynamicSharedMemoryBase<
          GPUDynamicSharedMemoryPass> {
  using GPUDynamicSharedMemoryBase::GPUDynamicSharedMemoryBase;

  void runOnOperation() override {
    // Kernel (module, function) -> its dynamic shared memory in bytes.
    DenseMap<std::pair<StringAttr, StringAttr>, int64_t> dynamicBytes;
    WalkResult walk = getOperation().walk([&](gpu::GPUFuncOp func) {
      if (!func.isKernel())
        return WalkResult::advance();
      FailureOr<int64_t> bytes = rewrite(func);
      if (failed(bytes))
        return WalkResult::interrupt();
      if (*bytes > 0) {
        auto module = func->getParentOfType<gpu::GPUModuleOp>();
        dynamicBytes[{module.getNameAttr(), func.getNameAttr()}] = *bytes;
      }
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    getOperation().walk([&](gpu::LaunchFuncOp launch) {
      auto it = dynamicBytes.find(
          {launch.getKernelModuleName(), launch.getKernelName()});
      if (it == dynamicBytes.end())
        return;
      OpBuilder b(launch);
      Value size = arith::ConstantIntOp::create(b, launch.getLoc(),
                                                b.getI32Type(), it->second);
      launch.getDynamicSharedMemorySizeMutable().assign(size);
    });
  }

  /// Moves `func`'s workgroup attributions into dynamic shared memory when
  /// they exceed the static limit; the bytes it then needs (0: left as is).
  FailureOr<int64_t> rewrite(gpu::GPUFuncOp func) {
    StringAttr alignName =
        StringAttr::get(func.getContext(), LLVM::LLVMDialect::getAlignAttrName());
    SmallVector<int64_t> offsets;
    int64_t total = 0;
    for (auto [i, attribution] :
         llvm::enumerate(func.getWorkgroupAttributions())) {
      auto type = dyn_cast<MemRefType>(attribution.getType());
      if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity()) {
        func.emitError("aster-gpu-dynamic-shared-memory: workgroup "
                       "attribution ")
            << i << " of @" << func.getName()
            << " is not a static identity-layout memref";
        return failure();
      }
      int64_t align = kMinAlignment;
      if (auto given = dyn_cast_or_null<IntegerAttr>(
              func.getWorkgroupAttributionAttr(i, alignName)))
        align = std::max<int64_t>(align, given.getInt());
      total = llvm::alignTo(total, align);
      offsets.push_back(total);
      total += type.getNumElements() *
               std::max<int64_t>(type.getElementTypeBitWidth() / 8, 1);
    }
    if (total <= static_cast<int64_t>(staticLimit))
      return 0;

    Block &entry = func.getBody().front();
    OpBuilder b = OpBuilder::atBlockBegin(&entry);
    Location loc = func.getLoc();
    auto workgroup = gpu::AddressSpaceAttr::get(func.getContext(),
                                                gpu::AddressSpace::Workgroup);
    Value base = gpu::DynamicSharedMemoryOp::create(
        b, loc,
        MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), nullptr,
                        workgroup));
    for (auto [attribution, offset] :
         llvm::zip(func.getWorkgroupAttributions(), offsets)) {
      Value at = arith::ConstantIndexOp::create(b, loc, offset);
      Value view = memref::ViewOp::create(b, loc, attribution.getType(), base,
                                          at, ValueRange{});
      Value(attribution).replaceAllUsesWith(view);
    }
    unsigned first = func.getFirstWorkgroupAttributionIndex();
    unsigned count = func.getNumWorkgroupAttributions();
    for (unsigned i = count; i-- > 0;)
      entry.eraseArgument(first + i);
    func->setAttr(gpu::GPUFuncOp::getNumWorkgroupAttributionsAttrName(),
                  b.getI64IntegerAttr(0));
    func.setWorkgroupAttribAttrsAttr(nullptr);
    return total;
  }
};

} // namespace
