// Regressions of the trusted-core review (issue 15): one test per finding, each failing without
// its fix (the closing-realm findings are RsiCsm*.rejects_realm_closing in
// rsi_conditions_test.cc, the late CSM range RmiRttSetRipas.rejects_csm_range). Realms run
// csm-remote and are driven one command at a time (testing/remote_vmm.h), so every step ends at
// a quiescent point where the test can look at the machine.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "caec/abi/csm.h"
#include "caec/abi/esr.h"
#include "caec/abi/realm_image.h"
#include "caec/abi/rsi.h"
#include "caec/abi/s2tt.h"
#include "caec/abi/smc.h"
#include "rmm/core/features.h"
#include "inspect/csm_invariants.h"
#include "testing/remote_vmm.h"
#include "testing/rmm_fixture.h"
#include "testing/system_checks.h"
#include "testing/watchdog.h"

namespace caec::testing {
namespace {

namespace s2 = abi::s2tt;
using abi::CaecRsiFid;
using abi::RsiFid;

constexpr std::uint64_t kInputStatus = static_cast<std::uint64_t>(abi::RsiStatus::kErrorInput);
constexpr std::uint64_t kRegion = 0x200000;   // provider's region (two granules)
constexpr std::uint64_t kReserve = 0x300000;  // consumer's attached reservation
constexpr std::uint64_t kSpare = 0x400000;    // consumer's reservation that is never attached
constexpr std::uint64_t kSize = 2 * kGranuleSize;

#define ASSERT_RMI_OK(ret) ASSERT_TRUE(::caec::testing::rmi_ok(ret))

/// A RemoteVmm that also records the ESR of the last data abort it served, and can play a host
/// that walks away from a REC in the middle of a long CSM command.
class RecordingVmm : public RemoteVmm {
 public:
  using RemoteVmm::RemoteVmm;
  std::atomic<std::uint64_t> last_abort_esr{0};
  /// At this REC's first IRQ exit the host interrupts its PE again (`raise`) and enters it, so
  /// the next table boundary of the command it is in takes an IRQ too; at its second IRQ exit
  /// the host walks away from it for good.
  std::optional<Pa> walk_away_at_second_irq_of;
  std::function<void(Pa)> raise;

 protected:
  Next on_data_abort(host::VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                     abi::RmiRecEnter& enter) override {
    last_abort_esr = exit.esr;
    return RemoteVmm::on_data_abort(r, rec, exit, enter);
  }
  bool serves(host::VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit) override {
    if (walk_away_at_second_irq_of && r.built.recs.at(rec).rec == *walk_away_at_second_irq_of &&
        exit.exit_reason == static_cast<std::uint64_t>(abi::RmiRecExitReason::kIrq)) {
      if (++irq_exits_ == 1) {
        raise(*walk_away_at_second_irq_of);
      } else {
        walked_away(r, rec);
        return false;
      }
    }
    return RemoteVmm::serves(r, rec, exit);
  }

 private:
  int irq_exits_ = 0;
};

class TrustedCore : public RmmTest {
 protected:
  /// Every remote realm stops asking for commands and goes, as a host killing it would.
  void TearDown() override {
    for (std::size_t i = 0; i < launched_; ++i) {
      vmm.drop(i);
      vmm.destroy(vmm.realm(i));
    }
    expect_invariants("all realms destroyed");
  }
  std::size_t launch(const std::string& name, std::uint16_t vmid, unsigned recs = 1) {
    const std::size_t i = vmm.launch_remote(name, vmid, 4, recs);
    launched_ = i + 1;
    return i;
  }
  [[nodiscard]] Rid rid(std::size_t i) { return rmm().realm(vmm.realm(i).built.rd)->rid; }
  [[nodiscard]] std::uint64_t rid_arg(std::size_t i) { return static_cast<std::uint64_t>(rid(i)); }
  [[nodiscard]] std::uint64_t region_id(std::size_t i, std::uint64_t base) {
    for (const auto& e : rmm().apt(vmm.realm(i).built.rd)) {
      if (e.kind == rmm::AptKind::kRegion && e.base == Ipa{base}) return static_cast<std::uint64_t>(e.csm_id);
    }
    return 0;
  }
  /// The DATA granule realm i maps at `ipa` (the provider's own, or a consumer's mapping of it).
  [[nodiscard]] Pa granule_at(std::size_t i, std::uint64_t ipa) {
    const auto e = rmi().rtt_read_entry(vmm.realm(i).built.rd, Ipa{ipa}, s2::kMaxLevel);
    EXPECT_EQ(e.state, abi::RmiRttEntryState::kAssigned) << std::hex << ipa;
    return s2::desc_oa(e.desc);
  }
  /// The bytes of the provider's region, read from physical memory.
  [[nodiscard]] std::vector<std::byte> region_bytes(std::size_t provider) {
    std::vector<std::byte> out;
    for (std::uint64_t off = 0; off < kSize; off += kGranuleSize) {
      const std::byte* g = machine().realm_pas_granule(granule_at(provider, kRegion + off));
      out.insert(out.end(), g, g + kGranuleSize);
    }
    return out;
  }
  /// p creates the region, writes a tag into both pages and shares it with c (`perm`); c
  /// reserves kReserve and attaches. Returns k.
  std::uint64_t share(std::size_t p, std::size_t c, abi::CsmPerm perm) {
    EXPECT_EQ(vmm.rsi(p, CaecRsiFid::kCsmCreate, {kRegion, kSize}), 0U);
    for (std::uint64_t off = 0; off < kSize; off += kGranuleSize) {
      EXPECT_EQ(vmm.step(p, {3, kRegion + off, 0x7a67}), 0U);
    }
    const std::uint64_t id = region_id(p, kRegion);
    EXPECT_EQ(vmm.rsi(p, CaecRsiFid::kCsmShare, {id, rid_arg(c), static_cast<std::uint64_t>(perm)}), 0U);
    const std::uint64_t k = 0;
    EXPECT_EQ(vmm.rsi(c, CaecRsiFid::kCsmReserve, {rid_arg(p), k, kReserve, kSize}), 0U);
    EXPECT_EQ(vmm.rsi(c, CaecRsiFid::kCsmAttach, {rid_arg(p), k}), 0U);
    return k;
  }
  void expect_invariants(const std::string& when) { expect_consistent(rmm(), machine(), when); }
  /// A free granule far above what the host hands out first (an RD placed above its tables).
  [[nodiscard]] Pa high_free_granule() { return machine().memory().base() + (40ULL << 20U); }

