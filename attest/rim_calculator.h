// Predicts a realm's RIM from the sequence of measured operations that build it, as a realm
// owner or verifier does to obtain reference values (rmm-1.0.md §4). Independent of the RMM:
// it only shares the descriptor layouts of abi/measurement.h.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "caec/abi/hex.h"
#include "caec/abi/measurement.h"
#include "caec/abi/rmi.h"
#include "caec/abi/types.h"

namespace caec::attest {

class RimCalculator {
 public:
  explicit RimCalculator(const abi::RmiRealmParams& params);

  /// RMI_DATA_CREATE with `flags` (bit 0: measure the contents).
  void data(Ipa ipa, std::uint64_t flags, std::span<const std::byte> granule);
  /// RMI_REC_CREATE of a runnable REC.
  void rec(const abi::RmiRecParams& params);
  /// One RTT entry processed by RMI_RTT_INIT_RIPAS.
  void ripas(Ipa base, Ipa top);

  [[nodiscard]] const abi::MeasurementValue& value() const { return rim_; }
  /// What the last step hashed into the RIM (the measured realm parameters, or a measurement
  /// descriptor holding the RIM before it) and, for DATA and REC, the content hash inside it:
  /// what a measurement log shows so that others can replay the RIM (attest/measurement_log.h).
  [[nodiscard]] const std::vector<std::byte>& last_input() const { return last_input_; }
  [[nodiscard]] const abi::MeasurementValue& last_content() const { return last_content_; }
  [[nodiscard]] std::size_t size() const;
  /// The RIM in lower-case hex, hash-size bytes.
  [[nodiscard]] std::string hex() const;

 private:
  abi::RmiHashAlgorithm algo_;
  abi::MeasurementValue rim_{};
  std::vector<std::byte> last_input_;
  abi::MeasurementValue last_content_{};

  /// rim_ = H(input), remembering the input.
  void extend(std::span<const std::byte> input);
};

}  // namespace caec::attest
