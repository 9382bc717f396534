// What the RMM obtains from EL3 for attestation, once at boot (the RMM-EL3 interface, as
// TF-RMM's attestation init does): the realm attestation key (RAK), which the attestation port
// imports, and the platform token, whose challenge binds it to the RAK. The protocol is the
// core's; only the key's cryptography is the port's (rmm/port/attestation_port.h).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "rmm/port/attestation_port.h"
#include "rmm/port/platform.h"

namespace caec::rmm {

/// TF-RMM's ATTEST_PLAT_TOKEN_SIZE: the most platform token the RMM keeps.
inline constexpr std::size_t kMaxPlatformToken = 0x1000;

class El3Attestation {
 public:
  /// SMC_RMM_GET_REALM_ATTEST_KEY, then SMC_RMM_GET_PLAT_TOKEN with H(RAK). If EL3 refuses
  /// either, or its answers do not fit, attestation stays unavailable (tokens then fail with
  /// RSI_ERROR_UNKNOWN) and `boot_error()` says why.
  explicit El3Attestation(Platform& platform);
  ~El3Attestation();
  El3Attestation(const El3Attestation&) = delete;
  El3Attestation& operator=(const El3Attestation&) = delete;

  [[nodiscard]] bool available() const { return key_ != nullptr; }
  [[nodiscard]] const char* boot_error() const { return boot_error_; }
  /// The platform token EL3 gave (empty while unavailable).
  [[nodiscard]] std::span<const std::uint8_t> platform_token() const {
    return available() ? std::span(token_).first(token_size_) : std::span<const std::uint8_t>{};
  }
  /// The CCA token for the claims INIT recorded in `buffer`, written over them (attestation_sign).
  [[nodiscard]] std::size_t sign(TokenBuffer& buffer) const;

 private:
  bool fetch_key(Platform& platform);
  bool fetch_platform_token(Platform& platform);

  Attestation* key_ = nullptr;
  std::array<std::uint8_t, kMaxPlatformToken> token_{};
  std::size_t token_size_ = 0;
  const char* boot_error_ = "";
};

}  // namespace caec::rmm
