#include "bench/lib/floors.h"

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "bench/lib/ticks.h"
#include "channel/sealed/aead.h"

namespace caec::bench {

Summary memcpy_ticks(std::size_t size, unsigned reps) {
  std::vector<std::byte> src(size, std::byte{1}), dst(size);
  std::vector<std::uint64_t> samples;
  for (unsigned i = 0; i < reps; ++i) {
    const std::uint64_t t0 = ticks();
    std::memcpy(dst.data(), src.data(), size);
    const std::uint64_t t1 = ticks();
    std::atomic_signal_fence(std::memory_order_seq_cst);  // keep the copy
    samples.push_back(t1 - t0);
    src[i % size] = dst[(i + 1) % size];
  }
  return summarize(samples);
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
  std::vector<std::uint64_t> samples;
  for (unsigned i = 0; i < reps; ++i) {
    nonce[0] = static_cast<std::uint8_t>(i);
    nonce[1] = static_cast<std::uint8_t>(i >> 8U);
    const std::uint64_t t0 = ticks();
    aead->seal(nonce, aad, plain, sealed);
    const bool ok = aead->open(nonce, aad, sealed, opened);
    samples.push_back(ticks() - t0);
    if (!ok) throw std::runtime_error("AES-GCM self-check failed");
  }
  return summarize(samples);
}

}  // namespace caec::bench
