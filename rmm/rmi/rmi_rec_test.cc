// RMI_REC_CREATE / REC_DESTROY / REC_ENTER / PSCI_COMPLETE / RTT_SET_RIPAS: each failure
// condition is reached from a valid call by breaking exactly one thing; the other tests check
// the granule transitions, the RD refcount, the RIM, and what running realms see.
//
// Realms that must be in a particular state (a pending PSCI request, a pending RIPAS change,
// SYSTEM_OFF) run a program from tests/programs/test_programs.cc; the test thread drives their
// REC_ENTERs itself (enter_until) and backs the RAM they touch, as host::Vmm would.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "caec/abi/esr.h"
#include "caec/abi/host_call.h"
#include "caec/abi/s2tt.h"
#include "host/vmm.h"
#include "realm/boot.h"
#include "rmm/core/features.h"
#include "rmm/core/measure.h"
#include "testing/rec_fixture.h"
#include "testing/watchdog.h"

namespace caec::testing {
namespace {

constexpr auto kRec = abi::RmiStatus::kErrorRec;
constexpr std::uint64_t kL2 = s2::entry_size(RttLevel{2});  // 2 MiB
constexpr std::uint64_t kL3 = s2::entry_size(RttLevel{3});  // 4 KiB

// ---- RMI_REC_CREATE ------------------------------------------------------------------------

/// A valid call is rec_create(realm.rd, rec, <page holding p>) for REC 0 of a NEW realm.
class RmiRecCreate : public RecTest {
 protected:
  host::HostRealm realm = make_realm();
  std::uint64_t aux_count = rmi().rec_aux_count(realm.rd).aux_count;
  Pa rec = delegated();
  Pa aux = delegated(aux_count);
  abi::RmiRecParams p = params(0, true);

  /// Parameters for REC `index` using the granules `aux`.
  [[nodiscard]] abi::RmiRecParams params(std::uint64_t index, bool runnable) const {
    abi::RmiRecParams q{};
    q.flags = runnable ? abi::rec_flags::kRunnable : 0U;
    q.mpidr = abi::mpidr_from_rec_index(index);
    q.pc = 0x1000;
    q.gprs = {0x100000, 8ULL << 20U, 3, 4, 5, 6, 7, 8};
    q.num_aux = aux_count;
    for (std::uint64_t i = 0; i < aux_count; ++i) q.aux[i] = (aux + i * kGranuleSize).value();
    return q;
  }
  /// Fresh granules and parameters for REC `index`.
  void next(std::uint64_t index, bool runnable) {
    rec = delegated();
    aux = delegated(aux_count);
    p = params(index, runnable);
  }
  [[nodiscard]] Pa params_page() { return ns_page(std::as_bytes(std::span(&p, 1))); }
  [[nodiscard]] abi::RmiReturn create() { return rmi().rec_create(realm.rd, rec, params_page()); }

