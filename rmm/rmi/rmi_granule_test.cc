// RMI_GRANULE_DELEGATE / UNDELEGATE, RMI_VERSION, RMI_FEATURES through the real SMC path.
#include "caec/abi/el3.h"
#include "rmm/core/features.h"
#include "testing/rmm_fixture.h"

namespace caec::testing {
namespace {

class RmiGranuleDelegate : public RmmTest {};
class RmiGranuleUndelegate : public RmmTest {};
class RmiVersion : public RmmTest {};
class RmiFeatures : public RmmTest {};

TEST_F(RmiGranuleDelegate, rejects_gran_align) {
  EXPECT_FAILS_WITH(rmi().granule_delegate(ns_page() + 8), kInput, 0, "gran_align");
}

TEST_F(RmiGranuleDelegate, rejects_gran_bound) {
  EXPECT_FAILS_WITH(rmi().granule_delegate(outside_dram()), kInput, 0, "gran_bound");
}

TEST_F(RmiGranuleDelegate, rejects_gran_state) {
  const Pa g = delegated();
  EXPECT_FAILS_WITH(rmi().granule_delegate(g), kInput, 0, "gran_state");
}

TEST_F(RmiGranuleDelegate, rejects_gran_gpt) {
  // A Secure granule is UNDELEGATED for the RMM, but EL3 refuses to move it.
  EXPECT_FAILS_WITH(rmi().granule_delegate(secure_granule()), kInput, 0, "gran_gpt");
  EXPECT_EQ(machine().pas(secure_granule()), machine::Pas::kSecure);
  EXPECT_EQ(state(secure_granule()), GranuleState::kUndelegated);
}

TEST_F(RmiGranuleDelegate, an_el3_refusal_leaves_the_granule_non_secure_and_undelegated) {
  const std::array<std::byte, 4> mine{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
  const Pa g = ns_page(mine);
  machine().el3().gtsi_faults().fail_at(abi::El3Fid::kGtsiDelegate, g);  // E_RMM_AGAIN
  EXPECT_FAILS_WITH(rmi().granule_delegate(g), kInput, 0, "gran_gpt");
  EXPECT_EQ(state(g), GranuleState::kUndelegated);
  EXPECT_EQ(machine().pas(g), machine::Pas::kNonSecure);
  std::array<std::byte, 4> back{};
  ASSERT_EQ(machine().host_view().read(g, back), machine::Access::kOk);
  EXPECT_EQ(back, mine) << "the host's page is untouched";
  EXPECT_RMI_OK(rmi().granule_delegate(g)) << "a retry succeeds";
}

TEST_F(RmiGranuleDelegate, moves_the_granule_to_the_realm_pas_and_scrubs_it) {
  const std::array<std::byte, 4> secret{std::byte{0xde}, std::byte{0xad}, std::byte{0xbe},
                                        std::byte{0xef}};
  const Pa g = ns_page(secret);
  EXPECT_RMI_OK(rmi().granule_delegate(g));
  EXPECT_EQ(state(g), GranuleState::kDelegated);
  EXPECT_EQ(machine().pas(g), machine::Pas::kRealm);
  EXPECT_RMI_OK(rmi().granule_undelegate(g));
  std::array<std::byte, kGranuleSize> back{};
  ASSERT_EQ(machine().host_view().read(g, back), machine::Access::kOk);
  EXPECT_EQ(back, (std::array<std::byte, kGranuleSize>{}));
}

TEST_F(RmiGranuleUndelegate, rejects_gran_align) {
  EXPECT_FAILS_WITH(rmi().granule_undelegate(delegated() + 16), kInput, 0, "gran_align");
}

TEST_F(RmiGranuleUndelegate, rejects_gran_bound) {
  EXPECT_FAILS_WITH(rmi().granule_undelegate(outside_dram()), kInput, 0, "gran_bound");
}

TEST_F(RmiGranuleUndelegate, rejects_gran_state) {
  EXPECT_FAILS_WITH(rmi().granule_undelegate(ns_page()), kInput, 0, "gran_state");
  // An in-use granule (here an RD) can never be undelegated.
  const auto realm = make_realm();
  EXPECT_FAILS_WITH(rmi().granule_undelegate(realm.rd), kInput, 0, "gran_state");
  EXPECT_EQ(machine().pas(realm.rd), machine::Pas::kRealm);
}

TEST_F(RmiGranuleUndelegate, rejects_gran_gpt) {
  // Regression: the RMM used to panic (RMM_CHECK) when EL3 refused an undelegation.
  const Pa g = delegated();
  machine().el3().gtsi_faults().fail_at(abi::El3Fid::kGtsiUndelegate, g, 1,
                                         abi::El3Status::kNoMem);
  EXPECT_FAILS_WITH(rmi().granule_undelegate(g), kInput, 0, "gran_gpt");
  EXPECT_EQ(state(g), GranuleState::kDelegated) << "still the RMM's, still zero";
  EXPECT_EQ(machine().pas(g), machine::Pas::kRealm);
  EXPECT_RMI_OK(rmi().granule_undelegate(g)) << "a retry succeeds";
  EXPECT_EQ(machine().pas(g), machine::Pas::kNonSecure);
}

TEST_F(RmiGranuleUndelegate, returns_the_granule_to_the_ns_pas) {
  const Pa g = delegated();
  EXPECT_RMI_OK(rmi().granule_undelegate(g));
  EXPECT_EQ(state(g), GranuleState::kUndelegated);
  EXPECT_EQ(machine().pas(g), machine::Pas::kNonSecure);
}

TEST_F(RmiVersion, accepts_1_0_and_reports_1_0) {
  const auto v = rmi().version(abi::kRmiVersion);
  EXPECT_RMI_OK(v.ret);
  EXPECT_EQ(v.lower, abi::kRmiVersion);
  EXPECT_EQ(v.higher, abi::kRmiVersion);
}

TEST_F(RmiVersion, rejects_incompatible_revisions_but_still_reports_what_it_supports) {
  for (const std::uint64_t req : std::initializer_list<std::uint64_t>{abi::make_version(1, 1), abi::make_version(2, 0),
                            abi::make_version(0, 9), abi::kRmiVersion | (1ULL << 40U)}) {
    const auto v = rmi().version(req);
    EXPECT_EQ(v.ret.status, kInput) << std::hex << req;
    EXPECT_EQ(v.lower, abi::kRmiVersion);
    EXPECT_EQ(v.higher, abi::kRmiVersion);
  }
}

TEST_F(RmiFeatures, register0_describes_what_realm_create_accepts) {
  const auto f = rmi().features(0);
  EXPECT_RMI_OK(f.ret);
  EXPECT_EQ(f.value & 0xFFU, 48U);                       // S2SZ
  EXPECT_EQ((f.value >> abi::feat0::kLpa2Shift) & 1U, 0U);
  EXPECT_EQ((f.value >> abi::feat0::kHashSha256Shift) & 1U, 1U);
  EXPECT_EQ((f.value >> abi::feat0::kHashSha512Shift) & 1U, 1U);
  EXPECT_EQ(f.value, rmm::kFeatures.register0());
  EXPECT_EQ(rmi().features(1).value, 0U);
  EXPECT_EQ(rmi().features(~0ULL).value, 0U);
}

TEST_F(RmiFeatures, unknown_rmi_fids_answer_smc_unknown) {
  const auto r = rmi().smc(0xC4000156, {});  // unused in RMM 1.0
  EXPECT_EQ(r.x[0], abi::kSmcUnknown);
  const auto el3 = rmi().smc(static_cast<std::uint32_t>(abi::El3Fid::kGtsiDelegate),
                             {ns_page().value()});
  EXPECT_EQ(el3.x[0], abi::kSmcUnknown) << "the host must not reach the RMM-EL3 interface";
}

}  // namespace
}  // namespace caec::testing
