// Whether anything besides this process used the machine's CPUs while a repetition ran
// (design/benchmarks.md: measure on an idle machine). A benchmark realm's vCPU threads spin on
// the two vCPUs this VM has; another process that takes one of them for a moment stretches a
// whole repetition (a 64 B message measured at 4 ms instead of 160 ns), and nothing in the
// repetition's own samples says so. The kernel's accounting does: /proc/stat counts every CPU's
// busy time, /proc/self/stat this process's.
#pragma once

#include <cstdint>
#include <string>

namespace caec::bench {

/// CPU time in clock ticks (USER_HZ): all CPUs busy (steal included), this process, wall.
struct CpuSample {
  std::uint64_t busy = 0;   // every CPU, not idle and not iowait (steal counts: the host took it)
  std::uint64_t own = 0;    // this process: utime + stime of all its threads
  std::uint64_t total = 0;  // every CPU, every state
};

[[nodiscard]] CpuSample sample_cpu();

/// The share of the machine's CPU time between two samples that went to something else than
/// this process (other processes, the kernel's work for them, time the hypervisor stole),
/// less two ticks of sampling error; 0 when no time passed.
[[nodiscard]] double foreign_share(const CpuSample& before, const CpuSample& after);

/// A repetition with more foreign CPU time than this was measured beside other work: it is
/// measured again, or set aside as "contended". A competing process takes a whole vCPU (half
/// of this machine); an idle VM's own housekeeping stays well below.
inline constexpr double kMaxForeignShare = 0.10;

/// "3.1%" for reports.
[[nodiscard]] std::string percent(double share);

}  // namespace caec::bench
