//===- Tma.cpp - NVIDIA: tiles copied by the tensor memory accelerator ----===//
//
// sm_90's TMA copies a box of a tensor in global memory to shared memory
// in one instruction, issued by one thread, applying the 128-byte swizzle
// wgmma reads (MmaFragments.h) and writing zeros where the box leaves the
// tensor. It reads a 128-byte tensor map (the tensor's address, sizes and
// strides, the box, the swizzle) that the host encodes: here upstream's
// `nvgpu.tma.create.descriptor`, which lowers to a call of
// `mgpuTensorMapEncodeTiledMemref` (aster-run implements it over
// cuTensorMapEncodeTiled and copies the map to device memory). The kernels
// capture the map's device address as an i64 and view it as the
// descriptor again where they load: gpu.func arguments of the descriptor
// type do not convert to NVVM, and a pointer cast to and from it would
// fold back into the descriptor before outlining.
//
// Completion is tracked by mbarriers in shared memory (upstream's
// `nvgpu.mbarrier.*`): the issuing thread arms a barrier with the bytes
// its loads will write (`arrive.expect_tx`), the TMA unit counts them
// down, and every thread waits for the barrier's phase to flip
// (`try_wait.parity`) before reading the tile.
//
//===----------------------------------------------------------------------===//

#include "aster/Codegen/GPU/MmaFragments.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"

using namespace mlir;

namespace {

Attribute workgroupSpace(MLIRContext *ctx) {
  return gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
}

/// The descriptor type of a swizzled box of `element`.
nvgpu::TensorMapDescriptorType descriptorType(MLIRContext *ctx,
                                              ArrayRef<int64_t> box,
                                              Type element) {
  auto boxType = MemRefType::get(box, element, nullptr, workgroupSpace(ctx));
  return nvgpu::TensorMapDescriptorType::get(
      ctx, boxType, nvgpu::TensorMapSwizzleKind::SWIZZLE_128B,
      nvgpu::TensorMapL2PromoKind::L2PROMO_128B,
      nvgpu::TensorMapOOBKind::OOB_ZERO,
      nvgpu::TensorMapInterleaveKind::INTERLEAVE_NONE);
}

nvgpu::MBarrierGroupType barrierType(MLIRContext *ctx, int64_t count) {
  return nvgpu::MBarrierGroupType::get(ctx, workgroupSpace(ctx), count);
}

} // namespace

Value aster::createTensorMap(OpBuilder &b, Location loc, Value view,
                             ArrayRef<int64_t> box) {
  MLIRContext *ctx = b.getContext();
  auto viewType = cast<MemRefType>(view.getType());
  Value unranked = memref::CastOp::create(
      b, loc, UnrankedMemRefType::get(viewType.getElementType(), 0), view);
  SmallVector<Value> boxSizes;
  for (int64_t size : box)
    boxSizes.push_back(arith::ConstantIndexOp::create(b, loc, size));
  Value map = nvgpu::TmaCreateDescriptorOp::create(
      b, loc, descriptorType(ctx, box, viewType.getElementType()), unranked,
      boxSizes);
  Value pointer = UnrealizedConversionCastOp::create(
                      b, loc, LLVM::LLVMPointerType::get(ctx), map)
                      .getResult(0);
  return LLVM::PtrToIntOp::create(b, loc, b.getI64Type(), pointer);
}

Value aster::createTileBarriers(OpBuilder &b, Location loc, int64_t count) {
  return nvgpu::MBarrierCreateOp::create(
      b, loc, barrierType(b.getContext(), count));
}

void aster::initTileBarriers(OpBuilder &b, Location loc, Value barriers,
                             int64_t count) {
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t i = 0; i < count; ++i)
    nvgpu::MBarrierInitOp::create(
        b, loc, barriers, one, arith::ConstantIndexOp::create(b, loc, i),
        /*predicate=*/Value());
  // The initialized barriers visible to the TMA unit (the async proxy).
  fenceSharedForAsyncProxy(b, loc);
}

void aster::expectTileBytes(OpBuilder &b, Location loc, Value barriers,
                            Value index, int64_t bytes) {
  nvgpu::MBarrierArriveExpectTxOp::create(
      b, loc, barriers, arith::ConstantIndexOp::create(b, loc, bytes), index,
      /*predicate=*/Value());
}

namespace {
/// `tensorMap` (an i64 device address) as the descriptor of boxes like
/// `tileType`.
Value asDescriptor(OpBuilder &b, Location loc, Value tensorMap,
                   MemRefType tileType) {
  Value pointer = LLVM::IntToPtrOp::create(
      b, loc, LLVM::LLVMPointerType::get(b.getContext()), tensorMap);
  return UnrealizedConversionCastOp::create(
             b, loc,
             descriptorType(b.getContext(), tileType.getShape(),
                            tileType.getElementType()),
             pointer)
      .getResult(0);
}
} // namespace

void aster::acquireTensorMap(OpBuilder &b, Location loc, Value tensorMap,
                             MemRefType tileType) {
  nvgpu::TmaFenceOp::create(b, loc,
                            asDescriptor(b, loc, tensorMap, tileType));
}

void aster::loadTile(OpBuilder &b, Location loc, Value tensorMap,
                     Value tile, ValueRange coordinates, Value barriers,
                     Value index) {
  Value map = asDescriptor(b, loc, tensorMap, cast<MemRefType>(tile.getType()));
  nvgpu::TmaAsyncLoadOp::create(b, loc, tile, barriers, map, coordinates,
                                index, /*multicastMask=*/Value(),
                                /*predicate=*/Value());
}

void aster::waitTileBarrier(OpBuilder &b, Location loc, Value barriers,
                            Value index, Value parity) {
  // The suspend-time hint of each try (ns); the wait itself loops.
  Value ticks = arith::ConstantIndexOp::create(b, loc, 10000000);
  nvgpu::MBarrierTryWaitParityOp::create(b, loc, barriers, parity, ticks,
                                         index);
}
