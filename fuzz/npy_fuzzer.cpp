//===- npy_fuzzer.cpp - libFuzzer target for the .npy reader --------------===//
//
// Feeds arbitrary bytes to parseNpy, the reader behind aster-reference -i.
// A malformed file must give an error, never a crash, a hang or a huge
// allocation.
//
//===----------------------------------------------------------------------===//

#include "aster/Interpreter/Npy.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::Expected<mlir::aster::interp::NpyArray> array = mlir::aster::interp::parseNpy(
      llvm::StringRef(reinterpret_cast<const char *>(data), size));
  if (!array)
    llvm::consumeError(array.takeError());
  return 0;
}
