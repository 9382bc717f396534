// Time in TSC ticks (the only cycle counter this machine exposes: `perf` has no hardware
// counters in these VMs), and the ticks-to-nanoseconds rate measured against the steady clock.
#pragma once

#include <x86intrin.h>

#include <cstdint>

namespace caec::bench {

[[nodiscard]] inline std::uint64_t ticks() { return __rdtsc(); }

/// TSC ticks per nanosecond, measured once per process over ~50 ms.
[[nodiscard]] double ticks_per_ns();

}  // namespace caec::bench
