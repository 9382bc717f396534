// The Arm CCA attestation token (rmm-1.0.md §5, draft-ffm-rats-cca-token) and caec's CSM
// claims (csm-abi.md §7): claim keys, profiles, and the claim sets as plain values.
//
// One description serves both directions: the platform (EL3) and the RMM encode these structs,
// the verifier decodes into them, so a round trip is an equality test.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "attest/token/cbor.h"

namespace caec::attest::cca {

// ---- Top level ----
/// CMW collection (the current format): map values are [content-format, bstr].
inline constexpr std::uint64_t kCmwCollectionTag = 907;
/// draft-ffm-00 collection: map values are bare bstr.
inline constexpr std::uint64_t kLegacyCollectionTag = 399;
/// CoAP content format "application/cose; cose-type=cose-sign1" used in CMW entries.
inline constexpr std::uint64_t kCoseSign1ContentFormat = 263;
inline constexpr std::int64_t kPlatformTokenKey = 44234;
inline constexpr std::int64_t kRealmTokenKey = 44241;

enum class TokenFormat : std::uint8_t { kCmw907, kLegacy399 };

// ---- Claim keys ----
inline constexpr std::int64_t kChallenge = 10;
inline constexpr std::int64_t kProfile = 265;
inline constexpr std::int64_t kInstanceId = 256;

inline constexpr std::int64_t kRealmPersonalizationValue = 44235;
inline constexpr std::int64_t kRealmHashAlgo = 44236;
inline constexpr std::int64_t kRealmPublicKey = 44237;
inline constexpr std::int64_t kRealmInitialMeasurement = 44238;
inline constexpr std::int64_t kRealmExtensibleMeasurements = 44239;
inline constexpr std::int64_t kRealmPublicKeyHashAlgo = 44240;
inline constexpr std::int64_t kRealmMecPolicy = 44243;
/// caec private-use claims (csm-abi.md §7).
inline constexpr std::int64_t kCaecRealmId = -70001;
inline constexpr std::int64_t kCaecCsm = -70002;
/// Keys inside one caec-csm entry.
inline constexpr std::int64_t kCsmId = 1;
inline constexpr std::int64_t kCsmRole = 2;
inline constexpr std::int64_t kCsmPermission = 3;
inline constexpr std::int64_t kCsmProviderRid = 4;
inline constexpr std::int64_t kCsmConsumers = 5;

inline constexpr std::int64_t kPlatformLifecycle = 2395;
inline constexpr std::int64_t kPlatformImplementationId = 2396;
inline constexpr std::int64_t kPlatformSwComponents = 2399;
inline constexpr std::int64_t kPlatformVerificationService = 2400;
inline constexpr std::int64_t kPlatformConfig = 2401;
inline constexpr std::int64_t kPlatformHashAlgo = 2402;
/// Keys inside one software component.
inline constexpr std::int64_t kSwType = 1;
inline constexpr std::int64_t kSwMeasurement = 2;
inline constexpr std::int64_t kSwVersion = 4;
inline constexpr std::int64_t kSwSignerId = 5;
inline constexpr std::int64_t kSwHashAlgo = 6;

// ---- Profiles ----
inline constexpr std::string_view kPlatformProfile = "tag:arm.com,2023:cca_platform#1.0.0";
inline constexpr std::string_view kPlatformProfileLegacy = "http://arm.com/CCA-SSD/1.0.0";
inline constexpr std::string_view kRealmProfile = "tag:arm.com,2023:realm#1.0.0";
inline constexpr std::string_view kRealmProfile2 = "tag:arm.com,2024:realm#2.0.0";

// ---- Claim sets ----
struct SwComponent {
  std::optional<std::string> type;
  Bytes measurement;
  std::optional<std::string> version;
  Bytes signer_id;
  std::optional<std::string> hash_algo;
  bool operator==(const SwComponent&) const = default;
};

struct PlatformClaims {
  std::string profile{kPlatformProfile};
  Bytes challenge;
  Bytes implementation_id;  // 32 bytes
  Bytes instance_id;        // 33 bytes, first 0x01
  Bytes config;
  std::int64_t lifecycle = 0;
  std::vector<SwComponent> sw_components;
  std::optional<std::string> verification_service;
  std::string hash_algo{"sha-256"};
  bool operator==(const PlatformClaims&) const = default;
};

enum class CsmRole : std::uint8_t { kProvider = 0, kConsumer = 1 };

/// One CSM region the realm takes part in, as the RMM saw it at TOKEN_INIT.
struct CsmClaim {
  std::uint64_t csm_id = 0;
  CsmRole role = CsmRole::kProvider;
  std::uint64_t permission = 0;  // abi::CsmPerm
  std::uint64_t provider_rid = 0;
  std::vector<std::uint64_t> consumers;  // RIDs attached
  bool operator==(const CsmClaim&) const = default;
};

struct RealmClaims {
  std::optional<std::string> profile{std::string(kRealmProfile)};
  Bytes challenge;  // 64 bytes
  Bytes rpv;        // 64 bytes
  std::string hash_algo;
  Bytes public_key;  // the RAK: a serialized COSE_Key (or a raw SEC1 point in legacy tokens)
  Bytes rim;
  std::array<Bytes, 4> rems;
  std::string public_key_hash_algo{"sha-256"};
  std::optional<Bytes> instance_id;         // later profiles only
  std::optional<std::int64_t> mec_policy;   // later profiles only
  std::optional<std::uint64_t> realm_id;    // caec
  std::optional<std::vector<CsmClaim>> csm;  // caec
  bool operator==(const RealmClaims&) const = default;
};

/// Claim maps, serialized (the COSE_Sign1 payloads).
[[nodiscard]] Bytes encode_platform_claims(const PlatformClaims& claims);
[[nodiscard]] Bytes encode_realm_claims(const RealmClaims& claims);

/// The CCA token around two COSE_Sign1_Tagged messages.
[[nodiscard]] Bytes encode_token(TokenFormat format, std::span<const std::uint8_t> platform_sign1,
                                 std::span<const std::uint8_t> realm_sign1);

// ---- Decoding (strict about types and sizes the profile fixes; see cca_claims_decode.cc) ----
/// The two signed messages of a CCA token, in either top-level format.
struct TokenParts {
  TokenFormat format = TokenFormat::kCmw907;
  Bytes platform_sign1{};
  Bytes realm_sign1{};
};
[[nodiscard]] std::optional<TokenParts> decode_token(std::span<const std::uint8_t> token, std::string& error);
[[nodiscard]] std::optional<PlatformClaims> decode_platform_claims(std::span<const std::uint8_t> payload,
                                                                   std::string& error);
[[nodiscard]] std::optional<RealmClaims> decode_realm_claims(std::span<const std::uint8_t> payload,
                                                             std::string& error);

/// H(data) with the IANA-named hash ("sha-256", "sha-384", "sha-512"); nullopt for other names.
[[nodiscard]] std::optional<Bytes> named_hash(std::string_view name, std::span<const std::uint8_t> data);

}  // namespace caec::attest::cca
