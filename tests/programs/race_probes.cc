// Realm programs whose two RECs race each other, for the regressions of the trusted-core review
// (issue 15): REC 1 keeps the realm doing something while REC 0 makes the host act on it.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "caec/abi/csm.h"
#include "caec/abi/rsi.h"
#include "realm/csm_api.h"
#include "realm/program.h"
#include "realm/realm.h"
#include "tests/programs/race_probes.h"

namespace caec::testing {
namespace {

using realm::Realm;

/// A word of realm RAM both RECs see (each REC's scratch page is its own).
std::atomic<std::uint64_t>& flag(Realm& r) {
  return *r.as<std::atomic<std::uint64_t>>(r.ram().first + kRaceFlagOffset);
}

/// "rsi-closing-probe FID ARG...": REC 1 repeats the raw RSI call FID(ARG...) while REC 0 turns
/// the realm off (PSCI SYSTEM_OFF), so its host can begin the CSM teardown (RMI_APT_DESTROY)
/// while REC 1 still runs. The arguments make every call fail before it could exit to the host;
/// REC 1 stops at the first RSI_ERROR_STATE (the realm is closing) or after 5 s, and reports the
/// last X0 with host call kRaceDone.
int closing_probe(Realm& r) {
  if (r.rec_index() == 0) {
    flag(r).store(0);
    if (r.start_cpu(1, 0) != 0) return 1;
    while (flag(r).load() == 0) r.cpu_relax();
    (void)r.smc(static_cast<std::uint32_t>(abi::PsciFid::kSystemOff), {});
    return 2;  // never reached: the realm is off
  }
  const auto& args = r.args();
  const auto fid = static_cast<std::uint32_t>(std::stoull(args.at(0), nullptr, 16));
  std::array<std::uint64_t, 5> x{};
  for (std::size_t i = 1; i < args.size() && i <= x.size(); ++i) x[i - 1] = std::stoull(args[i], nullptr, 0);
  flag(r).store(1);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::uint64_t x0 = 0;
  do {
    x0 = r.smc(fid, {x[0], x[1], x[2], x[3], x[4]}).x[0];
  } while (x0 != static_cast<std::uint64_t>(abi::RsiStatus::kErrorState) &&
           std::chrono::steady_clock::now() < deadline);
  const std::array<std::uint64_t, 1> report{x0};
  (void)r.host_call(kRaceDone, report);
  return 0;
}
CAEC_REALM_PROGRAM("rsi-closing-probe", closing_probe);

/// "ripas-race BASE TOP": REC 0 starts REC 1 and asks for [BASE, TOP) to become EMPTY
/// (RSI_IPA_STATE_SET); REC 1, started second, makes a CSM region over the same range. The
/// host decides the order by when it enters each REC.
int ripas_race(Realm& r) {
  const Ipa base{std::stoull(r.args().at(0), nullptr, 0)};
  const Ipa top{std::stoull(r.args().at(1), nullptr, 0)};
  if (r.rec_index() == 1) {
    (void)realm::csm_create(r, base, top - base);
    return 0;
  }
  if (r.start_cpu(1, 0) != 0) return 1;
  try {
    r.set_ripas(base, top, abi::Ripas::kEmpty);
  } catch (const std::exception&) {
    return 3;  // the change was refused
  }
  return 0;
}
CAEC_REALM_PROGRAM("ripas-race", ripas_race);

}  // namespace
}  // namespace caec::testing
