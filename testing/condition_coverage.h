// Checks that a command table's failure conditions each have a test named after them:
// command "RMI_RTT_CREATE", label "rtt_walk" -> test "RmiRttCreate.rejects_rtt_walk", among the
// tests registered in this test binary. Shared by the RMI and RSI table tests.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <span>
#include <string>
#include <string_view>

namespace caec::testing {

/// "RSI_CSM_RESERVE" -> "RsiCsmReserve".
inline std::string suite_name(std::string_view command) {
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

inline std::set<std::string> registered_tests() {
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

/// Every condition of every command has its test, and labels are unique per command.
template <class Commands>
void expect_condition_coverage(const Commands& commands) {
  const auto tests = registered_tests();
  for (const auto& cmd : commands) {
    std::set<std::string_view> seen;
    for (const auto& c : cmd.conditions()) {
      EXPECT_TRUE(seen.insert(c.label).second) << cmd.name << " lists " << c.label << " twice";
      const std::string name = suite_name(cmd.name) + ".rejects_" + std::string(c.label);
      EXPECT_TRUE(tests.contains(name)) << "no test " << name;
    }
  }
}

}  // namespace caec::testing
