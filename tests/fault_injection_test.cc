// Fault injection: EL3 refusing GTSI_DELEGATE / GTSI_UNDELEGATE at every point of a realm's
// life, a realm's APT filled to the last entry, hosts that abandon a REC mid-operation or
// never re-enter it after a CSM exit, and realms killed while attached. After each sequence
// the RMM's state must be consistent (CSM invariants, every granule's PAS as the RMM's state
// says), no granule may be left in the wrong PAS or lost, consumers must not reach a provider
// that revoked or went away, and what realms held must come back to the host scrubbed.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>

#include "caec/abi/csm.h"
#include "caec/abi/el3.h"
#include "caec/abi/esr.h"
#include "caec/abi/rsi.h"
#include "testing/remote_vmm.h"
#include "testing/rmm_fixture.h"
#include "testing/system_checks.h"

namespace caec::testing {
namespace {

using abi::CaecRsiFid;
using abi::El3Fid;

constexpr std::uint64_t kRegion = 0x200000;    // provider's region (two granules)
constexpr std::uint64_t kReserve = 0x300000;   // consumer's reservation
constexpr std::uint64_t kSize = 0x2000;
constexpr std::uint64_t kRam = 0x480000;       // a page of private RAM
constexpr std::uint64_t kUnbacked = 0x4c0000;  // RAM no one touched yet (a data abort)
constexpr std::uint64_t kTag = 0x5ec2e7;
constexpr auto kSuccess = static_cast<std::uint64_t>(abi::RsiStatus::kSuccess);
constexpr auto kCapacity = static_cast<std::uint64_t>(abi::RsiStatus::kErrorCapacity);

/// Where a host may abandon a REC: it never enters it again after this exit.
enum class Abandon : std::uint8_t { kNone, kCsmProvider, kCsmConsumer, kCsmRemove, kDataAbort };

/// A RemoteVmm that can stop serving a realm at one kind of exit.
class AbandoningVmm : public RemoteVmm {
 public:
  using RemoteVmm::RemoteVmm;

  void abandon_at(const host::VmRealm& r, Abandon where) {
    std::lock_guard lock(mutex_);
    plan_[&r] = where;
  }
  [[nodiscard]] unsigned abandoned() const { return abandoned_.load(); }

 protected:
  bool serves(host::VmRealm& r, std::size_t, const abi::RmiRecExit& exit) override {
    std::lock_guard lock(mutex_);
    const auto it = plan_.find(&r);
    if (it == plan_.end() || it->second != kind_of(exit)) return true;
    plan_.erase(it);
    ++abandoned_;
    return false;
  }

 private:
  static Abandon kind_of(const abi::RmiRecExit& exit) {
    switch (static_cast<abi::RmiRecExitReason>(exit.exit_reason)) {
      case abi::RmiRecExitReason::kCsmProvider: return Abandon::kCsmProvider;
      case abi::RmiRecExitReason::kCsmConsumer: return Abandon::kCsmConsumer;
      case abi::RmiRecExitReason::kCsmRemove: return Abandon::kCsmRemove;
      case abi::RmiRecExitReason::kSync:
        return abi::esr::ec(exit.esr) == abi::esr::kEcDataAbortLower ? Abandon::kDataAbort : Abandon::kNone;
      default: return Abandon::kNone;
    }
  }

  std::mutex mutex_;
  std::map<const host::VmRealm*, Abandon> plan_;
  std::atomic<unsigned> abandoned_{0};
};

class FaultInjection : public RmmTest {
 protected:
  void SetUp() override { baseline_ = MemoryBaseline::take(host_, rmm(), machine()); }

