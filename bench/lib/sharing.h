// The data-sharing benchmark (design/benchmarks.md §4): one copy of model weights shared
// read-only with consumers against a private copy in every realm — granules used, and the
// inference kernel's pass time in each case.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/lib/stats.h"

namespace caec::bench {

struct SharingConfig {
  std::uint64_t weight_bytes = 177U << 20U;  // GPT-2 small at 8 bits
  std::vector<unsigned> consumers{1, 2};
  std::uint64_t passes = 3;
  /// Private and shared scenarios alternate this many times; each point summarizes every
  /// realm of every round.
  unsigned rounds = 1;
  std::function<void(const std::string&)> progress;
};

struct SharingPoint {
  unsigned consumers = 0;     // realms besides the one that holds (or would hold) the weights
  bool shared = false;
  std::uint64_t granules = 0;  // delegated by the host for the whole scenario (largest round)
  Summary pass_ticks{};        // over the realms' median pass times, all rounds
  bool checksums_agree = false;
};

[[nodiscard]] std::vector<SharingPoint> run_sharing(const SharingConfig& config);

}  // namespace caec::bench