  RecordingVmm vmm{host_, [this](Pa rec) { system_.platform().interrupt(rec); }};
  std::size_t launched_ = 0;
};

// ---- Critical: the RMM wrote RSI outputs through a consumer's mapping ---------------------------

/// Every RSI command that writes realm memory, aimed at `ipa` by realm `i`; each must fail with
/// RSI_ERROR_INPUT, and the host must see no host call.
void aim_every_rsi_output_at(RemoteVmm& vmm, std::size_t i, std::uint64_t ipa, std::uint64_t own_rid,
                             std::uint64_t csm_id) {
  const auto rsi = [&](std::uint32_t fid, std::array<std::uint64_t, 6> args) {
    std::array<std::uint64_t, 8> cmd{1, fid};
    std::copy(args.begin(), args.end(), cmd.begin() + 2);
    return vmm.step(i, cmd);
  };
  const auto fid = [](auto f) { return static_cast<std::uint32_t>(f); };
  EXPECT_EQ(rsi(fid(RsiFid::kRealmConfig), {ipa}), kInputStatus) << "RSI_REALM_CONFIG";
  EXPECT_EQ(rsi(fid(RsiFid::kHostCall), {ipa}), kInputStatus) << "RSI_HOST_CALL";
  EXPECT_EQ(rsi(fid(CaecRsiFid::kRealmMeasurements), {own_rid, ipa}), kInputStatus)
      << "RSI_REALM_MEASUREMENTS";
  EXPECT_EQ(rsi(fid(CaecRsiFid::kCsmInfo), {csm_id, ipa}), kInputStatus) << "RSI_CSM_INFO";
  EXPECT_EQ(rsi(fid(RsiFid::kAttestationTokenInit), {1, 2, 3, 4, 5, 6}), 0U);
  EXPECT_EQ(rsi(fid(RsiFid::kAttestationTokenContinue), {ipa, 0, 64}), kInputStatus)
      << "RSI_ATTESTATION_TOKEN_CONTINUE";
}

TEST_F(TrustedCore, a_read_only_consumer_cannot_write_its_provider_through_rsi_output_buffers) {
  const std::size_t p = launch("p", 1);
  const std::size_t c = launch("c", 2);
  (void)share(p, c, abi::CsmPerm::kRo);
  const auto before = region_bytes(p);
  aim_every_rsi_output_at(vmm, c, kReserve, rid_arg(c), region_id(p, kRegion));
  aim_every_rsi_output_at(vmm, c, kReserve + kGranuleSize + 0x100, rid_arg(c), region_id(p, kRegion));
  EXPECT_EQ(region_bytes(p), before) << "the RMM wrote the provider's memory for a read-only consumer";
  EXPECT_EQ(vmm.step(c, {2, kReserve}), 0U) << "the consumer still reads the region";
  expect_invariants("after the attempts");
}

TEST_F(TrustedCore, rsi_outputs_never_land_in_a_read_write_sharing_either) {
  // The RMM writes only the caller's own private memory (docs/csm.md): a CSM range is the
  // provider's, even where the consumer may write it itself.
  const std::size_t p = launch("p", 1);
  const std::size_t c = launch("c", 2);
  (void)share(p, c, abi::CsmPerm::kRw);
  const auto before = region_bytes(p);
  aim_every_rsi_output_at(vmm, c, kReserve, rid_arg(c), region_id(p, kRegion));
  EXPECT_EQ(region_bytes(p), before);
  EXPECT_EQ(vmm.step(c, {3, kReserve, 0x5eed}), 0U) << "the consumer's own write still works";
}

TEST_F(TrustedCore, an_rsi_buffer_in_an_unmapped_reservation_fails_instead_of_exiting_for_ever) {
  // The host may not back a reservation, so a data-abort exit there could never be resolved.
  const std::size_t p = launch("p", 1);
  const std::size_t c = launch("c", 2);
  const std::uint64_t k = share(p, c, abi::CsmPerm::kRw);
  (void)k;
  const std::uint64_t id = region_id(p, kRegion);
  EXPECT_EQ(vmm.rsi(p, CaecRsiFid::kCsmShare, {id, rid_arg(c), 2}), 0U);
  EXPECT_EQ(vmm.rsi(c, CaecRsiFid::kCsmReserve, {rid_arg(p), 1, kSpare, kSize}), 0U);
  Watchdog dog(std::chrono::seconds(60), "RSI buffers in an unattached reservation");
  aim_every_rsi_output_at(vmm, c, kSpare, rid_arg(c), id);
  expect_invariants("after the attempts");
}

TEST_F(TrustedCore, a_provider_may_aim_rsi_outputs_at_its_own_region) {
  const std::size_t p = launch("p", 1);
  const std::size_t c = launch("c", 2);
  (void)share(p, c, abi::CsmPerm::kRo);
  EXPECT_EQ(vmm.step(p, {1, static_cast<std::uint32_t>(RsiFid::kRealmConfig), kRegion}), 0U);
  abi::RsiRealmConfig cfg{};
  std::memcpy(&cfg, machine().realm_pas_granule(granule_at(p, kRegion)), sizeof cfg);
  EXPECT_EQ(cfg.rid, rid_arg(p)) << "the provider's own region granule is its own memory";
}

// ---- High: a host-triggered deadlock (lock held on a granule in the wrong state) --------------

TEST_F(TrustedCore, naming_a_live_rtt_as_a_new_granule_fails_its_state_condition) {
  // The RD above the realm's tables, so the live RTT is locked first in PA order: before lock
  // on state match the RMM held the RTT (a walk's granule) while it waited for the RD, and the
  // lock-order validator aborts at that wait.
  host::RealmSpec spec;
  spec.rd = high_free_granule();
  auto realm = make_realm(spec);
  builder().ensure_tables(realm, Ipa{0x100000}, s2::kMaxLevel);
  const Pa live_rtt = realm.tables.back().pa;
  ASSERT_LT(live_rtt, realm.rd);
  EXPECT_FAILS_WITH(rmi().rtt_create(realm.rd, live_rtt, Ipa{0x40000000}, RttLevel{3}), kInput, 0, "rtt_state");
  EXPECT_FAILS_WITH(rmi().data_create_unknown(realm.rd, live_rtt, Ipa{0x100000}), kInput, 0, "data_state");
  EXPECT_FAILS_WITH(rmi().apt_create(realm.rd, live_rtt), kInput, 0, "apt_state");
  EXPECT_FAILS_WITH(rmi().granule_undelegate(live_rtt), kInput, 0, "gran_state");
}

TEST_F(TrustedCore, a_host_naming_a_live_rtt_on_one_pe_cannot_deadlock_a_walk_on_another) {
  host::RealmSpec spec;
  spec.rd = high_free_granule();
  auto realm = make_realm(spec);
  builder().ensure_tables(realm, Ipa{0x100000}, s2::kMaxLevel);
  const Pa live_rtt = realm.tables.back().pa;
  const Pa data = delegated();
  abi::RmiRecParams rec{};
  rec.num_aux = rmm::kRecAuxCount;
  const Pa params = ns_page(std::as_bytes(std::span(&rec, 1)));
  Watchdog dog(std::chrono::seconds(60), "RTT_CREATE(live RTT) against walks");
  std::atomic<bool> stop{false};
  std::thread walker([&] {
    // Walks through the live table, taking the RD and then the RTTs root to leaf.
    while (!stop) {
      (void)rmi().data_create_unknown(realm.rd, data, Ipa{0x101000});
      (void)rmi().rtt_read_entry(realm.rd, Ipa{0x100000}, RttLevel{3});
      (void)rmi().data_destroy(realm.rd, Ipa{0x101000});
    }
  });
  for (int i = 0; i < 20000; ++i) {
    ASSERT_EQ(rmi().rtt_create(realm.rd, live_rtt, Ipa{0x40000000}, RttLevel{3}).status, abi::RmiStatus::kErrorInput);
    ASSERT_EQ(rmi().rec_create(realm.rd, live_rtt, params).status, abi::RmiStatus::kErrorInput);
  }
  stop = true;
  walker.join();
}

// ---- High: a sharing with a consumer that can never be torn down ------------------------------

TEST_F(TrustedCore, share_refuses_a_consumer_without_an_apt) {
  // A realm without APT granules is destroyed without any CSM teardown: a sharing naming it
  // would name a dead realm for ever.
  const std::size_t p = launch("p", 1);
  host::RealmSpec spec;
  spec.vmid = 9;
  auto bare = make_realm(spec);
  const auto bare_rid = static_cast<std::uint64_t>(rmm().realm(bare.rd)->rid);
  EXPECT_EQ(vmm.rsi(p, CaecRsiFid::kCsmCreate, {kRegion, kSize}), 0U);
  EXPECT_EQ(vmm.rsi(p, CaecRsiFid::kCsmShare, {region_id(p, kRegion), bare_rid, 1}), kInputStatus);
  EXPECT_EQ(rmm().last_rsi_failure(vmm.realm(p).built.recs[0].rec), "consumer");
  builder().destroy(bare);
  expect_invariants("the bare realm destroyed");
}

// ---- Medium: the teardown acting on a realm destroyed meanwhile --------------------------------

TEST_F(TrustedCore, a_teardown_never_touches_a_realm_destroyed_or_replaced_meanwhile) {
  // Two host threads start the CSM teardown of one realm; as soon as one returns, the host
  // destroys the realm and creates another at the same RD while the other is still severing
  // (many live realms make that long). Before the teardown was pinned by RID, the other
  // reached RMM_CHECK on the destroyed RD, or acted on the new realm.
  std::vector<host::HostRealm> bystanders;
  for (std::uint16_t v = 0; v < 100; ++v) {
    host::RealmSpec s;
    s.vmid = static_cast<std::uint16_t>(100 + v);
    bystanders.push_back(make_realm(s));
    ASSERT_TRUE(builder().add_apt(bystanders.back()));
  }
  Watchdog dog(std::chrono::seconds(120), "teardown against REALM_DESTROY");
  for (int round = 0; round < 150; ++round) {
    host::RealmSpec s;
    s.vmid = 7;
    auto doomed = make_realm(s);
    ASSERT_TRUE(builder().add_apt(doomed));
    const Pa apt = doomed.apts.at(0);
    doomed.apts.clear();
    std::atomic<int> ok{0};
    auto tear = [&] { ok += rmi().apt_destroy(doomed.rd, apt).ok() ? 1 : 0; };
    std::thread other(tear);
    tear();
    // Whichever call destroyed the APT granule has returned or is about to; the realm can go,
    // and a new one take its RD, while the other call may still be severing.
    while (ok.load() == 0) std::this_thread::yield();
    host_.undelegate_and_free(apt);
    builder().destroy(doomed);
    host::RealmSpec again;
    again.vmid = 8;
    again.rd = doomed.rd;
    auto reborn = make_realm(again);
    other.join();
    const auto r = rmm().realm(reborn.rd);
    EXPECT_TRUE(r.has_value() && !r->csm_closing && !r->csm_torn_down)
        << "round " << round << ": a stale teardown acted on the new realm";
    builder().destroy(reborn);
  }
  for (auto& b : bystanders) builder().destroy(b);
  expect_invariants("after the rounds");
}

// ---- Medium: the read-only mark and the RIPAS shared a bit ------------------------------------

TEST_F(TrustedCore, a_realms_own_page_stays_writable_when_destroyed_ripas_becomes_ram_again) {
  // DESTROYED is RIPAS 2 (bit 6 of an invalid descriptor), where the read-only mark of a consumer
  // entry used to live: the realm's own page came back read-only for ever.
  const std::size_t r = launch("r", 1);
  const Ipa page{0x250000};
  EXPECT_EQ(vmm.step(r, {3, page.value(), 1}), 0U);
  host::VmRealm& vr = vmm.realm(r);
  const auto out = rmi().data_destroy(vr.built.rd, page);
  ASSERT_RMI_OK(out.ret);
  vr.built.data.erase(page.value());
  host_.undelegate_and_free(out.data);
  const Pa again = delegated();
  ASSERT_RMI_OK(rmi().data_create_unknown(vr.built.rd, again, page));
  vr.built.data[page.value()] = again;
  // RAM again, DESTROYED entries included (flag 1); the reference host carries it out.
  EXPECT_EQ(vmm.step(r, {1, static_cast<std::uint32_t>(RsiFid::kIpaStateSet), page.value(),
                         (page + kGranuleSize).value(), 1, 1}),
            0U);
  EXPECT_EQ(vmm.step(r, {3, page.value(), 2}), 0U) << "the realm's own page became read-only";
  expect_invariants("after the write");
}

// ---- Medium: an access the unprotected mapping does not permit spun in R-EL2 ------------------

TEST_F(TrustedCore, an_access_an_unprotected_mapping_forbids_exits_instead_of_spinning) {
  const std::size_t r = launch("r", 1);
  host::VmRealm& vr = vmm.realm(r);
  const Ipa none{(1ULL << 39U) + 0x100000};
  const Ipa write_only = none + kGranuleSize;
  for (const auto& [ipa, s2ap] : {std::pair<Ipa, std::uint64_t>{none, 0}, {write_only, s2::kS2apWo}}) {
    const Pa ns = *host_.pool().allocate();
    builder().ensure_tables(vr.built, ipa, s2::kMaxLevel);
    ASSERT_RMI_OK(rmi().rtt_map_unprotected(vr.built.rd, ipa, RttLevel{3}, ns.value() | s2::kMemAttrNormalWb | s2ap));
  }
  Watchdog dog(std::chrono::seconds(60), "reads of S2AP none / write-only pages");
  const auto permission_exit = [&] {
    const std::uint64_t esr = vmm.last_abort_esr.exchange(0);
    return abi::esr::ec(esr) == abi::esr::kEcDataAbortLower &&
           ((esr & abi::esr::kDfscMask) & ~0x3ULL) == abi::esr::kDfscPermission;
  };
  EXPECT_EQ(vmm.step(r, {2, none.value()}), 1U) << "a read of S2AP none";
  EXPECT_TRUE(permission_exit());
  EXPECT_EQ(vmm.step(r, {3, none.value(), 1}), 1U) << "a write of S2AP none";
  EXPECT_TRUE(permission_exit());
  EXPECT_EQ(vmm.step(r, {2, write_only.value()}), 1U) << "a read of a write-only page";
  EXPECT_TRUE(permission_exit());
  EXPECT_EQ(vmm.step(r, {3, write_only.value(), 1}), 0U) << "a write of a write-only page";
}

// ---- Medium: a consumer stalled its provider (and back) for a whole region ---------------------
// ATTACH and REVOKE held both realms' RDs across a loop over the whole region (a review measured
// over a second for 1 GiB). They now work a level-3 table (2 MiB) per lock hold, release every
// lock in between, and take a pending physical IRQ there (the command goes on after re-entry).

/// A host that prepares a consumer's reservation lazily, one level-3 table per CSM_CONSUMER
/// exit, and records what the consumer maps of it at each such exit; and that records, at an
/// IRQ exit of a chosen REC, what the consumer maps then.
class LazyVmm : public RecordingVmm {
 public:
  using RecordingVmm::RecordingVmm;
  std::function<std::size_t()> count_mapped;  // the consumer's foreign mappings now
  std::vector<std::size_t> mapped_at_consumer_exits;
  std::optional<Pa> watch_irq_of;
  bool abandon_at_irq = false;  // the host walks away from that REC at its IRQ exit
  std::vector<std::size_t> mapped_at_irq_exits;

