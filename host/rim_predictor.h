// The realm owner's side of measurement, wired to the reference host: predicts a realm's RIM
// from the operations the host performs while building it (the host reports them to the
// observer; the RMM measures the same operations independently). It lives with the host, whose
// observer it implements; attest/ (the verifier side) knows nothing of the host.
#pragma once

#include <optional>

#include "attest/rim_calculator.h"
#include "host/realm_builder.h"

namespace caec::host {

/// An observer that rebuilds the RIM into `rim` (reset at every REALM_CREATE).
[[nodiscard]] inline MeasurementObserver rim_predictor(std::optional<attest::RimCalculator>& rim) {
  return {[&rim](const abi::RmiRealmParams& p) { rim.emplace(p); },
          [&rim](Ipa ipa, std::uint64_t flags, std::span<const std::byte> page) { rim->data(ipa, flags, page); },
          [&rim](Ipa base, Ipa top) { rim->ripas(base, top); },
          [&rim](const abi::RmiRecParams& p) { rim->rec(p); }};
}

}  // namespace caec::host
