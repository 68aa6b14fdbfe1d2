//===- Npy.cpp - Reading and writing numpy .npy files ---------------------===//
//
// Hand-written because the format is small (a magic string, a Python dict
// literal header, raw data) and no maintained C++ library is packaged in
// Debian; see docs/decisions.md.
//
//===----------------------------------------------------------------------===//

#include "aster/Interpreter/Npy.h"
#include "aster/Interpreter/RefTensor.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace mlir::aster::interp;
using llvm::StringRef;

namespace {
llvm::Error fail(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The text after `'key':` in a header dict, trimmed.
std::optional<StringRef> headerField(StringRef header, StringRef key) {
  std::string quoted = ("'" + key + "'").str();
  size_t at = header.find(quoted);
  if (at == StringRef::npos)
    return std::nullopt;
  StringRef rest = header.drop_front(at + quoted.size()).ltrim();
  if (!rest.consume_front(":"))
    return std::nullopt;
  return rest.ltrim();
}

int64_t itemSize(StringRef dtype) {
  if (dtype == "<f2")
    return 2;
  if (dtype == "<f4" || dtype == "<i4")
    return 4;
  if (dtype == "<f8" || dtype == "<i8")
    return 8;
  if (dtype == "|b1")
    return 1;
  return 0;
}

template <typename T>
T load(const char *p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}
} // namespace

llvm::Expected<NpyArray> mlir::aster::interp::parseNpy(StringRef bytes) {
  static const char magic[] = "\x93NUMPY";
  if (!bytes.starts_with(StringRef(magic, 6)))
    return fail("not an .npy file (bad magic string)");
  if (bytes.size() < 10)
    return fail("truncated .npy header");
  uint8_t major = static_cast<uint8_t>(bytes[6]);
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = static_cast<uint8_t>(bytes[8]) |
                (static_cast<size_t>(static_cast<uint8_t>(bytes[9])) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return fail("truncated .npy header");
    headerLen = load<uint32_t>(bytes.data() + 8);
    headerStart = 12;
  } else {
    return fail("unsupported .npy format version " + llvm::Twine(major));
  }
  if (headerLen > bytes.size() - headerStart)
    return fail("truncated .npy header");
  StringRef header = bytes.substr(headerStart, headerLen);
  StringRef data = bytes.drop_front(headerStart + headerLen);

  NpyArray array;
  std::optional<StringRef> descr = headerField(header, "descr");
  if (!descr || !descr->consume_front("'"))
    return fail("header has no 'descr' string");
  array.dtype = descr->take_until([](char c) { return c == '\''; }).str();
  // Single-byte and native-order dtypes: '|b1' stays, '|f4'/'=f4' mean '<f4'
  // on the little-endian machines Aster runs on.
  if (array.dtype.size() == 3 && (array.dtype[0] == '|' || array.dtype[0] == '=') &&
      array.dtype != "|b1")
    array.dtype[0] = '<';
  int64_t item = itemSize(array.dtype);
  if (item == 0)
    return fail("unsupported dtype '" + array.dtype +
                "'; supported: <f2, <f4, <f8, <i4, <i8, |b1 (little-endian)");

  std::optional<StringRef> order = headerField(header, "fortran_order");
  if (!order)
    return fail("header has no 'fortran_order'");
  if (order->starts_with("True"))
    return fail("Fortran-ordered arrays are not supported; save with "
                "np.ascontiguousarray");

  std::optional<StringRef> shapeText = headerField(header, "shape");
  if (!shapeText || !shapeText->consume_front("("))
    return fail("header has no 'shape' tuple");
  StringRef dims = shapeText->take_until([](char c) { return c == ')'; });
  if (dims.size() == shapeText->size())
    return fail("header's 'shape' tuple is not closed");
  llvm::SmallVector<StringRef> parts;
  dims.split(parts, ',', -1, /*KeepEmpty=*/false);
  int64_t count = 1;
  for (StringRef part : parts) {
    part = part.trim();
    if (part.empty())
      continue;
    int64_t d;
    if (part.getAsInteger(10, d) || d < 0)
      return fail("bad dimension '" + part + "' in 'shape'");
    if (d != 0 && count > (int64_t(1) << 40) / d)
      return fail("array too large");
    count *= d;
    array.shape.push_back(d);
  }

  if (static_cast<int64_t>(data.size()) != count * item)
    return fail("data size " + llvm::Twine(data.size()) +
                " bytes does not match shape " +
                shapeToString(array.shape) + " of " + array.dtype + " (" +
                llvm::Twine(count * item) + " bytes)");
  const char *p = data.data();
  for (int64_t i = 0; i < count; ++i, p += item) {
    if (array.dtype == "<f2") {
      llvm::APFloat half(llvm::APFloat::IEEEhalf(),
                         llvm::APInt(16, load<uint16_t>(p)));
      bool losesInfo;
      half.convert(llvm::APFloat::IEEEdouble(),
                   llvm::APFloat::rmNearestTiesToEven, &losesInfo);
      array.floats.push_back(half.convertToDouble());
    } else if (array.dtype == "<f4") {
      array.floats.push_back(load<float>(p));
    } else if (array.dtype == "<f8") {
      array.floats.push_back(load<double>(p));
    } else if (array.dtype == "<i4") {
      array.ints.push_back(load<int32_t>(p));
    } else if (array.dtype == "|b1") {
      array.ints.push_back(*p != 0);
    } else {
      array.ints.push_back(load<int64_t>(p));
    }
  }
  return array;
}

llvm::Expected<NpyArray> mlir::aster::interp::readNpyFile(StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!buffer)
    return fail(path + ": cannot read: " + buffer.getError().message());
  llvm::Expected<NpyArray> array = parseNpy((*buffer)->getBuffer());
  if (!array)
    return fail(path + ": " + llvm::toString(array.takeError()));
  return array;
}

