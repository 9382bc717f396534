// The invariants of csm-abi.md §6, checked from the RMM's own state (through introspection) and
// the machine's GPT. Tests run it after every step; it returns one line per violation.
#pragma once

#include <string>
#include <vector>

#include "machine/machine.h"
#include "rmm/introspect.h"

namespace caec::testing {

[[nodiscard]] std::vector<std::string> csm_invariant_violations(rmm::RmmIntrospection& rmm,
                                                                const machine::Machine& m);

}  // namespace caec::testing
