// Every failure condition in the RMM's RMI command table has a test named after it, in the
// suite named after its command (RMI_RTT_CREATE's rtt_walk -> RmiRttCreate.rejects_rtt_walk).
// The table is the single source: adding a condition without a test fails here.
#include <gtest/gtest.h>

#include <set>
#include <string_view>

#include "rmm/introspect/introspect.h"
#include "testing/condition_coverage.h"

namespace caec::testing {
namespace {

TEST(RmiCommandTable, every_failure_condition_has_a_test_named_after_it) {
  expect_condition_coverage(rmm::RmmIntrospection::rmi_commands());
}

TEST(RmiCommandTable, covers_every_rmm_1_0_command_and_the_caec_extension) {
  std::set<std::string_view> names;
  for (const auto& cmd : rmm::RmmIntrospection::rmi_commands()) names.insert(cmd.name);
  for (const char* expected :
       {"RMI_VERSION", "RMI_FEATURES", "RMI_GRANULE_DELEGATE", "RMI_GRANULE_UNDELEGATE",
        "RMI_REALM_CREATE", "RMI_REALM_ACTIVATE", "RMI_REALM_DESTROY", "RMI_REC_AUX_COUNT",
        "RMI_REC_CREATE", "RMI_REC_DESTROY", "RMI_REC_ENTER", "RMI_PSCI_COMPLETE",
        "RMI_RTT_CREATE", "RMI_RTT_DESTROY", "RMI_RTT_FOLD", "RMI_RTT_READ_ENTRY",
        "RMI_RTT_INIT_RIPAS", "RMI_RTT_SET_RIPAS", "RMI_RTT_MAP_UNPROTECTED",
        "RMI_RTT_UNMAP_UNPROTECTED", "RMI_DATA_CREATE", "RMI_DATA_CREATE_UNKNOWN",
        "RMI_DATA_DESTROY", "RMI_CAEC_VERSION", "RMI_APT_CREATE", "RMI_APT_DESTROY"}) {
    EXPECT_TRUE(names.contains(expected)) << expected;
  }
}

}  // namespace
}  // namespace caec::testing
