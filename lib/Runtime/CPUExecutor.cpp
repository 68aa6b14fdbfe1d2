//===- CPUExecutor.cpp - Calling a bundle's CPU kernels -------------------===//
//
// dlopens kernels.so and calls `aster_call_<entry>(void **descriptors)`,
// passing one MLIR memref descriptor per argument and result (allocated
// and aligned pointer, offset, sizes, strides).
//
//===----------------------------------------------------------------------===//

#include "aster/Runtime/Runtime.h"
#include "EntryCalls.h"

#include <dlfcn.h>

#include <chrono>

using namespace aster::runtime;

namespace {

class CPUExecutor : public Executor {
public:
  explicit CPUExecutor(void *library) : library(library) {}
  ~CPUExecutor() override { dlclose(library); }

  bool call(const EntryPoint &entry, std::vector<HostTensor> &args,
            std::vector<HostTensor> &results, std::string &error) override {
    EntryWrapper fn = findEntry(library, entry, args, results, error);
    if (!fn)
      return false;
    std::vector<std::vector<int64_t>> descriptors;
    std::vector<void *> pointers;
    auto describe = [&](HostTensor &t) {
      descriptors.push_back(memrefDescriptor(t.bytes.data(), t.shape));
    };
    for (HostTensor &t : args)
      describe(t);
    for (HostTensor &t : results)
      describe(t);
    for (auto &d : descriptors)
      pointers.push_back(d.data());
    fn(pointers.data());
    return true;
  }

private:
  void *library;
};

} // namespace

bool Executor::benchmark(const EntryPoint &entry, std::vector<HostTensor> &args,
                         std::vector<HostTensor> &results, int repeats,
                         double &seconds, std::string &error) {
  if (!call(entry, args, results, error))
    return false;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < repeats; ++i)
    if (!call(entry, args, results, error))
      return false;
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                          start)
                .count() /
            std::max(repeats, 1);
  return true;
}

std::unique_ptr<Executor>
aster::runtime::createExecutor(const Bundle &bundle, std::string &error) {
  if (bundle.target != "cpu")
    return createGPUExecutor(bundle, error);
  void *library = openKernels(bundle, error);
  if (!library)
    return nullptr;
  return std::make_unique<CPUExecutor>(library);
}
