//===- GPUExecutor.cpp - Running GPU bundles on CUDA and HIP --------------===//
//
// A GPU bundle's kernels.so is host code: it loads its embedded device
// binary when it is opened and launches kernels through upstream MLIR's
// GPU runtime interface (`mgpuModuleLoad`, `mgpuLaunchKernel`,
// `mgpuMemAlloc`, ...). This file implements that interface over the CUDA
// driver API or HIP's module API, both opened with dlopen at run time, so
// that one aster-run binary runs everywhere and needs neither library to
// start. aster-run exports these symbols (-rdynamic) for kernels.so.
//
// Everything runs on one stream per device. The host code never reads
// device memory, and the allocator below hands a freed block to a later
// allocation only on that same stream, so the per-function stream
// synchronization that MLIR's lowering emits is not needed for correctness
// and is skipped: an entry point's launches queue back to back, and the
// executor waits once, when it copies the results back.
//
//===----------------------------------------------------------------------===//

#include "aster/Runtime/Runtime.h"
#include "EntryCalls.h"

#include <dlfcn.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

using namespace aster::runtime;

namespace {

/// The few driver calls Aster needs, as plain function pointers (no
/// cuda.h or hip_runtime.h at build time). Handles are opaque pointers;
/// both APIs return 0 for success.
struct DriverAPI {
  std::string vendor; // CUDA or HIP
  void *library = nullptr;
  int (*init)(unsigned) = nullptr;
  int (*deviceGet)(int *, int) = nullptr;
  int (*deviceGetName)(char *, int, int) = nullptr;
  int (*deviceGetAttribute)(int *, int, int) = nullptr;
  int (*primaryCtxRetain)(void **, int) = nullptr; // CUDA
  int (*ctxSetCurrent)(void *) = nullptr;          // CUDA
  int (*setDevice)(int) = nullptr;                 // HIP
  int (*moduleLoadData)(void **, const void *) = nullptr;
  int (*moduleUnload)(void *) = nullptr;
  int (*moduleGetFunction)(void **, void *, const char *) = nullptr;
  int (*funcSetAttribute)(void *, int, int) = nullptr; // CUDA
  int (*launchKernel)(void *, unsigned, unsigned, unsigned, unsigned,
                      unsigned, unsigned, unsigned, void *, void **,
                      void **) = nullptr;
  int (*memAlloc)(void **, size_t) = nullptr;
  int (*memFree)(void *) = nullptr;
  int (*memcpyHtoD)(void *, const void *, size_t) = nullptr;
  int (*memcpyDtoH)(void *, void *, size_t) = nullptr;
  int (*memcpyAsync)(void *, const void *, size_t, void *) = nullptr;
  int (*memsetD32Async)(void *, unsigned, size_t, void *) = nullptr;
  int (*memsetD16Async)(void *, unsigned short, size_t, void *) = nullptr;
  int (*streamCreate)(void **, unsigned) = nullptr;
  int (*streamSynchronize)(void *) = nullptr;
  int (*streamWaitEvent)(void *, void *, unsigned) = nullptr;
  int (*eventCreate)(void **, unsigned) = nullptr;
  int (*eventDestroy)(void *) = nullptr;
  int (*eventRecord)(void *, void *) = nullptr;
  int (*eventSynchronize)(void *) = nullptr;
  int (*getErrorString)(int, const char **) = nullptr; // CUDA
  const char *(*hipErrorString)(int) = nullptr;        // HIP
  /// CUDA 12 and later (TMA tensor maps, sm_90); null on older drivers.
  int (*tensorMapEncodeTiled)(void *, int, unsigned, void *,
                              const uint64_t *, const uint64_t *,
                              const unsigned *, const unsigned *, int, int,
                              int, int) = nullptr;
};

template <typename F>
bool bind(void *library, const char *name, F &fn, std::string &missing) {
  fn = reinterpret_cast<F>(dlsym(library, name));
  if (!fn && missing.empty())
    missing = name;
  return fn != nullptr;
}

bool loadCUDA(DriverAPI &api, std::string &error) {
  api.vendor = "CUDA";
  api.library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!api.library) {
    error = "cannot load libcuda.so.1 (no NVIDIA driver on this machine)";
    return false;
  }
  std::string missing;
  void *l = api.library;
  bind(l, "cuInit", api.init, missing);
  bind(l, "cuDeviceGet", api.deviceGet, missing);
  bind(l, "cuDeviceGetName", api.deviceGetName, missing);
  bind(l, "cuDeviceGetAttribute", api.deviceGetAttribute, missing);
  bind(l, "cuDevicePrimaryCtxRetain", api.primaryCtxRetain, missing);
  bind(l, "cuCtxSetCurrent", api.ctxSetCurrent, missing);
  bind(l, "cuModuleLoadData", api.moduleLoadData, missing);
  bind(l, "cuModuleUnload", api.moduleUnload, missing);
  bind(l, "cuModuleGetFunction", api.moduleGetFunction, missing);
  bind(l, "cuLaunchKernel", api.launchKernel, missing);
  bind(l, "cuFuncSetAttribute", api.funcSetAttribute, missing);
  bind(l, "cuMemAlloc_v2", api.memAlloc, missing);
  bind(l, "cuMemFree_v2", api.memFree, missing);
  bind(l, "cuMemcpyHtoD_v2", api.memcpyHtoD, missing);
  bind(l, "cuMemcpyDtoH_v2", api.memcpyDtoH, missing);
  bind(l, "cuMemcpyAsync", api.memcpyAsync, missing);
  bind(l, "cuMemsetD32Async", api.memsetD32Async, missing);
  bind(l, "cuMemsetD16Async", api.memsetD16Async, missing);
  bind(l, "cuStreamCreate", api.streamCreate, missing);
  bind(l, "cuStreamSynchronize", api.streamSynchronize, missing);
  bind(l, "cuStreamWaitEvent", api.streamWaitEvent, missing);
  bind(l, "cuEventCreate", api.eventCreate, missing);
  bind(l, "cuEventDestroy_v2", api.eventDestroy, missing);
  bind(l, "cuEventRecord", api.eventRecord, missing);
  bind(l, "cuEventSynchronize", api.eventSynchronize, missing);
  bind(l, "cuGetErrorString", api.getErrorString, missing);
  if (!missing.empty()) {
    error = "libcuda.so.1 has no " + missing + " (driver too old)";
    return false;
  }
  std::string optional;
  bind(l, "cuTensorMapEncodeTiled", api.tensorMapEncodeTiled, optional);
  return true;
}

