// `caec inspect --dot` / `--svg`: the inspection as a picture of who shares what, for people
// who would rather look than read. Realms are boxes (clusters) holding their stage-2 summary,
// CSM regions and reservations; an arrow from a region to a consumer is a sharing (k, its
// permission and state); an arrow from a reservation to a region is an attachment (or a
// reservation waiting for one). The machine's granule map is a table beside them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "apps/caec/scenario/scenario.h"

namespace caec::app {

/// The view (inspection.h, inspect_json) as a Graphviz digraph; `s` names the regions.
[[nodiscard]] std::string inspect_dot(const nlohmann::ordered_json& view, const Scenario& s);

/// `dot` rendered as SVG by Graphviz's `dot` program (Debian's graphviz package); throws
/// std::runtime_error saying so if it cannot be run.
[[nodiscard]] std::string render_svg(const std::string& dot);

}  // namespace caec::app
