// Every failure condition in the RMM's command table has a test named after it, in the suite
// named after its command (RMI_RTT_CREATE's rtt_walk -> RmiRttCreate.rejects_rtt_walk). The
// table is the single source: adding a condition without a test fails here.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "rmm/introspect.h"

namespace caec::testing {
namespace {

/// "RMI_RTT_CREATE" -> "RmiRttCreate".
std::string suite_name(std::string_view command) {
  std::string out;
  bool upper = true;
  for (char ch : command) {
    if (ch == '_') {
      upper = true;
      continue;
    }
    out.push_back(upper ? ch : static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    upper = false;
  }
  return out;
}

std::set<std::string> registered_tests() {
  std::set<std::string> names;
  const auto* unit = ::testing::UnitTest::GetInstance();
  for (int i = 0; i < unit->total_test_suite_count(); ++i) {
    const auto* suite = unit->GetTestSuite(i);
    for (int j = 0; j < suite->total_test_count(); ++j) {
      names.insert(std::string(suite->name()) + "." + suite->GetTestInfo(j)->name());
    }
  }
  return names;
}

TEST(RmiCommandTable, every_failure_condition_has_a_test_named_after_it) {
  const auto tests = registered_tests();
  for (const auto& cmd : rmm::RmmIntrospection::rmi_commands()) {
    for (const auto& c : cmd.conditions()) {
      const std::string name = suite_name(cmd.name) + ".rejects_" + std::string(c.label);
      EXPECT_TRUE(tests.contains(name)) << "no test " << name;
    }
  }
}

TEST(RmiCommandTable, condition_labels_are_unique_within_a_command) {
  for (const auto& cmd : rmm::RmmIntrospection::rmi_commands()) {
    std::set<std::string_view> seen;
    for (const auto& c : cmd.conditions()) {
      EXPECT_TRUE(seen.insert(c.label).second) << cmd.name << " lists " << c.label << " twice";
    }
  }
}

TEST(RmiCommandTable, covers_every_rmm_1_0_command_of_this_stage) {
  std::set<std::string_view> names;
  for (const auto& cmd : rmm::RmmIntrospection::rmi_commands()) names.insert(cmd.name);
  for (const char* expected :
       {"RMI_VERSION", "RMI_FEATURES", "RMI_GRANULE_DELEGATE", "RMI_GRANULE_UNDELEGATE",
        "RMI_REALM_CREATE", "RMI_REALM_ACTIVATE", "RMI_REALM_DESTROY", "RMI_REC_AUX_COUNT",
        "RMI_RTT_CREATE", "RMI_RTT_DESTROY", "RMI_RTT_FOLD", "RMI_RTT_READ_ENTRY",
        "RMI_RTT_INIT_RIPAS", "RMI_RTT_MAP_UNPROTECTED", "RMI_RTT_UNMAP_UNPROTECTED",
        "RMI_DATA_CREATE", "RMI_DATA_CREATE_UNKNOWN", "RMI_DATA_DESTROY"}) {
    EXPECT_TRUE(names.contains(expected)) << expected;
  }
}

}  // namespace
}  // namespace caec::testing