  machine::GtsiFaultPlan& faults() { return machine().el3().gtsi_faults(); }
  void expect_consistent(const std::string& when) { testing::expect_consistent(rmm(), machine(), when); }
  void expect_baseline(const std::string& when) {
    testing::expect_baseline(baseline_, host_, rmm(), machine(), when);
  }
  [[nodiscard]] Rid rid(std::size_t i) { return rmm().realm(vmm.realm(i).built.rd)->rid; }
  /// The CSM id of realm i's region at `base` (csm-remote answers X0 only).
  [[nodiscard]] std::uint64_t region_id(std::size_t i, std::uint64_t base) {
    for (const auto& e : rmm().apt(vmm.realm(i).built.rd)) {
      if (e.kind == rmm::AptKind::kRegion && e.base == Ipa{base}) return static_cast<std::uint64_t>(e.csm_id);
    }
    return 0;
  }
  /// Every DATA granule realm i holds (what must come back scrubbed).
  [[nodiscard]] std::vector<Pa> data_of(std::size_t i) {
    std::vector<Pa> out;
    for (const auto& [ipa, pa] : vmm.realm(i).built.data) out.push_back(pa);
    return out;
  }
  /// Realm i puts something worth stealing in DATA granules: a tagged region and a RAM page.
  void fill(std::size_t i) {
    ASSERT_EQ(vmm.rsi(i, CaecRsiFid::kCsmCreate, {kRegion, kSize}), kSuccess);
    ASSERT_EQ(vmm.step(i, {3, kRegion, kTag}), 0U);
    ASSERT_EQ(vmm.step(i, {3, kRam, kTag}), 0U);
  }
  /// Provider p shares a tagged region with consumer c, which attaches and reads it (so its
  /// TLB holds the translation that must go when the sharing does).
  void connect(std::size_t p, std::size_t c) {
    fill(p);
    const std::uint64_t id = region_id(p, kRegion);
    const auto consumer = static_cast<std::uint64_t>(rid(c));
    const auto provider = static_cast<std::uint64_t>(rid(p));
    ASSERT_EQ(vmm.rsi(p, CaecRsiFid::kCsmShare, {id, consumer, 2}), kSuccess);
    ASSERT_EQ(vmm.rsi(c, CaecRsiFid::kCsmReserve, {provider, 0, kReserve, kSize}), kSuccess);
    ASSERT_EQ(vmm.rsi(c, CaecRsiFid::kCsmAttach, {provider, 0}), kSuccess);
    ASSERT_FALSE(vmm.aborts(c, Ipa{kReserve}));
  }
  /// Kills realm i: the host stops serving it and tears it down wherever its REC is parked.
  void kill(std::size_t i) {
    vmm.drop(i);
    vmm.destroy(vmm.realm(i));
  }