  /// Nothing changed: the granules are still DELEGATED and the realm has no REC.
  void expect_untouched() {
    EXPECT_EQ(state(rec), GranuleState::kDelegated);
    for (std::uint64_t i = 0; i < aux_count; ++i) {
      EXPECT_EQ(state(aux + i * kGranuleSize), GranuleState::kDelegated);
    }
    EXPECT_EQ(refcount(realm.rd), 0U);
    EXPECT_EQ(rmm().realm(realm.rd)->rec_index, 0U);
  }
};

TEST_F(RmiRecCreate, makes_rec_and_rec_aux_granules) {
  EXPECT_RMI_OK(create());
  EXPECT_EQ(state(rec), GranuleState::kRec);
  for (std::uint64_t i = 0; i < aux_count; ++i) {
    EXPECT_EQ(state(aux + i * kGranuleSize), GranuleState::kRecAux);
  }
  EXPECT_EQ(rmm().realm(realm.rd)->rec_index, 1U);
}

TEST_F(RmiRecCreate, increments_the_rd_refcount) {
  EXPECT_EQ(refcount(realm.rd), 0U);
  EXPECT_RMI_OK(create());
  EXPECT_EQ(refcount(realm.rd), 1U);
  next(1, false);
  EXPECT_RMI_OK(create());
  EXPECT_EQ(refcount(realm.rd), 2U);
}

TEST_F(RmiRecCreate, extends_the_rim_only_for_a_runnable_rec) {
  const rmm::Measurement initial = rim(realm.rd);
  p = params(0, false);
  EXPECT_RMI_OK(create());
  EXPECT_EQ(rim(realm.rd), initial);

  next(1, true);
  EXPECT_RMI_OK(create());
  EXPECT_NE(rim(realm.rd), initial);
  EXPECT_EQ(rim(realm.rd), rmm::rim_extend_rec(abi::RmiHashAlgorithm::kSha256, initial, p));
}

TEST_F(RmiRecCreate, rejects_params_align) {
  EXPECT_FAILS_WITH(rmi().rec_create(realm.rd, rec, params_page() + 8), kInput, 0,
                    "params_align");
  expect_untouched();
}
TEST_F(RmiRecCreate, rejects_params_bound) {
  EXPECT_FAILS_WITH(rmi().rec_create(realm.rd, rec, outside_dram()), kInput, 0, "params_bound");
}
TEST_F(RmiRecCreate, rejects_params_pas) {
  // A Realm and a Secure granule: the RMM's NS read takes a Granule Protection Fault.
  EXPECT_FAILS_WITH(rmi().rec_create(realm.rd, rec, delegated()), kInput, 0, "params_pas");
  EXPECT_FAILS_WITH(rmi().rec_create(realm.rd, rec, secure_granule()), kInput, 0, "params_pas");
  expect_untouched();
}
TEST_F(RmiRecCreate, rejects_rec_align) {
  rec = rec + 8;
  EXPECT_FAILS_WITH(create(), kInput, 0, "rec_align");
}
TEST_F(RmiRecCreate, rejects_rec_bound) {
  rec = outside_dram();
  EXPECT_FAILS_WITH(create(), kInput, 0, "rec_bound");
}
TEST_F(RmiRecCreate, rejects_rec_state) {
  const Pa good = rec;
  for (const Pa bad : {ns_page(), realm.rtt_base, realm.rd}) {
    rec = bad;
    EXPECT_FAILS_WITH(create(), kInput, 0, "rec_state");
  }
  rec = good;
  expect_untouched();
}
TEST_F(RmiRecCreate, rejects_rd_align) {
  EXPECT_FAILS_WITH(rmi().rec_create(realm.rd + 8, rec, params_page()), kInput, 0, "rd_align");
  expect_untouched();
}
TEST_F(RmiRecCreate, rejects_rd_bound) {
  EXPECT_FAILS_WITH(rmi().rec_create(outside_dram(), rec, params_page()), kInput, 0, "rd_bound");
}
TEST_F(RmiRecCreate, rejects_rd_state) {
  EXPECT_FAILS_WITH(rmi().rec_create(delegated(), rec, params_page()), kInput, 0, "rd_state");
  EXPECT_FAILS_WITH(rmi().rec_create(realm.rtt_base, rec, params_page()), kInput, 0, "rd_state");
  expect_untouched();
}
TEST_F(RmiRecCreate, rejects_realm_state) {
  EXPECT_RMI_OK(rmi().realm_activate(realm.rd));
  EXPECT_FAILS_WITH(create(), kRealm, 0, "realm_state");
  expect_untouched();
}
TEST_F(RmiRecCreate, rejects_num_recs) {
  const std::uint64_t max = rmm::kFeatures.max_recs();
  for (std::uint64_t i = 0; i < max; ++i) builder().create_rec(realm, false, 0, {});
  ASSERT_EQ(refcount(realm.rd), max);
  p = params(max, true);
  EXPECT_FAILS_WITH(create(), kRealm, 0, "num_recs");
  EXPECT_EQ(state(rec), GranuleState::kDelegated);
  EXPECT_EQ(refcount(realm.rd), max);
}
TEST_F(RmiRecCreate, rejects_mpidr_index) {
  p.mpidr = abi::mpidr_from_rec_index(1);  // the next REC must be REC 0
  EXPECT_FAILS_WITH(create(), kInput, 0, "mpidr_index");
  p.mpidr = 0x10;  // RmiRecMpidr bits [7:4] SBZ
  EXPECT_FAILS_WITH(create(), kInput, 0, "mpidr_index");
  expect_untouched();

  p.mpidr = 0;
  EXPECT_RMI_OK(create());
  next(0, true);  // REC 0 exists already
  EXPECT_FAILS_WITH(create(), kInput, 0, "mpidr_index");
}
TEST_F(RmiRecCreate, rejects_num_aux) {
  for (const std::uint64_t n : {aux_count + 1, aux_count - 1, std::uint64_t{0},
                                std::uint64_t{abi::kMaxRecAux + 1}}) {
    p.num_aux = n;
    EXPECT_FAILS_WITH(create(), kInput, 0, "num_aux");
  }
  expect_untouched();
}
TEST_F(RmiRecCreate, rejects_aux_align) {
  p.aux[1] += 8;
  EXPECT_FAILS_WITH(create(), kInput, 0, "aux_align");
  expect_untouched();
}
TEST_F(RmiRecCreate, rejects_aux_alias) {
  p.aux[1] = p.aux[0];  // two aux granules are one
  EXPECT_FAILS_WITH(create(), kInput, 0, "aux_alias");
  p = params(0, true);
  p.aux[0] = rec.value();  // an aux granule is the REC
  EXPECT_FAILS_WITH(create(), kInput, 0, "aux_alias");
  expect_untouched();
}
TEST_F(RmiRecCreate, rejects_aux_state) {
  for (const Pa bad : {ns_page(), realm.rtt_base, realm.rd}) {
    p.aux[1] = bad.value();
    EXPECT_FAILS_WITH(create(), kInput, 0, "aux_state");
  }
  p.aux[1] = outside_dram().value();  // not a granule the RMM tracks: not DELEGATED either
  EXPECT_FAILS_WITH(create(), kInput, 0, "aux_state");
  expect_untouched();
}

// ---- RMI_REC_DESTROY -----------------------------------------------------------------------

/// A valid call is rec_destroy(rec) of the one REC of a NEW realm.
class RmiRecDestroy : public RecTest {
 protected:
  RmiRecDestroy() { builder().create_rec(realm, true, 0, {0x100000, 8ULL << 20U}); }
  host::HostRealm realm = make_realm();
  [[nodiscard]] Pa rec() const { return realm.recs.at(0).rec; }
  [[nodiscard]] Pa aux(std::uint64_t i) const { return realm.recs.at(0).aux + i * kGranuleSize; }
};

TEST_F(RmiRecDestroy, returns_rec_and_aux_to_delegated) {
  EXPECT_EQ(refcount(realm.rd), 1U);
  EXPECT_FAILS_WITH(rmi().realm_destroy(realm.rd), kRealm, 0, "realm_live");
  EXPECT_RMI_OK(rmi().rec_destroy(rec()));
  EXPECT_EQ(state(rec()), GranuleState::kDelegated);
  for (std::uint64_t i = 0; i < realm.recs[0].aux_count; ++i) {
    EXPECT_EQ(state(aux(i)), GranuleState::kDelegated);
  }
  EXPECT_EQ(refcount(realm.rd), 0U);
  // The realm has no REC left: it can go.
  EXPECT_RMI_OK(rmi().realm_destroy(realm.rd));
  EXPECT_EQ(state(realm.rd), GranuleState::kDelegated);
}

TEST_F(RmiRecDestroy, scrubs_the_rec_and_aux_granules) {
  EXPECT_RMI_OK(rmi().rec_destroy(rec()));
  std::vector<Pa> granules{rec()};
  for (std::uint64_t i = 0; i < realm.recs[0].aux_count; ++i) granules.push_back(aux(i));
  for (const Pa g : granules) {
    EXPECT_RMI_OK(rmi().granule_undelegate(g));
    std::array<std::byte, kGranuleSize> back{};
    ASSERT_EQ(machine().host_view().read(g, back), machine::Access::kOk);
    EXPECT_EQ(back, (std::array<std::byte, kGranuleSize>{})) << "granule not scrubbed";
  }
}

TEST_F(RmiRecDestroy, tears_down_a_rec_that_has_run) {
  auto& r = launch("test-exit", {"7"}, 2, 2);
  EXPECT_EQ(status_of(enter_until(r, 0, RmiRecExitReason::kHostCall)), 7);
  EXPECT_EQ(enter_until(r, 0, RmiRecExitReason::kPsci).gprs[0], fid(PsciFid::kSystemOff));
  const Pa rec0 = rec_of(r, 0);
  EXPECT_NO_THROW(vmm.destroy(r));  // REC_DESTROY of both RECs, then the rest of the realm
  EXPECT_EQ(state(rec0), GranuleState::kUndelegated);
}

TEST_F(RmiRecDestroy, rejects_rec_align) {
  EXPECT_FAILS_WITH(rmi().rec_destroy(rec() + 8), kInput, 0, "rec_align");
}
TEST_F(RmiRecDestroy, rejects_rec_bound) {
  EXPECT_FAILS_WITH(rmi().rec_destroy(outside_dram()), kInput, 0, "rec_bound");
}
TEST_F(RmiRecDestroy, rejects_rec_gran_state) {
  for (const Pa bad : {delegated(), ns_page(), realm.rd, aux(0)}) {
    EXPECT_FAILS_WITH(rmi().rec_destroy(bad), kInput, 0, "rec_gran_state");
  }
  EXPECT_EQ(state(aux(0)), GranuleState::kRecAux);
  EXPECT_EQ(state(rec()), GranuleState::kRec);
}
TEST_F(RmiRecDestroy, rejects_rec_state) {
  auto& spin = launch("test-spin", {}, 1, 2);
  const Pa running = rec_of(spin, 0);
  while_running(spin, 0, [&] {
    EXPECT_FAILS_WITH(rmi().rec_destroy(running), kRec, 0, "rec_state");
    EXPECT_EQ(state(running), GranuleState::kRec);
  });
  // Once it has exited, it can be destroyed (its realm context is stopped first).
  EXPECT_RMI_OK(rmi().rec_destroy(running));
  EXPECT_EQ(state(running), GranuleState::kDelegated);
}

// ---- RMI_REC_ENTER -------------------------------------------------------------------------

/// A valid call is enter(rec, run) of REC 0 of an ACTIVE realm running "test-exit 42"; REC 1
/// waits for a CPU_ON.
class RmiRecEnter : public RecTest {
 protected:
  host::VmRealm& r = launch("test-exit", {"42"}, 2);
  Pa rec = rec_of(r, 0);
  Pa run = r.run_pages.at(0);
};

TEST_F(RmiRecEnter, runs_the_realm_until_it_exits) {
  const auto call = enter_until(r, 0, RmiRecExitReason::kHostCall);
  EXPECT_EQ(call.imm, abi::host_call::kExit);
  EXPECT_EQ(status_of(call), 42);
  EXPECT_GE(r.built.data.size(), 2U);  // the manifest, and the RAM page the SDK used
  const auto off = enter_until(r, 0, RmiRecExitReason::kPsci);
  EXPECT_EQ(off.gprs[0], fid(PsciFid::kSystemOff));
  EXPECT_EQ(rmm().realm(r.built.rd)->state, rmm::RealmState::kSystemOff);
  EXPECT_EQ(refcount(rec), 0U);  // READY again
}

TEST_F(RmiRecEnter, a_psci_exit_carries_the_call_arguments_and_zero_for_the_rest) {
  // rmm-1.0.md §2 (RMI_EXIT_PSCI): gprs[1..3] are the function's arguments, zero if it has
  // fewer. A realm program calls `fid` with 0x1111, 0x2222, 0x3333 in X1..X3.
  const auto exit_of = [&](const std::string& fid_hex, std::uint16_t vmid) {
    auto& probe = launch("rsi-probe", {"0", fid_hex, "0x1111", "0x2222", "0x3333"}, 1, vmid);
    const auto e = enter_until(probe, 0, RmiRecExitReason::kPsci);
    return std::array{e.gprs[0], e.gprs[1], e.gprs[2], e.gprs[3]};
  };
  using Gprs = std::array<std::uint64_t, 4>;
  // SYSTEM_OFF has no argument: what the realm left in X1..X3 must not reach the host.
  EXPECT_EQ(exit_of("84000008", 2), (Gprs{fid(PsciFid::kSystemOff), 0, 0, 0}));
  // CPU_SUSPEND has three (power_state, entry, context): all of them go.
  EXPECT_EQ(exit_of("C4000001", 3), (Gprs{fid(PsciFid::kCpuSuspend), 0x1111, 0x2222, 0x3333}));
}

TEST_F(RmiRecEnter, reports_a_fault_on_unbacked_ram_as_a_data_abort) {
  EXPECT_RMI_OK(enter(rec, run));
  const auto exit = exit_of(run);
  EXPECT_EQ(exit.exit_reason, reason(RmiRecExitReason::kSync));
  EXPECT_EQ(abi::esr::ec(exit.esr), abi::esr::kEcDataAbortLower);
  EXPECT_EQ(abi::esr::ipa_from_hpfar(exit.hpfar), 0x100000U);  // REC 0's SDK scratch page
}

TEST_F(RmiRecEnter, a_rec_whose_program_died_runs_again_after_cpu_on) {
  // Issue 15: REC_ENTER of such a REC waited for ever for a context that no longer ran.
  auto& d = launch("test-cpu-on-dying", {}, 2, 2);
  const Pa rec0 = rec_of(d, 0);
  const Pa rec1 = rec_of(d, 1);
  const std::uint64_t ok = static_cast<std::uint64_t>(static_cast<std::int64_t>(PsciStatus::kSuccess));
  Watchdog dog(std::chrono::seconds(60), "REC_ENTER of a REC whose program died");
  for (int time = 0; time < 2; ++time) {
    EXPECT_EQ(enter_until(d, 0, RmiRecExitReason::kPsci).gprs[0], fid(PsciFid::kCpuOn));
    EXPECT_RMI_OK(rmi().psci_complete(rec0, rec1, ok));
    // REC 1 runs the program from its start and dies of the abort: the exit reports CPU_OFF.
    EXPECT_EQ(enter_until(d, 1, RmiRecExitReason::kPsci).gprs[0], fid(PsciFid::kCpuOff));
  }
  const auto done = enter_until(d, 0, RmiRecExitReason::kHostCall);
  EXPECT_EQ(status_of(done), 0) << "the second CPU_ON succeeded";
}

TEST_F(RmiRecEnter, rejects_run_align) {
  EXPECT_FAILS_WITH(rmi().rec_enter(rec, run + 8), kInput, 0, "run_align");
}
TEST_F(RmiRecEnter, rejects_run_bound) {
  EXPECT_FAILS_WITH(rmi().rec_enter(rec, outside_dram()), kInput, 0, "run_bound");
}
TEST_F(RmiRecEnter, rejects_run_pas) {
  EXPECT_FAILS_WITH(rmi().rec_enter(rec, delegated()), kInput, 0, "run_pas");
  EXPECT_FAILS_WITH(rmi().rec_enter(rec, secure_granule()), kInput, 0, "run_pas");
  EXPECT_EQ(refcount(rec), 0U);
}
TEST_F(RmiRecEnter, rejects_rec_align) {
  EXPECT_FAILS_WITH(enter(rec + 8, run), kInput, 0, "rec_align");
}
TEST_F(RmiRecEnter, rejects_rec_bound) {
  EXPECT_FAILS_WITH(enter(outside_dram(), run), kInput, 0, "rec_bound");
}
TEST_F(RmiRecEnter, rejects_rec_gran_state) {
  for (const Pa bad : {delegated(), ns_page(), r.built.rd, r.built.recs[0].aux}) {
    EXPECT_FAILS_WITH(enter(bad, run), kInput, 0, "rec_gran_state");
  }
}
TEST_F(RmiRecEnter, rejects_realm_new) {
  host::RealmSpec spec;
  spec.vmid = 2;
  auto fresh = make_realm(spec);
  builder().create_rec(fresh, true, 0, {0x100000, 8ULL << 20U});
  EXPECT_FAILS_WITH(enter(fresh.recs[0].rec, run), kRealm, 0, "realm_new");
}
TEST_F(RmiRecEnter, rejects_system_off) {
  (void)enter_until(r, 0, RmiRecExitReason::kPsci);  // PSCI SYSTEM_OFF
  ASSERT_EQ(rmm().realm(r.built.rd)->state, rmm::RealmState::kSystemOff);
  EXPECT_FAILS_WITH(enter(rec, run), kRealm, 1, "system_off");
}
TEST_F(RmiRecEnter, rejects_rec_state) {
  auto& spin = launch("test-spin", {}, 1, 2);
  const Pa running = rec_of(spin, 0);
  while_running(spin, 0, [&] {
    EXPECT_FAILS_WITH(enter(running, ns_page()), kRec, 0, "rec_state");
  });
}
TEST_F(RmiRecEnter, rejects_rec_runnable) {
  EXPECT_FAILS_WITH(enter(rec_of(r, 1), r.run_pages.at(1)), kRec, 0, "rec_runnable");
  EXPECT_EQ(refcount(rec_of(r, 1)), 0U);
}
TEST_F(RmiRecEnter, rejects_rec_mmio) {
  abi::RmiRecEnter e{};
  e.flags = abi::rec_enter_flags::kEmulMmio;
  EXPECT_FAILS_WITH(enter(rec, run, e), kRec, 0, "rec_mmio");
  // Nor after an exit that is not an emulatable abort (a stage-2 fault on protected RAM).
  EXPECT_RMI_OK(enter(rec, run));
  ASSERT_EQ(exit_of(run).exit_reason, reason(RmiRecExitReason::kSync));
  EXPECT_FAILS_WITH(enter(rec, run, e), kRec, 0, "rec_mmio");
}
TEST_F(RmiRecEnter, rejects_rec_gicv3) {
  const auto expect_invalid = [&](auto mutate) {
    abi::RmiRecEnter e{};
    mutate(e);
    EXPECT_FAILS_WITH(enter(rec, run, e), kRec, 0, "rec_gicv3");
  };
  expect_invalid([](abi::RmiRecEnter& e) { e.gicv3_lrs[0] = abi::gic::pending_lr(40) | abi::gic::kHw; });
  expect_invalid([](abi::RmiRecEnter& e) { e.gicv3_hcr = 1ULL << 10U; });  // TC: not the host's
  expect_invalid([](abi::RmiRecEnter& e) {
    e.gicv3_lrs[0] = abi::gic::pending_lr(40);
    e.gicv3_lrs[3] = abi::gic::pending_lr(40);  // the same vINTID twice
  });
  expect_invalid([](abi::RmiRecEnter& e) { e.gicv3_lrs[2] = abi::gic::pending_lr(1023); });
  EXPECT_EQ(refcount(rec), 0U);
  // A valid configuration is accepted.
  abi::RmiRecEnter ok{};
  ok.gicv3_hcr = 0x1;
  ok.gicv3_lrs[0] = abi::gic::pending_lr(40);
  ok.gicv3_lrs[1] = abi::gic::pending_lr(41);
  EXPECT_RMI_OK(enter(rec, run, ok));
}
TEST_F(RmiRecEnter, rejects_rec_psci) {
  auto& cpu = launch("test-cpu-on", {}, 2, 2);
  const auto exit = enter_until(cpu, 0, RmiRecExitReason::kPsci);
  ASSERT_EQ(exit.gprs[0], fid(PsciFid::kCpuOn));
  EXPECT_FAILS_WITH(enter(rec_of(cpu, 0), cpu.run_pages.at(0)), kRec, 0, "rec_psci");
}

// ---- RMI_PSCI_COMPLETE ---------------------------------------------------------------------

/// REC 0 of a 3-REC realm ("test-cpu-on") has asked PSCI CPU_ON for REC 1. A valid call is
/// psci_complete(caller, target, PSCI_SUCCESS).
class RmiPsciComplete : public RecTest {
 protected:
  RmiPsciComplete() {
    const auto exit = enter_until(r, 0, RmiRecExitReason::kPsci);
    EXPECT_EQ(exit.gprs[0], fid(PsciFid::kCpuOn));
    EXPECT_EQ(exit.gprs[1], abi::mpidr_from_rec_index(1));
  }
  host::VmRealm& r = launch("test-cpu-on", {}, 3);
  Pa caller = rec_of(r, 0);
  Pa target = rec_of(r, 1);
  Pa bystander = rec_of(r, 2);
  const std::uint64_t kOk = psci(PsciStatus::kSuccess);

