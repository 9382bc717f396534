// The physical limits measured in the same run as the channels (design/benchmarks.md §2): what
// a copying channel, a polling channel and a sealed channel can at best cost on this machine.
#pragma once

#include <cstddef>
#include <string>

#include "bench/lib/stats.h"

namespace caec::bench {

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
