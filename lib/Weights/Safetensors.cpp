//===- Safetensors.cpp - Reading and writing .safetensors checkpoints -----===//
//
// Hand-written against the format's specification (no C++ implementation is
// packaged in Debian): see docs/decisions.md. Compiled with exceptions so
// that nlohmann-json can report malformed headers; none escapes this file.
//
//===----------------------------------------------------------------------===//

#include "aster/Weights/Safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

using namespace aster::weights;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
/// The safetensors specification caps the header at 100 MB.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

struct DTypeEntry {
  DType dtype;
  const char *name;
  uint64_t size;
  bool isFloat;
};
constexpr DTypeEntry kDTypes[] = {
    {DType::F64, "F64", 8, true},  {DType::F32, "F32", 4, true},
    {DType::F16, "F16", 2, true},  {DType::BF16, "BF16", 2, true},
    {DType::I64, "I64", 8, false}, {DType::I32, "I32", 4, false},
    {DType::I16, "I16", 2, false}, {DType::I8, "I8", 1, false},
    {DType::U8, "U8", 1, false},   {DType::Bool, "BOOL", 1, false},
};

const DTypeEntry &entry(DType dtype) {
  for (const DTypeEntry &e : kDTypes)
    if (e.dtype == dtype)
      return e;
  return kDTypes[0];
}

bool fail(std::string &error, const std::string &message) {
  error = message;
  return false;
}

/// Reads the 8-byte length and the JSON header of `file`, then parses them.
bool readHeader(const std::string &file, std::map<std::string, TensorInfo> &out,
                std::string &error) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return fail(error, file + ": cannot open");
  std::error_code ec;
  uint64_t fileSize = fs::file_size(file, ec);
  if (ec)
    return fail(error, file + ": cannot read its size: " + ec.message());
  std::string prefix(std::min<uint64_t>(fileSize, 8), '\0');
  in.read(prefix.data(), static_cast<std::streamsize>(prefix.size()));
  uint64_t headerSize = 0;
  if (prefix.size() == 8)
    for (int i = 7; i >= 0; --i)
      headerSize = headerSize << 8 | static_cast<unsigned char>(prefix[i]);
  if (prefix.size() == 8 && headerSize <= kMaxHeaderBytes &&
      headerSize <= fileSize - 8) {
    prefix.resize(8 + headerSize);
    if (!in.read(prefix.data() + 8, static_cast<std::streamsize>(headerSize)))
      return fail(error, file + ": cannot read the header");
  }
  return aster::weights::parseHeader(prefix, fileSize, file, out, error);
}
} // namespace

