// Microbenchmarks of the control path: one RMI call, an RTT walk (RMI_RTT_READ_ENTRY down to
// level 3), one REC enter/exit round trip, one RSI call, and the first touch of a RAM page (stage-2 fault -> REC exit -> host populates ->
// re-entry -> TLB fill). Figures only; nothing here asserts timing.
#include <benchmark/benchmark.h>

#include <chrono>

#include "caec/abi/esr.h"
#include "caec/abi/host_call.h"
#include "caec/abi/s2tt.h"
#include "host/vmm.h"
#include "platform/emulated_platform.h"
#include "realm/boot.h"
#include "realm/program.h"
#include "realm/realm.h"

namespace caec::bench {
namespace {

constexpr std::uint16_t kCallNext = 0x300;  // realm asks: what next? reply gprs[0] = count
constexpr std::uint16_t kCallDone = 0x301;  // realm reports: gprs[0] = nanoseconds taken

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now().time_since_epoch()).count());
}

/// Loops forever: asks the host for work (a count n and a mode) and reports how long it took.
/// Mode 0: n host calls (round trips), timed by the host. Mode 1: n RSI calls, timed here.
/// Mode 2: touch n fresh RAM pages, timed here.
int bench_loop(realm::Realm& r) {
  std::uint64_t next_page = 0;
  for (;;) {
    const auto work = r.host_call(kCallNext);
    const std::uint64_t n = work[0];
    const std::uint64_t mode = work[1];
    const std::uint64_t t0 = now_ns();
    if (mode == 1) {
      for (std::uint64_t i = 0; i < n; ++i) {
        (void)r.smc(static_cast<std::uint32_t>(abi::RsiFid::kFeatures), {0});
      }
    } else if (mode == 2) {
      const auto [base, size] = r.ram();
      for (std::uint64_t i = 0; i < n && (next_page + 1) * kGranuleSize <= size; ++i, ++next_page) {
        *r.as<volatile std::uint64_t>(base + next_page * kGranuleSize) = i;
      }
    }
    const std::array<std::uint64_t, 1> took{now_ns() - t0};
    (void)r.host_call(kCallDone, took);
  }
}
CAEC_REALM_PROGRAM("bench-loop", bench_loop);

/// A booted machine with one bench-loop realm that the benchmark drives REC_ENTER by REC_ENTER.
class Rig {
 public:
  Rig() : system_(config(), realm::boot), host_(system_.machine()), vmm_(host_) {
    host::LaunchSpec spec;
    spec.manifest = {"bench-loop", 1, {}};
    spec.ram_size = 256ULL << 20U;
    realm_ = &vmm_.launch(spec);
    rec_ = realm_->built.recs[0].rec;
    run_ = realm_->run_pages[0];
  }

  /// Enters the REC until it makes host call `imm` (serving faults on the way); returns it.
  abi::RmiRecExit enter_until(std::uint16_t imm, abi::RmiRecEnter enter = {}) {
    for (;;) {
      (void)host_.memory().write(run_, std::as_bytes(std::span(&enter, 1)));
      if (!host_.rmi().rec_enter(rec_, run_).ok()) std::abort();
      abi::RmiRecRun state{};
      (void)host_.memory().read(run_, std::as_writable_bytes(std::span(&state, 1)));
      const auto& x = state.exit;
      enter = {};
      if (x.exit_reason == static_cast<std::uint64_t>(abi::RmiRecExitReason::kHostCall)) {
        if (x.imm == imm) return x;
        continue;
      }
      if (x.exit_reason == static_cast<std::uint64_t>(abi::RmiRecExitReason::kSync)) {
        populate(Ipa{abi::esr::ipa_from_hpfar(x.hpfar)});
        continue;
      }
    }
  }
  /// Gives the realm its next job and returns the nanoseconds it reports.
  std::uint64_t job(std::uint64_t n, std::uint64_t mode) {
    abi::RmiRecEnter enter{};
    enter.gprs[0] = n;
    enter.gprs[1] = mode;
    return enter_until(kCallDone, enter).gprs[0];
  }
  void populate(Ipa ipa) {
    vmm_.builder().ensure_tables(realm_->built, ipa, abi::s2tt::kMaxLevel);
    const Pa g = host_.delegate_new();
    (void)host_.rmi().data_create_unknown(realm_->built.rd, g, ipa);
    realm_->built.data[ipa.value()] = g;
  }
  host::Host& host() { return host_; }
  host::VmRealm& realm() { return *realm_; }

