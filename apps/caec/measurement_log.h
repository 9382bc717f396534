// `--measurement-log FILE` of caec run, attest and inspect (docs/attestation.md, "Measurement
// log"): every extension of every realm's RIM, in order, with its inputs and the value after
// it, so that a verifier's own calculator can replay the RIM from the launch parameters. The
// log is recorded from the host's side (the measured operations it performs, as
// host::MeasurementObserver reports them); the RMM measures the same operations on its own.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "attest/rim_calculator.h"
#include "host/realm_builder.h"

namespace caec::app {

class MeasurementLog {
 public:
  MeasurementLog() = default;
  MeasurementLog(const MeasurementLog&) = delete;
  MeasurementLog& operator=(const MeasurementLog&) = delete;

  /// Records the realms built through it, one per REALM_CREATE, in order.
  [[nodiscard]] host::MeasurementObserver observer();
  /// The RIM of the `i`-th realm built, in hex.
  [[nodiscard]] std::string rim(std::size_t i) const;
  /// The log (format "caec-measurement-log/1"); `names[i]` names the i-th realm built.
  [[nodiscard]] nlohmann::ordered_json json(const std::vector<std::string>& names) const;
  /// Writes json(names) to `path`; throws std::runtime_error if it cannot.
  void write(const std::string& path, const std::vector<std::string>& names) const;

 private:
  struct Realm {
    attest::RimCalculator rim;
    nlohmann::ordered_json extensions = nlohmann::ordered_json::array();
  };
  /// Appends the calculator's last step to the current realm's extensions.
  void record(nlohmann::ordered_json extension);

  std::vector<Realm> realms_;
};

}  // namespace caec::app
