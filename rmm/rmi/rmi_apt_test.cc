// RMI_CAEC_VERSION, RMI_APT_CREATE, RMI_APT_DESTROY, and the CSM condition of
// RMI_DATA_CREATE_UNKNOWN: each failure condition from a valid call with one thing broken.
#include "caec/abi/csm.h"
#include "host/vmm.h"
#include "rmm/core/realm_descriptor.h"
#include "testing/rmm_fixture.h"

namespace caec::testing {
namespace {

class RmiAptCreate : public RmmTest {
 protected:
  host::HostRealm realm = make_realm();
  Pa apt = delegated();
};

TEST_F(RmiAptCreate, succeeds_and_holds_the_realm) {
  EXPECT_RMI_OK(rmi().apt_create(realm.rd, apt));
  EXPECT_EQ(state(apt), GranuleState::kApt);
  EXPECT_EQ(rmm().realm(realm.rd)->num_apt, 1U);
  EXPECT_FAILS_WITH(rmi().realm_destroy(realm.rd), kRealm, 0, "realm_live");
}
RMI_RD_CONDITION_TESTS(RmiAptCreate, realm.rd, delegated(), rmi().apt_create(rd, apt))
RMI_GRANULE_CONDITION_TESTS(RmiAptCreate, apt, granule, apt, ns_page(),
                            rmi().apt_create(realm.rd, granule))
TEST_F(RmiAptCreate, rejects_an_rtt_as_apt_state) {
  EXPECT_FAILS_WITH(rmi().apt_create(realm.rd, realm.rtt_base), kInput, 0, "apt_state");
}
TEST_F(RmiAptCreate, rejects_realm_state) {
  // After its first APT_DESTROY a realm's CSM records are gone for good.
  EXPECT_RMI_OK(rmi().apt_create(realm.rd, apt));
  EXPECT_RMI_OK(rmi().apt_destroy(realm.rd, apt));
  EXPECT_FAILS_WITH(rmi().apt_create(realm.rd, apt), kRealm, 0, "realm_state");
}
TEST_F(RmiAptCreate, takes_as_many_granules_as_the_host_gives) {
  // No per-realm limit (csm-abi.md §1): 40 granules, more than an earlier RMM's cap of 32.
  for (std::size_t i = 0; i < 40; ++i) EXPECT_RMI_OK(rmi().apt_create(realm.rd, delegated()));
  EXPECT_EQ(rmm().realm(realm.rd)->num_apt, 40U);
  EXPECT_EQ(rmm().granule(realm.rd).refcount, 0U) << "APT granules are not counted as RECs";
}

class RmiAptDestroy : public RmmTest {
 protected:
  RmiAptDestroy() { EXPECT_RMI_OK(rmi().apt_create(realm.rd, apt)); }
  host::HostRealm realm = make_realm();
  Pa apt = delegated();
};

TEST_F(RmiAptDestroy, scrubs_the_granule_and_releases_the_rd) {
  EXPECT_RMI_OK(rmi().apt_destroy(realm.rd, apt));
  EXPECT_EQ(state(apt), GranuleState::kDelegated);
  EXPECT_EQ(rmm().granule(realm.rd).refcount, 0U);
  EXPECT_TRUE(rmm().realm(realm.rd)->csm_torn_down);
}
RMI_RD_CONDITION_TESTS(RmiAptDestroy, realm.rd, apt, rmi().apt_destroy(rd, apt))
RMI_GRANULE_CONDITION_TESTS(RmiAptDestroy, apt, granule, apt, delegated(),
                            rmi().apt_destroy(realm.rd, granule))
TEST_F(RmiAptDestroy, rejects_another_realms_apt_as_apt_state) {
  // Another realm's APT is not this realm's to destroy.
  host::RealmSpec spec;
  spec.vmid = 2;
  auto other = make_realm(spec);
  const Pa theirs = delegated();
  EXPECT_RMI_OK(rmi().apt_create(other.rd, theirs));
  EXPECT_FAILS_WITH(rmi().apt_destroy(realm.rd, theirs), kInput, 0, "apt_state");
}
TEST_F(RmiAptDestroy, rejects_realm_running) {
  builder().create_rec(realm, true, 0, {});
  EXPECT_FAILS_WITH(rmi().apt_destroy(realm.rd, apt), kRealm, 0, "realm_running");
  EXPECT_EQ(state(apt), GranuleState::kApt);
}

class RmiCaecVersion : public RmmTest {};
TEST_F(RmiCaecVersion, answers_1_0_and_rejects_other_majors) {
  const auto v = rmi().caec_version(abi::kCaecAbiVersion);
  EXPECT_RMI_OK(v.ret);
  EXPECT_EQ(v.higher, abi::kCaecAbiVersion);
  EXPECT_EQ(rmi().caec_version(abi::make_version(2, 0)).ret.status, kInput);
}

}  // namespace
}  // namespace caec::testing
