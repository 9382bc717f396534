#include "machine/root_of_trust.h"

#include <stdexcept>

#include "attest/token/cose.h"

namespace caec::machine {

namespace {

attest::EcKey load_iak(const std::string& pem) {
  if (pem.empty()) return attest::EcKey::generate(attest::Curve::kP384);
  std::string error;
  auto key = attest::EcKey::from_pem(pem, error);
  if (!key) throw std::invalid_argument("platform key: " + error);
  if (!key->has_private() || key->curve() != attest::Curve::kP384) {
    throw std::invalid_argument("platform key: must be a P-384 private key, got a " +
                                std::string(key->has_private() ? "private " : "public ") +
                                std::string(attest::curve_name(key->curve())) + " key");
  }
  return *key;
}

attest::Bytes sha256(std::string_view text) {
  // SAFETY: hashing the characters of a string as bytes.
  const std::span bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  return *attest::cca::named_hash("sha-256", bytes);
}

}  // namespace

RootOfTrust::RootOfTrust(const PlatformIdentity& identity)
    : iak_(load_iak(identity.platform_key_pem)), rak_(attest::EcKey::generate(attest::Curve::kP384)) {
  // Implementation ID: names the platform design (every caec machine shares it).
  claims_.implementation_id = sha256("caec emulated Arm CCA platform, version 1");
  // Instance ID: an EAT UEID of type RAND (0x01) derived from the IAK, as TF-M derives it.
  const attest::Bytes point = iak_.public_point();
  claims_.instance_id = {0x01};
  const attest::Bytes h = *attest::cca::named_hash("sha-256", point);
  claims_.instance_id.insert(claims_.instance_id.end(), h.begin(), h.end());
  claims_.config = {0x00, 0x00, 0x00, 0x00};  // no debug, no optional features
  claims_.lifecycle = identity.lifecycle;
  claims_.sw_components = identity.sw_components;
  claims_.verification_service = identity.verification_service;
}

attest::Bytes RootOfTrust::platform_token(std::span<const std::uint8_t> challenge) const {
  attest::cca::PlatformClaims c = claims_;
  c.challenge.assign(challenge.begin(), challenge.end());
  return attest::sign1(iak_, attest::cca::encode_platform_claims(c));
}

}  // namespace caec::machine
