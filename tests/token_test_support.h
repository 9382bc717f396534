// Claim sets and signed CCA tokens for the attestation library tests.
#pragma once

#include <cstdint>

#include "attest/token/cca_claims.h"
#include "attest/token/cose.h"

namespace caec::attest::testsupport {

inline cca::SwComponent sw_component(std::string type, std::uint8_t fill) {
  cca::SwComponent c;
  c.type = std::move(type);
  c.measurement = Bytes(32, fill);
  c.version = "1.0." + std::to_string(fill);
  c.signer_id = Bytes(32, static_cast<std::uint8_t>(fill ^ 0xffU));
  c.hash_algo = "sha-256";
  return c;
}

inline cca::PlatformClaims sample_platform_claims(Bytes challenge) {
  cca::PlatformClaims c;
  c.challenge = std::move(challenge);
  c.implementation_id = Bytes(32, 0x7f);
  c.instance_id = Bytes(33, 0x42);
  c.instance_id[0] = 0x01;
  c.config = Bytes{0xcf, 0xcf};
  c.lifecycle = 0x3003;
  c.sw_components = {sw_component("BL1", 0x10), sw_component("RMM", 0x20)};
  c.verification_service = "https://verifier.example/";
  return c;
}

inline cca::RealmClaims sample_realm_claims(Bytes public_key) {
  cca::RealmClaims c;
  c.challenge = Bytes(64, 0xab);
  c.rpv = Bytes(64, 0x50);
  c.hash_algo = "sha-256";
  c.public_key = std::move(public_key);
  c.rim = Bytes(32, 0x11);
  for (std::size_t i = 0; i < c.rems.size(); ++i)
    c.rems.at(i) = Bytes(32, static_cast<std::uint8_t>(0x20 + i));
  return c;
}

/// Realm claims whose RAK is `rak` (as a COSE_Key) and platform claims bound to it.
struct ClaimPair {
  cca::PlatformClaims platform;
  cca::RealmClaims realm;
};
inline ClaimPair bound_claims(const EcKey& rak) {
  cca::RealmClaims realm = sample_realm_claims(encode_cose_key(rak));
  cca::PlatformClaims platform =
      sample_platform_claims(cca::named_hash("sha-256", realm.public_key).value());
  return {std::move(platform), std::move(realm)};
}

/// Signs both claim sets (each with its own key) and wraps them in `format`.
inline Bytes sign_token(cca::TokenFormat format, const ClaimPair& claims, const EcKey& platform_key,
                        const EcKey& realm_key) {
  return cca::encode_token(format,
                           sign1(platform_key, cca::encode_platform_claims(claims.platform)),
                           sign1(realm_key, cca::encode_realm_claims(claims.realm)));
}

}  // namespace caec::attest::testsupport
