// CBOR, COSE and CCA claims (attest/token): round trips and the decoder's strictness.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "caec/abi/hex.h"
#include "attest/token/cca_claims.h"
#include "attest/token/cose.h"
#include "attest/verifier/verifier.h"  // parse_hex
#include "tests/token_test_support.h"

namespace caec::attest {
namespace {

using cca::PlatformClaims;
using cca::RealmClaims;
using testsupport::sample_platform_claims;
using testsupport::sample_realm_claims;

Bytes hex(std::string_view h) {
  return caec::parse_hex(h).value();
}

// ---- CBOR decoding (cbor::decode checks the input before libcbor 0.8 sees it) ----

std::string decode_error(const Bytes& data) {
  std::string error;
  EXPECT_FALSE(cbor::decode(data, error));
  return error;
}

TEST(CborDecode, HugeDeclaredCountsAreRejectedBeforeAllocation) {
  // libcbor 0.8 would allocate and zero 8 bytes per declared element first.
  EXPECT_EQ(decode_error(Bytes{0x9a, 0xff, 0xff, 0xff, 0xff}),
            "truncated CBOR: more items declared than bytes left at byte 5");
  EXPECT_EQ(decode_error(Bytes{0xbb, 0x10, 0, 0, 0, 0, 0, 0, 0}),
            "truncated CBOR: more items declared than bytes left at byte 9");
  EXPECT_EQ(decode_error(Bytes{0x82, 0x9a, 0, 1, 0, 0, 0}),
            "truncated CBOR: more items declared than bytes left at byte 6");
  EXPECT_EQ(decode_error(Bytes{0x5a, 0xff, 0xff, 0xff, 0xff, 0}),
            "string longer than the input at byte 5");
}

TEST(CborDecode, OneByteHeadsOfTags6To20) {
  // 0xd2 0x80: tag 18 around an empty array, as every COSE_Sign1_Tagged starts.
  std::string error;
  for (std::uint8_t t = 6; t <= 20; ++t) {
    const cbor::Item item = cbor::decode(Bytes{static_cast<std::uint8_t>(0xc0 + t), 0x80}, error);
    ASSERT_TRUE(item) << int{t} << ": " << error;
    EXPECT_EQ(cbor_tag_value(item.get()), t);
  }
}

TEST(CborDecode, IndefiniteLengthsNestingAndTrailingBytes) {
  std::string error;
  // [_ 1, {_ 2: h'03'}] then "ab" in two chunks.
  EXPECT_TRUE(cbor::decode(Bytes{0x9f, 0x01, 0xbf, 0x02, 0x41, 0x03, 0xff, 0xff}, error)) << error;
  EXPECT_TRUE(cbor::decode(Bytes{0x7f, 0x61, 'a', 0x61, 'b', 0xff}, error)) << error;
  EXPECT_EQ(decode_error(Bytes{0x9f, 0x01}),
            "truncated CBOR: more items declared than bytes left at byte 2");
  EXPECT_EQ(decode_error(Bytes{0x01, 0xff}), "1 trailing bytes after the CBOR item");
  EXPECT_EQ(decode_error(Bytes{0x1c}), "reserved or invalid CBOR head at byte 1");
  EXPECT_EQ(decode_error(Bytes(40, 0x81)), "CBOR nested deeper than 32 levels at byte 33");
  EXPECT_EQ(decode_error(Bytes{}), "empty input");
}

// ---- COSE ----

class Sign1Test : public ::testing::TestWithParam<Curve> {};

TEST_P(Sign1Test, SignThenVerify) {
  const EcKey key = EcKey::generate(GetParam());
  const Bytes payload{1, 2, 3, 4};
  const Bytes msg = sign1(key, payload);
  std::string error;
  const auto parsed = parse_sign1(msg, error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(parsed->alg, alg_for(GetParam()));
  EXPECT_EQ(parsed->payload, payload);
  EXPECT_EQ(parsed->signature.size(), 2 * coordinate_size(GetParam()));
  EXPECT_TRUE(verify_sign1(*parsed, key));
}

TEST_P(Sign1Test, WrongKeyFails) {
  const EcKey key = EcKey::generate(GetParam());
  const EcKey other = EcKey::generate(GetParam());
  std::string error;
  const auto parsed = parse_sign1(sign1(key, Bytes{9}), error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_FALSE(verify_sign1(*parsed, other));
}

TEST_P(Sign1Test, ChangedPayloadFails) {
  const EcKey key = EcKey::generate(GetParam());
  std::string error;
  auto parsed = parse_sign1(sign1(key, Bytes{1, 2, 3}), error);
  ASSERT_TRUE(parsed) << error;
  parsed->payload[1] ^= 1;
  EXPECT_FALSE(verify_sign1(*parsed, key));
}

TEST_P(Sign1Test, CoseKeyRoundTrip) {
  const EcKey key = EcKey::generate(GetParam());
  std::string error;
  const auto back = decode_cose_key(encode_cose_key(key), error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->curve(), GetParam());
  EXPECT_EQ(back->public_point(), key.public_point());
  EXPECT_FALSE(back->has_private());
}

INSTANTIATE_TEST_SUITE_P(Curves, Sign1Test,
                         ::testing::Values(Curve::kP256, Curve::kP384, Curve::kP521));

TEST(Sign1, OtherCurveKeyFails) {
  const EcKey p384 = EcKey::generate(Curve::kP384);
  const EcKey p256 = EcKey::generate(Curve::kP256);
  std::string error;
  const auto parsed = parse_sign1(sign1(p384, Bytes{7}), error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_FALSE(verify_sign1(*parsed, p256));
}

TEST(CoseKey, RejectsAPointOffTheCurve) {
  const EcKey key = EcKey::generate(Curve::kP384);
  Bytes encoded = encode_cose_key(key);
  encoded.back() ^= 1;  // last byte of y
  std::string error;
  EXPECT_FALSE(decode_cose_key(encoded, error));
  EXPECT_NE(error.find("not on P-384"), std::string::npos) << error;
}

TEST(CoseKey, RejectsOtherKeyTypes) {
  const Bytes okp =
      cbor::encode(cbor::MapBuilder().add(1, cbor::uint(1)).add(-1, cbor::uint(6)).build());
  std::string error;
  EXPECT_FALSE(decode_cose_key(okp, error));
  EXPECT_NE(error.find("EC2"), std::string::npos) << error;
}

// ---- Claims round trips ----

TEST(Claims, PlatformRoundTrip) {
  const PlatformClaims claims = sample_platform_claims(Bytes(48, 0x11));
  std::string error;
  const auto back = cca::decode_platform_claims(cca::encode_platform_claims(claims), error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(*back, claims);
}

TEST(Claims, PlatformRoundTripWithoutOptionalFields) {
  PlatformClaims claims = sample_platform_claims(Bytes(32, 0x22));
  claims.verification_service.reset();
  claims.sw_components.at(0).type.reset();
  claims.sw_components.at(0).version.reset();
  claims.sw_components.at(0).hash_algo.reset();
  std::string error;
  const auto back = cca::decode_platform_claims(cca::encode_platform_claims(claims), error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(*back, claims);
}

TEST(Claims, RealmRoundTripWithoutCaecClaims) {
  const RealmClaims claims = sample_realm_claims(encode_cose_key(EcKey::generate(Curve::kP384)));
  ASSERT_FALSE(claims.realm_id);
  std::string error;
  const auto back = cca::decode_realm_claims(cca::encode_realm_claims(claims), error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(*back, claims);
}

TEST(Claims, RealmRoundTripWithCaecClaims) {
  RealmClaims claims = sample_realm_claims(encode_cose_key(EcKey::generate(Curve::kP384)));
  claims.realm_id = 7;
  claims.csm = std::vector<cca::CsmClaim>{
      {.csm_id = 3,
       .role = cca::CsmRole::kProvider,
       .permission = 3,
       .provider_rid = 7,
       .consumers = {8, 9}},
      {.csm_id = 5,
       .role = cca::CsmRole::kConsumer,
       .permission = 1,
       .provider_rid = 2,
       .consumers = {}},
  };
  std::string error;
  const auto back = cca::decode_realm_claims(cca::encode_realm_claims(claims), error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(*back, claims);
}

TEST(Claims, RealmRoundTripLegacyAndLaterProfiles) {
  RealmClaims legacy = sample_realm_claims(EcKey::generate(Curve::kP384).public_point());
  legacy.profile.reset();
  RealmClaims later = sample_realm_claims(encode_cose_key(EcKey::generate(Curve::kP384)));
  later.profile = std::string(cca::kRealmProfile2);
  later.instance_id = Bytes(33, 0x01);
  later.mec_policy = 1;
  later.rim = Bytes(64, 0x5a);
  later.rems.fill(Bytes(64, 0xa5));
  later.csm = std::vector<cca::CsmClaim>{};  // present but empty
  for (const RealmClaims& claims : {legacy, later}) {
    std::string error;
    const auto back = cca::decode_realm_claims(cca::encode_realm_claims(claims), error);
    ASSERT_TRUE(back) << error;
    EXPECT_EQ(*back, claims);
  }
}

TEST(Claims, NamedHash) {
  const Bytes abc{'a', 'b', 'c'};
  EXPECT_EQ(cca::named_hash("sha-256", abc),
            hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  EXPECT_EQ(cca::named_hash("sha-384", abc),
            hex("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358"
                "baeca134c825a7"));
  EXPECT_EQ(cca::named_hash("sha-512", abc)->size(), 64U);
  EXPECT_FALSE(cca::named_hash("sha256", abc));
  EXPECT_FALSE(cca::named_hash("md5", abc));
}

// ---- The top level ----

TEST(Token, RoundTripInBothFormats) {
  const Bytes p{0xd2, 0x01};
  const Bytes r{0xd2, 0x02, 0x03};
  for (cca::TokenFormat f : {cca::TokenFormat::kCmw907, cca::TokenFormat::kLegacy399}) {
    std::string error;
    const auto parts = cca::decode_token(cca::encode_token(f, p, r), error);
    ASSERT_TRUE(parts) << error;
    EXPECT_EQ(parts->format, f);
    EXPECT_EQ(parts->platform_sign1, p);
    EXPECT_EQ(parts->realm_sign1, r);
  }
}

std::string token_error(const cbor::Item& item) {
  std::string error;
  EXPECT_FALSE(cca::decode_token(cbor::encode(item), error));
  return error;
}

/// What a test collection map holds under a key: a bare bstr, or [format, bstr].
enum class Entry : std::uint8_t { kBstr, kCmw263, kCmw264 };

/// Tag `tag` around a map of `entries`.
cbor::Item collection(std::uint64_t tag,
                      std::initializer_list<std::pair<std::int64_t, Entry>> entries) {
  cbor::MapBuilder m;
  for (const auto& [key, entry] : entries) {
    if (entry == Entry::kBstr) {
      m.add(key, cbor::bytes(Bytes{1}));
      continue;
    }
    std::vector<cbor::Item> pair;
    pair.push_back(cbor::uint(entry == Entry::kCmw263 ? 263 : 264));
    pair.push_back(cbor::bytes(Bytes{1}));
    m.add(key, cbor::array(std::move(pair)));
  }
  return cbor::tag(tag, m.build());
}

TEST(Token, RejectsOtherShapes) {
  constexpr std::int64_t kP = cca::kPlatformTokenKey;
  constexpr std::int64_t kR = cca::kRealmTokenKey;
  const auto b = Entry::kBstr;
  const std::pair<cbor::Item, const char*> cases[] = {
      {cbor::MapBuilder().add(kP, cbor::bytes(Bytes{1})).build(), "expected tag 907"},
      {cbor::tag(61, cbor::MapBuilder().build()), "tag 61 is neither 907"},
      {cbor::tag(907, cbor::array({})), "expected a map"},
      {collection(399, {{kP, b}}),
       "exactly the keys 44234 (platform) and 44241 (realm); it has 44234"},
      {collection(399, {{kP, b}, {kR, b}, {1, b}}), "it has 44234, 44241, 1"},
      {collection(399, {{kP, b}, {kP, b}}), "not distinct integers"},
      // Tag 907 with bare bstr values, tag 399 with [263, bstr] values, a wrong content format.
      {collection(907, {{kP, b}, {kR, b}}),
       "the platform (44234) entry is a byte string, expected [263, bstr]"},
      {collection(399, {{kP, Entry::kCmw263}, {kR, Entry::kCmw263}}),
       "expected a byte string (tag 399 form)"},
      {collection(907, {{kP, Entry::kCmw263}, {kR, Entry::kCmw264}}),
       "realm (44241) entry has content format 264"},
  };
  for (const auto& [token, expected] : cases) {
    EXPECT_NE(token_error(token).find(expected), std::string::npos) << expected;
  }
}

TEST(Token, RejectsTrailingBytes) {
  Bytes token = cca::encode_token(cca::TokenFormat::kCmw907, Bytes{1}, Bytes{2});
  token.push_back(0);
  std::string error;
  EXPECT_FALSE(cca::decode_token(token, error));
  EXPECT_NE(error.find("trailing"), std::string::npos) << error;
}

// ---- Claim decoding: strictness, with errors that name the claim ----

/// Realm claims as a map builder, so a test can drop, change or repeat one claim.
cbor::MapBuilder realm_map(const RealmClaims& c, std::int64_t skip = 0) {
  cbor::MapBuilder m;
  const auto add = [&](std::int64_t key, cbor::Item v) {
    if (key != skip) m.add(key, std::move(v));
  };
  add(cca::kProfile, cbor::text(*c.profile));
  add(cca::kChallenge, cbor::bytes(c.challenge));
  add(cca::kRealmPersonalizationValue, cbor::bytes(c.rpv));
  add(cca::kRealmHashAlgo, cbor::text(c.hash_algo));
  add(cca::kRealmPublicKeyHashAlgo, cbor::text(c.public_key_hash_algo));
  add(cca::kRealmPublicKey, cbor::bytes(c.public_key));
  add(cca::kRealmInitialMeasurement, cbor::bytes(c.rim));
  std::vector<cbor::Item> rems;
  for (const Bytes& r : c.rems) rems.push_back(cbor::bytes(r));
  add(cca::kRealmExtensibleMeasurements, cbor::array(std::move(rems)));
  return m;
}

std::string realm_error(cbor::MapBuilder m) {
  std::string error;
  EXPECT_FALSE(cca::decode_realm_claims(cbor::encode(m.build()), error));
  return error;
}

std::string platform_error(const PlatformClaims& c) {
  std::string error;
  EXPECT_FALSE(cca::decode_platform_claims(cca::encode_platform_claims(c), error));
  return error;
}

std::string realm_error(const RealmClaims& c) {
  std::string error;
  EXPECT_FALSE(cca::decode_realm_claims(cca::encode_realm_claims(c), error));
  return error;
}

/// Each case changes a copy of `base`; decoding its encoding must fail with the given error.
template <class Claims>
void expect_decode_errors(
    const Claims& base, std::string (*decode_error)(const Claims&),
    std::initializer_list<std::pair<std::function<void(Claims&)>, std::string>> cases) {
  for (const auto& [change, expected] : cases) {
    Claims c = base;
    change(c);
    EXPECT_EQ(decode_error(c), expected);
  }
}

class RealmDecode : public ::testing::Test {
 protected:
  RealmClaims claims = sample_realm_claims(encode_cose_key(EcKey::generate(Curve::kP384)));
};

TEST_F(RealmDecode, SizesTheProfileFixes) {
  expect_decode_errors<RealmClaims>(
      claims, realm_error,
      {{[](RealmClaims& c) { c.rim = Bytes(31, 0); },
        "realm claim 44238 (initial measurement): 31 bytes, expected 32, 48 or 64"},
       {[](RealmClaims& c) { c.challenge = Bytes(32, 0); },
        "realm claim 10 (challenge): 32 bytes, expected 64"},
       {[](RealmClaims& c) { c.rpv = Bytes(65, 0); },
        "realm claim 44235 (personalization value): 65 bytes, expected 64"},
       {[](RealmClaims& c) { c.rems.at(2) = Bytes(48, 0); },
        "realm claim 44239 (extensible measurements) entry 2: 48 bytes, expected 32 (the "
        "initial measurement's size)"}});
}

TEST_F(RealmDecode, ExactlyFourRems) {
  cbor::MapBuilder m = realm_map(claims, cca::kRealmExtensibleMeasurements);
  std::vector<cbor::Item> three;
  for (int i = 0; i < 3; ++i) three.push_back(cbor::bytes(claims.rim));
  m.add(cca::kRealmExtensibleMeasurements, cbor::array(std::move(three)));
  EXPECT_EQ(realm_error(std::move(m)),
            "realm claim 44239 (extensible measurements): 3 entries, expected 4");
}

TEST_F(RealmDecode, MandatoryClaims) {
  for (std::int64_t key : {cca::kChallenge, cca::kRealmPersonalizationValue, cca::kRealmHashAlgo,
                           cca::kRealmPublicKey, cca::kRealmInitialMeasurement,
                           cca::kRealmExtensibleMeasurements, cca::kRealmPublicKeyHashAlgo}) {
    const std::string error = realm_error(realm_map(claims, key));
    EXPECT_TRUE(error.starts_with("realm claim " + std::to_string(key) + " (")) << error;
    EXPECT_TRUE(error.ends_with(") is missing")) << error;
  }
}

TEST_F(RealmDecode, Types) {
  cbor::MapBuilder m = realm_map(claims, cca::kRealmHashAlgo);
  m.add(cca::kRealmHashAlgo, cbor::bytes(Bytes{1}));
  EXPECT_EQ(realm_error(std::move(m)),
            "realm claim 44236 (hash algorithm): a byte string, expected a text string");
  m = realm_map(claims, cca::kChallenge);
  m.add(cca::kChallenge, cbor::text("x"));
  EXPECT_EQ(realm_error(std::move(m)),
            "realm claim 10 (challenge): a text string, expected a byte string");
  m = realm_map(claims);
  m.add(cca::kCaecRealmId, cbor::integer(-1));
  EXPECT_EQ(realm_error(std::move(m)),
            "realm claim -70001 (caec realm id): a negative integer, expected an unsigned integer");
}

TEST_F(RealmDecode, DuplicateClaimRejected) {
  cbor::MapBuilder m = realm_map(claims);
  m.add(cca::kRealmInitialMeasurement, cbor::bytes(claims.rim));
  EXPECT_EQ(realm_error(std::move(m)), "realm claim 44238 (initial measurement) appears twice");
}

TEST_F(RealmDecode, NonIntegerKeyRejected) {
  const cbor::Item full = realm_map(claims).build();
  cbor::Item map(cbor_new_definite_map(cbor_map_size(full.get()) + 1));
  for (const cbor_pair& p : std::span(cbor_map_handle(full.get()), cbor_map_size(full.get()))) {
    ASSERT_TRUE(cbor_map_add(map.get(), p));
  }
  cbor::Item key = cbor::text("nonce");
  cbor::Item value = cbor::bytes(Bytes{1});
  ASSERT_TRUE(cbor_map_add(map.get(), cbor_pair{.key = key.get(), .value = value.get()}));
  std::string error;
  EXPECT_FALSE(cca::decode_realm_claims(cbor::encode(map), error));
  EXPECT_EQ(error, "realm claims have a key that is a text string, expected an integer");
}

TEST_F(RealmDecode, UnknownClaimsIgnored) {
  cbor::MapBuilder m = realm_map(claims);
  m.add(99999, cbor::text("future claim")).add(-123, cbor::array({}));
  std::string error;
  const auto back = cca::decode_realm_claims(cbor::encode(m.build()), error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(*back, claims);
}

TEST_F(RealmDecode, CsmEntries) {
  const cca::CsmClaim ok{.csm_id = 1,
                         .role = cca::CsmRole::kProvider,
                         .permission = 3,
                         .provider_rid = 4,
                         .consumers = {5}};
  const auto with_csm = [&](cbor::Item entry) {
    cbor::MapBuilder m = realm_map(claims);
    std::vector<cbor::Item> regions;
    regions.push_back(std::move(entry));
    m.add(cca::kCaecCsm, cbor::array(std::move(regions)));
    return realm_error(std::move(m));
  };
  EXPECT_EQ(with_csm(cbor::MapBuilder()
                         .add(cca::kCsmId, cbor::uint(ok.csm_id))
                         .add(cca::kCsmRole, cbor::uint(2))
                         .add(cca::kCsmPermission, cbor::uint(ok.permission))
                         .add(cca::kCsmProviderRid, cbor::uint(ok.provider_rid))
                         .add(cca::kCsmConsumers, cbor::array({}))
                         .build()),
            "realm claim -70002 (caec csm) entry 0 key 2 (role): 2, expected 0 (provider) or 1 "
            "(consumer)");
  EXPECT_EQ(with_csm(cbor::MapBuilder().add(cca::kCsmId, cbor::uint(1)).build()),
            "realm claim -70002 (caec csm) entry 0 key 2 (role) is missing");
  EXPECT_EQ(with_csm(cbor::uint(1)),
            "realm claim -70002 (caec csm) entry 0 fields are an unsigned integer, expected a map");
}

class PlatformDecode : public ::testing::Test {
 protected:
  PlatformClaims claims = sample_platform_claims(Bytes(32, 0x33));
};

TEST_F(PlatformDecode, SizesTheProfileFixes) {
  expect_decode_errors<PlatformClaims>(
      claims, platform_error,
      {{[](PlatformClaims& c) { c.implementation_id = Bytes(31, 0); },
        "platform claim 2396 (implementation id): 31 bytes, expected 32"},
       {[](PlatformClaims& c) { c.instance_id = Bytes(32, 1); },
        "platform claim 256 (instance id): 32 bytes, expected 33"},
       {[](PlatformClaims& c) { c.instance_id.at(0) = 2; },
        "platform claim 256 (instance id): first byte 2, expected 1 (UEID type RAND)"},
       {[](PlatformClaims& c) { c.challenge = Bytes(20, 0); },
        "platform claim 10 (challenge): 20 bytes, expected 32, 48 or 64"},
       {[](PlatformClaims& c) { c.sw_components.at(1).measurement = Bytes(20, 0); },
        "platform claim 2399 (software components) entry 1 key 2 (measurement): 20 bytes, "
        "expected 32, 48 or 64"},
       {[](PlatformClaims& c) { c.sw_components.clear(); },
        "platform claim 2399 (software components): empty, expected at least one component"},
       {[](PlatformClaims& c) { c.lifecycle = 0x10000; },
        "platform claim 2395 (lifecycle): 65536, expected 0 to 65535"}});
}

TEST_F(PlatformDecode, MandatoryClaims) {
  // encode_platform_claims writes every mandatory claim; re-encode without one.
  std::string error;
  const cbor::Item full = cbor::decode(cca::encode_platform_claims(claims), error);
  ASSERT_TRUE(full) << error;
  for (std::int64_t key : {cca::kProfile, cca::kChallenge, cca::kPlatformImplementationId,
                           cca::kInstanceId, cca::kPlatformConfig, cca::kPlatformLifecycle,
                           cca::kPlatformSwComponents, cca::kPlatformHashAlgo}) {
    cbor::Item without(cbor_new_definite_map(cbor_map_size(full.get())));
    for (const cbor_pair& p : std::span(cbor_map_handle(full.get()), cbor_map_size(full.get()))) {
      if (cbor::as_int(p.key) != key) {
        ASSERT_TRUE(cbor_map_add(without.get(), p));
      }
    }
    EXPECT_FALSE(cca::decode_platform_claims(cbor::encode(without), error));
    EXPECT_TRUE(error.starts_with("platform claim " + std::to_string(key) + " (")) << error;
    EXPECT_TRUE(error.ends_with(") is missing")) << error;
  }
}

TEST_F(PlatformDecode, SwComponentNeedsSignerId) {
  const cbor::Item sw =
      cbor::MapBuilder().add(cca::kSwMeasurement, cbor::bytes(Bytes(32, 1))).build();
  cbor::MapBuilder m;
  m.add(cca::kProfile, cbor::text(claims.profile))
      .add(cca::kChallenge, cbor::bytes(claims.challenge))
      .add(cca::kPlatformImplementationId, cbor::bytes(claims.implementation_id))
      .add(cca::kInstanceId, cbor::bytes(claims.instance_id))
      .add(cca::kPlatformConfig, cbor::bytes(claims.config))
      .add(cca::kPlatformLifecycle, cbor::integer(claims.lifecycle))
      .add(cca::kPlatformHashAlgo, cbor::text(claims.hash_algo));
  std::vector<cbor::Item> list;
  list.push_back(cbor::Item(cbor_incref(sw.get())));
  m.add(cca::kPlatformSwComponents, cbor::array(std::move(list)));
  std::string error;
  EXPECT_FALSE(cca::decode_platform_claims(cbor::encode(m.build()), error));
  EXPECT_EQ(error,
            "platform claim 2399 (software components) entry 0 key 5 (signer id) is missing");
}

TEST(ClaimsDecode, MalformedPayload) {
  std::string error;
  EXPECT_FALSE(cca::decode_realm_claims(Bytes{0xa1, 0x0a}, error));
  EXPECT_EQ(error, "realm claims: truncated CBOR: more items declared than bytes left at byte 1");
  EXPECT_FALSE(cca::decode_platform_claims(cbor::encode(cbor::array({})), error));
  EXPECT_EQ(error, "platform claims are an array, expected a map");
}

}  // namespace
}  // namespace caec::attest
