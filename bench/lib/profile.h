// What `caec bench` runs: the quick profile (a couple of minutes; CI's smoke run) and the full
// one (the paper's 1,000-message medians, 64 B to 1 MiB).
#pragma once

#include <functional>
#include <string>

#include "bench/lib/results.h"

namespace caec::bench {

struct Profile {
  std::string name;
  std::vector<std::size_t> sizes;
  std::uint64_t messages = 1000;  // per size, acknowledged; and the throughput burst
  std::uint64_t repetitions = 5;  // the messages split into this many runs, each placement-tagged
  unsigned contended_retries = 2;  // re-measurements of a repetition taken beside other work
  std::vector<std::uint64_t> region_sizes;
  std::uint64_t control_reps = 5;
  std::vector<std::uint64_t> consumer_counts{1, 2, 4, 8, 16};
  std::uint64_t fanout_region = std::uint64_t{1} << 20U;
  std::uint64_t tokens = 20;
  unsigned floor_reps = 1000;
  std::uint64_t weight_bytes = 177U << 20U;
  std::uint64_t weight_passes = 3;
  unsigned weight_rounds = 1;  // private and shared alternate this many times
};

[[nodiscard]] Profile quick_profile();
[[nodiscard]] Profile full_profile();

/// Runs the floors, the five transports and the control plane; `progress` gets one line per
/// phase.
[[nodiscard]] Results run_profile(const Profile& profile, const std::vector<channel::Transport>& modes,
                                  const std::function<void(const std::string&)>& progress);

/// What is missing or insane in `results` for this profile and these modes (empty: complete):
/// every mode at every size with positive figures, every floor, every control operation.
[[nodiscard]] std::vector<std::string> completeness_problems(const Results& results, const Profile& profile,
                                                             const std::vector<channel::Transport>& modes);

}  // namespace caec::bench
