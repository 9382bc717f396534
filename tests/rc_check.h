// rc::check with per-property defaults: every property of a test binary shares RapidCheck's one
// configuration (RC_PARAMS, read once), so each property states its own max_success and max_size
// here; a user's RC_PARAMS still wins for the keys it sets (and always for the seed).
#pragma once

#include <rapidcheck.h>

#include <cstdlib>
#include <iostream>
#include <string>

namespace caec::testing {

template <class Testable>
bool check_with(const std::string& description, int max_success, int max_size, Testable&& testable) {
  using namespace rc::detail;
  TestParams params = configuration().testParams;
  const char* env = std::getenv("RC_PARAMS");
  const std::string user = env == nullptr ? "" : env;
  if (user.find("max_success") == std::string::npos) params.maxSuccess = max_success;
  if (user.find("max_size") == std::string::npos) params.maxSize = max_size;
  std::cerr << "\n- " << description << " (max_success=" << params.maxSuccess
            << " max_size=" << params.maxSize << " seed=" << params.seed << ")\n";
  TestMetadata metadata;
  metadata.id = description;
  metadata.description = description;
  const auto result = checkTestable(std::forward<Testable>(testable), metadata, params);
  printResultMessage(result, std::cerr);
  std::cerr << std::endl;
  return result.template is<SuccessResult>();
}

}  // namespace caec::testing
