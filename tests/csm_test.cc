// Confidential Shared Memory end to end: realms running the "csm-script" program share,
// attach, read, write, revoke, detach and destroy through the real RSI; hostile hosts and
// realms try every way in. The CSM invariant checker runs after every scenario step the host
// can observe (realms quiescent), and the tests fail if it finds a violation.
#include <sstream>
#include <thread>

#include "caec/abi/hex.h"
#include "attest/rim_calculator.h"
#include "caec/abi/csm.h"
#include "caec/abi/host_call.h"
#include "caec/abi/s2tt.h"
#include "host/vmm.h"
#include "inspect/csm_invariants.h"
#include "testing/host_call_hook.h"
#include "testing/rmm_fixture.h"

namespace caec::testing {
namespace {

// Layout used by the scripts: program RAM starts at 0x140000 (RAM base 1 MiB + scratch).
constexpr const char* kRegion = "0x200000";    // provider's region
constexpr const char* kReserve = "0x300000";   // consumers' reservations
constexpr const char* kSize = "0x2000";        // two granules

class Csm : public RmmTest {
 protected:
  host::Vmm vmm{host_, [this](Pa rec) { system_.platform().interrupt(rec); }};
  std::uint16_t next_vmid = 1;

  host::VmRealm& launch(const std::string& name, std::vector<std::string> steps,
                        host::Vmm* with = nullptr) {
    host::LaunchSpec spec = program_spec("csm-script", std::move(steps), 1, next_vmid++);
    spec.name = name;
    return (with != nullptr ? *with : vmm).launch(spec);
  }
  /// Runs the realms to completion and checks every one exited 0.
  void run(std::initializer_list<host::VmRealm*> realms, host::Vmm* with = nullptr) {
    host::Vmm& v = with != nullptr ? *with : vmm;
    for (auto* r : realms) v.start(*r);
    for (auto* r : realms) {
      ASSERT_TRUE(v.wait(*r, std::chrono::seconds(10)))
          << r->name() << " did not finish: " << r->console() << r->error();
      EXPECT_EQ(r->exit_status(), 0) << r->name() << ": " << r->console() << r->error();
    }
    expect_invariants();
  }
  void expect_invariants() {
    const auto bad = inspect::csm_invariant_violations(rmm(), machine());
    for (const auto& line : bad) ADD_FAILURE() << "invariant: " << line;
  }
  static std::string step(std::initializer_list<std::string> words) {
    std::string s;
    for (const auto& w : words) s += (s.empty() ? "" : " ") + w;
    return s;
  }
  /// The DATA granule a realm maps at `ipa`.
  Pa granule_at(const host::VmRealm& r, Ipa ipa) {
    const auto e = rmi().rtt_read_entry(r.built.rd, ipa, abi::s2tt::kMaxLevel);
    EXPECT_EQ(e.state, abi::RmiRttEntryState::kAssigned);
    return abi::s2tt::desc_oa(e.desc);
  }
};

TEST_F(Csm, one_provider_two_consumers_read_only_and_read_write) {
  auto& p = launch("p", {"publish", step({"create r", kRegion, kSize}), step({"write", kRegion, "hello"}),
                         "share r c1 ro", "share r c2 rw", "signal shared", "attached r 2",
                         "sharings r 2", "wait c2-wrote", "wait c1-checked", "expect 0x200040 world",
                         "revoke c1 0",
                         "sharings r 1", "signal revoked"});
  auto& c1 = launch("c1", {"publish", "wait shared", step({"reserve p 0", kReserve, kSize}),
                           step({"attach p 0", kReserve, kSize}), step({"expect", kReserve, "hello"}),
                           step({"abort-write", kReserve}), step({"expect", kReserve, "hello"}),
                           "signal c1-checked", "wait revoked", step({"abort-read", kReserve})});
  auto& c2 = launch("c2", {"publish", "wait shared", step({"reserve p 0", kReserve, kSize}),
                           step({"attach p 0", kReserve, kSize}), step({"expect", kReserve, "hello"}),
                           "write 0x300040 world", "signal c2-wrote"});
  run({&p, &c1, &c2});
  EXPECT_NE(c1.console().find("attached ro"), std::string::npos);
  EXPECT_NE(c2.console().find("attached rw"), std::string::npos);
  for (auto* r : {&p, &c1, &c2}) vmm.destroy(*r);
  expect_invariants();
}

TEST_F(Csm, the_host_cannot_read_or_write_a_shared_granule) {
  auto& p = launch("p", {"publish", step({"create r", kRegion, kSize}), step({"write", kRegion, "secret"}),
                         "share r c rw", "signal shared", "attached r 1"});
  auto& c = launch("c", {"publish", "wait shared", step({"reserve p 0", kReserve, kSize}),
                         step({"attach p 0", kReserve, kSize}), step({"expect", kReserve, "secret"})});
  run({&p, &c});
  const Pa g = granule_at(p, Ipa{0x200000});
  // The host can tell the consumer's mapping from private memory (RMI_RTT_READ_ENTRY).
  const auto ce = rmi().rtt_read_entry(c.built.rd, Ipa{0x300000}, abi::s2tt::kMaxLevel);
  EXPECT_EQ(ce.desc, g.value() | abi::s2tt::kCsmForeign | abi::s2tt::kS2apRw);
  std::array<std::byte, 6> seen{};
  EXPECT_EQ(machine().host_view().read(g, seen), machine::Access::kGranuleProtectionFault);
  EXPECT_EQ(machine().host_view().write(g, seen), machine::Access::kGranuleProtectionFault);
  for (auto* r : {&p, &c}) vmm.destroy(*r);
}

// (The host creating private DATA inside a reservation: RmiDataCreateUnknown.rejects_csm_reservation.)

TEST_F(Csm, the_host_cannot_map_a_shared_granule_into_another_realm) {
  auto& p = launch("p", {"publish", step({"create r", kRegion, kSize}), step({"write", kRegion, "secret"})});
  run({&p});
  const Pa g = granule_at(p, Ipa{0x200000});
  // As private memory of another realm: the granule is DATA, not DELEGATED.
  host::RealmSpec spec;
  spec.vmid = 50;
  auto victim = make_realm(spec);
  builder().ensure_tables(victim, Ipa{0x1000}, RttLevel{3});
  EXPECT_FAILS_WITH(rmi().data_create_unknown(victim.rd, g, Ipa{0x1000}), kInput, 0, "data_state");
  // As "shared memory" at an unprotected IPA: the stage-2 walk's granule protection check
  // refuses it, and the realm gets an abort instead of the data.
  HostCallHook thief(host_, [this](Pa rec) { system_.platform().interrupt(rec); }, abi::host_call::kMapShared,
                     [&](host::VmRealm& r, const abi::RmiRecExit& exit, abi::RmiRecEnter& enter) {
                       const Ipa ipa{exit.gprs[1]};
                       builder().ensure_tables(r.built, ipa, RttLevel{3});
                       const auto ret = rmi().rtt_map_unprotected(
                           r.built.rd, ipa, RttLevel{3}, g.value() | abi::s2tt::kMemAttrNormalWb | abi::s2tt::kS2apRw);
                       enter.gprs[0] = ret.ok() ? abi::host_call::kOk : abi::host_call::kErrRefused;
                     });
  auto& t = launch("t", {"map-host 9 0x8040000000 0x1000", "abort-read 0x8040000000"}, &thief);
  run({&t}, &thief);
  thief.destroy(t);
  vmm.destroy(p);
}

TEST_F(Csm, a_realm_recreated_at_the_same_rd_cannot_impersonate_the_consumer) {
  // The consumer publishes, the provider shares with it, then the host replaces it.
  auto& p2 = launch("p2", {"publish", "wait c-up", step({"create r", kRegion, kSize}), "share r c rw",
                           "signal shared", "wait impostor-done"});
  auto& c = launch("c", {"publish", "signal c-up"});
  vmm.start(p2);
  vmm.start(c);
  ASSERT_TRUE(vmm.wait(c));
  while (!vmm.signaled("shared")) std::this_thread::yield();
  const Pa rd = c.built.rd;
  const auto old_rid = rmm().realm(rd)->rid;
  vmm.destroy(c);
  host::LaunchSpec spec = program_spec("csm-script", {"publish", "wait shared",
                                                      step({"fail input reserve p2 0", kReserve, kSize})},
                                       1, next_vmid++);
  spec.name = "impostor";
  spec.realm.rd = rd;
  auto& impostor = vmm.launch(spec);
  EXPECT_NE(rmm().realm(rd)->rid, old_rid) << "a RID was reused";
  vmm.start(impostor);
  ASSERT_TRUE(vmm.wait(impostor));
  EXPECT_EQ(impostor.exit_status(), 0) << impostor.console();
  vmm.raise_signal("impostor-done");
  ASSERT_TRUE(vmm.wait(p2));
  expect_invariants();
  vmm.destroy(impostor);
  vmm.destroy(p2);
}

TEST_F(Csm, attach_fails_without_a_sharing_with_the_wrong_size_or_over_own_memory) {
  auto& p = launch("p", {"publish", step({"create r", kRegion, kSize}), "share r c rw", "signal shared",
                         "wait done"});
  auto& c = launch("c", {"publish", "wait shared",
                         step({"fail input reserve p 1", kReserve, kSize}),      // no sharing k=1
                         step({"fail input reserve p 0", kReserve, "0x1000"}),   // wrong size
                         step({"fail input attach p 0", kReserve, kSize}),       // not reserved
                         step({"create mine 0x400000 0x1000"}),
                         step({"fail state reserve p 0 0x3ff000", kSize}),        // overlaps own region
                         step({"reserve p 0", kReserve, kSize}),
                         step({"fail state reserve p 0 0x480000", kSize}),        // reserved already
                         step({"fail input revoke p 0"}),                         // not the provider
                         step({"fail input destroy 1"}),                          // p's region, not ours
                         step({"attach p 0", kReserve, kSize}), "signal done"});
  run({&p, &c});
  for (auto* r : {&p, &c}) vmm.destroy(*r);
}

TEST_F(Csm, a_revoke_between_reserve_and_attach_wins) {
  auto& p = launch("p", {"publish", step({"create r", kRegion, kSize}), "share r c rw", "signal shared",
                         "wait reserved", "revoke c 0", "signal revoked"});
  auto& c = launch("c", {"publish", "wait shared", step({"reserve p 0", kReserve, kSize}),
                         "signal reserved", "wait revoked",
                         step({"fail state attach p 0", kReserve, kSize}),
                         step({"abort-read", kReserve})});
  run({&p, &c});
  for (auto* r : {&p, &c}) vmm.destroy(*r);
}

TEST_F(Csm, consumers_fault_after_detach_and_after_destroy_never_reading_stale_data) {
  auto& p = launch("p", {"publish", step({"create r", kRegion, kSize}), step({"write", kRegion, "old"}),
                         "share r c1 rw", "share r c2 ro", "signal shared", "attached r 2",
                         "signal both-attached", "wait c1-detached", "attached r 1", "destroy r", "signal destroyed",
                         step({"expect", kRegion, "old"})});
  auto& c1 = launch("c1", {"publish", "wait shared", step({"reserve p 0", kReserve, kSize}),
                           step({"attach p 0", kReserve, kSize}), step({"expect", kReserve, "old"}),
                           "wait both-attached", "detach p 0", step({"abort-read", kReserve}), "signal c1-detached"});
  auto& c2 = launch("c2", {"publish", "wait shared", step({"reserve p 0", kReserve, kSize}),
                           step({"attach p 0", kReserve, kSize}), "wait destroyed",
                           step({"abort-read", kReserve}), step({"fail state attach p 0", kReserve, kSize})});
  run({&p, &c1, &c2});
  for (auto* r : {&p, &c1, &c2}) vmm.destroy(*r);
  expect_invariants();
}

TEST_F(Csm, tearing_down_the_provider_revokes_its_consumers) {
  // The provider lives until the consumer has read through the sharing (the host destroys it
  // as soon as it exits; "attached r 1" alone would race the consumer's read).
  auto& p = launch("p", {"publish", step({"create r", kRegion, kSize}), step({"write", kRegion, "bye"}),
                         "share r c rw", "signal shared", "attached r 1", "wait consumer-read"});
  auto& c = launch("c", {"publish", "wait shared", step({"reserve p 0", kReserve, kSize}),
                         step({"attach p 0", kReserve, kSize}), step({"expect", kReserve, "bye"}),
                         "signal consumer-read", "wait provider-gone", step({"abort-read", kReserve})});
  vmm.start(p);
  vmm.start(c);
  ASSERT_TRUE(vmm.wait(p));
  vmm.destroy(p);  // while c is attached
  expect_invariants();
  vmm.raise_signal("provider-gone");
  ASSERT_TRUE(vmm.wait(c));
  EXPECT_EQ(c.exit_status(), 0) << c.console();
  vmm.destroy(c);
  expect_invariants();
}

TEST_F(Csm, tearing_down_a_consumer_leaves_the_providers_pages_intact) {
  auto& p = launch("p", {"publish", step({"create r", kRegion, kSize}), "share r c rw", "signal shared",
                         "wait consumer-gone", step({"expect", kRegion, "from-consumer"}), "sharings r 0"});
  auto& c = launch("c", {"publish", "wait shared", step({"reserve p 0", kReserve, kSize}),
                         step({"attach p 0", kReserve, kSize}), step({"write", kReserve, "from-consumer"})});
  vmm.start(p);
  vmm.start(c);
  ASSERT_TRUE(vmm.wait(c));
  vmm.destroy(c);
  expect_invariants();
  vmm.raise_signal("consumer-gone");
  ASSERT_TRUE(vmm.wait(p));
  EXPECT_EQ(p.exit_status(), 0) << p.console();
  vmm.destroy(p);
}

TEST_F(Csm, two_realms_attach_to_each_other_at_the_same_time_without_deadlock) {
  // Each is the provider of one region and a consumer of the other's; both attach and detach
  // in a loop at once, so CSM commands lock the same two RDs from both sides concurrently.
  const auto script = [&](const std::string& self, const std::string& other) {
    std::vector<std::string> steps{"publish", step({"create mine", kRegion, kSize}),
                                   step({"write", kRegion, self}), "share mine " + other + " rw",
                                   "signal " + self + "-shared", "wait " + other + "-shared"};
    for (int i = 0; i < 25; ++i) {  // as many as fit in a one-granule manifest
      steps.push_back(step({"reserve", other, "0", kReserve, kSize}));
      steps.push_back(step({"attach", other, "0", kReserve, kSize}));
      steps.push_back(step({"expect", kReserve, other}));
      steps.push_back("detach " + other + " 0");
    }
    return steps;
  };
  auto& a = launch("a", script("a", "b"));
  auto& b = launch("b", script("b", "a"));
  run({&a, &b});
  for (auto* r : {&a, &b}) vmm.destroy(*r);
  expect_invariants();
}

/// A host that answers "where is p?" with the RID of an impostor.
class LyingVmm : public host::Vmm {
 public:
  using Vmm::Vmm;
  std::uint64_t impostor_rid = 0;