  /// The request is still pending: the caller cannot run, the target is still off.
  void expect_still_pending() {
    EXPECT_FAILS_WITH(enter(caller, r.run_pages[0]), kRec, 0, "rec_psci");
    EXPECT_FAILS_WITH(enter(target, r.run_pages[1]), kRec, 0, "rec_runnable");
  }
};

TEST_F(RmiPsciComplete, cpu_on_makes_the_target_runnable) {
  expect_still_pending();
  EXPECT_RMI_OK(rmi().psci_complete(caller, target, kOk));
  // The target runs the program from the entry point REC 0 gave (and then turns itself off).
  EXPECT_EQ(enter_until(r, 1, RmiRecExitReason::kPsci).gprs[0], fid(PsciFid::kCpuOff));
  // The caller runs again and sees PSCI_SUCCESS.
  const auto done = enter_until(r, 0, RmiRecExitReason::kHostCall);
  EXPECT_EQ(done.imm, abi::host_call::kExit);
  EXPECT_EQ(status_of(done), 0);
  // Only the named target was switched on.
  EXPECT_FAILS_WITH(enter(bystander, r.run_pages[2]), kRec, 0, "rec_runnable");
}

TEST_F(RmiPsciComplete, denied_leaves_the_target_off_and_reaches_the_caller) {
  EXPECT_RMI_OK(rmi().psci_complete(caller, target, psci(PsciStatus::kDenied)));
  EXPECT_FAILS_WITH(enter(target, r.run_pages[1]), kRec, 0, "rec_runnable");
  EXPECT_EQ(status_of(enter_until(r, 0, RmiRecExitReason::kHostCall)),
            static_cast<std::int64_t>(PsciStatus::kDenied));
}

TEST_F(RmiPsciComplete, cpu_on_of_a_runnable_target_reports_already_on) {
  auto& twice = launch("test-cpu-on", {"2"}, 2, 2);
  const Pa a = rec_of(twice, 0);
  const Pa b = rec_of(twice, 1);
  (void)enter_until(twice, 0, RmiRecExitReason::kPsci);
  EXPECT_RMI_OK(rmi().psci_complete(a, b, kOk));
  EXPECT_EQ(enter_until(twice, 0, RmiRecExitReason::kPsci).gprs[0], fid(PsciFid::kCpuOn));
  EXPECT_RMI_OK(rmi().psci_complete(a, b, kOk));
  EXPECT_EQ(status_of(enter_until(twice, 0, RmiRecExitReason::kHostCall)),
            static_cast<std::int64_t>(PsciStatus::kAlreadyOn));
}

TEST_F(RmiPsciComplete, affinity_info_reports_the_target_state) {
  auto& ask = launch("test-cpu-state", {}, 2, 2);
  const auto exit = enter_until(ask, 0, RmiRecExitReason::kPsci);
  EXPECT_EQ(exit.gprs[0], fid(PsciFid::kAffinityInfo));
  EXPECT_RMI_OK(rmi().psci_complete(rec_of(ask, 0), rec_of(ask, 1), kOk));
  EXPECT_EQ(status_of(enter_until(ask, 0, RmiRecExitReason::kHostCall)), 1);  // OFF
}

TEST_F(RmiPsciComplete, rejects_alias) {
  EXPECT_FAILS_WITH(rmi().psci_complete(caller, caller, kOk), kInput, 0, "alias");
  expect_still_pending();
}
TEST_F(RmiPsciComplete, rejects_calling_align) {
  EXPECT_FAILS_WITH(rmi().psci_complete(caller + 8, target, kOk), kInput, 0, "calling_align");
}
TEST_F(RmiPsciComplete, rejects_calling_bound) {
  EXPECT_FAILS_WITH(rmi().psci_complete(outside_dram(), target, kOk), kInput, 0,
                    "calling_bound");
}
TEST_F(RmiPsciComplete, rejects_calling_state) {
  for (const Pa bad : {delegated(), ns_page(), r.built.rd}) {
    EXPECT_FAILS_WITH(rmi().psci_complete(bad, target, kOk), kInput, 0, "calling_state");
  }
  expect_still_pending();
}
TEST_F(RmiPsciComplete, rejects_target_align) {
  EXPECT_FAILS_WITH(rmi().psci_complete(caller, target + 8, kOk), kInput, 0, "target_align");
}
TEST_F(RmiPsciComplete, rejects_target_bound) {
  EXPECT_FAILS_WITH(rmi().psci_complete(caller, outside_dram(), kOk), kInput, 0, "target_bound");
}
TEST_F(RmiPsciComplete, rejects_target_state) {
  for (const Pa bad : {delegated(), ns_page(), r.built.rd}) {
    EXPECT_FAILS_WITH(rmi().psci_complete(caller, bad, kOk), kInput, 0, "target_state");
  }
  expect_still_pending();
}
TEST_F(RmiPsciComplete, rejects_pending) {
  // REC 1 has asked for nothing.
  EXPECT_FAILS_WITH(rmi().psci_complete(target, caller, kOk), kInput, 0, "pending");
  // A request is completed once.
  EXPECT_RMI_OK(rmi().psci_complete(caller, target, kOk));
  EXPECT_FAILS_WITH(rmi().psci_complete(caller, target, kOk), kInput, 0, "pending");
}
TEST_F(RmiPsciComplete, rejects_owner) {
  host::RealmSpec spec;
  spec.vmid = 2;
  auto other = make_realm(spec);
  builder().create_rec(other, true, 0, {});
  builder().create_rec(other, false, 0, {});  // REC 1 of its realm, as the request names
  EXPECT_FAILS_WITH(rmi().psci_complete(caller, other.recs[1].rec, kOk), kInput, 0, "owner");
  expect_still_pending();
}
TEST_F(RmiPsciComplete, rejects_target) {
  EXPECT_FAILS_WITH(rmi().psci_complete(caller, bystander, kOk), kInput, 0, "target");
  expect_still_pending();
}
TEST_F(RmiPsciComplete, rejects_status) {
  for (const PsciStatus s : {PsciStatus::kInvalidParams, PsciStatus::kNotSupported,
                             PsciStatus::kAlreadyOn, PsciStatus::kInternalFailure}) {
    EXPECT_FAILS_WITH(rmi().psci_complete(caller, target, psci(s)), kInput, 0, "status");
  }
  EXPECT_FAILS_WITH(rmi().psci_complete(caller, target, 1), kInput, 0, "status");
  expect_still_pending();

  // DENIED answers only a CPU_ON whose target is off.
  auto& twice = launch("test-cpu-on", {"2"}, 2, 2);
  const Pa a = rec_of(twice, 0);
  const Pa b = rec_of(twice, 1);
  (void)enter_until(twice, 0, RmiRecExitReason::kPsci);
  EXPECT_RMI_OK(rmi().psci_complete(a, b, kOk));
  (void)enter_until(twice, 0, RmiRecExitReason::kPsci);  // CPU_ON of REC 1 again
  EXPECT_FAILS_WITH(rmi().psci_complete(a, b, psci(PsciStatus::kDenied)), kInput, 0, "status");
  EXPECT_RMI_OK(rmi().psci_complete(a, b, kOk));

  // ... and never AFFINITY_INFO.
  auto& ask = launch("test-cpu-state", {}, 2, 3);
  (void)enter_until(ask, 0, RmiRecExitReason::kPsci);
  EXPECT_FAILS_WITH(rmi().psci_complete(rec_of(ask, 0), rec_of(ask, 1), psci(PsciStatus::kDenied)),
                    kInput, 0, "status");
}

// ---- RMI_RTT_SET_RIPAS ---------------------------------------------------------------------

/// The 2 MiB block of realm RAM at [4 MiB, 6 MiB): RIPAS RAM from RTT_INIT_RIPAS, one level-2
/// entry until the host splits it.
constexpr Ipa kBlock{2 * kL2};
constexpr Ipa kTop = kBlock + 4 * kL3;

/// REC 0 of a 2-REC realm has asked (RSI_IPA_STATE_SET) for [kBlock, kTop) to become EMPTY, and
/// the host has split the block. A valid call is rtt_set_ripas(rd, rec, kBlock, kTop).
class RmiRttSetRipas : public RecTest {
 protected:
  RmiRttSetRipas() { builder().ensure_tables(r.built, kBlock, s2::kMaxLevel); }