 protected:
  Next on_csm_consumer(host::VmRealm& r, std::size_t, const abi::RmiRecExit& exit,
                       abi::RmiRecEnter&) override {
    mapped_at_consumer_exits.push_back(count_mapped());
    for (Ipa ipa{exit.csm_base}; ipa < Ipa{exit.csm_top}; ipa = ipa + kCsmTable) {
      const auto e = host().rmi().rtt_read_entry(r.built.rd, ipa, s2::kMaxLevel);
      if (e.walk_level == s2::kMaxLevel) continue;
      builder().ensure_tables(r.built, ipa, s2::kMaxLevel);
      break;  // one table per exit
    }
    return Next::kEnter;
  }
  bool serves(host::VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit) override {
    if (watch_irq_of && r.built.recs.at(rec).rec == *watch_irq_of &&
        exit.exit_reason == static_cast<std::uint64_t>(abi::RmiRecExitReason::kIrq)) {
      mapped_at_irq_exits.push_back(count_mapped());
      if (abandon_at_irq) return false;
    }
    return RecordingVmm::serves(r, rec, exit);
  }

 private:
  static constexpr std::uint64_t kCsmTable = 2ULL << 20U;
};

class BoundedWork : public RmmTest {
 protected:
  static constexpr std::uint64_t kBig = 32ULL << 20U;  // 16 level-3 tables
  static constexpr std::uint64_t kAt = 0x1000000;
  static constexpr std::uint64_t kPages = kBig / kGranuleSize;

