// The communication benchmark (design/benchmarks.md §1): for each transport, a writer realm and
// a reader realm on the emulated machine exchange messages of each size through the channel
// library; the realms time themselves with the TSC and report on their consoles.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/lib/stats.h"
#include "channel/connect.h"

namespace caec::bench {

struct CommConfig {
  std::vector<channel::Transport> modes;
  std::vector<std::size_t> sizes;
  std::uint64_t count = 1000;  // acknowledged messages per size (latency, cycles)
  std::uint64_t burst = 1000;  // back-to-back messages per size (throughput)
  std::function<void(const std::string&)> progress;
};

/// One transport at one message size; ticks unless the name says otherwise.
struct CommPoint {
  std::string mode;
  std::size_t size = 0;
  Summary send{};       // writer: ticks in send
  Summary recv{};       // reader: ticks in the receive that returned the message
  Summary latency{};    // one way, writer's clock before send to reader's after receive
  std::uint64_t burst = 0;
  std::uint64_t burst_ticks = 0;
  /// Cache-line round trip (ns) probed just before and after this transport's run: the vCPUs'
  /// placement (near or far) can change between runs and changes every cross-core figure.
  Summary probe_before_ns{};
  Summary probe_after_ns{};

  [[nodiscard]] double cycles_per_message() const { return send.median + recv.median; }
  [[nodiscard]] double throughput_mb_s(double ticks_per_ns) const;
};

/// Runs every mode over every size on a fresh machine. Throws if a realm fails.
[[nodiscard]] std::vector<CommPoint> run_comm(const CommConfig& config);

}  // namespace caec::bench
