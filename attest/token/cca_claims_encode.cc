// Encoding of the CCA claim sets and the top-level token (the platform's and the RMM's side).
#include <openssl/evp.h>

#include "attest/token/cca_claims.h"

namespace caec::attest::cca {

namespace {

using cbor::Item;

Item sw_component(const SwComponent& c) {
  cbor::MapBuilder m;
  if (c.type) m.add(kSwType, cbor::text(*c.type));
  m.add(kSwMeasurement, cbor::bytes(c.measurement));
  if (c.version) m.add(kSwVersion, cbor::text(*c.version));
  m.add(kSwSignerId, cbor::bytes(c.signer_id));
  if (c.hash_algo) m.add(kSwHashAlgo, cbor::text(*c.hash_algo));
  return m.build();
}

Item csm_entry(const CsmClaim& c) {
  std::vector<Item> consumers;
  for (std::uint64_t rid : c.consumers) consumers.push_back(cbor::uint(rid));
  return cbor::MapBuilder()
      .add(kCsmId, cbor::uint(c.csm_id))
      .add(kCsmRole, cbor::uint(static_cast<std::uint64_t>(c.role)))
      .add(kCsmPermission, cbor::uint(c.permission))
      .add(kCsmProviderRid, cbor::uint(c.provider_rid))
      .add(kCsmConsumers, cbor::array(std::move(consumers)))
      .build();
}

}  // namespace

Bytes encode_platform_claims(const PlatformClaims& c) {
  std::vector<Item> sw;
  for (const SwComponent& s : c.sw_components) sw.push_back(sw_component(s));
  cbor::MapBuilder m;
  m.add(kProfile, cbor::text(c.profile))
      .add(kChallenge, cbor::bytes(c.challenge))
      .add(kPlatformImplementationId, cbor::bytes(c.implementation_id))
      .add(kInstanceId, cbor::bytes(c.instance_id))
      .add(kPlatformConfig, cbor::bytes(c.config))
      .add(kPlatformLifecycle, cbor::integer(c.lifecycle))
      .add(kPlatformSwComponents, cbor::array(std::move(sw)));
  if (c.verification_service) m.add(kPlatformVerificationService, cbor::text(*c.verification_service));
  m.add(kPlatformHashAlgo, cbor::text(c.hash_algo));
  return cbor::encode(m.build());
}

Bytes encode_realm_claims(const RealmClaims& c) {
  std::vector<Item> rems;
  for (const Bytes& r : c.rems) rems.push_back(cbor::bytes(r));
  cbor::MapBuilder m;
  if (c.profile) m.add(kProfile, cbor::text(*c.profile));
  m.add(kChallenge, cbor::bytes(c.challenge));
  if (c.instance_id) m.add(kInstanceId, cbor::bytes(*c.instance_id));
  m.add(kRealmPersonalizationValue, cbor::bytes(c.rpv))
      .add(kRealmHashAlgo, cbor::text(c.hash_algo))
      .add(kRealmPublicKeyHashAlgo, cbor::text(c.public_key_hash_algo))
      .add(kRealmPublicKey, cbor::bytes(c.public_key))
      .add(kRealmInitialMeasurement, cbor::bytes(c.rim))
      .add(kRealmExtensibleMeasurements, cbor::array(std::move(rems)));
  if (c.mec_policy) m.add(kRealmMecPolicy, cbor::integer(*c.mec_policy));
  if (c.realm_id) m.add(kCaecRealmId, cbor::uint(*c.realm_id));
  if (c.csm) {
    std::vector<Item> regions;
    for (const CsmClaim& r : *c.csm) regions.push_back(csm_entry(r));
    m.add(kCaecCsm, cbor::array(std::move(regions)));
  }
  return cbor::encode(m.build());
}

Bytes encode_token(TokenFormat format, std::span<const std::uint8_t> platform_sign1,
                   std::span<const std::uint8_t> realm_sign1) {
  const auto entry = [&](std::span<const std::uint8_t> msg) -> Item {
    if (format == TokenFormat::kLegacy399) return cbor::bytes(msg);
    std::vector<Item> pair;
    pair.push_back(cbor::uint(kCoseSign1ContentFormat));
    pair.push_back(cbor::bytes(msg));
    return cbor::array(std::move(pair));
  };
  Item map = cbor::MapBuilder()
                 .add(kPlatformTokenKey, entry(platform_sign1))
                 .add(kRealmTokenKey, entry(realm_sign1))
                 .build();
  const std::uint64_t tag = format == TokenFormat::kLegacy399 ? kLegacyCollectionTag : kCmwCollectionTag;
  return cbor::encode(cbor::tag(tag, std::move(map)));
}

std::optional<Bytes> named_hash(std::string_view name, std::span<const std::uint8_t> data) {
  const EVP_MD* md = name == "sha-256"   ? EVP_sha256()
                     : name == "sha-384" ? EVP_sha384()
                     : name == "sha-512" ? EVP_sha512()
                                         : nullptr;
  if (md == nullptr) return std::nullopt;
  Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1) return std::nullopt;
  return out;
}

}  // namespace caec::attest::cca