  AbandoningVmm vmm{host_, [this](Pa rec) { system_.platform().interrupt(rec); }};
  MemoryBaseline baseline_;
};

// ---- EL3 refuses a GTSI call ------------------------------------------------------------------

TEST_F(FaultInjection, a_delegation_refused_at_any_point_of_a_realms_life_leaves_nothing_behind) {
  const auto spec = [] {
    host::LaunchSpec s = RmmTest::program_spec(
        "csm-script", {"create r 0x200000 0x2000", "write 0x200000 secret", "expect 0x200000 secret"});
    s.name = "victim";
    return s;
  }();
  unsigned at_launch = 0;
  unsigned at_run = 0;
  std::uint64_t n = 1;
  for (;; ++n) {
    const std::string when = "delegation " + std::to_string(n) + " refused";
    // Alternate the errors real firmware gives: busy, and out of GPT tables.
    faults().fail_nth(El3Fid::kGtsiDelegate, n, n % 2 == 0 ? abi::El3Status::kAgain : abi::El3Status::kNoMem);
    host::VmRealm* r = nullptr;
    try {
      r = &vmm.launch(spec);
    } catch (const host::HostError&) {
      ++at_launch;  // the VMM gave back what it had built
    }
    if (r != nullptr) {
      vmm.start(*r);
      ASSERT_TRUE(vmm.wait(*r, std::chrono::seconds(10))) << when;
      if (r->error().empty()) {
        EXPECT_EQ(r->exit_status(), 0) << when << ": " << r->console();
      } else {
        ++at_run;  // the host could not back the realm's memory: it stopped the realm
        EXPECT_NE(r->error().find("RMI_GRANULE_DELEGATE"), std::string::npos) << r->error();
      }
      expect_consistent(when + ", realm stopped");
      vmm.destroy(*r);
    }
    const bool fired = !faults().armed();
    faults().clear();
    expect_consistent(when);
    expect_baseline(when);
    if (!fired) break;  // the realm's whole life took fewer than n delegations
  }
  EXPECT_GT(at_launch, 5U);
  EXPECT_GT(at_run, 0U) << "no refusal reached a running realm";
  std::printf("[ figures  ] %llu delegation refusals: %u while launching, %u while running\n",
              static_cast<unsigned long long>(n - 1), at_launch, at_run);
  RecordProperty("delegation_faults", static_cast<int>(n - 1));
}

TEST_F(FaultInjection, a_host_out_of_memory_retries_the_granules_it_kept_aside) {
  const std::size_t i = vmm.launch_remote("victim", 1);
  fill(i);
  faults().fail_nth(El3Fid::kGtsiUndelegate, 1);
  kill(i);
  faults().clear();
  ASSERT_EQ(host_.stranded().size(), 1U);
  const Pa kept = host_.stranded()[0];
  // Everything the pool has; then the allocator retries the granule kept aside, and EL3 now
  // lets it go.
  std::vector<Pa> taken;
  while (const auto g = host_.allocate()) taken.push_back(*g);
  EXPECT_TRUE(host_.stranded().empty());
  EXPECT_NE(std::find(taken.begin(), taken.end(), kept), taken.end()) << "the reclaimed granule was not reused";
  for (Pa g : taken) host_.pool().free(g);
  expect_baseline("after the pool ran dry");
}

TEST_F(FaultInjection, an_undelegation_refused_at_teardown_keeps_one_zeroed_realm_granule_until_reclaimed) {
  std::uint64_t n = 1;
  for (;; ++n) {
    const std::string when = "undelegation " + std::to_string(n) + " refused";
    const std::size_t i = vmm.launch_remote("victim", 1);
    fill(i);
    const std::vector<Pa> data = data_of(i);
    faults().fail_nth(El3Fid::kGtsiUndelegate, n);
    kill(i);  // teardown goes on past the refusal
    const bool fired = !faults().armed();
    faults().clear();
    expect_consistent(when);
    const auto stranded = host_.stranded();
    if (fired) {
      ASSERT_EQ(stranded.size(), 1U) << when;
      const Pa g = stranded[0];
      EXPECT_EQ(machine().pas(g), machine::Pas::kRealm) << when;
      EXPECT_EQ(state(g), rmm::GranuleState::kDelegated) << when;
      const std::byte* bytes = machine().realm_pas_granule(g);
      EXPECT_TRUE(std::all_of(bytes, bytes + kGranuleSize, [](std::byte b) { return b == std::byte{0}; }))
          << when << ": the granule kept aside holds realm data";
    } else {
      EXPECT_TRUE(stranded.empty());
    }
    EXPECT_EQ(host_.reclaim(), 0U) << when << ": a retry after the refusal must succeed";
    expect_baseline(when);
    expect_scrubbed(data, machine(), when);
    if (!fired) break;
  }
  EXPECT_GT(n, 10U);
  std::printf("[ figures  ] %llu undelegation refusals, one per teardown step\n",
              static_cast<unsigned long long>(n - 1));
  RecordProperty("undelegation_faults", static_cast<int>(n - 1));
}

// ---- The APT runs out ---------------------------------------------------------------------------

TEST_F(FaultInjection, a_full_apt_fails_with_capacity_and_works_again_after_freeing) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t p = vmm.launch_remote("p", 1, 16);
  const std::size_t c = vmm.launch_remote("c", 2);
  host::VmRealm& pr = vmm.realm(p);
  const auto consumer = static_cast<std::uint64_t>(rid(c));
  // One-granule regions side by side in p's RAM; the launch gave p one APT granule.
  std::uint64_t next = 0;
  const auto create_until_full = [&] {
    std::uint64_t made = 0;
    for (;; ++next, ++made) {
      const std::uint64_t x0 = vmm.rsi(p, CaecRsiFid::kCsmCreate, {0x400000 + next * kGranuleSize, kGranuleSize});
      if (x0 == kCapacity) return made;
      EXPECT_EQ(x0, kSuccess) << "region " << next;
      if (x0 != kSuccess) return made;
    }
  };
  EXPECT_EQ(create_until_full(), rmm::kAptEntriesPerGranule) << "one APT granule holds 63 entries";
  EXPECT_EQ(vmm.rsi(p, CaecRsiFid::kCsmShare, {region_id(p, 0x400000), consumer, 2}), kCapacity);

