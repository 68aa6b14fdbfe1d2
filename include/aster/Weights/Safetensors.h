//===- Safetensors.h - Reading and writing .safetensors checkpoints -*- C++ -*-===//
//
// The safetensors format (huggingface/safetensors): an 8-byte little-endian
// header length, a JSON header naming each tensor's dtype, shape and byte
// range, then the raw little-endian data. A checkpoint is one such file or
// the shards a `model.safetensors.index.json` maps names to.
//
// This library uses only the C++ standard library and nlohmann-json (no
// LLVM, no MLIR), so that the runtime can link it. Its API does not throw:
// errors come back as messages naming the file and tensor.
//
//===----------------------------------------------------------------------===//

#ifndef ASTER_WEIGHTS_SAFETENSORS_H
#define ASTER_WEIGHTS_SAFETENSORS_H

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace aster::weights {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

const char *dtypeName(DType dtype);
std::optional<DType> dtypeFromName(const std::string &name);
uint64_t dtypeSize(DType dtype);
bool isFloatDType(DType dtype);

struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::string file;     // the .safetensors file holding the data
  uint64_t offset = 0;  // absolute byte offset of the data in `file`
  uint64_t bytes = 0;
  int64_t numElements() const;
};

class Checkpoint {
public:
  /// Opens `path`: a .safetensors file, a model.safetensors.index.json, or
  /// a directory holding model.safetensors or the index. Every header is
  /// read and checked (dtypes, shapes, byte ranges that cover the data with
  /// no gap or overlap); tensor data is read on demand.
  static std::optional<Checkpoint> open(const std::string &path,
                                        std::string &error);

  const TensorInfo *find(const std::string &name) const;
  const std::map<std::string, TensorInfo> &tensors() const { return byName; }
  /// What was opened, for messages.
  const std::string &path() const { return origin; }

  /// The values of a floating-point tensor, converted exactly to double.
  bool readFloats(const TensorInfo &tensor, std::vector<double> &out,
                  std::string &error) const;

private:
  std::string origin;
  std::map<std::string, TensorInfo> byName;
};

/// Parses a safetensors header: `prefix` holds the file's first bytes (the
/// 8-byte length and the JSON it announces), `fileSize` the whole size.
/// Adds the tensors to `out`; exposed for the fuzzer.
bool parseHeader(const std::string &prefix, uint64_t fileSize,
                 const std::string &file, std::map<std::string, TensorInfo> &out,
                 std::string &error);

/// One tensor to write: raw little-endian bytes of `dtype`.
struct TensorData {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::string bytes;
};

/// The value of an IEEE half (F16) or bfloat16 (BF16) bit pattern.
double halfBitsToDouble(uint16_t bits);
double bfloat16BitsToDouble(uint16_t bits);

/// Encodes `values` as `dtype` (F64, F32, F16 or BF16), rounding to nearest
/// even once from double.
std::string encodeFloats(const std::vector<double> &values, DType dtype);

/// Writes `tensors` (and string `metadata`) to `path` atomically: to a
/// temporary file first, renamed into place when complete.
bool writeSafetensors(const std::string &path,
                      const std::vector<TensorData> &tensors,
                      const std::map<std::string, std::string> &metadata,
                      std::string &error);

} // namespace aster::weights

#endif // ASTER_WEIGHTS_SAFETENSORS_H
