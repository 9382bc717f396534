// The RMM's attestation service (rmm-1.0.md §5): the realm attestation key and the platform
// token, obtained from EL3 once at boot, and the signing of realm tokens.
//
// Deviation (docs/deviations.md): TF-RMM builds tokens with QCBOR/t_cose/mbedTLS on a heap in
// the REC's aux granules and signs restartably; caec uses libcbor and OpenSSL, which allocate
// from the process heap and sign in one step. The token itself still lives in the aux granules.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "attest/token/cca_claims.h"
#include "attest/token/ec_key.h"
#include "rmm/port/attestation_port.h"
#include "rmm/port/platform.h"

namespace caec::rmm {

class Attestation {
 public:
  /// Boot: SMC_RMM_GET_REALM_ATTEST_KEY, then SMC_RMM_GET_PLAT_TOKEN with H(RAK).
  explicit Attestation(Platform& platform);

  /// False if EL3 could not provide the key or the platform token (tokens then fail with
  /// RSI_ERROR_UNKNOWN); `boot_error()` says why.
  [[nodiscard]] bool available() const { return rak_.has_value(); }
  [[nodiscard]] const std::string& boot_error() const { return boot_error_; }
  /// The RAK's public half as the realm token carries it (a COSE_Key).
  [[nodiscard]] const attest::Bytes& rak_public_key() const { return rak_public_; }
  /// The realm claims `payload` signed with the RAK, wrapped with the platform token.
  [[nodiscard]] attest::Bytes cca_token(std::span<const std::uint8_t> payload) const;

 private:
  bool fetch_key(Platform& platform);
  bool fetch_platform_token(Platform& platform);

  std::optional<attest::EcKey> rak_;
  attest::Bytes rak_public_;
  attest::Bytes platform_token_;
  attest::cca::TokenFormat format_;
  std::string boot_error_;
};

}  // namespace caec::rmm