  /// A realm whose REC 0 has asked for [base, top) to become `ripas` ("empty" or "ram").
  host::VmRealm& request(Ipa base, Ipa top, const std::string& ripas, unsigned recs = 1,
                         std::uint16_t vmid = 2) {
    auto& v = launch("test-set-ripas",
                     {std::to_string(base.value()), std::to_string(top.value()), ripas}, recs,
                     vmid);
    const auto exit = enter_until(v, 0, RmiRecExitReason::kRipasChange);
    EXPECT_EQ(exit.ripas_base, base.value());
    EXPECT_EQ(exit.ripas_top, top.value());
    EXPECT_EQ(exit.ripas_value, static_cast<std::uint8_t>(ripas == "ram" ? Ripas::kRam : Ripas::kEmpty));
    return v;
  }
  [[nodiscard]] abi::rmi::Reply<abi::rmi::RttReadEntry> entry(const host::VmRealm& v, Ipa ipa) {
    const auto e = rmi().rtt_read_entry(v.built.rd, ipa, s2::kMaxLevel);
    EXPECT_RMI_OK(e.ret);
    return e;
  }

  host::VmRealm& r = request(kBlock, kTop, "empty", 2, 1);
  Pa rd = r.built.rd;
  Pa rec = rec_of(r, 0);
};

TEST_F(RmiRttSetRipas, changes_the_ripas_and_returns_out_top) {
  const auto out = rmi().rtt_set_ripas(rd, rec, kBlock, kTop);
  EXPECT_RMI_OK(out.ret);
  EXPECT_EQ(out.top, kTop);
  for (Ipa ipa = kBlock; ipa < kTop; ipa = ipa + kL3) {
    EXPECT_EQ(entry(r, ipa).ripas, Ripas::kEmpty) << std::hex << ipa.value();
  }
  EXPECT_EQ(entry(r, kTop).ripas, Ripas::kRam);
  // The realm learns it is all done and carries on.
  const auto done = enter_until(r, 0, RmiRecExitReason::kHostCall);
  EXPECT_EQ(done.imm, abi::host_call::kExit);
  EXPECT_EQ(status_of(done), 0);
}

TEST_F(RmiRttSetRipas, advances_the_rec_one_call_at_a_time) {
  auto out = rmi().rtt_set_ripas(rd, rec, kBlock, kBlock + kL3);
  EXPECT_RMI_OK(out.ret);
  EXPECT_EQ(out.top, kBlock + kL3);
  EXPECT_EQ(entry(r, kBlock).ripas, Ripas::kEmpty);
  EXPECT_EQ(entry(r, kBlock + kL3).ripas, Ripas::kRam);
  // The next call starts where the last one stopped, not before.
  EXPECT_FAILS_WITH(rmi().rtt_set_ripas(rd, rec, kBlock, kTop).ret, kInput, 0, "base_bound");
  out = rmi().rtt_set_ripas(rd, rec, kBlock + kL3, kTop);
  EXPECT_RMI_OK(out.ret);
  EXPECT_EQ(out.top, kTop);
  EXPECT_EQ(status_of(enter_until(r, 0, RmiRecExitReason::kHostCall)), 0);
}

TEST_F(RmiRttSetRipas, the_realm_continues_from_where_the_host_stopped) {
  EXPECT_RMI_OK(rmi().rtt_set_ripas(rd, rec, kBlock, kBlock + kL3).ret);
  // The SDK asks again for the rest.
  const auto again = enter_until(r, 0, RmiRecExitReason::kRipasChange);
  EXPECT_EQ(again.ripas_base, (kBlock + kL3).value());
  EXPECT_EQ(again.ripas_top, kTop.value());
  // The old request is gone: its start is no longer where the REC is.
  EXPECT_FAILS_WITH(rmi().rtt_set_ripas(rd, rec, kBlock, kTop).ret, kInput, 0, "base_bound");
  EXPECT_RMI_OK(rmi().rtt_set_ripas(rd, rec, kBlock + kL3, kTop).ret);
}

TEST_F(RmiRttSetRipas, a_rejected_change_reaches_the_realm) {
  auto& ram = request(kBlock, kTop, "ram", 1, 2);
  builder().ensure_tables(ram.built, kBlock, s2::kMaxLevel);
  EXPECT_RMI_OK(rmi().rtt_set_ripas(ram.built.rd, rec_of(ram, 0), kBlock, kBlock + kL3).ret);
  abi::RmiRecEnter reject{};
  reject.flags = abi::rec_enter_flags::kRipasResponseReject;
  EXPECT_RMI_OK(enter(rec_of(ram, 0), ram.run_pages[0], reject));
  // The SDK throws on a rejection: the program fails.
  EXPECT_EQ(status_of(enter_until(ram, 0, RmiRecExitReason::kHostCall)), realm::kExitException);
}

TEST_F(RmiRttSetRipas, skips_an_unaligned_range_whose_ripas_already_matches) {
  // RAM for part of a 2 MiB block that is RAM already: nothing to split, nothing to change.
  const Ipa base = kBlock + kL3;
  const Ipa top = kBlock + 3 * kL3;
  auto& ram = request(base, top, "ram", 1, 2);
  const auto out = rmi().rtt_set_ripas(ram.built.rd, rec_of(ram, 0), base, top);
  EXPECT_RMI_OK(out.ret);
  EXPECT_EQ(out.top, top);
  EXPECT_EQ(entry(ram, base).walk_level, RttLevel{2});
  EXPECT_EQ(status_of(enter_until(ram, 0, RmiRecExitReason::kHostCall)), 0);
}

TEST_F(RmiRttSetRipas, rejects_rd_align) {
  EXPECT_FAILS_WITH(rmi().rtt_set_ripas(rd + 8, rec, kBlock, kTop).ret, kInput, 0, "rd_align");
}
TEST_F(RmiRttSetRipas, rejects_rd_bound) {
  EXPECT_FAILS_WITH(rmi().rtt_set_ripas(outside_dram(), rec, kBlock, kTop).ret, kInput, 0,
                    "rd_bound");
}
TEST_F(RmiRttSetRipas, rejects_rd_state) {
  for (const Pa bad : {r.built.rtt_base, rec, delegated()}) {
    EXPECT_FAILS_WITH(rmi().rtt_set_ripas(bad, rec, kBlock, kTop).ret, kInput, 0, "rd_state");
  }
  EXPECT_EQ(entry(r, kBlock).ripas, Ripas::kRam);
}
TEST_F(RmiRttSetRipas, rejects_rec_align) {
  EXPECT_FAILS_WITH(rmi().rtt_set_ripas(rd, rec + 8, kBlock, kTop).ret, kInput, 0, "rec_align");
}
TEST_F(RmiRttSetRipas, rejects_rec_bound) {
  EXPECT_FAILS_WITH(rmi().rtt_set_ripas(rd, outside_dram(), kBlock, kTop).ret, kInput, 0,
                    "rec_bound");
}
TEST_F(RmiRttSetRipas, rejects_rec_gran_state) {
  for (const Pa bad : {delegated(), ns_page(), rd, r.built.recs[0].aux}) {
    EXPECT_FAILS_WITH(rmi().rtt_set_ripas(rd, bad, kBlock, kTop).ret, kInput, 0,
                      "rec_gran_state");
  }
}
TEST_F(RmiRttSetRipas, rejects_rec_state) {
  auto& spin = launch("test-spin", {}, 1, 2);
  while_running(spin, 0, [&] {
    EXPECT_FAILS_WITH(rmi().rtt_set_ripas(spin.built.rd, rec_of(spin, 0), kBlock, kTop).ret,
                      kRec, 0, "rec_state");
  });
}
TEST_F(RmiRttSetRipas, rejects_rec_owner) {
  host::RealmSpec spec;
  spec.vmid = 2;
  auto other = make_realm(spec);
  builder().create_rec(other, true, 0, {});
  EXPECT_FAILS_WITH(rmi().rtt_set_ripas(rd, other.recs[0].rec, kBlock, kTop).ret, kRec, 0,
                    "rec_owner");
  EXPECT_FAILS_WITH(rmi().rtt_set_ripas(other.rd, rec, kBlock, kTop).ret, kRec, 0, "rec_owner");
  EXPECT_EQ(entry(r, kBlock).ripas, Ripas::kRam);
}
TEST_F(RmiRttSetRipas, rejects_size_valid) {
  EXPECT_FAILS_WITH(rmi().rtt_set_ripas(rd, rec, kBlock, kBlock).ret, kInput, 0, "size_valid");
  EXPECT_FAILS_WITH(rmi().rtt_set_ripas(rd, rec, kBlock, Ipa{kBlock.value() - kL3}).ret, kInput,
                    0, "size_valid");
}
TEST_F(RmiRttSetRipas, rejects_base_bound) {
  EXPECT_FAILS_WITH(rmi().rtt_set_ripas(rd, rec, kBlock + kL3, kTop).ret, kInput, 0,
                    "base_bound");
  // REC 1 has no request at all (its ripas_addr is 0).
  EXPECT_FAILS_WITH(rmi().rtt_set_ripas(rd, rec_of(r, 1), Ipa{0}, Ipa{kL3}).ret, kInput, 0,
                    "base_bound");
  EXPECT_FAILS_WITH(rmi().rtt_set_ripas(rd, rec_of(r, 1), kBlock, kTop).ret, kInput, 0,
                    "base_bound");
  EXPECT_EQ(entry(r, kBlock).ripas, Ripas::kRam);
}
TEST_F(RmiRttSetRipas, rejects_csm_range) {
  // REC 0 asked for [kBlock, kTop) to become EMPTY while it was not a CSM region; REC 1 made a
  // region of it since (issue 15: the RMM did not check again, and the host could change the
  // RIPAS of a region's memory behind the CSM commands).
  auto& race = launch("ripas-race", {std::to_string(kBlock.value()), std::to_string(kTop.value())},
                      2, 2);
  const auto on = enter_until(race, 0, RmiRecExitReason::kPsci);
  ASSERT_EQ(static_cast<std::uint32_t>(on.gprs[0]), static_cast<std::uint32_t>(abi::PsciFid::kCpuOn));
  EXPECT_RMI_OK(rmi().psci_complete(rec_of(race, 0), rec_of(race, 1), psci(PsciStatus::kSuccess)));
  (void)enter_until(race, 0, RmiRecExitReason::kRipasChange);
  (void)enter_until(race, 1, RmiRecExitReason::kCsmProvider);
  builder().ensure_tables(race.built, kBlock, s2::kMaxLevel);
  EXPECT_FAILS_WITH(rmi().rtt_set_ripas(race.built.rd, rec_of(race, 0), kBlock, kTop).ret,
                    abi::RmiStatus::kErrorCsm, 2, "csm_range");
  EXPECT_EQ(entry(race, kBlock).ripas, Ripas::kRam);
}
TEST_F(RmiRttSetRipas, rejects_top_bound) {
  EXPECT_FAILS_WITH(rmi().rtt_set_ripas(rd, rec, kBlock, kTop + kL3).ret, kInput, 0,
                    "top_bound");
  EXPECT_EQ(entry(r, kTop).ripas, Ripas::kRam);
}
TEST_F(RmiRttSetRipas, rejects_base_align) {
  // EMPTY from the second page of a block that is still one level-2 RAM entry.
  const Ipa base = kBlock + kL3;
  auto& unsplit = request(base, kTop, "empty");
  EXPECT_FAILS_WITH(rmi().rtt_set_ripas(unsplit.built.rd, rec_of(unsplit, 0), base, kTop).ret,
                    kRtt, 2, "base_align");
  // Once the host splits the block, the same call goes through.
  builder().ensure_tables(unsplit.built, kBlock, s2::kMaxLevel);
  EXPECT_RMI_OK(rmi().rtt_set_ripas(unsplit.built.rd, rec_of(unsplit, 0), base, kTop).ret);
}
TEST_F(RmiRttSetRipas, rejects_top_gran_align) {
  EXPECT_FAILS_WITH(rmi().rtt_set_ripas(rd, rec, kBlock, Ipa{kTop.value() - 0x800}).ret, kInput,
                    0, "top_gran_align");
  EXPECT_EQ(entry(r, kBlock).ripas, Ripas::kRam);
}
TEST_F(RmiRttSetRipas, rejects_no_progress) {
  // The first page is DESTROYED and the realm did not allow changing DESTROYED memory.
  const Pa data = delegated();
  EXPECT_RMI_OK(rmi().data_create_unknown(rd, data, kBlock));
  EXPECT_RMI_OK(rmi().data_destroy(rd, kBlock).ret);
  ASSERT_EQ(entry(r, kBlock).ripas, Ripas::kDestroyed);
  EXPECT_FAILS_WITH(rmi().rtt_set_ripas(rd, rec, kBlock, kTop).ret, kRtt, 3, "no_progress");

  // Part of a 2 MiB block the host has not split: no whole entry fits below top.
  auto& unsplit = request(kBlock, kTop, "empty");
  EXPECT_FAILS_WITH(rmi().rtt_set_ripas(unsplit.built.rd, rec_of(unsplit, 0), kBlock, kTop).ret,
                    kRtt, 2, "no_progress");
  EXPECT_EQ(entry(unsplit, kBlock).ripas, Ripas::kRam);
}

}  // namespace
}  // namespace caec::testing