bool loadHIP(DriverAPI &api, std::string &error) {
  api.vendor = "HIP";
  api.library = dlopen("libamdhip64.so", RTLD_NOW | RTLD_LOCAL);
  if (!api.library)
    api.library = dlopen("libamdhip64.so.6", RTLD_NOW | RTLD_LOCAL);
  if (!api.library)
    api.library = dlopen("libamdhip64.so.5", RTLD_NOW | RTLD_LOCAL);
  if (!api.library) {
    error = "cannot load libamdhip64.so (no ROCm/HIP runtime on this machine)";
    return false;
  }
  std::string missing;
  void *l = api.library;
  bind(l, "hipInit", api.init, missing);
  bind(l, "hipDeviceGet", api.deviceGet, missing);
  bind(l, "hipDeviceGetName", api.deviceGetName, missing);
  bind(l, "hipDeviceGetAttribute", api.deviceGetAttribute, missing);
  bind(l, "hipSetDevice", api.setDevice, missing);
  bind(l, "hipModuleLoadData", api.moduleLoadData, missing);
  bind(l, "hipModuleUnload", api.moduleUnload, missing);
  bind(l, "hipModuleGetFunction", api.moduleGetFunction, missing);
  bind(l, "hipModuleLaunchKernel", api.launchKernel, missing);
  bind(l, "hipMalloc", api.memAlloc, missing);
  bind(l, "hipFree", api.memFree, missing);
  bind(l, "hipMemcpyHtoD", api.memcpyHtoD, missing);
  bind(l, "hipMemcpyDtoH", api.memcpyDtoH, missing);
  // hipMemcpyAsync takes a direction; hipMemcpyDefault (4) lets unified
  // addressing decide, like cuMemcpyAsync.
  bind(l, "hipMemsetD32Async", api.memsetD32Async, missing);
  bind(l, "hipMemsetD16Async", api.memsetD16Async, missing);
  bind(l, "hipStreamCreateWithFlags", api.streamCreate, missing);
  bind(l, "hipStreamSynchronize", api.streamSynchronize, missing);
  bind(l, "hipStreamWaitEvent", api.streamWaitEvent, missing);
  bind(l, "hipEventCreateWithFlags", api.eventCreate, missing);
  bind(l, "hipEventDestroy", api.eventDestroy, missing);
  bind(l, "hipEventRecord", api.eventRecord, missing);
  bind(l, "hipEventSynchronize", api.eventSynchronize, missing);
  bind(l, "hipGetErrorString", api.hipErrorString, missing);
  if (!missing.empty()) {
    error = "libamdhip64 has no " + missing;
    return false;
  }
  return true;
}

