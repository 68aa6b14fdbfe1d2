//===- SeededStream.h - The seeded random numbers of Aster ------*- C++ -*-===//
//
// SplitMix64 keyed by (seed, name) with Box-Muller normals: the generator
// behind every seeded value (parameters from #aster.init, synthetic inputs).
// Header-only and free of LLVM/MLIR so that the reference interpreter and
// the runtime draw the same numbers on every platform: a model initialised
// from a seed in aster-run is the one aster-reference runs.
//
//===----------------------------------------------------------------------===//

#ifndef ASTER_SUPPORT_SEEDEDSTREAM_H
#define ASTER_SUPPORT_SEEDEDSTREAM_H

#include <cmath>
#include <cstdint>
#include <string_view>

namespace aster {

class SeededStream {
public:
  SeededStream(uint64_t seed, std::string_view key) {
    // FNV-1a of the key, mixed with the seed.
    uint64_t hash = 1469598103934665603ull;
    for (char c : key) {
      hash ^= static_cast<uint8_t>(c);
      hash *= 1099511628211ull;
    }
    state = seed * 0x9e3779b97f4a7c15ull ^ hash;
  }

  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  /// Standard normal (Box-Muller; 1 - u keeps the logarithm's argument in
  /// (0, 1]).
  double normal() {
    double u1 = 1.0 - uniform();
    double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }

private:
  uint64_t state;
};

} // namespace aster

#endif // ASTER_SUPPORT_SEEDEDSTREAM_H