 protected:
  Next on_host_call(host::VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                    abi::RmiRecEnter& enter) override {
    const Next next = Vmm::on_host_call(r, rec, exit, enter);
    if (exit.imm == abi::host_call::kLookupRid && exit.gprs[0] == 'p' && impostor_rid != 0) {
      enter.gprs[1] = impostor_rid;
    }
    return next;
  }
};

TEST_F(Csm, a_consumer_that_checks_the_providers_measurement_is_not_lured_by_a_fake_region) {
  LyingVmm host(host_, [this](Pa rec) { system_.platform().interrupt(rec); });
  auto& real = launch("p", {"publish"}, &host);
  const std::string real_rim = hex_bytes(std::span(rmm().realm(real.built.rd)->measurements[0].data(), 32));
  auto& fake = launch("q", {"publish", step({"create r", kRegion, kSize}), step({"write", kRegion, "lure"}),
                            "share r c rw", "signal shared"}, &host);
  run({&real}, &host);
  auto& c = launch("c", {"publish", "wait shared", "rim p " + real_rim, step({"reserve p 0", kReserve, kSize})},
                   &host);
  host.impostor_rid = static_cast<std::uint64_t>(rmm().realm(fake.built.rd)->rid);
  host.start(fake);
  host.start(c);
  ASSERT_TRUE(host.wait(c));
  ASSERT_TRUE(host.wait(fake));
  EXPECT_EQ(c.exit_status(), 3) << "the consumer must stop at the measurement check: " << c.console();
  EXPECT_NE(c.console().find("peer RIM is"), std::string::npos);
  expect_invariants();
  for (auto* r : {&real, &fake, &c}) host.destroy(*r);
}

/// A host that records the CSM_REMOVE exits it serves.
class RemoveCountingVmm : public host::Vmm {
 public:
  using Vmm::Vmm;
  std::vector<std::pair<std::string, std::pair<std::uint64_t, std::uint64_t>>> removed;  // realm, [base, top)

