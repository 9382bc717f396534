// "bench-weights": the data-sharing benchmark (design/benchmarks.md §4, the paper's Table 4).
// A GPT-2-shaped int8 weight set (generated from a seed: no weights can be downloaded here) is
// either private to each realm or held once by a provider and shared read-only with consumers;
// every realm runs the same int8 inference kernel over it and reports its pass times.
//
// Arguments: role=private|provider|consumer  bytes=N  passes=N  run=ID
//            consumers=N (realm 0: the provider, or the first private copy)
//            index=I (the others, launched as "cI-RUN")  peer=NAME (consumers: the provider)
// Output: "D role=R pass=MIN/MEDIAN/MAX checksum=C" (pass in ticks).
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "bench/lib/stats.h"
#include "bench/lib/ticks.h"
#include "bench/programs/report.h"
#include "channel/launch_args.h"
#include "realm/csm_api.h"
#include "realm/program.h"
#include "realm/realm.h"

namespace caec::bench {
namespace {

constexpr Ipa kWeightsBase{0x400000};
constexpr std::size_t kWidth = 768;  // GPT-2 small's hidden size: weights are 768x768 layers
constexpr std::size_t kLayer = kWidth * kWidth;

/// SplitMix64: the weights are a pure function of the seed and their offset.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31U);
}

void generate(std::span<std::int8_t> w) {
  for (std::size_t i = 0; i + 8 <= w.size(); i += 8) {
    const std::uint64_t v = mix(i);
    std::memcpy(w.data() + i, &v, 8);
  }
}

/// One "token" through every layer: y = W x (int32), requantized to int8 by a shift, ReLU.
std::uint64_t forward(std::span<const std::int8_t> w) {
  std::vector<std::int8_t> x(kWidth, 1), y(kWidth);
  for (std::size_t layer = 0; layer + kLayer <= w.size(); layer += kLayer) {
    const std::int8_t* m = w.data() + layer;
    for (std::size_t row = 0; row < kWidth; ++row) {
      std::int32_t acc = 0;
      const std::int8_t* r = m + row * kWidth;
      for (std::size_t col = 0; col < kWidth; ++col) acc += static_cast<std::int32_t>(r[col]) * x[col];
      y[row] = static_cast<std::int8_t>(std::clamp(acc >> 10, 0, 127));
    }
    x.swap(y);
  }
  std::uint64_t sum = 0;
  for (std::int8_t v : x) sum = sum * 31 + static_cast<std::uint8_t>(v);
  return sum;
}

void run_passes(realm::Realm& r, const std::string& role, std::span<const std::int8_t> w, std::uint64_t passes) {
  std::vector<std::uint64_t> times;
  // An untimed pass first: a consumer's first touch of each shared page is a stage-2 fault the
  // emulator fills (a TLB fill on hardware); the comparison is of warm passes.
  std::uint64_t checksum = forward(w);
  for (std::uint64_t i = 0; i < passes; ++i) {
    const std::uint64_t t0 = ticks();
    checksum = forward(w);
    times.push_back(ticks() - t0);
  }
  const Summary s = summarize(times);
  r.print("D role=" + role + " pass=" + triple(s) +
          " checksum=" + std::to_string(checksum) + "\n");
}

std::string event(const std::string& what, const std::string& run, std::uint64_t index) {
  return what + "-" + run + "-" + std::to_string(index);
}

/// The realms time their passes one at a time, realm 0 (the provider, or the first private
/// copy) once every realm has its weights ready: the machine has fewer cores than realms, and
/// a pass timed while other realms compute would measure the scheduler, not the memory.
void timed_turn(realm::Realm& r, const std::string& role, std::span<const std::int8_t> w,
                std::uint64_t passes, const std::string& run, std::uint64_t index, std::uint64_t realms) {
  if (index == 0) {
    for (std::uint64_t i = 1; i < realms; ++i) realm::sleep_until_event(r, event("ready", run, i));
  } else {
    realm::signal_event(r, event("ready", run, index));
    realm::sleep_until_event(r, event("turn", run, index));
  }
  run_passes(r, role, w, passes);
  realm::signal_event(r, event("turn", run, index + 1));
}

int bench_weights(realm::Realm& r) {
  const channel::Args a = channel::parse_args(r.args());
  const std::string role = a.at("role");
  const std::uint64_t bytes = channel::number(a, "bytes", 16U << 20U);
  const std::uint64_t passes = channel::number(a, "passes", 3);
  const std::uint64_t consumers = channel::number(a, "consumers", 0);  // realm 0 only
  const std::uint64_t index = channel::number(a, "index", 0);
  const std::string run = a.contains("run") ? a.at("run") : "0";
  realm::publish_rid(r);
  auto* weights = r.as<std::int8_t>(kWeightsBase);
  if (role == "private") {
    generate({weights, bytes});
    timed_turn(r, role, {weights, bytes}, passes, run, index, consumers + 1);
  } else if (role == "provider") {
    const CsmId id = realm::csm_create(r, kWeightsBase, bytes);
    generate({weights, bytes});
    for (std::uint64_t i = 1; i <= consumers; ++i) {
      const Rid consumer = realm::lookup_rid(r, "c" + std::to_string(i) + "-" + run);
      (void)realm::csm_share(r, id, consumer, abi::CsmPerm::kRo);
    }
    realm::signal_event(r, "weights-" + run);
    timed_turn(r, role, {weights, bytes}, passes, run, 0, consumers + 1);
    for (std::uint64_t i = 1; i <= consumers; ++i) {
      realm::sleep_until_event(r, event("done", run, i));  // the region may go now
    }
  } else {
    const Rid provider = realm::lookup_rid(r, a.at("peer"));
    realm::sleep_until_event(r, "weights-" + run);
    (void)realm::csm_reserve(r, provider, 0, kWeightsBase, bytes);
    const auto attached = realm::csm_attach(r, provider, 0, kWeightsBase, bytes);
    // SAFETY: the attached region holds the provider's int8 weights.
    const std::span<const std::int8_t> w{reinterpret_cast<const std::int8_t*>(attached.bytes.data()), bytes};
    timed_turn(r, role, w, passes, run, index, 0);
    realm::signal_event(r, event("done", run, index));
  }
  return 0;
}
CAEC_REALM_PROGRAM("bench-weights", bench_weights);

}  // namespace
}  // namespace caec::bench
