//===- safetensors_fuzzer.cpp - libFuzzer target for the safetensors header ===//
//
// Feeds arbitrary bytes, as the start of a checkpoint file, to the header
// parser behind --weights. A malformed header must give an error, never a
// crash, a hang or an exception escaping.
//
//===----------------------------------------------------------------------===//

#include "aster/Weights/Safetensors.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string bytes(reinterpret_cast<const char *>(data), size);
  std::map<std::string, aster::weights::TensorInfo> tensors;
  std::string error;
  aster::weights::parseHeader(bytes, size, "fuzz.safetensors", tensors, error);
  return 0;
}
