// The platform root of trust (HES/RSE on hardware): the platform's initial attestation key
// (IAK, P-384), the platform claims, and the realm attestation key (RAK) EL3 hands the RMM.
//
// The RAK is generated once per machine (power cycle); the IAK is generated too unless a PEM is
// given, so that verifiers can pin it. Platform tokens are signed ES384 over the platform claims
// with the challenge the RMM supplies (the hash of its RAK).
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "attest/token/cca_claims.h"
#include "attest/token/ec_key.h"

namespace caec::machine {

struct PlatformIdentity {
  /// The IAK as a PEM private key (P-384); empty: generate one for this machine.
  std::string platform_key_pem{};
  /// PSA lifecycle (bits 15:8 the state): 0x3000 = secured.
  std::int64_t lifecycle = 0x3000;
  /// Measured firmware; the boot code adds the EL3 monitor and the RMM (platform/).
  std::vector<attest::cca::SwComponent> sw_components{};
  std::optional<std::string> verification_service = "caec verify";
};

class RootOfTrust {
 public:
  explicit RootOfTrust(const PlatformIdentity& identity);

  /// The IAK's public half (what a verifier pins).
  [[nodiscard]] const attest::EcKey& platform_key() const { return iak_; }
  /// The RAK's private scalar (SMC_RMM_GET_REALM_ATTEST_KEY).
  [[nodiscard]] attest::Bytes realm_attest_key() const { return rak_.private_scalar(); }
  /// Platform claims with `challenge`, signed by the IAK: a COSE_Sign1_Tagged.
  [[nodiscard]] attest::Bytes platform_token(std::span<const std::uint8_t> challenge) const;
  /// The claims every platform token carries (challenge empty).
  [[nodiscard]] const attest::cca::PlatformClaims& claims() const { return claims_; }

 private:
  attest::EcKey iak_;
  attest::EcKey rak_;
  attest::cca::PlatformClaims claims_;
};

}  // namespace caec::machine
