//===- HostMemory.cpp - The host code's buffers in device memory ----------===//
//
// After the loops became launches, what is left outside them is host code
// that only allocates, takes views and launches. Its allocations move to
// the device (gpu.alloc), the arenas included; anything that would make
// the host touch device memory is a compile-time error.
//
//===----------------------------------------------------------------------===//

#include "Payload.h"
#include "aster/Codegen/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::aster {
#define GEN_PASS_DEF_GPUHOSTMEMORY
#include "aster/Codegen/Passes.h.inc"
} // namespace mlir::aster

using namespace mlir;
using namespace mlir::aster;

namespace {

Value deviceAlloc(OpBuilder &builder, Location loc, MemRefType type,
                  ValueRange dynamicSizes, ValueRange symbols) {
  return gpu::AllocOp::create(builder, loc, type, /*asyncToken=*/Type(),
                              /*asyncDependencies=*/ValueRange{}, dynamicSizes,
                              symbols, /*hostShared=*/false)
      .getMemref();
}

struct GPUHostMemoryPass
    : mlir::aster::impl::GPUHostMemoryBase<GPUHostMemoryPass> {
  using GPUHostMemoryBase::GPUHostMemoryBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isDeclaration() && failed(moveToDevice(func, symbols)))
        return signalPassFailure();
    // The arenas are device allocations now.
    for (auto global : llvm::make_early_inc_range(module.getOps<memref::GlobalOp>()))
      if (!global.getConstant() && SymbolTable::symbolKnownUseEmpty(global, module))
        global.erase();
  }

  LogicalResult moveToDevice(func::FuncOp func, SymbolTable &symbols) {
    Block &body = func.getBody().front();
    // Arenas: one device allocation per call of the function.
    for (auto get : llvm::make_early_inc_range(body.getOps<memref::GetGlobalOp>())) {
      auto global = symbols.lookup<memref::GlobalOp>(get.getName());
      if (!global || global.getConstant())
        continue;
      OpBuilder builder(get);
      Value arena = deviceAlloc(builder, get.getLoc(), get.getType(), {}, {});
      get.getResult().replaceAllUsesWith(arena);
      get.erase();
      func.walk([&](func::ReturnOp ret) {
        OpBuilder at(ret);
        gpu::DeallocOp::create(at, ret.getLoc(), /*asyncToken=*/Type(),
                               ValueRange{}, arena);
      });
    }
    WalkResult result = func.walk([&](Operation *op) -> WalkResult {
      bool onDevice = op->getParentOfType<gpu::LaunchOp>() != nullptr;
      if (onDevice) {
        if (isa<memref::AllocOp>(op))
          return op->emitError()
                 << "GPU code generation: kernel @" << func.getSymName()
                 << " allocates inside a launch (no strategy for it yet)";
        // A host global read on the device would be a host address.
        for (Value operand : op->getOperands())
          if (auto get = bufferRoot(operand).getDefiningOp<memref::GetGlobalOp>())
            if (!get->getParentOfType<gpu::LaunchOp>())
              return op->emitError()
                     << "GPU code generation: kernel @" << func.getSymName()
                     << " reads host global @" << get.getName();
        return WalkResult::advance();
      }
      if (isa<gpu::LaunchOp>(op))
        return WalkResult::advance();
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        // One the arenas did not take: freed when the function returns.
        if (alloc->getBlock() != &body)
          return op->emitError()
                 << "GPU code generation: @" << func.getSymName()
                 << " allocates inside a host region";
        OpBuilder builder(alloc);
        Value device = deviceAlloc(builder, alloc.getLoc(), alloc.getType(),
                                   alloc.getDynamicSizes(),
                                   alloc.getSymbolOperands());
        alloc.getResult().replaceAllUsesWith(device);
        alloc.erase();
        bool freed = llvm::any_of(device.getUsers(), [](Operation *user) {
          return isa<memref::DeallocOp, gpu::DeallocOp>(user);
        });
        if (!freed)
          func.walk([&](func::ReturnOp ret) {
            OpBuilder at(ret);
            gpu::DeallocOp::create(at, ret.getLoc(), Type(), ValueRange{},
                                   device);
          });
        return WalkResult::skip();
      }
      if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        OpBuilder builder(dealloc);
        gpu::DeallocOp::create(builder, dealloc.getLoc(), Type(), ValueRange{},
                               dealloc.getMemref());
        dealloc.erase();
        return WalkResult::skip();
      }
      if (isa<memref::LoadOp, memref::StoreOp, memref::CopyOp>(op) ||
          isa<linalg::LinalgDialect>(op->getDialect()))
        return op->emitError()
               << "GPU code generation: @" << func.getSymName()
               << " would touch device memory on the host ("
               << op->getName() << ")";
      return WalkResult::advance();
    });
    return failure(result.wasInterrupted());
  }
};

} // namespace
