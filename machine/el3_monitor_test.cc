// EL3: the only way a granule's PAS changes, and the router of the host's SMCs.
#include "machine/el3_monitor.h"

#include <gtest/gtest.h>

#include "caec/abi/rmi.h"
#include "machine/machine.h"

namespace caec::machine {
namespace {

MachineConfig tiny() {
  MachineConfig c;
  c.dram_bytes = 1ULL << 20U;
  c.secure_granules = 2;
  return c;
}

TEST(El3Monitor, delegate_moves_only_non_secure_granules_to_realm) {
  Machine m(tiny());
  const Pa g = m.memory().base();
  const auto gen = m.gpt().entry(GranuleIndex{0}).generation;
  EXPECT_EQ(m.el3().gtsi_delegate(g), abi::El3Status::kOk);
  EXPECT_EQ(m.pas(g), Pas::kRealm);
  EXPECT_GT(m.gpt().entry(GranuleIndex{0}).generation, gen) << "every change moves the generation";
  EXPECT_EQ(m.el3().gtsi_delegate(g), abi::El3Status::kBadPas) << "already Realm";
  const Pa secure{m.memory().end().value() - kGranuleSize};
  EXPECT_EQ(m.el3().gtsi_delegate(secure), abi::El3Status::kBadPas);
  EXPECT_EQ(m.el3().gtsi_delegate(g + 8), abi::El3Status::kBadAddr);
  EXPECT_EQ(m.el3().gtsi_delegate(m.memory().end()), abi::El3Status::kBadAddr);
}

TEST(El3Monitor, undelegate_moves_only_realm_granules_back) {
  Machine m(tiny());
  const Pa g = m.memory().base() + kGranuleSize;
  EXPECT_EQ(m.el3().gtsi_undelegate(g), abi::El3Status::kBadPas);
  ASSERT_EQ(m.el3().gtsi_delegate(g), abi::El3Status::kOk);
  EXPECT_EQ(m.el3().gtsi_undelegate(g), abi::El3Status::kOk);
  EXPECT_EQ(m.pas(g), Pas::kNonSecure);
  std::array<std::byte, 16> buf{};
  EXPECT_EQ(m.host_view().read(g, buf), Access::kOk) << "the host window maps it again";
}

TEST(El3Monitor, an_injected_gtsi_failure_changes_nothing_and_fires_only_where_planned) {
  Machine m(tiny());
  const Pa a = m.memory().base();
  const Pa b = a + kGranuleSize;
  auto& plan = m.el3().gtsi_faults();
  plan.fail_nth(abi::El3Fid::kGtsiDelegate, 2, abi::El3Status::kNoMem);
  EXPECT_EQ(m.el3().gtsi_delegate(a), abi::El3Status::kOk) << "the first call passes";
  const auto gen = m.gpt().entry(GranuleIndex{1}).generation;
  EXPECT_EQ(m.el3().gtsi_delegate(b), abi::El3Status::kNoMem);
  EXPECT_EQ(m.pas(b), Pas::kNonSecure);
  EXPECT_EQ(m.gpt().entry(GranuleIndex{1}).generation, gen) << "a refused call leaves the GPT untouched";
  std::array<std::byte, 16> buf{};
  EXPECT_EQ(m.host_view().read(b, buf), Access::kOk) << "and the host window too";
  EXPECT_FALSE(plan.armed()) << "the rule is spent";
  EXPECT_EQ(m.el3().gtsi_delegate(b), abi::El3Status::kOk);

  plan.fail_at(abi::El3Fid::kGtsiUndelegate, b, 2);
  EXPECT_EQ(m.el3().gtsi_undelegate(a), abi::El3Status::kOk) << "another granule";
  EXPECT_EQ(m.el3().gtsi_undelegate(b), abi::El3Status::kAgain);
  EXPECT_EQ(m.el3().gtsi_undelegate(b), abi::El3Status::kAgain);
  EXPECT_EQ(m.pas(b), Pas::kRealm);
  EXPECT_EQ(m.el3().gtsi_undelegate(b), abi::El3Status::kOk);
  EXPECT_EQ(plan.injected(), 3U);
}

TEST(El3Monitor, forwards_only_rmi_fids_to_the_rmm) {
  Machine m(tiny());
  /// An RMM image that records the FID of each RMI call it is given.
  struct Recorder final : El2Vectors {
    std::uint32_t seen = 0;
    void rmi(abi::SmcRegs& r) override {
      seen = r.fid();
      r.x[0] = 0;
    }
    void realm_smc(Vcpu& /*v*/, abi::SmcRegs& /*regs*/) override {}
    void realm_wfx(Vcpu& /*v*/, bool /*wfe*/) override {}
    bool realm_hvc(Vcpu& /*v*/) override { return true; }
    abi::AbortResolution stage2_abort(Vcpu& /*v*/, Ipa /*ipa*/, const abi::MemoryAccess& /*access*/,
                                      S2Outcome /*outcome*/) override {
      return {abi::AbortResolution::Kind::kSea};
    }
  } rmm;
  std::uint32_t& seen = rmm.seen;
  m.install_el2_vectors(&rmm);
  abi::SmcRegs regs;
  regs.x[0] = static_cast<std::uint32_t>(abi::RmiFid::kVersion);
  m.el3().host_smc(regs);
  EXPECT_EQ(seen, static_cast<std::uint32_t>(abi::RmiFid::kVersion));
  EXPECT_EQ(regs.x[0], 0U);

  seen = 0;
  regs = {};
  regs.x[0] = static_cast<std::uint32_t>(abi::El3Fid::kGtsiDelegate);  // RMM-only interface
  regs.x[1] = m.memory().base().value();
  m.el3().host_smc(regs);
  EXPECT_EQ(seen, 0U);
  EXPECT_EQ(regs.x[0], abi::kSmcUnknown);
  EXPECT_EQ(m.pas(m.memory().base()), Pas::kNonSecure);

  regs = {};
  regs.x[0] = 0xC7000150;  // RMI_CAEC_VERSION lives in the vendor range
  m.el3().host_smc(regs);
  EXPECT_EQ(seen, 0xC7000150U);
}

TEST(El3Monitor, rmi_calls_without_an_rmm_are_unknown) {
  Machine m(tiny());
  abi::SmcRegs regs;
  regs.x[0] = static_cast<std::uint32_t>(abi::RmiFid::kVersion);
  m.el3().host_smc(regs);
  EXPECT_EQ(regs.x[0], abi::kSmcUnknown);
}

}  // namespace
}  // namespace caec::machine
