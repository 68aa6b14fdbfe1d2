//===- Npy.h - Reading and writing numpy .npy files -------------*- C++ -*-===//
//
// The .npy format (numpy's NEP 1): versions 1.0 to 3.0, little-endian,
// C order; dtypes <f2, <f4, <f8, <i4, <i8, |b1.
//
//===----------------------------------------------------------------------===//

#ifndef ASTER_INTERPRETER_NPY_H
#define ASTER_INTERPRETER_NPY_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace mlir::aster::interp {

struct RefTensor;

/// The contents of an .npy file: its dtype string as written ("<f4"), its
/// shape, and its values widened to double (floats) or int64 (integers).
struct NpyArray {
  std::string dtype;
  llvm::SmallVector<int64_t> shape;
  std::vector<double> floats;
  std::vector<int64_t> ints;
  bool isFloat() const { return dtype[1] == 'f'; }
};

/// Parses `bytes`, the contents of an .npy file. Errors say what is wrong
/// with the file, without its name.
llvm::Expected<NpyArray> parseNpy(llvm::StringRef bytes);
/// Reads and parses the .npy file at `path`; errors name the file.
llvm::Expected<NpyArray> readNpyFile(llvm::StringRef path);

/// Writes `tensor` to `path` atomically (a temporary file then a rename).
/// Floating-point values are written as <f8 when `asF64`, else in the
/// tensor's own width (bf16 as <f4, which holds it exactly).
llvm::Error writeNpyFile(llvm::StringRef path, const RefTensor &tensor,
                         bool asF64);

} // namespace mlir::aster::interp

#endif // ASTER_INTERPRETER_NPY_H