/// The device an executor runs on, with its stream and a caching
/// allocator. The mgpu* functions below reach it through `current`.
struct Device {
  DriverAPI api;
  void *stream = nullptr;
  std::string name;
  /// The first driver error since the last check, with what failed.
  std::string error;
  /// Freed blocks by size, and the size of each live block.
  std::multimap<size_t, void *> cached;
  std::unordered_map<void *, size_t> live;
  std::mutex mutex;
  /// The dynamic shared memory each function has been allowed (CUDA).
  std::unordered_map<void *, int32_t> sharedAllowed;
  /// TMA tensor maps in device memory, by what was encoded (the tensor's
  /// address, sizes and strides, the box, the options): the host code asks
  /// for one each time it launches a kernel that loads by TMA. Freed only
  /// between entry calls (a map handed out may not have been launched
  /// with yet), once there are more than kMostTensorMaps.
  std::map<std::vector<int64_t>, void *> tensorMaps;
  static constexpr size_t kMostTensorMaps = 4096;

  void freeTensorMaps() {
    if (tensorMaps.empty())
      return;
    api.streamSynchronize(stream);
    for (auto &[key, map] : tensorMaps)
      api.memFree(map);
    tensorMaps.clear();
  }

  bool check(int status, const char *what) {
    if (status == 0)
      return true;
    if (error.empty()) {
      const char *text = nullptr;
      if (api.getErrorString)
        api.getErrorString(status, &text);
      else if (api.hipErrorString)
        text = api.hipErrorString(status);
      error = std::string(what) + ": " + (text ? text : "error") + " (" +
              std::to_string(status) + ")";
    }
    return false;
  }

  /// The pending driver error as a message naming the API and the device,
  /// and clears it.
  std::string takeError() {
    std::string message = api.vendor + " on " + name + ": " + error;
    error.clear();
    return message;
  }

  void *allocate(size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex);
    bytes = (bytes + 511) / 512 * 512;
    if (bytes == 0)
      bytes = 512;
    // A cached block of the same size, or one at most twice as large.
    auto it = cached.lower_bound(bytes);
    if (it != cached.end() && it->first <= 2 * bytes) {
      void *p = it->second;
      live[p] = it->first;
      cached.erase(it);
      return p;
    }
    void *p = nullptr;
    int status = api.memAlloc(&p, bytes);
    if (status != 0 && !cached.empty()) {
      // Out of memory with blocks cached: give them back and try again.
      api.streamSynchronize(stream);
      for (auto &[size, block] : cached)
        api.memFree(block);
      cached.clear();
      status = api.memAlloc(&p, bytes);
    }
    if (!check(status, "device allocation"))
      return nullptr;
    live[p] = bytes;
    return p;
  }

  void release(void *p) {
    if (!p)
      return;
    std::lock_guard<std::mutex> lock(mutex);
    auto it = live.find(p);
    if (it == live.end())
      return;
    cached.insert({it->second, p});
    live.erase(it);
  }
};

Device *current = nullptr;

} // namespace

// Upstream MLIR's GPU runtime interface, as gpu-to-llvm calls it.
extern "C" {

__attribute__((visibility("default"))) void *mgpuModuleLoad(void *data,
                                                            size_t) {
  if (!current)
    return nullptr;
  void *module = nullptr;
  current->check(current->api.moduleLoadData(&module, data),
                 "loading the device code (built for another GPU?)");
  return module;
}

__attribute__((visibility("default"))) void *
mgpuModuleLoadJIT(void *data, int) {
  return mgpuModuleLoad(data, 0);
}

__attribute__((visibility("default"))) void mgpuModuleUnload(void *module) {
  if (current && module)
    current->api.moduleUnload(module);
}

__attribute__((visibility("default"))) void *
mgpuModuleGetFunction(void *module, const char *name) {
  if (!current || !module)
    return nullptr;
  void *function = nullptr;
  current->check(current->api.moduleGetFunction(&function, module, name),
                 name);
  return function;
}

__attribute__((visibility("default"))) void
mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                 intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                 intptr_t blockZ, int32_t smem, void *stream, void **params,
                 void **extra, size_t) {
  // After a failure (a tensor map that could not be encoded, a launch that
  // did not start), the launches that would use its results are skipped;
  // the first error is what the executor reports.
  if (!current || !function || !current->error.empty())
    return;
  // CUDA launches a kernel with more than 48 KB of dynamic shared memory
  // (aster-gpu-dynamic-shared-memory) only once its function allows it.
  constexpr int32_t kDefaultDynamicShared = 48 * 1024;
  constexpr int kMaxDynamicSharedSizeBytes = 8; // CUfunction_attribute
  if (smem > kDefaultDynamicShared && current->api.funcSetAttribute) {
    int32_t &allowed = current->sharedAllowed[function];
    if (allowed < smem &&
        current->check(current->api.funcSetAttribute(
                           function, kMaxDynamicSharedSizeBytes, smem),
                       "allowing a kernel its dynamic shared memory"))
      allowed = smem;
  }
  current->check(current->api.launchKernel(
                     function, gridX, gridY, gridZ, blockX, blockY, blockZ,
                     smem, stream, params, extra),
                 "kernel launch");
}

