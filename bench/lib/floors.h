// The physical limits measured in the same run as the channels (design/benchmarks.md §2): what
// a copying channel, a polling channel and a sealed channel can at best cost on this machine.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "bench/lib/stats.h"

namespace caec::bench {

/// The floors at one message size (ticks for the whole message).
struct FloorPoint {
  std::size_t size = 0;
  Summary memcpy_ticks{};
  Summary aead_openssl_ticks{};  // seal + open
  Summary aead_mbedtls_ticks{};
  Summary aead_libsodium_ticks{};  // all zero where libsodium has no AES-GCM on this CPU

  /// The cheapest AES-256-GCM seal + open measured at this size (benchmarks.md §2).
  [[nodiscard]] double best_aead_ticks() const;
  [[nodiscard]] std::string best_aead() const;
};

/// How a run's floors were taken.
struct FloorConditions {
  /// How much slower the slowest vCPU ran AES-GCM than the fastest, at its worst size (1: the
  /// vCPUs agree).
  double cpu_spread = 1;
  /// The core-speed kernel (bench/lib/core_speed.h) around the floors kept, against the run's
  /// best: the slowest a kept floor was measured at.
  double worst_core_slowdown = 0;
  /// Sizes measured again because a vCPU's core was slowed while they were measured.
  unsigned remeasured = 0;
};

/// Every floor at every size on every vCPU in turn (pinned), each floor the fastest vCPU's: a
/// floor is the best this machine can do, and which vCPU the bench's main thread happens to run
/// on must not move it (bench/lib/core_speed.h: at one moment vCPU 0 ran OpenSSL's AES-GCM at
/// half vCPU 1's speed). The core-speed kernel runs before and after each size's floors; a size
/// measured on a core running it over kMaxCoreSlowdown times the run's best is measured again
/// after a pause (the slowdowns come in bursts of about a second), up to `retries` times, and
/// the least slowed attempt is kept.
/// `core_best`: the best core-speed kernel ticks the run has seen (its calibration, core_speeds),
/// lowered by any faster sample taken here.
[[nodiscard]] std::vector<FloorPoint> measure_floors(const std::vector<std::size_t>& sizes, unsigned reps,
                                                     unsigned retries, std::uint64_t& core_best,
                                                     FloorConditions& conditions,
                                                     const std::function<void(const std::string&)>& progress);

/// Ticks to copy `size` bytes between two buffers (the best median of five consecutive batches
/// of `reps`/5 copies: stats.h, summarize_best_batch). Each floor stops early after about 0.25 s
/// if it has 50 samples by then.
[[nodiscard]] Summary memcpy_ticks(std::size_t size, unsigned reps);

/// Round trip of one cache line between two threads (nanoseconds): the latency floor of any
/// polling channel. The two threads are wherever the scheduler puts them, as the realms' are.
[[nodiscard]] Summary cache_line_round_trip_ns(unsigned trips);

/// benchmarks.md §2: what a cache-line round trip (ns) says about the two vCPUs: "near"
/// (~70 ns), "far" (~450 ns), or "preempted" (far beyond: the threads were not running at once
/// because another load held the CPUs, and cross-core figures are not to be trusted).
[[nodiscard]] std::string placement(const Summary& probe_ns);

/// Ticks for AES-256-GCM seal + open of `size` bytes with `backend` (channel::aead_backends()),
/// the best median of five consecutive batches of `reps`/5.
[[nodiscard]] Summary aead_ticks(const std::string& backend, std::size_t size, unsigned reps);

}  // namespace caec::bench