  BoundedWork() {
    p = vmm.launch_remote("p", 1, 48);
    c = vmm.launch_remote("c", 2);
    vmm.count_mapped = [this] {
      std::size_t n = 0;
      for (const auto& m : rmm().mappings(vmm.realm(c).built.rd)) n += m.foreign ? 1U : 0U;
      return n;
    };
  }
  void TearDown() override {
    for (std::size_t i : {p, c}) {
      vmm.drop(i);
      vmm.destroy(vmm.realm(i));
    }
    expect_consistent(rmm(), machine(), "all realms destroyed");
  }
  [[nodiscard]] std::uint64_t rid_of(std::size_t i) {
    return static_cast<std::uint64_t>(rmm().realm(vmm.realm(i).built.rd)->rid);
  }
  /// Interrupts the provider's PE at the first TLB invalidation in the consumer's stage 2: the
  /// moment its REVOKE has unmapped its first table, whatever the speed of this machine.
  void interrupt_provider_at_first_consumer_unmap() {
    const abi::Vmid consumer{vmm.realm(c).built.params.vmid};
    const Pa provider_rec = vmm.realm(p).built.recs[0].rec;
    machine().mmu().set_invalidation_observer([this, consumer, provider_rec, raised = false](abi::Vmid v) mutable {
      if (v != consumer || std::exchange(raised, true)) return;
      system_.platform().interrupt(provider_rec);
    });
  }
  /// p makes a 32 MiB region (its host populates it all) and offers it to c, which reserves it.
  void offer_and_reserve() {
    ASSERT_EQ(vmm.rsi(p, CaecRsiFid::kCsmCreate, {kAt, kBig}), 0U);
    std::uint64_t id = 0;
    for (const auto& e : rmm().apt(vmm.realm(p).built.rd)) {
      if (e.kind == rmm::AptKind::kRegion) id = static_cast<std::uint64_t>(e.csm_id);
    }
    ASSERT_EQ(vmm.rsi(p, CaecRsiFid::kCsmShare, {id, rid_of(c), 1}), 0U);
    ASSERT_EQ(vmm.rsi(c, CaecRsiFid::kCsmReserve, {rid_of(p), 0, kAt, kBig}), 0U);
  }

