// Arm RMM ACS 1.0 scenario tests that no command test already covers, transcribed from the
// facts in ../shared/spec/acs/scenario-tests.md and named after the ACS test. The map from
// every ACS scenario to the test that covers it is docs/acs-scenarios.md.
#include <string>

#include "caec/abi/rsi.h"
#include "caec/abi/smc.h"
#include "realm/boot.h"
#include "testing/rec_fixture.h"

namespace caec::testing {
namespace {

class AcsScenario : public RecTest {
 protected:
  /// Runs REC 0 of `r` to its program's end; returns its exit status.
  std::int64_t run_to_end(host::VmRealm& r) {
    return status_of(enter_until(r, 0, RmiRecExitReason::kHostCall));
  }
};

TEST_F(AcsScenario, mm_rtt_level_start) {
  // Realms of each [s2sz, starting level, starting tables] the suite lists (LPA2's [52, 0, 16]
  // aside: caec has no LPA2) are created, run a program and end.
  struct Geometry {
    unsigned s2sz;
    int level;
    std::uint32_t tables;
  };
  std::uint16_t vmid = 1;
  for (const Geometry g : {Geometry{32, 2, 4}, Geometry{34, 2, 16}, Geometry{40, 1, 2}, Geometry{42, 1, 8}}) {
    SCOPED_TRACE("s2sz " + std::to_string(g.s2sz));
    host::LaunchSpec spec = program_spec("test-exit", {"7"}, 1, vmid++, 8);
    spec.realm.ipa_width = g.s2sz;
    host::VmRealm& r = vmm.launch(spec);
    EXPECT_EQ(r.built.params.rtt_level_start, g.level);
    EXPECT_EQ(r.built.params.rtt_num_start, g.tables);
    EXPECT_EQ(rmm().realm(r.built.rd)->rtt_level_start, RttLevel{g.level});
    EXPECT_EQ(run_to_end(r), 7);
  }
}

TEST_F(AcsScenario, mm_rtt_translation_table) {
  // READ_ENTRY in the same 1 GiB as a mapped page (IPA1: the manifest, at 0): 2 MiB away the
  // walk ends at level 2 (UNASSIGNED), 4 KiB away at level 3.
  host::VmRealm& r = launch("test-exit", {"0"});
  const Ipa ipa1{0};
  ASSERT_TRUE(r.built.data.contains(ipa1.value()));
  const auto far = rmi().rtt_read_entry(r.built.rd, ipa1 + (2U << 20U), RttLevel{3});
  EXPECT_RMI_OK(far.ret);
  EXPECT_EQ(far.walk_level, RttLevel{2});
  EXPECT_EQ(far.state, RmiRttEntryState::kUnassigned);
  const auto near = rmi().rtt_read_entry(r.built.rd, ipa1 + kGranuleSize, RttLevel{3});
  EXPECT_RMI_OK(near.ret);
  EXPECT_EQ(near.walk_level, RttLevel{3});
}

TEST_F(AcsScenario, exception_realm_unsupported_smc) {
  // An RMI FID from a realm is not a call the RMM serves a realm: SMCCC_NOT_SUPPORTED, no exit.
  std::uint16_t vmid = 10;
  for (const char* fid : {"C4000150", "C4000158", "C7000151"}) {  // VERSION, REALM_CREATE, APT_CREATE
    SCOPED_TRACE(fid);
    auto& probe = launch("rsi-probe", {"0xFFFFFFFFFFFFFFFF", fid, "0x1000"}, 1, vmid++);
    EXPECT_EQ(run_to_end(probe), 0);
  }
}

class AcsGic : public AcsScenario {
 protected:
  host::VmRealm& r = launch("test-exit", {"0"});