  // Capacity is what the host gives: 40 granules, past the 32 an earlier RMM allowed.
  constexpr std::size_t kGranules = 40;
  while (pr.built.apts.size() < kGranules) ASSERT_TRUE(vmm.builder().add_apt(pr.built));
  const std::uint64_t entries = kGranules * rmm::kAptEntriesPerGranule;
  const std::uint64_t first = next;
  EXPECT_EQ(first + create_until_full(), entries) << "every entry of 40 granules holds a region";
  EXPECT_EQ(vmm.rsi(p, CaecRsiFid::kCsmShare, {region_id(p, 0x400000), consumer, 2}), kCapacity)
      << "a first sharing with a consumer needs two entries";
  expect_consistent("APT full");

  // Freeing entries makes room again: 50 regions go; one region then takes 48 sharings (no
  // per-region limit: only APT entries bound them) and a region comes back.
  for (std::uint64_t i = 1; i <= 50; ++i) {
    EXPECT_EQ(vmm.rsi(p, CaecRsiFid::kCsmDestroy, {region_id(p, 0x400000 + i * kGranuleSize)}), kSuccess);
  }
  const std::uint64_t id = region_id(p, 0x400000);
  EXPECT_EQ(vmm.step(p, {3, 0x400000, kTag}), 0U);
  constexpr std::uint64_t kSharings = 48;
  for (std::uint64_t k = 0; k < kSharings; ++k) {
    EXPECT_EQ(vmm.rsi(p, CaecRsiFid::kCsmShare, {id, consumer, 2}), kSuccess) << "sharing " << k;
  }
  EXPECT_EQ(vmm.rsi(p, CaecRsiFid::kCsmCreate, {0x400000 + kGranuleSize, kGranuleSize}), kSuccess);
  const auto provider = static_cast<std::uint64_t>(rid(p));
  EXPECT_EQ(vmm.rsi(c, CaecRsiFid::kCsmReserve, {provider, kSharings - 1, kReserve, kGranuleSize}), kSuccess);
  EXPECT_EQ(vmm.rsi(c, CaecRsiFid::kCsmAttach, {provider, kSharings - 1}), kSuccess);
  EXPECT_EQ(vmm.step(c, {2, kReserve}), 0U) << "the consumer reads the region";
  expect_consistent("after freeing");
  const std::vector<Pa> data = data_of(p);
  kill(p);
  EXPECT_TRUE(vmm.aborts(c, Ipa{kReserve})) << "stale mapping of a destroyed provider";
  kill(c);
  expect_consistent("both destroyed");
  expect_baseline("both destroyed");
  expect_scrubbed(data, machine(), "provider destroyed");
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("[ figures  ] APT filled to %llu entries in %zu granules, %llu sharings of one region; %.0f ms\n",
              static_cast<unsigned long long>(entries), kGranules,
              static_cast<unsigned long long>(kSharings), ms);
}

// ---- A host that stops serving a REC --------------------------------------------------------

struct AbandonCase {
  const char* name;
  bool provider_abandoned;  // which realm the host stops serving
  Abandon where;
};

/// What the abandoned realm was doing when its host stopped entering it.
constexpr std::array<AbandonCase, 6> kAbandonCases{{
    {"provider creating a second region (CSM_PROVIDER exit)", true, Abandon::kCsmProvider},
    {"provider destroying its region (CSM_REMOVE exit)", true, Abandon::kCsmRemove},
    {"provider touching unbacked RAM (data abort)", true, Abandon::kDataAbort},
    {"consumer reserving a second sharing over its own RAM (CSM_CONSUMER exit)", false, Abandon::kCsmConsumer},
    {"consumer detaching (CSM_REMOVE exit)", false, Abandon::kCsmRemove},
    {"consumer touching unbacked RAM (data abort)", false, Abandon::kDataAbort},
}};

TEST_F(FaultInjection, a_host_that_never_reenters_a_rec_cannot_leave_the_rmm_inconsistent) {
  unsigned sequences = 0;
  for (const AbandonCase& ac : kAbandonCases) {
    for (const bool abandoned_dies_first : {true, false}) {
      const std::string when = std::string(ac.name) + (abandoned_dies_first ? ", it dies first" : ", its peer dies first");
      SCOPED_TRACE(when);
      const std::size_t p = vmm.launch_remote("p", 1);
      const std::size_t c = vmm.launch_remote("c", 2);
      connect(p, c);
      const std::size_t gone = ac.provider_abandoned ? p : c;
      const std::size_t peer = ac.provider_abandoned ? c : p;
      vmm.abandon_at(vmm.realm(gone), ac.where);
      const auto provider = static_cast<std::uint64_t>(rid(p));
      const std::uint64_t id = region_id(p, kRegion);
      std::uint64_t x0 = 0;
      switch (ac.where) {
        case Abandon::kCsmProvider: x0 = vmm.rsi(p, CaecRsiFid::kCsmCreate, {0x400000, kSize}); break;
        case Abandon::kCsmRemove:
          x0 = ac.provider_abandoned ? vmm.rsi(p, CaecRsiFid::kCsmDestroy, {id})
                                     : vmm.rsi(c, CaecRsiFid::kCsmDetachAndFree, {provider, 0});
          break;
        case Abandon::kCsmConsumer:
          ASSERT_EQ(vmm.rsi(p, CaecRsiFid::kCsmShare, {id, static_cast<std::uint64_t>(rid(c)), 1}), kSuccess);
          // Over private RAM it wrote: the host it asked to remove that never will
          // (docs/csm.md "Private memory in a reservation").
          ASSERT_EQ(vmm.step(c, {3, kRam, kTag}), 0U);
          x0 = vmm.rsi(c, CaecRsiFid::kCsmReserve, {provider, 1, kRam, kSize});
          break;
        case Abandon::kDataAbort: x0 = vmm.step(gone, {3, kUnbacked, kTag}); break;
        case Abandon::kNone: break;
      }
      EXPECT_EQ(x0, RemoteVmm::kNoAnswer) << "the host did not abandon the REC";
      expect_consistent(when + ": REC abandoned");
      // The peer still runs: whatever the abandoned realm's call did has taken effect.
      const bool revoked = ac.provider_abandoned && ac.where == Abandon::kCsmRemove;
      if (peer == c) {
        EXPECT_EQ(vmm.aborts(c, Ipa{kReserve}), revoked)
            << (revoked ? "stale mapping after CSM_DESTROY" : "the consumer lost a live sharing");
      } else {
        EXPECT_FALSE(vmm.aborts(p, Ipa{kRegion})) << "the provider lost its own memory";
      }
      std::vector<Pa> data = data_of(p);
      const std::vector<Pa> more = data_of(c);
      data.insert(data.end(), more.begin(), more.end());
      if (abandoned_dies_first) {
        kill(gone);
        expect_consistent(when + ": abandoned realm destroyed");
        if (gone == p) {
          EXPECT_TRUE(vmm.aborts(c, Ipa{kReserve})) << "stale mapping of a destroyed provider";
        } else {
          EXPECT_FALSE(vmm.aborts(p, Ipa{kRegion})) << "the provider lost its own memory";
        }
        kill(peer);
      } else {
        kill(peer);
        expect_consistent(when + ": its peer destroyed");
        kill(gone);
      }
      expect_consistent(when + ": both destroyed");
      expect_baseline(when);
      expect_scrubbed(data, machine(), when);
      ++sequences;
    }
  }
  EXPECT_EQ(vmm.abandoned(), sequences);
  std::printf("[ figures  ] %u abandonment sequences\n", sequences);
}

// ---- Realms killed while attached ---------------------------------------------------------------

TEST_F(FaultInjection, realms_killed_while_attached_leave_no_stale_mapping_and_no_leak) {
  const std::size_t p = vmm.launch_remote("p", 1);
  const std::size_t c1 = vmm.launch_remote("c1", 2);
  const std::size_t c2 = vmm.launch_remote("c2", 3);
  connect(p, c1);
  const auto provider = static_cast<std::uint64_t>(rid(p));
  const std::uint64_t id = region_id(p, kRegion);
  ASSERT_EQ(vmm.rsi(p, CaecRsiFid::kCsmShare, {id, static_cast<std::uint64_t>(rid(c2)), 1}), kSuccess);
  ASSERT_EQ(vmm.rsi(c2, CaecRsiFid::kCsmReserve, {provider, 0, kReserve, kSize}), kSuccess);
  ASSERT_EQ(vmm.rsi(c2, CaecRsiFid::kCsmAttach, {provider, 0}), kSuccess);
  ASSERT_FALSE(vmm.aborts(c2, Ipa{kReserve}));
  const Pa shared = vmm.realm(p).built.data.at(kRegion);
  EXPECT_EQ(rmm().granule(shared).refcount, 2U) << "two consumers map it";

  // A consumer dies while attached: the provider and the other consumer carry on.
  kill(c1);
  expect_consistent("consumer killed while attached");
  EXPECT_EQ(rmm().granule(shared).refcount, 1U);
  ASSERT_EQ(vmm.step(p, {3, kRegion, kTag + 1}), 0U);
  EXPECT_FALSE(vmm.aborts(c2, Ipa{kReserve}));
  EXPECT_TRUE(vmm.aborts(c2, Ipa{kReserve}, /*write=*/true)) << "a read-only sharing";

  // The provider dies while c2 is attached: c2 loses the mapping at once.
  const std::vector<Pa> data = data_of(p);
  kill(p);
  expect_consistent("provider killed while attached");
  EXPECT_TRUE(vmm.aborts(c2, Ipa{kReserve})) << "stale mapping of a killed provider";
  expect_scrubbed(data, machine(), "provider killed while attached");
  // The dead reservation can be freed and the range reused as private memory.
  EXPECT_EQ(vmm.rsi(c2, CaecRsiFid::kCsmDetachAndFree, {provider, 0}), kSuccess);
  expect_consistent("dead reservation freed");
  kill(c2);
  expect_baseline("all killed");
}

// Regression: a realm whose CSM relations the host has begun to tear down (first APT_DESTROY,
// before REALM_DESTROY) could still be offered a sharing, which then outlived it: a sharing and
// a pair counter naming a dead realm stayed in the provider's APT (an invariant broken, and an
// APT entry lost for good each time a host did this).
TEST_F(FaultInjection, a_realm_being_torn_down_cannot_be_offered_a_sharing) {
  const std::size_t p = vmm.launch_remote("p", 1);
  const std::size_t c = vmm.launch_remote("c", 2);
  fill(p);
  const auto consumer = static_cast<std::uint64_t>(rid(c));
  const std::uint64_t id = region_id(p, kRegion);
  // The host takes c apart step by step: RECs first, then its APT (severing its relations).
  host::VmRealm& cr = vmm.realm(c);
  vmm.drop(c);
  vmm.stop(cr);
  for (const auto& rec : cr.built.recs) {
    ASSERT_TRUE(rmi_ok(rmi().rec_destroy(rec.rec)));
    host_.undelegate_and_free(rec.rec);
    host_.undelegate_and_free(rec.aux, rec.aux_count);
  }
  cr.built.recs.clear();
  for (Pa apt : cr.built.apts) {
    ASSERT_TRUE(rmi_ok(rmi().apt_destroy(cr.built.rd, apt)));
    host_.undelegate_and_free(apt);
  }
  cr.built.apts.clear();
  EXPECT_EQ(vmm.rsi(p, CaecRsiFid::kCsmShare, {id, consumer, 2}),
            static_cast<std::uint64_t>(abi::RsiStatus::kErrorInput));
  EXPECT_EQ(rmm().last_rsi_failure(vmm.realm(p).built.recs[0].rec), "consumer");
  vmm.destroy(cr);
  expect_consistent("consumer destroyed");
  for (const auto& e : rmm().apt(vmm.realm(p).built.rd)) {
    EXPECT_NE(e.peer, Rid{consumer}) << "the provider's APT still names the dead consumer";
  }
  kill(p);
  expect_baseline("both destroyed");
}

}  // namespace
}  // namespace caec::testing
