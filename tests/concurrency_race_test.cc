// Two host threads race RMI commands on overlapping granules — the realms' RDs, RECs, AUX
// granules, RTTs, DATA and APT granules, delegated and NS granules — while the realms' RECs
// (several per realm, on both cores) fault and share with each other through CSM (csm-churn).
// Whatever the host does, the RMM must neither panic (an RMM_CHECK stops the process) nor
// deadlock (the watchdog stops it), and once everything stops the CSM invariants and the PAS
// accounting must hold. The lock-order validator checks every lock taken meanwhile.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>
#include <vector>

#include "caec/abi/rmi.h"
#include "caec/abi/s2tt.h"
#include "rmm/introspect/introspect.h"
#include "testing/rmm_fixture.h"
#include "testing/system_checks.h"
#include "testing/watchdog.h"
#include "tests/programs/csm_churn.h"

namespace caec::testing {
namespace {

using Clock = std::chrono::steady_clock;

class ConcurrencyRace : public RmmTest {
 protected:
  ConcurrencyRace() { (void)vmm.create_shared_buffer(kChurnBoardId, kGranuleSize); }

  host::VmRealm& launch_churn(const std::string& self, const std::string& peers, unsigned recs,
                              std::uint16_t vmid) {
    host::LaunchSpec spec = program_spec("csm-churn", {self, peers, "1000000", std::to_string(recs)},
                                         recs, vmid, 12);
    spec.name = self;
    return vmm.launch(spec);
  }

  /// Every granule the host knows of a realm it built (read before its RECs run).
  static void add_granules(const host::HostRealm& b, std::vector<Pa>& pool) {
    pool.push_back(b.rd);
    for (std::uint32_t i = 0; i < b.num_start; ++i) pool.push_back(b.rtt_base + i * kGranuleSize);
    for (const auto& t : b.tables) pool.push_back(t.pa);
    for (const auto& [ipa, pa] : b.data) pool.push_back(pa);
    for (const auto& rec : b.recs) {
      pool.push_back(rec.rec);
      pool.push_back(rec.aux);
    }
    pool.insert(pool.end(), b.apts.begin(), b.apts.end());
  }

  host::Vmm vmm{host_, [this](Pa rec) { system_.platform().interrupt(rec); }};
};

/// One racing host thread: random RMI commands of the RMM's own table (REC_ENTER aside: the
/// VMM's vCPU loops enter the RECs) with arguments drawn from the shared pool.
struct RaceCount {
  std::uint64_t calls = 0;
  std::uint64_t succeeded = 0;
};

RaceCount race(host::RmiClient& rmi, const std::vector<Pa>& pool, Pa dram, std::uint64_t granules,
                   std::uint64_t seed, const std::atomic<bool>& stop) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint32_t> fids;
  for (const auto& c : rmm::RmmIntrospection::rmi_commands()) {
    if (c.fid != static_cast<std::uint32_t>(abi::RmiFid::kRecEnter)) fids.push_back(c.fid);
  }
  static constexpr std::uint64_t kIpas[] = {0x100000, 0x140000, 0x200000, 0x201000, 0x300000,
                                            0x400000, 0x800000, 1ULL << 39U, (1ULL << 39U) + 0x1000};
  auto value = [&]() -> std::uint64_t {
    switch (rng() % 6) {
      case 0:
      case 1: return pool[rng() % pool.size()].value();
      // Most realm RAM pages and tables appear as the realms run: any granule of DRAM.
      case 5: return (dram + (rng() % granules) * kGranuleSize).value();
      case 2: return kIpas[rng() % std::size(kIpas)];
      case 3: return rng() % 4;  // a level, a small index
      default:  // a descriptor for RTT_MAP_UNPROTECTED
        return pool[rng() % pool.size()].value() | abi::s2tt::kMemAttrNormalWb | abi::s2tt::kS2apRw;
    }
  };
  // Commands that end a running realm's REC or memory come rarely, so the realms keep sharing
  // (and faulting) for most of the race.
  auto destructive = [](std::uint32_t fid) {
    using F = abi::RmiFid;
    return fid == static_cast<std::uint32_t>(F::kRecDestroy) ||
           fid == static_cast<std::uint32_t>(F::kDataDestroy) ||
           fid == static_cast<std::uint32_t>(F::kRttDestroy);
  };
  RaceCount n;
  while (!stop.load(std::memory_order_relaxed)) {
    const std::uint32_t fid = fids[rng() % fids.size()];
    if (destructive(fid) && rng() % 8192 != 0) continue;
    std::array<std::uint64_t, 5> x{value(), value(), value(), value(), value()};
    // Delegating the host's own free NS granules behind its back only starves the realms.
    if (fid == static_cast<std::uint32_t>(abi::RmiFid::kGranuleDelegate)) {
      x[0] = pool[rng() % pool.size()].value();
    }
    n.succeeded += rmi.smc(fid, {x[0], x[1], x[2], x[3], x[4]}).x[0] == 0 ? 1U : 0U;
    ++n.calls;
  }
  return n;
}

TEST_F(ConcurrencyRace, two_host_threads_race_rmi_on_overlapping_granules_while_realms_share) {
  const Watchdog watchdog(std::chrono::seconds(120), "two host threads racing RMI against CSM churn");
  auto& a = launch_churn("a", "b", 2, 1);
  auto& b = launch_churn("b", "a", 2, 2);
  std::vector<Pa> pool;
  add_granules(a.built, pool);
  add_granules(b.built, pool);
  for (int i = 0; i < 4; ++i) pool.push_back(delegated());
  for (int i = 0; i < 4; ++i) pool.push_back(ns_page());
  vmm.start(a);
  vmm.start(b);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> calls{0};
  std::atomic<std::uint64_t> succeeded{0};
  std::vector<std::thread> racers;
  for (std::uint64_t seed : {1ULL, 2ULL}) {
    racers.emplace_back([&, seed] {
      const RaceCount n =
          race(host_.rmi(), pool, machine().memory().base(), machine().memory().num_granules(), seed, stop);
      calls += n.calls;
      succeeded += n.succeeded;
    });
  }
  // Three seconds of racing; how long each realm kept running is part of the figures.
  const auto t0 = Clock::now();
  std::array<double, 2> lived{3, 3};
  while (Clock::now() < t0 + std::chrono::seconds(3)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (a.finished() && lived[0] == 3) lived[0] = s;
    if (b.finished() && lived[1] == 3) lived[1] = s;
  }
  stop = true;
  for (auto& t : racers) t.join();
  vmm.stop(a);
  vmm.stop(b);
  expect_consistent(rmm(), machine(), "after the race, every REC stopped");
  std::printf("[ figures  ] %llu racing RMI calls (%llu succeeded) over %zu named granules and all "
              "of DRAM, against 2 realms x 2 RECs; realm a ran %.2f s (%s), realm b %.2f s (%s)\n",
              static_cast<unsigned long long>(calls.load()), static_cast<unsigned long long>(succeeded.load()),
              pool.size(), lived[0], a.error().empty() ? "running" : a.error().c_str(), lived[1],
              b.error().empty() ? "running" : b.error().c_str());
  EXPECT_GT(succeeded.load(), 0U);
  RecordProperty("racing_calls", static_cast<int>(calls.load()));
}

}  // namespace
}  // namespace caec::testing
