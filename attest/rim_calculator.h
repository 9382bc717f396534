// Predicts a realm's RIM from the sequence of measured operations that build it, as a realm
// owner or verifier does to obtain reference values (rmm-1.0.md §4). Independent of the RMM:
// it only shares the descriptor layouts of abi/measurement.h.
#pragma once

#include <cstdint>
#include <span>
#include <string>

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
  [[nodiscard]] std::size_t size() const;
  /// The RIM in lower-case hex, hash-size bytes.
  [[nodiscard]] std::string hex() const;

 private:
  abi::RmiHashAlgorithm algo_;
  abi::MeasurementValue rim_{};
};

/// Hex of the first `size` bytes of a measurement value.
[[nodiscard]] std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace caec::attest