llvm::Error mlir::aster::interp::writeNpyFile(StringRef path,
                                              const RefTensor &tensor,
                                              bool asF64) {
  std::string dtype;
  switch (tensor.kind) {
  case ElementKind::F32:
  case ElementKind::BF16:
    dtype = asF64 ? "<f8" : "<f4";
    break;
  case ElementKind::F16:
    dtype = asF64 ? "<f8" : "<f2";
    break;
  case ElementKind::I32:
    dtype = "<i4";
    break;
  case ElementKind::I64:
    dtype = "<i8";
    break;
  case ElementKind::I1:
    dtype = "|b1";
    break;
  }
  std::string shape = "(";
  for (size_t i = 0; i < tensor.shape.size(); ++i)
    shape += (i ? ", " : "") + std::to_string(tensor.shape[i]);
  shape += tensor.shape.size() == 1 ? ",)" : ")";
  std::string header = "{'descr': '" + dtype +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad so that the data starts on a 64-byte boundary, ending with '\n'.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';

  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  auto append = [&](const void *p, size_t n) {
    bytes.append(static_cast<const char *>(p), n);
  };
  for (int64_t i = 0, e = tensor.size(); i < e; ++i) {
    if (dtype == "<f8") {
      double v = tensor.floats[i];
      append(&v, 8);
    } else if (dtype == "<f4") {
      float v = static_cast<float>(tensor.floats[i]);
      append(&v, 4);
    } else if (dtype == "<f2") {
      llvm::APFloat half(tensor.floats[i]);
      bool losesInfo;
      half.convert(llvm::APFloat::IEEEhalf(),
                   llvm::APFloat::rmNearestTiesToEven, &losesInfo);
      uint16_t bits = half.bitcastToAPInt().getZExtValue();
      append(&bits, 2);
    } else if (dtype == "<i4") {
      int32_t v = static_cast<int32_t>(tensor.ints[i]);
      append(&v, 4);
    } else if (dtype == "|b1") {
      char v = tensor.ints[i] != 0;
      append(&v, 1);
    } else {
      int64_t v = tensor.ints[i];
      append(&v, 8);
    }
  }

  llvm::SmallString<256> temp(path);
  temp += ".partial";
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(temp, ec);
    if (ec)
      return fail(path + ": cannot write: " + ec.message());
    os << bytes;
    os.close();
    if (os.has_error())
      return fail(path + ": write failed: " + os.error().message());
  }
  if (std::error_code ec = llvm::sys::fs::rename(temp, path))
    return fail(path + ": cannot rename into place: " + ec.message());
  return llvm::Error::success();
}