  LazyVmm vmm{host_, [this](Pa rec) { system_.platform().interrupt(rec); }};
  std::size_t p = 0;
  std::size_t c = 0;
};

TEST_F(BoundedWork, attach_maps_a_table_per_lock_hold_and_goes_on_after_each_exit) {
  offer_and_reserve();
  vmm.mapped_at_consumer_exits.clear();
  ASSERT_EQ(vmm.rsi(c, CaecRsiFid::kCsmAttach, {rid_of(p), 0}), 0U);
  // The host prepared one table per exit: ATTACH mapped the tables it could, left every lock,
  // exited, and went on from there — so the exits saw the region mapped a table more each time.
  const auto& seen = vmm.mapped_at_consumer_exits;
  ASSERT_EQ(seen.size(), kBig / (2ULL << 20U) - 1) << "one exit per table after the first";
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i], (i + 1) * 512) << "exit " << i;
  }
  EXPECT_EQ(vmm.count_mapped(), kPages);
}

TEST_F(BoundedWork, revoke_unmaps_a_table_per_lock_hold_and_takes_an_irq_in_between) {
  offer_and_reserve();
  ASSERT_EQ(vmm.rsi(c, CaecRsiFid::kCsmAttach, {rid_of(p), 0}), 0U);
  ASSERT_EQ(vmm.count_mapped(), kPages);
  vmm.watch_irq_of = vmm.realm(p).built.recs[0].rec;
  Watchdog dog(std::chrono::seconds(60), "REVOKE of 32 MiB interrupted");
  // The host interrupts the provider's PE while its REVOKE unmaps the first table: the REVOKE
  // takes the IRQ exit between two tables, part done.
  interrupt_provider_at_first_consumer_unmap();
  EXPECT_EQ(vmm.rsi(p, CaecRsiFid::kCsmRevoke, {rid_of(c), 0}), 0U);
  machine().mmu().set_invalidation_observer(nullptr);
  ASSERT_FALSE(vmm.mapped_at_irq_exits.empty()) << "the REVOKE ended without taking the IRQ";
  const std::size_t left = vmm.mapped_at_irq_exits.front();
  EXPECT_GT(left, 0U) << "the IRQ came after the last table";
  EXPECT_LT(left, kPages) << "nothing was unmapped before the IRQ exit";
  EXPECT_EQ(left % 512, 0U) << "the IRQ was taken inside a table's work";
  EXPECT_EQ(vmm.count_mapped(), 0U);
  EXPECT_TRUE(vmm.aborts(c, Ipa{kAt + kBig - kGranuleSize}));
  std::printf("[ figures  ] REVOKE of 32 MiB took its IRQ exit with %zu of %llu pages still mapped\n", left,
              static_cast<unsigned long long>(kPages));
}