 protected:
  Next on_csm_remove(host::VmRealm& r, std::size_t rec, const abi::RmiRecExit& exit,
                     abi::RmiRecEnter& enter) override {
    removed.push_back({r.name(), {exit.csm_base, exit.csm_top}});
    return Vmm::on_csm_remove(r, rec, exit, enter);
  }
};

TEST_F(Csm, the_host_hooks_the_csm_remove_exits_of_detach_and_destroy) {
  RemoveCountingVmm host(host_, [this](Pa rec) { system_.platform().interrupt(rec); });
  auto& p = launch("p", {"publish", step({"create r", kRegion, kSize}), "share r c ro", "signal shared",
                         "wait detached", "destroy r"}, &host);
  auto& c = launch("c", {"publish", "wait shared", step({"reserve p 0", kReserve, kSize}),
                         step({"attach p 0", kReserve, kSize}), "detach p 0", "signal detached"}, &host);
  run({&p, &c}, &host);
  ASSERT_EQ(host.removed.size(), 2U);
  EXPECT_EQ(host.removed[0].first, "c");  // the detach comes first
  EXPECT_EQ(host.removed[0].second, std::make_pair(std::uint64_t{0x300000}, std::uint64_t{0x302000}));
  EXPECT_EQ(host.removed[1].first, "p");
  EXPECT_EQ(host.removed[1].second, std::make_pair(std::uint64_t{0x200000}, std::uint64_t{0x202000}));
  for (auto* r : {&p, &c}) host.destroy(*r);
}

TEST_F(Csm, the_host_learns_the_rid_a_realm_published_and_it_is_the_rmms) {
  auto& p = launch("p", {"publish"});
  EXPECT_FALSE(vmm.published_rid("p").has_value());
  run({&p});
  ASSERT_TRUE(vmm.published_rid("p").has_value());
  EXPECT_EQ(*vmm.published_rid("p"), rmm().realm(p.built.rd)->rid);
  EXPECT_FALSE(vmm.published_rid("nobody").has_value());
  vmm.destroy(p);
}

TEST_F(Csm, realms_run_out_of_apt_space_and_the_host_adds_more) {
  std::vector<std::string> steps{"publish"};
  // 70 regions need 70 entries: more than one APT granule (64).
  for (int i = 0; i < 70; ++i) {
    std::ostringstream s;
    s << "create r" << i << " 0x" << std::hex << (0x200000 + i * 0x1000) << " 0x1000";
    steps.push_back(s.str());
  }
  auto& p = launch("p", steps);
  run({&p});
  EXPECT_GE(p.built.apts.size(), 2U);
  vmm.destroy(p);
}

}  // namespace
}  // namespace caec::testing
