// The examples' deterministic generator (SplitMix64): images, model weights and workloads are
// functions of a seed, so every run, over every transport, sees the same data.
#pragma once

#include <cstdint>

namespace caec::examples {

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31U);
  }
  /// Uniform in [0, bound) (bound > 0; the modulo bias is irrelevant for synthetic data).
  std::uint64_t below(std::uint64_t bound) { return next() % bound; }
  /// Uniform in [lo, hi].
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }

 private:
  std::uint64_t state_;
};

}  // namespace caec::examples
