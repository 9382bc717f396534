// The invariants of csm-abi.md §6, checked from the RMM's own state (through introspection) and
// the machine's GPT. Tests run it after every step, and `caec demo` shows it; it returns one
// line per violation. Like rmm/introspect/introspect.h it is the emulator's debugging view: the RMM, host,
// realm SDK and channel libraries never link it.
#pragma once

#include <string>
#include <vector>

#include "machine/machine.h"
#include "rmm/introspect/introspect.h"

namespace caec::inspect {

[[nodiscard]] std::vector<std::string> csm_invariant_violations(rmm::RmmIntrospection& rmm,
                                                                const machine::Machine& m);

}  // namespace caec::inspect