bool aster::weights::parseHeader(const std::string &prefix, uint64_t fileSize,
                                 const std::string &file,
                                 std::map<std::string, TensorInfo> &out,
                                 std::string &error) {
  if (fileSize < 8 || prefix.size() < 8)
    return fail(error, file + ": too short for a safetensors header");
  uint64_t headerSize = 0;
  for (int i = 7; i >= 0; --i)
    headerSize = headerSize << 8 | static_cast<unsigned char>(prefix[i]);
  if (headerSize > kMaxHeaderBytes || headerSize > fileSize - 8 ||
      prefix.size() < 8 + headerSize)
    return fail(error, file + ": header length " + std::to_string(headerSize) +
                           " exceeds the file (" + std::to_string(fileSize) +
                           " bytes) or the 100 MB limit");
  std::string text = prefix.substr(8, headerSize);
  uint64_t dataStart = 8 + headerSize, dataSize = fileSize - dataStart;

  json header = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object())
    return fail(error, file + ": the header is not a JSON object");
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  try {
    for (auto &[name, value] : header.items()) {
      if (name == "__metadata__")
        continue;
      std::string where = file + ": tensor '" + name + "'";
      if (!value.is_object() || !value.contains("dtype") ||
          !value.contains("shape") || !value.contains("data_offsets"))
        return fail(error, where + " needs dtype, shape and data_offsets");
      const json &dtypeValue = value["dtype"];
      std::optional<DType> dtype =
          dtypeValue.is_string() ? dtypeFromName(dtypeValue.get<std::string>())
                                 : std::nullopt;
      if (!dtype)
        return fail(error,
                    where + " has an unsupported dtype " + dtypeValue.dump());
      TensorInfo info;
      info.name = name;
      info.dtype = *dtype;
      info.file = file;
      const json &shape = value["shape"];
      if (!shape.is_array())
        return fail(error, where + ": shape must be an array");
      uint64_t count = 1;
      for (const json &d : shape) {
        if (!d.is_number_unsigned())
          return fail(error, where + ": shape " + shape.dump() +
                                 " must hold non-negative integers");
        uint64_t dim = d.get<uint64_t>();
        if (dim > (uint64_t(1) << 62) ||
            (dim != 0 && count > (uint64_t(1) << 62) / dim))
          return fail(error,
                      where + ": shape " + shape.dump() + " is too large");
        count *= dim;
        info.shape.push_back(static_cast<int64_t>(dim));
      }
      const json &offsets = value["data_offsets"];
      if (!offsets.is_array() || offsets.size() != 2 ||
          !offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned())
        return fail(error, where + ": data_offsets must be [begin, end]");
      uint64_t begin = offsets[0].get<uint64_t>(),
               end = offsets[1].get<uint64_t>();
      if (begin > end || end > dataSize)
        return fail(error, where + ": data_offsets [" + std::to_string(begin) +
                               ", " + std::to_string(end) +
                               "] fall outside the " +
                               std::to_string(dataSize) + " bytes of data");
      uint64_t size = entry(*dtype).size;
      if (count > (uint64_t(1) << 62) / size || end - begin != count * size)
        return fail(error, where + ": " + std::to_string(end - begin) +
                               " bytes of data for shape " + shape.dump() +
                               " of " + dtypeName(*dtype));
      info.offset = dataStart + begin;
      info.bytes = end - begin;
      if (out.count(name))
        return fail(error, where + " also appears in " + out[name].file);
      out[name] = info;
      ranges.push_back({begin, end});
    }
  } catch (const json::exception &e) {
    return fail(error, file + ": malformed header: " + e.what());
  }
  // The specification asks for data covered exactly: no gap, no overlap.
  std::sort(ranges.begin(), ranges.end());
  uint64_t next = 0;
  for (auto [begin, end] : ranges) {
    if (begin != next)
      return fail(error, file + ": tensor data " +
                             (begin < next ? "overlaps" : "leaves a gap") +
                             " at byte " + std::to_string(begin));
    next = end;
  }
  if (next != dataSize)
    return fail(error, file + ": " + std::to_string(dataSize - next) +
                           " bytes of data after the last tensor");
  return true;
}