__attribute__((visibility("default"))) void *mgpuStreamCreate() {
  return current ? current->stream : nullptr;
}

__attribute__((visibility("default"))) void mgpuStreamDestroy(void *) {}

// Skipped: see the file comment (one stream, ordered frees).
__attribute__((visibility("default"))) void mgpuStreamSynchronize(void *) {}

__attribute__((visibility("default"))) void mgpuStreamWaitEvent(void *stream,
                                                                void *event) {
  if (current)
    current->check(current->api.streamWaitEvent(stream, event, 0),
                   "stream wait");
}

__attribute__((visibility("default"))) void *mgpuEventCreate() {
  void *event = nullptr;
  // Disable timing (2 on both APIs): these only order work.
  if (current)
    current->check(current->api.eventCreate(&event, 2), "event creation");
  return event;
}

__attribute__((visibility("default"))) void mgpuEventDestroy(void *event) {
  if (current && event)
    current->api.eventDestroy(event);
}

__attribute__((visibility("default"))) void mgpuEventSynchronize(void *event) {
  if (current && event)
    current->check(current->api.eventSynchronize(event), "event wait");
}

__attribute__((visibility("default"))) void mgpuEventRecord(void *event,
                                                            void *stream) {
  if (current && event)
    current->check(current->api.eventRecord(event, stream), "event record");
}

__attribute__((visibility("default"))) void *
mgpuMemAlloc(uint64_t bytes, void *, bool) {
  return current ? current->allocate(bytes) : nullptr;
}

__attribute__((visibility("default"))) void mgpuMemFree(void *p, void *) {
  if (current)
    current->release(p);
}

__attribute__((visibility("default"))) void
mgpuMemcpy(void *dst, void *src, size_t bytes, void *stream) {
  if (!current)
    return;
  if (current->api.memcpyAsync) {
    current->check(current->api.memcpyAsync(dst, src, bytes, stream),
                   "device copy");
    return;
  }
  // HIP: hipMemcpyAsync(dst, src, bytes, hipMemcpyDefault, stream).
  using HipCopy = int (*)(void *, const void *, size_t, int, void *);
  static auto copy = reinterpret_cast<HipCopy>(
      dlsym(current->api.library, "hipMemcpyAsync"));
  if (copy)
    current->check(copy(dst, src, bytes, 4, stream), "device copy");
}

__attribute__((visibility("default"))) void
mgpuMemset32(void *dst, unsigned value, size_t count, void *stream) {
  if (current)
    current->check(current->api.memsetD32Async(dst, value, count, stream),
                   "device memset");
}

__attribute__((visibility("default"))) void
mgpuMemset16(void *dst, unsigned short value, size_t count, void *stream) {
  if (current)
    current->check(current->api.memsetD16Async(dst, value, count, stream),
                   "device memset");
}

__attribute__((visibility("default"))) void mgpuSetDefaultDevice(int32_t) {}

