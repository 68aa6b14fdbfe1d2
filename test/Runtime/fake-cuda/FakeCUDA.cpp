//===- FakeCUDA.cpp - A stand-in libcuda.so.1 for the tests ---------------===//
//
// The CUDA driver calls aster-run makes, over host memory: device
// allocations are malloc'd, copies are memcpy, kernels do not run. It lets
// the tests run a GPU bundle's host code where there is no GPU, to check
// what that code asks of the driver. cuTensorMapEncodeTiled prints its
// arguments to stderr (one line each) and refuses what the real driver
// refuses for alignment (addresses and strides not multiples of 16 bytes).
//
//===----------------------------------------------------------------------===//

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {
int dummy;
} // namespace

extern "C" {

int cuInit(unsigned) { return 0; }
int cuDeviceGet(int *device, int) {
  *device = 0;
  return 0;
}
int cuDeviceGetName(char *name, int length, int) {
  std::snprintf(name, length, "Fake CUDA device (Aster tests)");
  return 0;
}
int cuDeviceGetAttribute(int *value, int attribute, int) {
  // Compute capability 9.0 (major 75, minor 76).
  *value = attribute == 75 ? 9 : 0;
  return 0;
}
int cuDevicePrimaryCtxRetain(void **context, int) {
  *context = &dummy;
  return 0;
}
int cuCtxSetCurrent(void *) { return 0; }
int cuModuleLoadData(void **module, const void *) {
  *module = &dummy;
  return 0;
}
int cuModuleUnload(void *) { return 0; }
int cuModuleGetFunction(void **function, void *, const char *) {
  *function = &dummy;
  return 0;
}
int cuFuncSetAttribute(void *, int, int) { return 0; }
int cuLaunchKernel(void *, unsigned, unsigned, unsigned, unsigned, unsigned,
                   unsigned, unsigned, void *, void **, void **) {
  return 0;
}
int cuMemAlloc_v2(void **pointer, size_t bytes) {
  *pointer = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  return *pointer ? 0 : 2; // CUDA_ERROR_OUT_OF_MEMORY
}
int cuMemFree_v2(void *pointer) {
  std::free(pointer);
  return 0;
}
int cuMemcpyHtoD_v2(void *dst, const void *src, size_t bytes) {
  std::memcpy(dst, src, bytes);
  return 0;
}
int cuMemcpyDtoH_v2(void *dst, void *src, size_t bytes) {
  std::memcpy(dst, src, bytes);
  return 0;
}
int cuMemcpyAsync(void *dst, const void *src, size_t bytes, void *) {
  std::memcpy(dst, src, bytes);
  return 0;
}
int cuMemsetD32Async(void *dst, unsigned value, size_t count, void *) {
  for (size_t i = 0; i < count; ++i)
    static_cast<uint32_t *>(dst)[i] = value;
  return 0;
}
int cuMemsetD16Async(void *dst, unsigned short value, size_t count, void *) {
  for (size_t i = 0; i < count; ++i)
    static_cast<uint16_t *>(dst)[i] = value;
  return 0;
}
int cuStreamCreate(void **stream, unsigned) {
  *stream = &dummy;
  return 0;
}
int cuStreamSynchronize(void *) { return 0; }
int cuStreamWaitEvent(void *, void *, unsigned) { return 0; }
int cuEventCreate(void **event, unsigned) {
  *event = &dummy;
  return 0;
}
int cuEventDestroy_v2(void *) { return 0; }
int cuEventRecord(void *, void *) { return 0; }
int cuEventSynchronize(void *) { return 0; }
int cuGetErrorString(int, const char **text) {
  *text = "invalid value (fake driver)";
  return 0;
}

int cuTensorMapEncodeTiled(void *map, int dataType, unsigned rank,
                           void *address, const uint64_t *dims,
                           const uint64_t *strides, const unsigned *box,
                           const unsigned *elementStrides, int interleave,
                           int swizzle, int l2Promotion, int oobFill) {
  std::fprintf(stderr, "cuTensorMapEncodeTiled: type %d rank %u address%%16 "
                       "%u dims",
               dataType, rank, unsigned(uintptr_t(address) % 16));
  for (unsigned r = 0; r < rank; ++r)
    std::fprintf(stderr, " %llu", static_cast<unsigned long long>(dims[r]));
  std::fprintf(stderr, " strides");
  for (unsigned r = 0; r + 1 < rank; ++r)
    std::fprintf(stderr, " %llu", static_cast<unsigned long long>(strides[r]));
  std::fprintf(stderr, " box");
  for (unsigned r = 0; r < rank; ++r)
    std::fprintf(stderr, " %u", box[r]);
  std::fprintf(stderr, " elementStrides");
  for (unsigned r = 0; r < rank; ++r)
    std::fprintf(stderr, " %u", elementStrides[r]);
  std::fprintf(stderr, " interleave %d swizzle %d l2 %d oob %d\n", interleave,
               swizzle, l2Promotion, oobFill);
  bool aligned = uintptr_t(address) % 16 == 0;
  for (unsigned r = 0; r + 1 < rank; ++r)
    aligned = aligned && strides[r] % 16 == 0;
  std::memset(map, 0, 128);
  return aligned ? 0 : 1; // CUDA_ERROR_INVALID_VALUE
}

} // extern "C"