TEST_F(BoundedWork, revoke_invalidates_once_per_table_and_leaves_no_stale_translation) {
  offer_and_reserve();
  ASSERT_EQ(vmm.rsi(c, CaecRsiFid::kCsmAttach, {rid_of(p), 0}), 0U);
  constexpr std::uint64_t kTable = 2ULL << 20U;
  // The consumer's PE caches a translation at both ends of every table (a TLB fill each).
  for (std::uint64_t t = 0; t < kBig; t += kTable) {
    ASSERT_FALSE(vmm.aborts(c, Ipa{kAt + t}));
    ASSERT_FALSE(vmm.aborts(c, Ipa{kAt + t + kTable - kGranuleSize}));
  }
  const std::uint64_t before = machine().mmu().invalidations();
  ASSERT_EQ(vmm.rsi(p, CaecRsiFid::kCsmRevoke, {rid_of(c), 0}), 0U);
  // One range invalidation per table of 512 unmaps, not one per page...
  EXPECT_LE(machine().mmu().invalidations() - before, kBig / kTable);
  // ...and none of the cached translations survived it.
  for (std::uint64_t t = 0; t < kBig; t += kTable) {
    EXPECT_TRUE(vmm.aborts(c, Ipa{kAt + t})) << "stale translation at +" << t;
    EXPECT_TRUE(vmm.aborts(c, Ipa{kAt + t + kTable - kGranuleSize})) << "stale translation at +" << t;
  }
  EXPECT_EQ(vmm.count_mapped(), 0U);
}

TEST_F(BoundedWork, a_revoke_its_host_abandons_half_way_is_finished_by_the_consumer_and_the_teardown) {
  // The host never enters the provider's REC again after the REVOKE's IRQ exit: the sharing is
  // gone for every command but the consumer still maps part of the region. It must say so
  // (RSI_CSM_INFO: REVOKING), and whoever comes next finishes the job.
  offer_and_reserve();
  ASSERT_EQ(vmm.rsi(c, CaecRsiFid::kCsmAttach, {rid_of(p), 0}), 0U);
  vmm.watch_irq_of = vmm.realm(p).built.recs[0].rec;
  vmm.abandon_at_irq = true;
  Watchdog dog(std::chrono::seconds(60), "an abandoned REVOKE");
  interrupt_provider_at_first_consumer_unmap();
  (void)vmm.rsi(p, CaecRsiFid::kCsmRevoke, {rid_of(c), 0});  // kNoAnswer: the realm stopped asking
  machine().mmu().set_invalidation_observer(nullptr);
  ASSERT_EQ(vmm.mapped_at_irq_exits.size(), 1U);
  const std::size_t left = vmm.count_mapped();
  ASSERT_GT(left, 0U);
  expect_consistent(rmm(), machine(), "REVOKE abandoned half way");
  std::uint8_t sharing_flags = 0;
  for (const auto& e : rmm().apt(vmm.realm(p).built.rd)) {
    if (e.kind == rmm::AptKind::kSharing) sharing_flags = e.flags;
  }
  EXPECT_EQ(sharing_flags & rmm::apt_flags::kDraining, rmm::apt_flags::kDraining);
  // The consumer detaches: its pass removes what is left, its reservation goes.
  ASSERT_EQ(vmm.rsi(c, CaecRsiFid::kCsmDetachAndFree, {rid_of(p), 0}), 0U);
  EXPECT_EQ(vmm.count_mapped(), 0U);
  EXPECT_TRUE(vmm.aborts(c, Ipa{kAt + kBig - kGranuleSize}));
  expect_consistent(rmm(), machine(), "after the consumer's DETACH");
}

