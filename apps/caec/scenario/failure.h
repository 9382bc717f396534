// Why a scenario's realm failed, in the scenario's own terms: the realm, the step (the
// scenario's steps[i], not an index into the realm's compiled script), what it did and what
// went wrong (for a memory step, the access and the fault).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "apps/caec/scenario/compile.h"
#include "host/vmm.h"

namespace caec::app {

struct RealmFailure {
  std::string realm;
  std::optional<std::size_t> step;  // the scenario step the realm was doing, if it was doing one
  std::string reason;

  /// "failed at steps[5] (write c shared): ..." (the realm's name goes before it).
  [[nodiscard]] std::string text(const Scenario& s) const;
  /// {"realm", "step", "action", "reason"}: what `--json` carries.
  [[nodiscard]] nlohmann::ordered_json json(const Scenario& s) const;
};

/// What a step does, in a few words: "write c shared", "send a -> b over csm".
[[nodiscard]] std::string describe(const ScenarioStep& st);
/// "steps[5] (write c shared)".
[[nodiscard]] std::string step_label(const Scenario& s, std::size_t i);

/// Why `r`, which did not exit 0, failed. `under_way`: the first step that is not done, which a
/// realm that died without saying why was most likely doing.
[[nodiscard]] RealmFailure explain_failure(const host::VmRealm& r, const Scenario& s, const CompiledScenario& c,
                                           std::optional<std::size_t> under_way);

}  // namespace caec::app
