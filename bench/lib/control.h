// The control plane benchmark (design/benchmarks.md §3): CSM operation latency against region
// size, REC round trip, attestation token generation, timed inside the realms.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/lib/stats.h"
#include "caec/abi/types.h"

namespace caec::bench {

/// Where the control-plane realm programs (bench-control, bench-fanout) put their regions.
inline constexpr Ipa kRegionBase{0x400000};

struct ControlConfig {
  std::vector<std::uint64_t> sizes;  // region sizes, multiples of 4 KiB
  std::uint64_t reps = 3;
  std::uint64_t tokens = 10;
  /// Consumer counts for the fan-out sweep (empty: skip it), all sharing one region of
  /// `fanout_size` bytes.
  std::vector<std::uint64_t> consumer_counts;
  std::uint64_t fanout_size = std::uint64_t{1} << 20U;
  std::function<void(const std::string&)> progress;
};

struct ControlPoint {
  std::string op;          // create, share, reserve, attach, revoke, detach, destroy,
                           // rec-round-trip, attestation-token; with several consumers (fan-out):
                           // share, attach, attach-last, destroy-attached, detach-dead
  std::uint64_t size = 0;  // region size (0 for the size-independent ones)
  std::uint64_t consumers = 0;  // consumers of the region (0 for the size-independent ones)
  std::string sweep;            // "region-size", "consumers", or empty (size-independent)
  Summary ticks{};
};

[[nodiscard]] std::vector<ControlPoint> run_control(const ControlConfig& config);

}  // namespace caec::bench
