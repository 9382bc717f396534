#include "inspect/granule_accounting.h"

#include <sstream>

namespace caec::inspect {

std::vector<std::string> pas_violations(rmm::RmmIntrospection& rmm, const machine::Machine& m,
                                        std::size_t limit) {
  std::vector<std::string> bad;
  const auto& mem = m.memory();
  for (machine::GranuleIndex i; i < mem.end_index() && bad.size() < limit; ++i) {
    const Pa pa = mem.granule_pa(i);
    const auto state = rmm.granule(pa).state;
    const machine::Pas pas = m.pas(pa);
    const bool held = state != rmm::GranuleState::kUndelegated;
    if (held == (pas == machine::Pas::kRealm)) continue;
    std::ostringstream line;
    line << "granule 0x" << std::hex << pa.value() << " is " << rmm::granule_state_name(state)
         << " for the RMM but in the " << machine::pas_name(pas) << " PAS";
    bad.push_back(line.str());
  }
  return bad;
}

GranuleCensus granule_census(rmm::RmmIntrospection& rmm, const machine::Machine& m) {
  GranuleCensus census{};
  const auto& mem = m.memory();
  for (machine::GranuleIndex i; i < mem.end_index(); ++i) {
    ++census.at(static_cast<std::size_t>(rmm.granule(mem.granule_pa(i)).state));
  }
  return census;
}

std::string describe(const GranuleCensus& census) {
  std::ostringstream s;
  for (std::size_t i = 0; i < census.size(); ++i) {
    if (census[i] == 0) continue;
    s << (s.tellp() == 0 ? "" : " ") << rmm::granule_state_name(static_cast<rmm::GranuleState>(i))
      << "=" << census[i];
  }
  return s.str();
}

}  // namespace caec::inspect
