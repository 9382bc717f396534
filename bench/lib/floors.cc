#include "bench/lib/floors.h"

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

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

}  // namespace caec::bench
