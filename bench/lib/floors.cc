#include "bench/lib/floors.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "bench/lib/core_speed.h"
#include "bench/lib/ticks.h"
#include "channel/sealed/aead.h"

namespace caec::bench {

namespace {
/// Makes the compiler assume `p`'s memory is read and written here, so a copy into it is kept.
void clobber(const void* p) { asm volatile("" : : "r"(p) : "memory"); }

/// A floor is the best median of this many consecutive batches of its samples (stats.h).
constexpr std::size_t kFloorBatches = 5;

/// At most this many ticks (about 0.25 s here) per floor, but never under kMinFloorReps samples:
/// a 1 MiB MbedTLS seal + open takes 10 ms, and a thousand of them on every vCPU would be most of
/// the run.
constexpr std::uint64_t kFloorBudgetTicks = 500'000'000;
constexpr unsigned kMinFloorReps = 50;

/// Times `once` (which returns its ticks) `reps` times, or fewer if the budget runs out first.
template <class Once>
Summary floor_of(unsigned reps, Once&& once) {
  (void)once();  // warm-up: caches, lazily bound code
  std::vector<std::uint64_t> samples;
  std::uint64_t spent = 0;
  for (unsigned i = 0; i < reps && (i < kMinFloorReps || spent < kFloorBudgetTicks); ++i) {
    samples.push_back(once());
    spent += samples.back();
  }
  return summarize_best_batch(samples, kFloorBatches);
}
}  // namespace

Summary memcpy_ticks(std::size_t size, unsigned reps) {
  // Source and destination at different offsets within their pages, as a ring slot and an
  // application buffer usually are: glibc's copy on some AMD parts is several times slower when
  // both sit at the same page offset (4 KiB aliasing), which would make a strawman floor.
  constexpr std::size_t kSkew = 2048 + 64;
  std::vector<std::byte> src(size + kSkew, std::byte{1}), dst(size + kSkew, std::byte{2});
  std::byte* from = src.data();
  std::byte* to = dst.data() + kSkew;
  return floor_of(reps, [&] {
    clobber(from);
    const std::uint64_t t0 = ticks();
    std::memcpy(to, from, size);
    clobber(to);
    return ticks() - t0;
  });
}

Summary cache_line_round_trip_ns(unsigned trips) {
  alignas(64) std::atomic<std::uint64_t> ping{0};
  alignas(64) std::atomic<std::uint64_t> pong{0};
  std::thread other([&] {
    for (std::uint64_t i = 1; i <= trips; ++i) {
      while (ping.load(std::memory_order_acquire) != i) _mm_pause();
      pong.store(i, std::memory_order_release);
    }
  });
  std::vector<std::uint64_t> samples;
  for (std::uint64_t i = 1; i <= trips; ++i) {
    const std::uint64_t t0 = ticks();
    ping.store(i, std::memory_order_release);
    while (pong.load(std::memory_order_acquire) != i) _mm_pause();
    samples.push_back(ticks() - t0);
  }
  other.join();
  Summary s = summarize(samples);
  const double rate = ticks_per_ns();
  return {s.min / rate, s.median / rate, s.max / rate};
}

Summary aead_ticks(const std::string& backend, std::size_t size, unsigned reps) {
  channel::SecretKey key;
  for (std::size_t i = 0; i < channel::kKeySize; ++i) key.mutable_bytes()[i] = static_cast<std::uint8_t>(i);
  const auto aead = channel::make_aead(backend, key);
  std::vector<std::uint8_t> plain(size, 7), sealed(size + channel::kTagSize), opened(size);
  const std::array<std::uint8_t, 28> aad{};
  channel::Nonce nonce{};
  unsigned i = 0;
  return floor_of(reps, [&] {
    ++i;
    nonce[0] = static_cast<std::uint8_t>(i);
    nonce[1] = static_cast<std::uint8_t>(i >> 8U);
    const std::uint64_t t0 = ticks();
    aead->seal(nonce, aad, plain, sealed);
    const bool ok = aead->open(nonce, aad, sealed, opened);
    const std::uint64_t t = ticks() - t0;
    if (!ok) throw std::runtime_error("AES-GCM self-check failed");
    return t;
  });
}

std::string placement(const Summary& probe_ns) {
  if (probe_ns.median < 200) return "near";
  if (probe_ns.median < 5000) return "far";
  return "preempted";
}

namespace {

constexpr auto kRetryPause = std::chrono::milliseconds(250);  // a slowdown's bursts last about 1 s

/// The lower of two summaries (by median): the same floor measured on two vCPUs.
Summary faster(const Summary& a, const Summary& b) { return b.median > 0 && b.median < a.median ? b : a; }

FloorPoint floors_at(std::size_t size, unsigned reps) {
  return {size, memcpy_ticks(size, reps), aead_ticks("openssl", size, reps), aead_ticks("mbedtls", size, reps),
          channel::libsodium_aead_available() ? aead_ticks("libsodium", size, reps) : Summary{}};
}

}  // namespace

std::vector<FloorPoint> measure_floors(const std::vector<std::size_t>& sizes, unsigned reps, unsigned retries,
                                       std::uint64_t& core_best, FloorConditions& conditions,
                                       const std::function<void(const std::string&)>& progress) {
  conditions = {};
  std::vector<std::vector<FloorPoint>> per_cpu;
  for (int cpu : usable_cpus()) {
    std::vector<FloorPoint> floors;
    // The main thread waits in run_pinned, so `progress` is never called from two threads at once.
    run_pinned(cpu, [&] {
      for (std::size_t size : sizes) {
        FloorPoint kept;
        double kept_slowdown = 0;
        for (unsigned attempt = 0; attempt <= retries; ++attempt) {
          if (attempt > 0) std::this_thread::sleep_for(kRetryPause);
          const std::uint64_t before = core_kernel_ticks();
          FloorPoint f = floors_at(size, reps);
          const std::uint64_t after = core_kernel_ticks();
          core_best = std::min({core_best, before, after});
          const double slowdown = static_cast<double>(std::max(before, after)) / static_cast<double>(core_best);
          if (attempt == 0 || slowdown < kept_slowdown) {
            kept = f;
            kept_slowdown = slowdown;
          }
          if (slowdown <= kMaxCoreSlowdown || attempt == retries) break;
          ++conditions.remeasured;
          if (progress) {
            char why[128];
            std::snprintf(why, sizeof why, "floors at %zu B on vCPU %d: its core ran %.2fx the run's best: measuring again",
                          size, cpu, slowdown);
            progress(why);
          }
        }
        conditions.worst_core_slowdown = std::max(conditions.worst_core_slowdown, kept_slowdown);
        floors.push_back(kept);
      }
    }, false);
    per_cpu.push_back(std::move(floors));
  }
  std::vector<FloorPoint> best = per_cpu.front();  // each floor the fastest vCPU's
  for (std::size_t i = 0; i < best.size(); ++i) {
    double slow = 0, fast = 0;
    for (const auto& floors : per_cpu) {
      const FloorPoint& f = floors[i];
      best[i].memcpy_ticks = faster(best[i].memcpy_ticks, f.memcpy_ticks);
      best[i].aead_openssl_ticks = faster(best[i].aead_openssl_ticks, f.aead_openssl_ticks);
      best[i].aead_mbedtls_ticks = faster(best[i].aead_mbedtls_ticks, f.aead_mbedtls_ticks);
      best[i].aead_libsodium_ticks = faster(best[i].aead_libsodium_ticks, f.aead_libsodium_ticks);
      const double t = f.aead_openssl_ticks.median + f.aead_mbedtls_ticks.median;
      slow = std::max(slow, t);
      fast = fast == 0 ? t : std::min(fast, t);
    }
    if (fast > 0) conditions.cpu_spread = std::max(conditions.cpu_spread, slow / fast);
  }
  return best;
}

}  // namespace caec::bench
