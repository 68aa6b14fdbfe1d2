//===- EntryCalls.h - What every executor does to call an entry -*- C++ -*-===//
//
// Shared by the CPU and GPU executors: opening kernels.so, finding an entry
// point's wrapper in it, checking the argument counts, and the MLIR memref
// descriptor each argument and result is passed as.
//
//===----------------------------------------------------------------------===//

#ifndef ASTER_LIB_RUNTIME_ENTRYCALLS_H
#define ASTER_LIB_RUNTIME_ENTRYCALLS_H

#include "aster/Runtime/Runtime.h"

#include <dlfcn.h>

namespace aster::runtime {

using EntryWrapper = void (*)(void **);

/// dlopens the bundle's kernels.so; null with `error` set if it cannot.
inline void *openKernels(const Bundle &bundle, std::string &error) {
  void *library = dlopen(bundle.kernels.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *why = dlerror();
    error = bundle.kernels + ": cannot load kernels (" +
            (why ? why : "unknown error") + ")";
  }
  return library;
}

/// The wrapper of `entry` in `library`, after checking the numbers of
/// arguments and results; null with `error` set otherwise.
inline EntryWrapper findEntry(void *library, const EntryPoint &entry,
                              const std::vector<HostTensor> &args,
                              const std::vector<HostTensor> &results,
                              std::string &error) {
  auto fn = reinterpret_cast<EntryWrapper>(dlsym(library, entry.wrapper.c_str()));
  if (!fn) {
    error = "kernels.so has no " + entry.wrapper +
            " (the bundle is incomplete or from another version)";
    return nullptr;
  }
  if (args.size() != entry.args.size() ||
      results.size() != entry.results.size()) {
    error = entry.name + ": wrong number of arguments or results";
    return nullptr;
  }
  return fn;
}

/// The memref descriptor of a dense row-major tensor of `shape` at `data`:
/// {allocated, aligned, offset, sizes..., strides...} as 64-bit words.
inline std::vector<int64_t> memrefDescriptor(const void *data,
                                             const std::vector<int64_t> &shape) {
  size_t rank = shape.size();
  std::vector<int64_t> d(3 + 2 * rank);
  d[0] = d[1] = reinterpret_cast<int64_t>(data);
  d[2] = 0;
  int64_t stride = 1;
  for (size_t i = rank; i-- > 0;) {
    d[3 + i] = shape[i];
    d[3 + rank + i] = stride;
    stride *= shape[i];
  }
  return d;
}

} // namespace aster::runtime

#endif // ASTER_LIB_RUNTIME_ENTRYCALLS_H
