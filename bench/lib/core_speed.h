// How fast each vCPU runs right now. On a cloud VM a vCPU's physical core may be shared with
// other work (another tenant's thread on its SMT sibling, most likely): code on that vCPU runs up to
// twice as slow (OpenSSL's AES-GCM seal + open of 64 B took 940 ns on this VM's vCPU 0 and 471
// on vCPU 1 at one moment, 480 and 470 a few minutes later), and nothing the guest can read says
// so (/proc/stat's steal stays 0, its busy time is ours). The only witness is a fixed piece of
// work timed on the vCPU itself: the benchmark realms time this kernel beside every size they
// measure, the bench calibrates it on every vCPU, and a figure measured on a slowed vCPU is
// tagged "contended" like one measured beside another process (bench/lib/contention.h).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#include "bench/lib/ticks.h"

namespace caec::bench {

/// Ticks one fixed kernel takes (about 2.5 µs): 20 copies of 16 KiB between two buffers in
/// L1 (on the caller's stack, so two vCPUs never share them), the vector loads and stores a ring
/// or AES-GCM also spends its time in. Best of `tries` runs, so one interrupt does not count as
/// a slow core. Measured on this VM: 5,000 ticks on a vCPU whose core is its own, 6,600-7,200
/// when OpenSSL's AES-GCM ran 1.6-2x slower on the same vCPU; a register-only integer kernel
/// moved under 10% at those moments, so the kernel copies.
[[nodiscard]] inline std::uint64_t core_kernel_ticks(unsigned tries = 5) {
  constexpr std::size_t kBytes = 16384;
  constexpr unsigned kCopies = 20;
  alignas(64) std::array<std::byte, kBytes> from{}, to{};
  std::uint64_t best = UINT64_MAX;
  for (unsigned t = 0; t < tries; ++t) {
    const std::uint64_t t0 = ticks();
    for (unsigned i = 0; i < kCopies; ++i) {
      asm volatile("" : : "r"(from.data()) : "memory");  // a fresh copy each time, never elided
      std::memcpy(to.data(), from.data(), kBytes);
      asm volatile("" : : "r"(to.data()) : "memory");
    }
    best = std::min(best, ticks() - t0);
  }
  return best;
}

/// The CPUs this process may run on (its affinity mask).
[[nodiscard]] std::vector<int> usable_cpus();

/// Runs `work` on a thread pinned to `cpu` while a thread on each other usable CPU spins with
/// `pause` (as a benchmark realm's peer spins waiting for a message: on SMT siblings that
/// spinning is part of the conditions the figures are measured in).
void run_pinned(int cpu, const std::function<void()>& work, bool others_spin);

struct CoreSpeed {
  int cpu = 0;
  std::uint64_t kernel_ticks = 0;
};

/// The kernel's ticks on every usable CPU, each the best of `tries` runs, the other CPUs
/// spinning (as a benchmark realm's peer spins): the calibration a run's figures are judged by.
[[nodiscard]] std::vector<CoreSpeed> core_speeds(unsigned tries = 20);

/// The best (lowest) kernel ticks of a calibration.
[[nodiscard]] std::uint64_t fastest(const std::vector<CoreSpeed>& speeds);

/// A figure whose vCPUs ran the kernel more than this much slower than the best any vCPU did in
/// the run's calibration was measured on a core shared with other work: measured again or set
/// aside as "contended". The kernel's own spread on an unshared vCPU is a few percent.
inline constexpr double kMaxCoreSlowdown = 1.15;

}  // namespace caec::bench