/// The tensor map (CUtensorMap, 128 bytes) of the memref `descriptor` (a
/// ranked descriptor of `rank`: allocated and aligned pointers, offset,
/// sizes, strides) for boxes of `boxDims` (outermost first), in device
/// memory for kernels to load by TMA; the enums are CUDA's. As upstream
/// MLIR's lowering of nvgpu.tma.create.descriptor calls it, except that the
/// memref's offset counts (a view into an arena).
__attribute__((visibility("default"))) void *
mgpuTensorMapEncodeTiledMemref(int64_t rank, void *descriptor,
                               int64_t dataType, int64_t interleave,
                               int64_t swizzle, int64_t l2Promotion,
                               int64_t oobFill, int64_t *boxDims) {
  if (!current)
    return nullptr;
  Device &d = *current;
  // Bytes per element by CUtensorMapDataType (uint8 ... tfloat32_ftz).
  static const int64_t kElementBytes[] = {1, 2, 4, 4, 8, 8, 2,
                                          4, 8, 2, 4, 4, 4};
  if (!d.api.tensorMapEncodeTiled) {
    if (d.error.empty())
      d.error = "encoding a TMA tensor map: this driver has no "
                "cuTensorMapEncodeTiled (CUDA 12 or later)";
    return nullptr;
  }
  if (rank < 1 || rank > 5 || dataType < 0 || dataType >= 13) {
    if (d.error.empty())
      d.error = "encoding a TMA tensor map: rank " + std::to_string(rank) +
                " or data type " + std::to_string(dataType) +
                " out of range";
    return nullptr;
  }
  const int64_t *words = static_cast<const int64_t *>(descriptor);
  int64_t elementBytes = kElementBytes[dataType];
  char *address = reinterpret_cast<char *>(words[1]) + words[2] * elementBytes;
  const int64_t *sizes = words + 3, *strides = words + 3 + rank;
  // The driver's order is innermost first; strides in bytes, but the
  // innermost (one element).
  uint64_t dims[5], strideBytes[5];
  unsigned box[5], elementStrides[5];
  std::vector<int64_t> key = {reinterpret_cast<int64_t>(address), rank,
                              dataType, interleave, swizzle, l2Promotion,
                              oobFill};
  for (int64_t r = 0; r < rank; ++r) {
    dims[r] = uint64_t(sizes[rank - 1 - r]);
    box[r] = unsigned(boxDims[rank - 1 - r]);
    elementStrides[r] = 1;
    if (r + 1 < rank)
      strideBytes[r] = uint64_t(strides[rank - 2 - r] * elementBytes);
    key.insert(key.end(), {sizes[r], strides[r], boxDims[r]});
  }
  auto found = d.tensorMaps.find(key);
  if (found != d.tensorMaps.end())
    return found->second;
  alignas(64) unsigned char map[128];
  if (!d.check(d.api.tensorMapEncodeTiled(
                   map, int(dataType), unsigned(rank), address, dims,
                   strideBytes, box, elementStrides, int(interleave),
                   int(swizzle), int(l2Promotion), int(oobFill)),
               "encoding a TMA tensor map (address, sizes or strides not "
               "16-byte aligned?)"))
    return nullptr;
  void *device = nullptr;
  if (!d.check(d.api.memAlloc(&device, sizeof(map)), "device allocation"))
    return nullptr;
  // Synchronous: the map is in place before any later launch reads it.
  if (!d.check(d.api.memcpyHtoD(device, map, sizeof(map)),
               "copying a TMA tensor map to the device")) {
    d.api.memFree(device);
    return nullptr;
  }
  d.tensorMaps[key] = device;
  return device;
}

} // extern "C"

namespace {

class GPUExecutor : public Executor {
public:
  GPUExecutor(std::unique_ptr<Device> device, void *library)
      : device(std::move(device)), library(library) {}
  ~GPUExecutor() override {
    current = device.get();
    device->freeTensorMaps();
    if (library)
      dlclose(library); // unloads the device module
    current = nullptr;
  }

  bool call(const EntryPoint &entry, std::vector<HostTensor> &args,
            std::vector<HostTensor> &results, std::string &error) override {
    return run(entry, args, results, 0, nullptr, error);
  }

