// RMI_REALM_CREATE / ACTIVATE / DESTROY and RMI_REC_AUX_COUNT: each failure condition is
// reached by making every earlier condition pass and this one fail.
#include "rmm/core/features.h"
#include "testing/rmm_fixture.h"

namespace caec::testing {
namespace {

/// A valid REALM_CREATE call; each test breaks exactly one thing.
class RmiRealmCreate : public RmmTest {
 protected:
  Pa new_rd = delegated();
  Pa rtt = delegated(2, 2 * kGranuleSize);
  abi::RmiRealmParams p = realm_params(rtt);

  Pa params_page() { return ns_page(std::as_bytes(std::span(&p, 1))); }
  abi::RmiReturn create() { return rmi().realm_create(new_rd, params_page()); }
};

TEST_F(RmiRealmCreate, succeeds_with_valid_arguments) {
  EXPECT_RMI_OK(create());
  EXPECT_EQ(state(new_rd), GranuleState::kRd);
  EXPECT_EQ(state(rtt), GranuleState::kRtt);
  EXPECT_EQ(state(rtt + kGranuleSize), GranuleState::kRtt);
  const auto realm = rmm().realm(new_rd);
  ASSERT_TRUE(realm);
  EXPECT_EQ(realm->state, rmm::RealmState::kNew);
  EXPECT_NE(realm->rid, Rid::kNone);
}

TEST_F(RmiRealmCreate, rejects_params_align) {
  const Pa params = ns_page(std::as_bytes(std::span(&p, 1)));
  EXPECT_FAILS_WITH(rmi().realm_create(new_rd, params + 8), kInput, 0, "params_align");
}

TEST_F(RmiRealmCreate, rejects_params_bound) {
  EXPECT_FAILS_WITH(rmi().realm_create(new_rd, outside_dram()), kInput, 0, "params_bound");
}

TEST_F(RmiRealmCreate, rejects_params_pas) {
  // Params in a Realm-PAS granule: the RMM's NS read takes a Granule Protection Fault.
  EXPECT_FAILS_WITH(rmi().realm_create(new_rd, delegated()), kInput, 0, "params_pas");
}

TEST_F(RmiRealmCreate, rejects_params_valid) {
  p.flags = 1ULL << 5U;
  EXPECT_FAILS_WITH(create(), kInput, 0, "params_valid");
  p.flags = 0;
  p.hash_algo = 2;
  EXPECT_FAILS_WITH(create(), kInput, 0, "params_valid");
}

TEST_F(RmiRealmCreate, rejects_params_supp) {
  const abi::RmiRealmParams good = p;
  auto expect_unsupported = [&](auto mutate) {
    p = good;
    mutate(p);
    EXPECT_FAILS_WITH(create(), kInput, 0, "params_supp");
  };
  expect_unsupported([](auto& q) { q.s2sz = 49; });
  expect_unsupported([](auto& q) { q.s2sz = 31; });
  expect_unsupported([](auto& q) { q.flags = abi::realm_flags::kLpa2; });
  expect_unsupported([](auto& q) { q.flags = abi::realm_flags::kSve; });
  expect_unsupported([](auto& q) { q.flags = abi::realm_flags::kPmu; });
  expect_unsupported([](auto& q) { q.num_bps = 0; });
  expect_unsupported([](auto& q) { q.num_bps = rmm::kFeatures.num_bps + 1; });
  expect_unsupported([](auto& q) { q.num_wps = 0; });
  expect_unsupported([](auto& q) { q.num_wps = rmm::kFeatures.num_wps + 1; });
  EXPECT_EQ(state(new_rd), GranuleState::kDelegated);
}

TEST_F(RmiRealmCreate, rejects_alias) {
  new_rd = rtt + kGranuleSize;
  EXPECT_FAILS_WITH(create(), kInput, 0, "alias");
}

RMI_RD_CONDITION_TESTS(RmiRealmCreate, new_rd, ns_page(), rmi().realm_create(rd, params_page()))

TEST_F(RmiRealmCreate, rejects_rtt_align) {
  // Two concatenated starting tables must start on an 8 KiB boundary.
  const Pa three = delegated(3, 2 * kGranuleSize);
  p.rtt_base = (three + kGranuleSize).value();
  EXPECT_FAILS_WITH(create(), kInput, 0, "rtt_align");
  p.rtt_base = rtt.value() + 8;
  EXPECT_FAILS_WITH(create(), kInput, 0, "rtt_align");
}

TEST_F(RmiRealmCreate, rejects_rtt_num_level) {
  p.rtt_num_start = 1;  // a 40-bit IPA at level 1 needs two tables
  EXPECT_FAILS_WITH(create(), kInput, 0, "rtt_num_level");
  p.rtt_num_start = 2;
  p.rtt_level_start = 4;
  EXPECT_FAILS_WITH(create(), kInput, 0, "rtt_num_level");
  p.rtt_level_start = -1;  // level -1 needs LPA2
  EXPECT_FAILS_WITH(create(), kInput, 0, "rtt_num_level");
}

TEST_F(RmiRealmCreate, rejects_rtt_state) {
  const auto pair = host_.pool().allocate(2, 2 * kGranuleSize);
  ASSERT_TRUE(pair);
  EXPECT_RMI_OK(rmi().granule_delegate(*pair));  // the second table stays Non-secure
  p.rtt_base = pair->value();
  EXPECT_FAILS_WITH(create(), kInput, 0, "rtt_state");
}

TEST_F(RmiRealmCreate, rejects_vmid_valid) {
  EXPECT_RMI_OK(create());
  new_rd = delegated();
  rtt = delegated(2, 2 * kGranuleSize);
  p.rtt_base = rtt.value();  // same VMID as the live realm
  EXPECT_FAILS_WITH(create(), kInput, 0, "vmid_valid");
  p.vmid = 2;
  EXPECT_RMI_OK(create());
}

TEST_F(RmiRealmCreate, assigns_fresh_realm_identifiers) {
  EXPECT_RMI_OK(create());
  const Rid first = rmm().realm(new_rd)->rid;
  const Pa rd2 = delegated();
  const Pa rtt2 = delegated(2, 2 * kGranuleSize);
  auto p2 = realm_params(rtt2, 2);
  EXPECT_RMI_OK(rmi().realm_create(rd2, ns_page(std::as_bytes(std::span(&p2, 1)))));
  EXPECT_GT(static_cast<std::uint64_t>(rmm().realm(rd2)->rid), static_cast<std::uint64_t>(first));
}

class RmiRealmActivate : public RmmTest {};

RMI_RD_CONDITION_TESTS(RmiRealmActivate, make_realm().rd, delegated(), rmi().realm_activate(rd))
TEST_F(RmiRealmActivate, rejects_realm_state) {
  const auto realm = make_realm();
  EXPECT_RMI_OK(rmi().realm_activate(realm.rd));
  EXPECT_EQ(rmm().realm(realm.rd)->state, rmm::RealmState::kActive);
  EXPECT_FAILS_WITH(rmi().realm_activate(realm.rd), kRealm, 0, "realm_state");
}

class RmiRealmDestroy : public RmmTest {};

TEST_F(RmiRealmDestroy, rejects_rd_align) {
  const auto realm = make_realm();
  EXPECT_FAILS_WITH(rmi().realm_destroy(realm.rd + 8), kInput, 0, "rd_align");
}
TEST_F(RmiRealmDestroy, rejects_rd_bound) {
  EXPECT_FAILS_WITH(rmi().realm_destroy(outside_dram()), kInput, 0, "rd_bound");
}
TEST_F(RmiRealmDestroy, rejects_rd_state) {
  const auto realm = make_realm();
  EXPECT_FAILS_WITH(rmi().realm_destroy(realm.rtt_base), kInput, 0, "rd_state");
}
TEST_F(RmiRealmDestroy, rejects_realm_live) {
  auto realm = make_realm();
  builder().ensure_tables(realm, Ipa{0}, RttLevel{2});  // a TABLE entry makes a starting RTT live
  EXPECT_FAILS_WITH(rmi().realm_destroy(realm.rd), kRealm, 0, "realm_live");
  EXPECT_EQ(state(realm.rd), GranuleState::kRd);
}

TEST_F(RmiRealmDestroy, scrubs_the_rd_and_tables_and_frees_the_vmid) {
  auto realm = make_realm();
  EXPECT_RMI_OK(rmi().realm_destroy(realm.rd));
  EXPECT_EQ(state(realm.rd), GranuleState::kDelegated);
  EXPECT_EQ(state(realm.rtt_base), GranuleState::kDelegated);
  for (Pa g : {realm.rd, realm.rtt_base, realm.rtt_base + kGranuleSize}) {
    EXPECT_RMI_OK(rmi().granule_undelegate(g));
    std::array<std::byte, kGranuleSize> back{};
    ASSERT_EQ(machine().host_view().read(g, back), machine::Access::kOk);
    EXPECT_EQ(back, (std::array<std::byte, kGranuleSize>{})) << "granule not scrubbed";
  }
  (void)make_realm();  // the VMID is free again
}

class RmiRecAuxCount : public RmmTest {};

RMI_RD_CONDITION_TESTS(RmiRecAuxCount, make_realm().rd, delegated(), rmi().rec_aux_count(rd).ret)
TEST_F(RmiRecAuxCount, reports_a_constant_count_within_the_spec_bound) {
  const auto out = rmi().rec_aux_count(make_realm().rd);
  EXPECT_RMI_OK(out.ret);
  EXPECT_EQ(out.aux_count, rmm::kRecAuxCount);
  EXPECT_LE(out.aux_count, abi::kMaxRecAux);
}

}  // namespace
}  // namespace caec::testing
