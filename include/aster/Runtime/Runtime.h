//===- Runtime.h - Loading and running bundles ------------------*- C++ -*-===//
//
// The runtime links neither MLIR nor LLVM: standard C++, nlohmann-json for
// plan.json, the safetensors library, and dlopen for the kernels. An
// Executor runs an entry point on host tensors; the CPU executor calls the
// bundle's shared object, and CUDA / HIP executors plug in beside it.
//
//===----------------------------------------------------------------------===//

#ifndef ASTER_RUNTIME_RUNTIME_H
#define ASTER_RUNTIME_RUNTIME_H

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace aster::runtime {

enum class DType { F32, BF16, F16, I32, I64, I1 };

std::optional<DType> dtypeFromName(const std::string &name);
size_t dtypeSize(DType dtype);

struct InitSpec {
  std::string kind = "zeros";
  double mean = 0, std = 1, low = 0, high = 1, value = 0;
};

struct TensorSpec {
  std::string name, role; // role: parameter, optimizer or data
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::optional<InitSpec> init;
  int64_t numElements() const;
};

struct EntryPoint {
  std::string name, wrapper;
  std::vector<TensorSpec> args, results;
  /// (result, argument) pairs: a training step's results that are the next
  /// step's arguments.
  std::vector<std::pair<size_t, size_t>> state;
};

struct Bundle {
  /// target: cpu or a GPU chip; runtime: cuda or hip for a GPU.
  std::string dir, target, runtime, kernels;
  int version = 0;
  std::map<std::string, EntryPoint> entries;
};

/// Reads DIR/plan.json, checking its format, version and every field.
std::optional<Bundle> loadBundle(const std::string &dir, std::string &error);

/// A tensor in host memory, densely packed in row-major order.
struct HostTensor {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
  static HostTensor zeros(DType dtype, const std::vector<int64_t> &shape);
  int64_t numElements() const;
  float *f32() { return reinterpret_cast<float *>(bytes.data()); }
  const float *f32() const { return reinterpret_cast<const float *>(bytes.data()); }
  int32_t *i32() { return reinterpret_cast<int32_t *>(bytes.data()); }
  int64_t *i64() { return reinterpret_cast<int64_t *>(bytes.data()); }
};

/// Runs a bundle's entry points on some device.
class Executor {
public:
  virtual ~Executor() = default;
  /// Calls `entry`: `args` in, `results` (allocated by the caller, of the
  /// result specs' shapes) out.
  virtual bool call(const EntryPoint &entry, std::vector<HostTensor> &args,
                    std::vector<HostTensor> &results, std::string &error) = 0;
  /// Wall-clock seconds per call of `entry`, the mean of `repeats` calls
  /// after one warm-up, with the arguments already where the device reads
  /// them (a GPU executor copies them once, outside the timing).
  virtual bool benchmark(const EntryPoint &entry, std::vector<HostTensor> &args,
                         std::vector<HostTensor> &results, int repeats,
                         double &seconds, std::string &error);
};

/// The executor for `bundle.target`: the CPU, or a GPU through CUDA or
/// HIP (loaded at run time; without them this fails with a message).
std::unique_ptr<Executor> createExecutor(const Bundle &bundle,
                                         std::string &error);
std::unique_ptr<Executor> createGPUExecutor(const Bundle &bundle,
                                            std::string &error);

/// A tensor of `spec` initialised from its #aster.init with `seed`, drawn
/// exactly as aster-reference draws it (aster/Support/SeededStream.h).
HostTensor initialise(const TensorSpec &spec, uint64_t seed);

} // namespace aster::runtime

#endif // ASTER_RUNTIME_RUNTIME_H
