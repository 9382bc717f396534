// Whether the RMM's record of every granule agrees with the machine's GPT: a granule the RMM
// holds (any state but UNDELEGATED) must be in the Realm PAS, and one it does not hold must not
// be — else realm data could sit in memory the host reads, or a delegated granule would be
// lost to both worlds. Like csm_invariants.h, the emulator's debugging view for tests; it reads
// RMM state without stopping realms, so call it when the system is quiescent.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "machine/machine.h"
#include "rmm/introspect/introspect.h"

namespace caec::inspect {

/// One line per granule whose PAS and RMM state disagree (at most `limit` lines).
[[nodiscard]] std::vector<std::string> pas_violations(rmm::RmmIntrospection& rmm,
                                                      const machine::Machine& m,
                                                      std::size_t limit = 16);

/// How many DRAM granules the RMM holds in each state (index: rmm::GranuleState).
using GranuleCensus = std::array<std::uint64_t, rmm::kNumGranuleStates>;
[[nodiscard]] GranuleCensus granule_census(rmm::RmmIntrospection& rmm, const machine::Machine& m);
[[nodiscard]] std::string describe(const GranuleCensus& census);

}  // namespace caec::inspect