  void expect_refused(const abi::RmiRecEnter& e) {
    EXPECT_FAILS_WITH(enter(rec_of(r, 0), r.run_pages.at(0), e), abi::RmiStatus::kErrorRec, 0, "rec_gicv3");
    EXPECT_EQ(rmm().granule(rec_of(r, 0)).refcount, 0U) << "the REC did not run";
  }
};

TEST_F(AcsGic, gic_hcr_invalid) {
  // RES0 bits of ICH_HCR_EL2 (bit 8, bit 11) on entry.
  for (const unsigned bit : {8U, 11U}) {
    abi::RmiRecEnter e{};
    e.gicv3_hcr = 1ULL | (1ULL << bit);
    expect_refused(e);
  }
}

TEST_F(AcsGic, gic_ctrl_list_invalid) {
  // A list register with HW = 1, in each of the states pending, active, pending and active.
  for (const std::uint64_t state : {abi::gic::kStatePending, abi::gic::kStateActive,
                                    abi::gic::kStatePending | abi::gic::kStateActive}) {
    abi::RmiRecEnter e{};
    e.gicv3_lrs[0] = (abi::gic::pending_lr(40) & ~abi::gic::kStateMask) | state | abi::gic::kHw;
    expect_refused(e);
  }
}

TEST_F(AcsGic, gic_ctrl_hcr) {
  // The maintenance interrupts the host enabled in ICH_HCR_EL2 show in exit.gicv3_misr as the
  // GIC derives them from the list registers and ICH_VMCR_EL2 (the realm SDK enables Group 1,
  // not Group 0); the HCR comes back as given.
  namespace gic = abi::gic;
  abi::RmiRecEnter e{};
  e.gicv3_hcr = gic::kHcrEn | gic::kHcrUie | gic::kHcrNpie | gic::kHcrVgrp0eie | gic::kHcrVgrp0die |
                gic::kHcrVgrp1eie | gic::kHcrVgrp1die;
  e.gicv3_lrs[0] = gic::pending_lr(40);
  EXPECT_RMI_OK(enter(rec_of(r, 0), r.run_pages.at(0), e));
  const auto one = exit_of(r.run_pages.at(0));
  EXPECT_EQ(one.gicv3_hcr, e.gicv3_hcr);
  EXPECT_EQ(one.gicv3_vmcr, realm::kBootGicVmcr);
  // One valid LR (underflow), one pending (no NP), Group 0 disabled, Group 1 enabled; each
  // status bit sits where its enable does in the HCR.
  EXPECT_EQ(one.gicv3_misr, gic::kHcrUie | gic::kHcrVgrp0die | gic::kHcrVgrp1eie);
  // Two LRs, neither pending (both active): no underflow, and "no pending" asserted.
  e.gicv3_lrs[0] = (gic::pending_lr(40) & ~gic::kStateMask) | gic::kStateActive;
  e.gicv3_lrs[1] = (gic::pending_lr(41) & ~gic::kStateMask) | gic::kStateActive;
  EXPECT_RMI_OK(enter(rec_of(r, 0), r.run_pages.at(0), e));
  EXPECT_EQ(exit_of(r.run_pages.at(0)).gicv3_misr, gic::kHcrNpie | gic::kHcrVgrp0die | gic::kHcrVgrp1eie);
  // With the virtual CPU interface disabled nothing is asserted.
  e.gicv3_hcr &= ~gic::kHcrEn;
  EXPECT_RMI_OK(enter(rec_of(r, 0), r.run_pages.at(0), e));
  EXPECT_EQ(exit_of(r.run_pages.at(0)).gicv3_misr, 0U);
}

TEST_F(AcsGic, every_exit_reports_idle_timers_and_no_pmu_overflow) {
  // A realm that never arms a timer: both EL1 timers read disabled; no PMU, no overflow.
  EXPECT_RMI_OK(enter(rec_of(r, 0), r.run_pages.at(0)));
  const auto x = exit_of(r.run_pages.at(0));
  EXPECT_EQ(x.cntv_ctl, 0U);
  EXPECT_EQ(x.cntv_cval, 0U);
  EXPECT_EQ(x.cntp_ctl, 0U);
  EXPECT_EQ(x.cntp_cval, 0U);
  EXPECT_EQ(x.pmu_ovf_status, 0U);
  EXPECT_EQ(x.gicv3_vmcr, realm::kBootGicVmcr);
}

}  // namespace
}  // namespace caec::testing