  bool benchmark(const EntryPoint &entry, std::vector<HostTensor> &args,
                 std::vector<HostTensor> &results, int repeats,
                 double &seconds, std::string &error) override {
    return run(entry, args, results, std::max(repeats, 1), &seconds, error);
  }

private:
  /// Copies the arguments in, calls the entry point once (and `repeats`
  /// more times, timed, when `seconds` is given), copies the results out.
  bool run(const EntryPoint &entry, std::vector<HostTensor> &args,
           std::vector<HostTensor> &results, int repeats, double *seconds,
           std::string &error) {
    EntryWrapper fn = findEntry(library, entry, args, results, error);
    if (!fn)
      return false;
    Device &d = *device;
    current = &d;
    std::vector<void *> buffers;
    std::vector<std::vector<int64_t>> descriptors;
    auto describe = [&](HostTensor &t, bool upload) {
      void *p = d.allocate(t.bytes.size());
      buffers.push_back(p);
      if (p && upload && !t.bytes.empty())
        d.check(d.api.memcpyHtoD(p, t.bytes.data(), t.bytes.size()),
                "copy to the device");
      descriptors.push_back(memrefDescriptor(p, t.shape));
    };
    for (HostTensor &t : args)
      describe(t, true);
    for (HostTensor &t : results)
      describe(t, false);
    // For tests: results start as all-ones bits (NaN for floats), so that
    // an output no kernel writes cannot pass for a right one.
    if (std::getenv("ASTER_POISON_RESULTS"))
      for (size_t i = 0; i < results.size(); ++i)
        if (buffers[args.size() + i])
          d.check(d.api.memsetD32Async(buffers[args.size() + i], 0xffffffffu,
                                       (results[i].bytes.size() + 3) / 4,
                                       d.stream),
                  "poisoning the results");
    if (d.error.empty()) {
      std::vector<void *> pointers;
      for (auto &desc : descriptors)
        pointers.push_back(desc.data());
      fn(pointers.data());
      d.check(d.api.streamSynchronize(d.stream), entry.name.c_str());
      if (seconds && d.error.empty()) {
        auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < repeats; ++i)
          fn(pointers.data());
        d.check(d.api.streamSynchronize(d.stream), entry.name.c_str());
        *seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count() /
                   repeats;
      }
      for (size_t i = 0; i < results.size() && d.error.empty(); ++i)
        if (!results[i].bytes.empty())
          d.check(d.api.memcpyDtoH(results[i].bytes.data(),
                                   buffers[args.size() + i],
                                   results[i].bytes.size()),
                  "copy to the host");
    }
    for (void *p : buffers)
      d.release(p);
    // A caller whose buffers keep moving: the maps of the addresses seen.
    if (d.tensorMaps.size() > Device::kMostTensorMaps)
      d.freeTensorMaps();
    if (!d.error.empty()) {
      error = d.takeError();
      return false;
    }
    return true;
  }

  std::unique_ptr<Device> device;
  void *library;
};

} // namespace

std::unique_ptr<Executor>
aster::runtime::createGPUExecutor(const Bundle &bundle, std::string &error) {
  auto device = std::make_unique<Device>();
  DriverAPI &api = device->api;
  bool cuda = bundle.runtime == "cuda";
  if (!(cuda ? loadCUDA(api, error) : loadHIP(api, error))) {
    error += ": bundle for " + bundle.target + " cannot run here";
    return nullptr;
  }
  Device &d = *device;
  int ordinal = 0;
  if (!d.check(api.init(0), "initialisation") ||
      !d.check(api.deviceGet(&ordinal, 0), "no GPU")) {
    error = api.vendor + ": " + d.error + " (bundle for " + bundle.target + ")";
    return nullptr;
  }
  char name[256] = {0};
  api.deviceGetName(name, sizeof(name) - 1, ordinal);
  d.name = name;
  if (cuda) {
    // Compute capability major (75) and minor (76): a cubin runs only on
    // its own architecture.
    int major = 0, minor = 0;
    api.deviceGetAttribute(&major, 75, ordinal);
    api.deviceGetAttribute(&minor, 76, ordinal);
    std::string arch = "sm_" + std::to_string(major * 10 + minor);
    if (arch != bundle.target) {
      error = "bundle for " + bundle.target + ", but this GPU is " + d.name +
              " (" + arch + "): recompile with --target=" + arch;
      return nullptr;
    }
    void *context = nullptr;
    if (!d.check(api.primaryCtxRetain(&context, ordinal), "context") ||
        !d.check(api.ctxSetCurrent(context), "context")) {
      error = d.takeError();
      return nullptr;
    }
  } else if (!d.check(api.setDevice(ordinal), "device")) {
    error = d.takeError();
    return nullptr;
  }
  if (!d.check(api.streamCreate(&d.stream, 0), "stream creation")) {
    error = d.takeError();
    return nullptr;
  }
  // Opening kernels.so loads its device binary through mgpuModuleLoad.
  current = &d;
  void *library = openKernels(bundle, error);
  if (library && !d.error.empty()) {
    error = d.takeError();
    dlclose(library);
    library = nullptr;
  }
  if (!library) {
    current = nullptr; // the device goes with this function
    return nullptr;
  }
  return std::make_unique<GPUExecutor>(std::move(device), library);
}