// ---- Second review: a DETACH racing an ATTACH, a DESTROY stopped half way, TOKEN_INIT ---------

TEST_F(TrustedCore, a_detach_racing_an_attach_of_the_same_reservation_leaves_no_mapping_behind) {
  // Found by the second review: DETACH_AND_FREE's first lock hold saw the reservation RESERVED
  // (nothing to drain), its second deleted it without looking again; an ATTACH by another REC
  // of the consumer served in between mapped the region into a reservation then deleted: the
  // mappings outlived every record (REVOKE drained nothing, the provider's DATA_DESTROY reached
  // RMM_CHECK). Now an unmapped reservation goes in the hold that checks it, and a mapped one is
  // marked draining first (ATTACH refuses it). The review forced the window with a provider RD
  // held for seconds (TOKEN_INIT's quadratic scan, fixed since); here both calls race, many
  // times, and whichever wins, nothing may be left.
  const std::size_t p = launch("p", 1);
  const std::size_t c = launch("c", 2, 2);
  const std::size_t c1 = vmm.start_remote_rec(c, 1);
  const Pa c_rd = vmm.realm(c).built.rd;
  const std::uint64_t p_rid = rid_arg(p);
  const std::uint64_t c_rid = rid_arg(c);
  EXPECT_EQ(vmm.rsi(p, CaecRsiFid::kCsmCreate, {kRegion, kSize}), 0U);
  for (std::uint64_t off = 0; off < kSize; off += kGranuleSize) {
    EXPECT_EQ(vmm.step(p, {3, kRegion + off, 0x7a67}), 0U);
  }
  ASSERT_EQ(vmm.rsi(p, CaecRsiFid::kCsmShare, {region_id(p, kRegion), c_rid, 2}), 0U);
  Watchdog dog(std::chrono::seconds(120), "DETACH racing ATTACH");
  int attach_won = 0;
  for (int round = 0; round < 300; ++round) {
    ASSERT_EQ(vmm.rsi(c, CaecRsiFid::kCsmReserve, {p_rid, 0, kReserve, kSize}), 0U) << round;
    std::atomic<std::uint64_t> attached{~0ULL};
    std::thread attach([&] { attached = vmm.rsi(c1, CaecRsiFid::kCsmAttach, {p_rid, 0}); });
    EXPECT_EQ(vmm.rsi(c, CaecRsiFid::kCsmDetachAndFree, {p_rid, 0}), 0U) << round;
    attach.join();
    attach_won += attached == 0 ? 1 : 0;
    bool reservation_left = false;
    for (const auto& e : rmm().apt(c_rd)) reservation_left |= e.kind == rmm::AptKind::kReservation;
    std::size_t stale = 0;
    for (const auto& m : rmm().mappings(c_rd)) stale += m.foreign ? 1U : 0U;
    ASSERT_FALSE(reservation_left) << round;
    ASSERT_EQ(stale, 0U) << "round " << round << ": provider granules mapped with no reservation";
    expect_invariants("round " + std::to_string(round));
  }
  std::printf("[ figures  ] DETACH against ATTACH: the ATTACH succeeded first in %d of 300 rounds\n", attach_won);
  // The provider revokes; its DATA_DESTROY of the region's granules is an ordinary one.
  ASSERT_EQ(vmm.rsi(p, CaecRsiFid::kCsmRevoke, {c_rid, 0}), 0U);
  for (std::uint64_t off = 0; off < kSize; off += kGranuleSize) {
    const auto out = rmi().data_destroy(vmm.realm(p).built.rd, Ipa{kRegion + off});
    EXPECT_TRUE(out.ret.ok());
    vmm.realm(p).built.data.erase(kRegion + off);
    host_.undelegate_and_free(out.data);
  }
  vmm.drop(c1);
}

