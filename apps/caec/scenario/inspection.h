// `caec inspect`: what the RMM and the GPT hold at one moment — the granule map (PAS and RMM
// state per range), each realm's stage-2 summary, APT entries, regions and sharings — as text
// or JSON. A debugging tool: it reads RMM state through rmm/introspect/introspect.h.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "host/vmm.h"
#include "machine/machine.h"
#include "rmm/introspect/introspect.h"

namespace caec::app {

[[nodiscard]] nlohmann::ordered_json inspect_json(rmm::RmmIntrospection& rmm, const machine::Machine& m,
                                                  const std::vector<host::VmRealm*>& realms);
[[nodiscard]] std::string inspect_text(const nlohmann::ordered_json& view);

}  // namespace caec::app
