// Building csm-script step lists in tests: concatenation of step vectors.
#pragma once

#include <string>
#include <vector>

namespace caec::testing {

[[nodiscard]] inline std::vector<std::string> operator+(std::vector<std::string> a,
                                                        const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace caec::testing
