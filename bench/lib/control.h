// The control plane benchmark (design/benchmarks.md §3): CSM operation latency against region
// size, REC round trip, attestation token generation, timed inside the realms.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/lib/stats.h"

namespace caec::bench {

struct ControlConfig {
  std::vector<std::uint64_t> sizes;  // region sizes, multiples of 4 KiB
  std::uint64_t reps = 3;
  std::uint64_t tokens = 10;
  std::function<void(const std::string&)> progress;
};

struct ControlPoint {
  std::string op;          // create, share, reserve, attach, revoke, detach, destroy,
                           // rec-round-trip, attestation-token
  std::uint64_t size = 0;  // region size (0 for the size-independent ones)
  Summary ticks{};
};

[[nodiscard]] std::vector<ControlPoint> run_control(const ControlConfig& config);

}  // namespace caec::bench