TEST_F(TrustedCore, a_csm_destroy_its_host_abandons_half_way_can_be_finished_by_the_provider) {
  // docs/csm.md: a command stopped half way leaves records that "anybody can finish". The host
  // walks away from the provider's REC 0 at the IRQ exit CSM_DESTROY takes after unmapping its
  // consumer's first table. The region stays marked "destroying", and RSI_CSM_DESTROY (from the
  // provider's other REC) fails not_provider on such a region: nothing but the realm's teardown
  // can ever remove it, its range can never be used again, and the host never gets the
  // CSM_REMOVE exit.
  const std::size_t p = launch("p", 1, 2);
  const std::size_t c = launch("c", 2);
  (void)share(p, c, abi::CsmPerm::kRw);
  const std::size_t p1 = vmm.start_remote_rec(p, 1);
  const std::uint64_t id = region_id(p, kRegion);
  const Pa rec0 = vmm.realm(p).built.recs[0].rec;
  vmm.raise = [this](Pa rec) { system_.platform().interrupt(rec); };
  vmm.walk_away_at_second_irq_of = rec0;
  Watchdog dog(std::chrono::seconds(60), "a CSM_DESTROY abandoned half way");
  // Taken when REC 0 executes the SMC (first IRQ exit); the host raises another, which the
  // command takes after its first table (second IRQ exit, where the host walks away).
  system_.platform().interrupt(rec0);
  EXPECT_EQ(vmm.rsi(p, CaecRsiFid::kCsmDestroy, {id}), RemoteVmm::kNoAnswer);
  expect_invariants("CSM_DESTROY abandoned half way");
  ASSERT_NE(region_id(p, kRegion), 0U);
  EXPECT_TRUE(vmm.aborts(c, Ipa{kReserve})) << "the walk-away came after the consumer's table was unmapped";
  // The provider's other REC finishes what it can: the revoke the DESTROY left...
  EXPECT_EQ(vmm.rsi(p1, CaecRsiFid::kCsmRevoke, {rid_arg(c), 0}), 0U);
  // ...but the DESTROY itself can never be finished.
  EXPECT_EQ(vmm.rsi(p1, CaecRsiFid::kCsmDestroy, {id}), 0U)
      << "RSI_CSM_DESTROY refuses a region another (abandoned) DESTROY marked destroying: "
      << rmm().last_rsi_failure(vmm.realm(p).built.recs[1].rec);
  EXPECT_EQ(region_id(p, kRegion), 0U) << "the region outlives every DESTROY the provider tries";
  EXPECT_EQ(vmm.rsi(p1, CaecRsiFid::kCsmCreate, {kRegion, kSize}), 0U)
      << "the provider can never use the range again";
}

TEST_F(TrustedCore, attestation_token_init_does_bounded_work_under_the_callers_rd_lock) {
  // docs/csm.md "Bounded work under one lock". RSI_ATTESTATION_TOKEN_INIT builds the CSM claim
  // under the caller's RD lock (rsi_attest.cc: csm_claims() inside with_realm()), and for each
  // region it scans the whole APT again (attached_consumers()): work = regions x APT slots,
  // both bounded only by the APT granules the host gives (the reference host grants kAptMore
  // without limit). Every peer that needs this RD meanwhile — a provider's REVOKE/DESTROY
  // draining this consumer (its REC stuck in R-EL2, unable to take an IRQ), a provider host's
  // DATA_CREATE/DESTROY propagating to it, the host's own RMI on this realm — waits for it.
  const std::size_t m = launch("m", 1);
  host::VmRealm& vm = vmm.realm(m);
  constexpr int kAptGranules = 2000;  // 8 MiB: 126000 APT slots
  constexpr std::uint64_t kRegions = 1500;
  constexpr std::uint64_t kFar = 0x40000000;  // unpopulated protected IPA space
  for (int i = 0; i < kAptGranules; ++i) ASSERT_TRUE(vmm.builder().add_apt(vm.built));
  for (std::uint64_t i = 0; i < kRegions; ++i) {
    ASSERT_EQ(vmm.rsi(m, CaecRsiFid::kCsmCreate, {kFar + i * kGranuleSize, kGranuleSize}), 0U) << i;
  }
  Watchdog dog(std::chrono::seconds(120), "RSI_ATTESTATION_TOKEN_INIT with a large APT");
  std::atomic<bool> done{false};
  std::thread init([&] {
    (void)vmm.step(m, {1, static_cast<std::uint32_t>(RsiFid::kAttestationTokenInit), 1, 2, 3, 4, 5, 6});
    done = true;
  });
  // How long the host waits for the RD: RTT_READ_ENTRY takes nothing but it and one walk.
  std::chrono::nanoseconds longest{0};
  while (!done) {
    const auto t0 = std::chrono::steady_clock::now();
    (void)rmi().rtt_read_entry(vm.built.rd, abi::kRamBase, s2::kMaxLevel);
    longest = std::max<std::chrono::nanoseconds>(longest, std::chrono::steady_clock::now() - t0);
  }
  init.join();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(longest).count();
  std::printf("[ figures  ] TOKEN_INIT with %llu regions and %d APT granules held the RD for %lld ms\n",
              static_cast<unsigned long long>(kRegions), kAptGranules, static_cast<long long>(ms));
  EXPECT_LT(ms, 100) << "one RD lock hold of " << ms << " ms for a realm's token";
}

// ---- Low: APT granules counted as RECs; SMCCC_VERSION -----------------------------------------

TEST_F(TrustedCore, apt_granules_do_not_count_against_the_recs_a_realm_may_create) {
  auto realm = make_realm();
  for (int i = 0; i < 1023; ++i) ASSERT_TRUE(builder().add_apt(realm));
  builder().create_rec(realm, true, 0, {});
  EXPECT_EQ(realm.recs.size(), 1U);
  EXPECT_EQ(rmm().granule(realm.rd).refcount, 1U);
  builder().destroy(realm);
}

TEST_F(TrustedCore, smccc_version_is_answered_to_the_host_and_to_realms) {
  EXPECT_EQ(host_.rmi().smc(abi::kSmcccVersionFid, {}).x[0], abi::kSmcccVersion12);
  const std::size_t r = launch("r", 1);
  EXPECT_EQ(vmm.step(r, {1, abi::kSmcccVersionFid}), abi::kSmcccVersion12);
}

}  // namespace
}  // namespace caec::testing
