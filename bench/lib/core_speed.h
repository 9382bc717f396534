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
#include <span>
#include <vector>

#include "bench/lib/ticks.h"

namespace caec::bench {

/// The ticks of the two halves of the core-speed kernel.
struct KernelTicks {
  std::uint64_t l1 = 0;  // 20 copies of 16 KiB within L1: the core's load/store ports
  std::uint64_t l2 = 0;  // 2 copies of 256 KiB through L2: the core's L2, which a sibling shares

  [[nodiscard]] KernelTicks slower(const KernelTicks& o) const { return {std::max(l1, o.l1), std::max(l2, o.l2)}; }
  [[nodiscard]] KernelTicks faster(const KernelTicks& o) const { return {std::min(l1, o.l1), std::min(l2, o.l2)}; }
  /// How many times `baseline` this is: the larger of the halves' ratios.
  [[nodiscard]] double over(const KernelTicks& baseline) const {
    return std::max(static_cast<double>(l1) / static_cast<double>(baseline.l1),
                    static_cast<double>(l2) / static_cast<double>(baseline.l2));
  }
};

/// Times one fixed kernel in two halves (about 2.5 and 5 µs), each the best of `tries` runs so
/// one interrupt does not count as a slow core; the buffers are the caller's own (two vCPUs
/// never share them). Measured on this VM (2026-12-04): the L1 half takes 5,000 ticks on a
/// vCPU whose core is its own and 6,600-7,200 when OpenSSL's AES-GCM of 64 B ran 1.6-2x slower
/// on the same vCPU; at milder moments (OpenSSL of 64 KiB 1.1-1.2x slower) only the L2 half
/// moved (1.10-1.15x). A register-only integer kernel moved under 10% throughout, so the kernel
/// copies.
[[nodiscard]] inline KernelTicks core_kernel_ticks(unsigned tries = 5) {
  const auto best_of = [tries](std::span<std::byte> from, std::span<std::byte> to, unsigned copies) {
    std::uint64_t best = UINT64_MAX;
    for (unsigned t = 0; t < tries; ++t) {
      const std::uint64_t t0 = ticks();
      for (unsigned i = 0; i < copies; ++i) {
        asm volatile("" : : "r"(from.data()) : "memory");  // a fresh copy each time, never elided
        std::memcpy(to.data(), from.data(), from.size());
        asm volatile("" : : "r"(to.data()) : "memory");
      }
      best = std::min(best, ticks() - t0);
    }
    return best;
  };
  alignas(64) std::array<std::byte, 16384> from{}, to{};
  std::vector<std::byte> big_from(256 * 1024, std::byte{1}), big_to(256 * 1024);
  return {best_of(from, to, 20), best_of(big_from, big_to, 2)};
}

/// The CPUs this process may run on (its affinity mask).
[[nodiscard]] std::vector<int> usable_cpus();

/// Runs `work` on a thread pinned to `cpu` while a thread on each other usable CPU spins with
/// `pause` (as a benchmark realm's peer spins waiting for a message: on SMT siblings that
/// spinning is part of the conditions the figures are measured in).
void run_pinned(int cpu, const std::function<void()>& work, bool others_spin);

struct CoreSpeed {
  int cpu = 0;
  KernelTicks kernel;
};

/// The kernel's ticks on every usable CPU, each the best of `tries` runs, the other CPUs
/// spinning.
[[nodiscard]] std::vector<CoreSpeed> core_speeds(unsigned tries);

/// A figure whose vCPUs ran either half of the kernel more than this much slower than the best
/// any vCPU did in the run was measured on a core shared with other work: measured again or set
/// aside as "contended". The kernel's own spread on an unshared vCPU is a few percent.
inline constexpr double kMaxCoreSlowdown = 1.15;

}  // namespace caec::bench
