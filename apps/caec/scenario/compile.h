// Turns a scenario's script into what each realm runs: csm-script steps, ordered across realms
// by host-relayed events ("s<i>" is raised when step i is done), plus the steps the host itself
// performs (inspection, saving tokens).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "apps/caec/scenario/scenario.h"

namespace caec::app {

struct HostAction {
  std::size_t step = 0;    // runs once step-1 is done, then raises step's event
  std::string action;      // "inspect"
};

struct TokenOutput {
  std::string realm;
  std::uint64_t buffer = 0;  // host buffer id the realm stores the token in
  std::string file;
};

struct CompiledScenario {
  std::map<std::string, std::vector<std::string>> realm_args;  // full argument list per realm
  std::vector<HostAction> host_actions;
  std::vector<TokenOutput> tokens;
  std::size_t num_steps = 0;
};

/// The event that says step `i` is done.
[[nodiscard]] std::string step_event(std::size_t i);
/// The host buffer tokens are stored in, and where realms map it.
inline constexpr std::uint64_t kTokenBufferSize = 0x4000;
[[nodiscard]] std::uint64_t token_ipa(std::size_t nth);

[[nodiscard]] CompiledScenario compile_scenario(const Scenario& s);

}  // namespace caec::app
