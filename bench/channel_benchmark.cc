// Microbenchmarks beside the channels' hot code (Google Benchmark; figures only, never tests):
// one ring write + read on one thread, and AES-256-GCM seal + open per backend.
#include <benchmark/benchmark.h>

#include <string_view>
#include <vector>

#include "channel/ring.h"
#include "channel/sealed/aead.h"

namespace caec::bench {
namespace {

void ring_write_read(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  std::vector<std::byte> memory(channel::kRingHeaderBytes + 8 * (size + 64) + (1U << 16U));
  channel::RingWriter w;
  channel::RingReader r;
  if (channel::RingWriter::create(memory, size, w) != channel::Status::kOk ||
      channel::RingReader::attach(memory, r) != channel::Status::kOk) {
    state.SkipWithError("ring setup failed");
    return;
  }
  std::vector<std::byte> msg(size, std::byte{1}), out(size);
  std::size_t n = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): Google Benchmark's loop
    benchmark::DoNotOptimize(w.try_write(msg));
    benchmark::DoNotOptimize(r.try_read(out, n));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(size));
}
BENCHMARK(ring_write_read)->RangeMultiplier(4)->Range(64, 65536);

void ring_zero_copy(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  std::vector<std::byte> memory(channel::kRingHeaderBytes + 8 * (size + 64) + (1U << 16U));
  channel::RingWriter w;
  channel::RingReader r;
  (void)channel::RingWriter::create(memory, size, w);
  (void)channel::RingReader::attach(memory, r);
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): Google Benchmark's loop
    std::span<std::byte> slot;
    std::span<const std::byte> m;
    benchmark::DoNotOptimize(w.try_acquire(size, slot));
    benchmark::DoNotOptimize(w.commit(size));
    benchmark::DoNotOptimize(r.try_peek(m));
    benchmark::DoNotOptimize(r.release());
  }
}
BENCHMARK(ring_zero_copy)->Arg(64)->Arg(4096);

void aead_seal_open(benchmark::State& state, const char* backend) {
  if (std::string_view(backend) == "libsodium" && !channel::libsodium_aead_available()) {
    state.SkipWithError("libsodium has no AES-256-GCM on this CPU (it needs AES-NI and PCLMUL)");
    return;
  }
  const auto size = static_cast<std::size_t>(state.range(0));
  channel::SecretKey key;
  const auto aead = channel::make_aead(backend, key);
  std::vector<std::uint8_t> plain(size, 7), sealed(size + channel::kTagSize), opened(size);
  const std::array<std::uint8_t, 28> aad{};
  const channel::Nonce nonce{};
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): Google Benchmark's loop
    aead->seal(nonce, aad, plain, sealed);
    benchmark::DoNotOptimize(aead->open(nonce, aad, sealed, opened));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(size));
}
BENCHMARK_CAPTURE(aead_seal_open, openssl, "openssl")->RangeMultiplier(8)->Range(64, 32768);
BENCHMARK_CAPTURE(aead_seal_open, mbedtls, "mbedtls")->RangeMultiplier(8)->Range(64, 32768);
BENCHMARK_CAPTURE(aead_seal_open, libsodium, "libsodium")->RangeMultiplier(8)->Range(64, 32768);

}  // namespace
}  // namespace caec::bench

BENCHMARK_MAIN();
