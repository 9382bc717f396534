// The invariants of csm-abi.md §6, checked from the RMM's own state (through introspection) and
// the machine's GPT. Tests run it after every step, and `caec demo` shows it; it returns one
// line per violation. Like rmm/introspect/introspect.h it is the emulator's debugging view: the RMM, host,
// realm SDK and channel libraries never link it.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "machine/machine.h"
#include "rmm/introspect/introspect.h"

namespace caec::inspect {

/// The invariants that one look at the state can check.
[[nodiscard]] std::vector<std::string> csm_invariant_violations(rmm::RmmIntrospection& rmm,
                                                                const machine::Machine& m);

/// One reservation as it is named for its whole life: its consumer and its APT serial.
struct ReservationId {
  Rid consumer;
  std::uint64_t serial = 0;
  auto operator<=>(const ReservationId&) const = default;
};
/// The private DATA (IPAs of the consumer's own mappings) inside each live reservation.
using PrivateDataInReservations = std::map<ReservationId, std::set<Ipa>>;

/// Invariant (3) over time. RSI_CSM_RESERVE accepts a range that still holds private DATA and
/// asks the host to remove it (RMI_EXIT_CSM_CONSUMER); a host that never does leaves it there,
/// and the RMM cannot make it. What the RMM guarantees whatever the host does is that nothing
/// private appears inside a reservation after it was made (DATA_CREATE is refused there) and
/// what the host removed does not come back: the set only shrinks (docs/csm.md).
class ReservationHistory {
 public:
  /// `now` names every live reservation, those with nothing private inside too. Returns a line
  /// per private granule that was not inside its reservation when the reservation was first seen.
  [[nodiscard]] std::vector<std::string> observe(const PrivateDataInReservations& now);

 private:
  PrivateDataInReservations first_seen_;
};

/// csm_invariant_violations plus the invariants over time: for tests that check after every step.
class CsmInvariantChecker {
 public:
  [[nodiscard]] std::vector<std::string> violations(rmm::RmmIntrospection& rmm, const machine::Machine& m);

 private:
  ReservationHistory history_;
};

}  // namespace caec::inspect
