// Runs a scenario on a fresh emulated machine (`caec run`, `caec inspect`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "apps/caec/scenario/scenario.h"

namespace caec::app {

/// RunOptions::inspect_after for a scenario without steps: inspect once the realms have set up.
inline constexpr std::size_t kInspectAtStart = SIZE_MAX;

struct RunOptions {
  bool json = false;     // print the result (and inspections) as JSON
  /// `caec inspect`: run the script up to this step (0-based) or kInspectAtStart, stop there,
  /// print that one view and write nothing.
  std::optional<std::size_t> inspect_after;
  /// `caec inspect`: print the view as a picture, "dot" (Graphviz) or "svg" (picture.h).
  std::string picture{};
  /// Write every realm's measurement log here (apps/caec/measurement_log.h), if set.
  std::string measurement_log{};
  /// Write the machine's platform key (PEM) here, to verify saved tokens with `caec verify`.
  std::string platform_key_out{};
};

/// 0 when every realm exits 0 and the CSM invariants hold; 1 otherwise.
[[nodiscard]] int run_scenario(const Scenario& s, const RunOptions& options);

}  // namespace caec::app
