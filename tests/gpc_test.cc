// The granule protection check: once a granule is delegated the host can neither read nor
// write it — through the checked accessors (typed fault) or directly (a hardware fault) —
// and a granule that comes back to the host is zero, whatever the realm left in it.
#include <cstring>

#include "caec/abi/s2tt.h"
#include "testing/rmm_fixture.h"

namespace caec::testing {
namespace {

class GranuleProtection : public RmmTest {};

TEST_F(GranuleProtection, host_cannot_read_or_write_a_delegated_granule) {
  const Pa before = ns_page();
  const Pa g = delegated();
  ASSERT_EQ(g, before + kGranuleSize);
  std::array<std::byte, 64> buf{};
  EXPECT_EQ(machine().host_view().read(g, buf), machine::Access::kGranuleProtectionFault);
  EXPECT_EQ(machine().host_view().write(g + 128, buf), machine::Access::kGranuleProtectionFault);
  // A range that only ends in the delegated granule faults too.
  EXPECT_EQ(machine().host_view().read(Pa{g.value() - 32}, buf),
            machine::Access::kGranuleProtectionFault);
  EXPECT_EQ(machine().host_view().read(before, buf), machine::Access::kOk);
}

TEST_F(GranuleProtection, host_direct_access_to_realm_memory_is_a_fault) {
  const Pa g = delegated();
  std::byte* p = machine().host_view().ptr(g);
  EXPECT_DEATH({ volatile std::byte v = *p; (void)v; }, "");
  EXPECT_DEATH({ *p = std::byte{1}; }, "");
}

TEST_F(GranuleProtection, realm_data_never_reaches_the_host) {
  auto realm = make_realm();
  std::array<std::byte, kGranuleSize> secret{};
  secret.fill(std::byte{0x5a});
  builder().load(realm, Ipa{0}, secret, true);
  const Pa data = realm.data.at(0);
  std::array<std::byte, kGranuleSize> seen{};
  EXPECT_EQ(machine().host_view().read(data, seen), machine::Access::kGranuleProtectionFault);
  // Undelegation is only possible once the data was destroyed, which scrubs it.
  EXPECT_FAILS_WITH(rmi().granule_undelegate(data), kInput, 0, "gran_state");
  const auto out = rmi().data_destroy(realm.rd, Ipa{0});
  EXPECT_RMI_OK(out.ret);
  EXPECT_RMI_OK(rmi().granule_undelegate(data));
  ASSERT_EQ(machine().host_view().read(data, seen), machine::Access::kOk);
  EXPECT_EQ(seen, (std::array<std::byte, kGranuleSize>{}));
}

TEST_F(GranuleProtection, the_gpt_changes_only_through_el3) {
  const Pa g = ns_page();
  EXPECT_EQ(machine().pas(g), machine::Pas::kNonSecure);
  EXPECT_RMI_OK(rmi().granule_delegate(g));
  EXPECT_EQ(machine().pas(g), machine::Pas::kRealm);
  EXPECT_RMI_OK(rmi().granule_undelegate(g));
  EXPECT_EQ(machine().pas(g), machine::Pas::kNonSecure);
  // The host cannot call EL3's GTSI interface itself (see RmiFeatures tests), and the
  // Secure carve-out can never be delegated.
  EXPECT_FAILS_WITH(rmi().granule_delegate(secure_granule()), kInput, 0, "gran_gpt");
}

}  // namespace
}  // namespace caec::testing