namespace {
/// Reads the shards a model.safetensors.index.json names.
bool readIndex(const std::string &indexPath,
               std::map<std::string, TensorInfo> &out, std::string &error) {
  std::ifstream in(indexPath);
  if (!in)
    return fail(error, indexPath + ": cannot open");
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  json index = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (index.is_discarded() || !index.is_object() ||
      !index.contains("weight_map") || !index["weight_map"].is_object())
    return fail(error, indexPath + ": expected a JSON object with a "
                                   "'weight_map' object");
  fs::path dir = fs::path(indexPath).parent_path();
  std::map<std::string, std::string> wanted;
  std::set<std::string> shards;
  for (auto &[name, file] : index["weight_map"].items()) {
    if (!file.is_string())
      return fail(error, indexPath + ": weight_map['" + name +
                             "'] must be a file name");
    std::string shard = file.get<std::string>();
    if (shard.find('/') != std::string::npos || shard == "..")
      return fail(error, indexPath + ": weight_map['" + name + "'] names '" +
                             shard + "', not a file beside the index");
    wanted[name] = (dir / shard).string();
    shards.insert(wanted[name]);
  }
  for (const std::string &shard : shards)
    if (!readHeader(shard, out, error))
      return false;
  for (auto &[name, file] : wanted) {
    auto it = out.find(name);
    if (it == out.end() || it->second.file != file)
      return fail(error, indexPath + ": weight_map puts '" + name + "' in " +
                             file + ", which does not hold it");
  }
  return true;
}

/// Rounds `x` to nearest even in a binary format with `precision`
/// significand bits and minimum normal exponent `minExp` (subnormals
/// included). Exact: frexp/ldexp are exact and nearbyint rounds to even.
double roundTo(double x, int precision, int minExp) {
  if (!std::isfinite(x) || x == 0.0)
    return x;
  int e;
  std::frexp(x, &e); // x = m * 2^e, 0.5 <= |m| < 1
  int ulp = std::max(e, minExp + 1) - precision;
  return std::ldexp(std::nearbyint(std::ldexp(x, -ulp)), ulp);
}

uint16_t toHalfBits(double x) {
  double r = roundTo(x, 11, -14);
  uint16_t sign = std::signbit(r) ? 0x8000 : 0;
  double a = std::fabs(r);
  if (std::isnan(x))
    return sign | 0x7e00;
  if (a > 65504.0 || std::isinf(a))
    return sign | 0x7c00;
  if (a < std::ldexp(1.0, -14)) // subnormal: a = m * 2^-24
    return sign | static_cast<uint16_t>(std::ldexp(a, 24));
  int e;
  double m = std::frexp(a, &e); // a = m * 2^e, m in [0.5, 1)
  uint16_t exponent = static_cast<uint16_t>(e - 1 + 15);
  uint16_t mantissa = static_cast<uint16_t>(std::ldexp(m * 2.0 - 1.0, 10));
  return sign | exponent << 10 | mantissa;
}

} // namespace

double aster::weights::halfBitsToDouble(uint16_t bits) {
  double sign = bits & 0x8000 ? -1.0 : 1.0;
  int exponent = bits >> 10 & 0x1f, mantissa = bits & 0x3ff;
  if (exponent == 0)
    return sign * std::ldexp(mantissa, -24);
  if (exponent == 31)
    return mantissa ? NAN : sign * INFINITY;
  return sign * std::ldexp(1024 + mantissa, exponent - 25);
}

double aster::weights::bfloat16BitsToDouble(uint16_t bits) {
  uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &wide, 4);
  return f;
}

const char *aster::weights::dtypeName(DType dtype) { return entry(dtype).name; }
uint64_t aster::weights::dtypeSize(DType dtype) { return entry(dtype).size; }
bool aster::weights::isFloatDType(DType dtype) { return entry(dtype).isFloat; }

std::optional<DType> aster::weights::dtypeFromName(const std::string &name) {
  for (const DTypeEntry &e : kDTypes)
    if (name == e.name)
      return e.dtype;
  return std::nullopt;
}

int64_t TensorInfo::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::optional<Checkpoint> Checkpoint::open(const std::string &path,
                                           std::string &error) {
  Checkpoint checkpoint;
  checkpoint.origin = path;
  std::string file = path;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    if (fs::exists(fs::path(path) / "model.safetensors.index.json"))
      file = (fs::path(path) / "model.safetensors.index.json").string();
    else if (fs::exists(fs::path(path) / "model.safetensors"))
      file = (fs::path(path) / "model.safetensors").string();
    else {
      error = path + ": holds neither model.safetensors nor "
                     "model.safetensors.index.json";
      return std::nullopt;
    }
  }
  bool ok = file.size() >= 5 && file.compare(file.size() - 5, 5, ".json") == 0
                ? readIndex(file, checkpoint.byName, error)
                : readHeader(file, checkpoint.byName, error);
  if (!ok)
    return std::nullopt;
  return checkpoint;
}