 private:
  static machine::MachineConfig config() {
    machine::MachineConfig c;
    c.dram_bytes = 1ULL << 30U;
    return c;
  }
  platform::System system_;
  host::Host host_;
  host::Vmm vmm_;
  host::VmRealm* realm_ = nullptr;
  Pa rec_;
  Pa run_;
};

void BM_RmiVersion(benchmark::State& state) {
  Rig rig;
  for (auto _ : state)  // NOLINT(clang-analyzer-deadcode.DeadStores): Google Benchmark's loop
    benchmark::DoNotOptimize(rig.host().rmi().version(abi::kRmiVersion));
}
BENCHMARK(BM_RmiVersion);

// The RMM's walk of a realm's RTTs from the root to a level-3 entry, with its locks and the
// output the host sees: the software counterpart of a stage-2 walk.
void BM_RttWalk(benchmark::State& state) {
  Rig rig;
  const Pa rd = rig.realm().built.rd;
  const Ipa mapped{rig.realm().built.data.begin()->first};  // a granule the builder populated
  const auto first = rig.host().rmi().rtt_read_entry(rd, mapped, abi::s2tt::kMaxLevel);
  if (!first.ret.ok() || first.walk_level != abi::s2tt::kMaxLevel) {
    state.SkipWithError("the walk does not reach a level-3 entry");
    return;
  }
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): Google Benchmark's loop
    const auto entry = rig.host().rmi().rtt_read_entry(rd, mapped, abi::s2tt::kMaxLevel);
    benchmark::DoNotOptimize(entry);
  }
  state.SetLabel("RMI_RTT_READ_ENTRY at level 3 of a mapped IPA");
}
BENCHMARK(BM_RttWalk);

void BM_RecEnterExitRoundTrip(benchmark::State& state) {
  Rig rig;
  (void)rig.enter_until(kCallNext);
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): Google Benchmark's loop
    // One REC_ENTER resuming the realm's host call, one exit with the next host call.
    abi::RmiRecEnter enter{};
    (void)rig.enter_until(kCallDone, enter);   // job of 0 work: two round trips
    (void)rig.enter_until(kCallNext);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 2);
  state.SetLabel("items = REC enter/exit round trips");
}
BENCHMARK(BM_RecEnterExitRoundTrip)->UseRealTime();

/// Runs the realm's job `mode` in batches of `batch`, timed inside the realm; reports the time
/// per item as counter `per_item`.
void run_batches(benchmark::State& state, std::uint64_t batch, std::uint64_t mode,
                 const char* per_item) {
  Rig rig;
  (void)rig.enter_until(kCallNext);
  double total_ns = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): Google Benchmark's loop
    const std::uint64_t ns = rig.job(batch, mode);
    total_ns += static_cast<double>(ns);
    state.SetIterationTime(static_cast<double>(ns) * 1e-9);
    (void)rig.enter_until(kCallNext);
  }
  state.counters[per_item] =
      benchmark::Counter(total_ns / static_cast<double>(batch), benchmark::Counter::kAvgIterations);
}

void BM_RsiCall(benchmark::State& state) {
  run_batches(state, 1000, 1, "ns_per_call");
  state.SetLabel("iteration = 1000 RSI_FEATURES timed inside the realm");
}
BENCHMARK(BM_RsiCall)->UseManualTime();

void BM_FirstTouchFault(benchmark::State& state) {
  run_batches(state, 256, 2, "ns_per_page");
  state.SetLabel("iteration = 256 first touches (fault, exit, DATA_CREATE_UNKNOWN, entry, fill)");
}
BENCHMARK(BM_FirstTouchFault)->UseManualTime()->Iterations(200);

}  // namespace
}  // namespace caec::bench

BENCHMARK_MAIN();