const TensorInfo *Checkpoint::find(const std::string &name) const {
  auto it = byName.find(name);
  return it == byName.end() ? nullptr : &it->second;
}

bool Checkpoint::readFloats(const TensorInfo &tensor, std::vector<double> &out,
                            std::string &error) const {
  if (!isFloatDType(tensor.dtype))
    return fail(error, tensor.file + ": tensor '" + tensor.name + "' is " +
                           dtypeName(tensor.dtype) + ", not floating point");
  std::ifstream in(tensor.file, std::ios::binary);
  std::string bytes(tensor.bytes, '\0');
  if (!in || !in.seekg(static_cast<std::streamoff>(tensor.offset)) ||
      !in.read(bytes.data(), static_cast<std::streamsize>(tensor.bytes)))
    return fail(error,
                tensor.file + ": cannot read tensor '" + tensor.name + "'");
  int64_t n = tensor.numElements();
  out.resize(n);
  const char *p = bytes.data();
  for (int64_t i = 0; i < n; ++i) {
    switch (tensor.dtype) {
    case DType::F64:
      std::memcpy(&out[i], p + 8 * i, 8);
      break;
    case DType::F32: {
      float f;
      std::memcpy(&f, p + 4 * i, 4);
      out[i] = f;
      break;
    }
    case DType::F16:
    case DType::BF16: {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      out[i] = tensor.dtype == DType::F16 ? halfBitsToDouble(h)
                                          : bfloat16BitsToDouble(h);
      break;
    }
    default:
      break;
    }
  }
  return true;
}

std::string aster::weights::encodeFloats(const std::vector<double> &values,
                                         DType dtype) {
  std::string bytes;
  bytes.reserve(values.size() * dtypeSize(dtype));
  for (double v : values) {
    switch (dtype) {
    case DType::F64:
      bytes.append(reinterpret_cast<const char *>(&v), 8);
      break;
    case DType::F32: {
      // Rounded once from double, then exact in float.
      float f = static_cast<float>(roundTo(v, 24, -126));
      bytes.append(reinterpret_cast<const char *>(&f), 4);
      break;
    }
    case DType::F16: {
      uint16_t h = toHalfBits(v);
      bytes.append(reinterpret_cast<const char *>(&h), 2);
      break;
    }
    case DType::BF16: {
      float f = static_cast<float>(roundTo(v, 8, -126));
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      uint16_t h = std::isnan(v) ? 0x7fc0 : static_cast<uint16_t>(bits >> 16);
      bytes.append(reinterpret_cast<const char *>(&h), 2);
      break;
    }
    default:
      break;
    }
  }
  return bytes;
}

bool aster::weights::writeSafetensors(
    const std::string &path, const std::vector<TensorData> &tensors,
    const std::map<std::string, std::string> &metadata, std::string &error) {
  json header = json::object();
  if (!metadata.empty())
    header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const TensorData &t : tensors) {
    uint64_t count = 1;
    for (int64_t d : t.shape)
      count *= static_cast<uint64_t>(d);
    if (t.bytes.size() != count * dtypeSize(t.dtype))
      return fail(error, path + ": tensor '" + t.name + "' has " +
                             std::to_string(t.bytes.size()) +
                             " bytes for its shape and dtype");
    header[t.name] = {{"dtype", dtypeName(t.dtype)},
                      {"shape", t.shape},
                      {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' '); // align the data to 8 bytes
  std::string temp = path + ".partial";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out)
      return fail(error, path + ": cannot write " + temp);
    uint64_t size = text.size();
    for (int i = 0; i < 8; ++i)
      out.put(static_cast<char>(size >> (8 * i) & 0xff));
    out << text;
    for (const TensorData &t : tensors)
      out.write(t.bytes.data(), static_cast<std::streamsize>(t.bytes.size()));
    out.close();
    if (!out)
      return fail(error, path + ": write failed");
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec)
    return fail(error, path + ": cannot rename into place: " + ec.message());
  return true;
}
