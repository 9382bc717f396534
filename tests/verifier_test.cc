// The CCA token verifier (attest/verifier): the third-party test vectors in data/cca-tokens get
// the verdicts their README gives, corrupted tokens are rejected, and each check fails for the
// reason it exists.
#include "caec/abi/hex.h"
#include "attest/verifier/verifier.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "attest/token/cca_claims.h"
#include "attest/token/cose.h"
#include "tests/token_test_support.h"

namespace caec::attest::verifier {
namespace {

using testsupport::bound_claims;
using testsupport::ClaimPair;
using testsupport::sign_token;

std::string read_text(const std::string& name) {
  std::ifstream in(std::string(CAEC_TESTDATA_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Bytes read_bytes(const std::string& name) {
  const std::string s = read_text(name);
  return {s.begin(), s.end()};
}

Bytes hex(std::string_view h) {
  return parse_hex(h).value();
}

/// A PEM file or a trust-anchor JSON file from the test data, by extension.
ReferenceValues reference_from(const std::string& key_file) {
  ReferenceValues ref;
  std::string error;
  auto anchors = key_file.ends_with(".json")
                     ? anchors_from_trust_anchor_json(read_text(key_file), key_file, error)
                     : anchors_from_pem(read_text(key_file), key_file, error);
  EXPECT_TRUE(anchors) << key_file << ": " << error;
  if (anchors) ref.platform_keys = std::move(*anchors);
  return ref;
}

ReferenceValues reference_with(const EcKey& platform_key) {
  ReferenceValues ref;
  ref.platform_keys.emplace_back(platform_key, "test key");
  return ref;
}

CheckStatus status_of(const VerificationReport& r, std::string_view check) {
  const Check* c = r.find(check);
  EXPECT_NE(c, nullptr) << "no check " << check;
  return c == nullptr ? CheckStatus::kSkipped : c->status;
}

std::string failed_check(const VerificationReport& r) {
  const Check* c = r.first_failure();
  return c == nullptr ? "" : c->name;
}

std::string all_messages(const VerificationReport& r) {
  std::string s;
  for (const Check& c : r.checks)
    s += c.name + ": " + std::string(status_name(c.status)) + ": " + c.message + "\n";
  return s;
}

// ---- The test vectors (tests/data/cca-tokens/README.md) ----

struct Vector {
  const char* token;
  const char* key;
  bool pass;
  std::string_view failing_check{};  // when !pass: the only check that fails
};

void PrintTo(const Vector& v, std::ostream* os) {
  *os << v.token << " with " << v.key;
}

class TestVector : public ::testing::TestWithParam<Vector> {};

TEST_P(TestVector, GetsTheReadmeVerdict) {
  const Vector& v = GetParam();
  const VerificationReport r = verify(read_bytes(v.token), reference_from(v.key));
  EXPECT_EQ(r.passed(), v.pass) << all_messages(r);
  if (!v.pass) {
    for (const Check& c : r.checks) {
      EXPECT_EQ(c.status == CheckStatus::kPass, c.name != v.failing_check) << all_messages(r);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Readme, TestVector,
    ::testing::Values(
        Vector{"tfm-cca_example_token.cbor", "cpak-p384.pub.pem", true},
        Vector{"tfm-cca_example_token.cbor", "rust-ta-tfa.json", true},
        Vector{"tfm-cca_token_legacy.cbor", "cpak-p384.pub.pem", true},
        Vector{"tfm-cca_token_legacy.cbor", "rust-ta-tfa.json", true},
        Vector{"rust-cca-token-draft-ffm-00.cbor", "cpak-p384.pub.pem", true},
        Vector{"rust-cca-token-draft-ffm-00.cbor", "rust-ta-tfa.json", true},
        Vector{"rust-cca-token-02.cbor", "rust-ta-02-ok.json", true},
        Vector{"rust-cca-token-02.cbor", "rust-ta-02-ok.pub.pem", true},
        Vector{"rust-bug-33-repro.cbor", "cpak-p384.pub.pem", false, kCheckRakBinding},
        Vector{"rust-bug-33-repro.cbor", "rust-ta-tfa.json", false, kCheckRakBinding},
        // The other platform's key.
        Vector{"tfm-cca_example_token.cbor", "rust-ta-02-ok.pub.pem", false,
               kCheckPlatformSignature},
        Vector{"rust-cca-token-02.cbor", "cpak-p384.pub.pem", false, kCheckPlatformSignature}));

TEST(TestVectors, FormatsAlgorithmsAndBindings) {
  const ReferenceValues cpak = reference_from("cpak-p384.pub.pem");
  const VerificationReport tfm = verify(read_bytes("tfm-cca_example_token.cbor"), cpak);
  EXPECT_EQ(tfm.format, cca::TokenFormat::kCmw907);
  EXPECT_EQ(tfm.find(kCheckRealmSignature)->message,
            "ES384, verified with the RAK in realm claim 44237 (P-384 COSE_Key)");
  EXPECT_EQ(tfm.find(kCheckRakBinding)->message, "platform challenge = sha-256(realm claim 44237)");
  EXPECT_EQ(tfm.find(kCheckRealmProfile)->message, cca::kRealmProfile2);

  const VerificationReport legacy = verify(read_bytes("tfm-cca_token_legacy.cbor"), cpak);
  EXPECT_EQ(legacy.format, cca::TokenFormat::kCmw907);
  EXPECT_EQ(legacy.find(kCheckRealmSignature)->message,
            "ES384, verified with the RAK in realm claim 44237 (raw P-384 point)");
  EXPECT_EQ(legacy.find(kCheckPlatformProfile)->message, "http://arm.com/CCA-SSD/1.0.0 (legacy)");
  EXPECT_EQ(legacy.find(kCheckRealmProfile)->message, "absent (legacy realm token)");

  const VerificationReport draft = verify(read_bytes("rust-cca-token-draft-ffm-00.cbor"), cpak);
  EXPECT_EQ(draft.format, cca::TokenFormat::kLegacy399);
  EXPECT_EQ(draft.realm->profile, cca::kRealmProfile);

  const VerificationReport p256 =
      verify(read_bytes("rust-cca-token-02.cbor"), reference_from("rust-ta-02-ok.json"));
  EXPECT_EQ(p256.format, cca::TokenFormat::kLegacy399);
  EXPECT_EQ(p256.platform_alg, static_cast<std::int64_t>(CoseAlg::kEs256));
  EXPECT_EQ(p256.realm_alg, static_cast<std::int64_t>(CoseAlg::kEs384));
  EXPECT_EQ(p256.find(kCheckPlatformSignature)->message,
            "ES256, verified with rust-ta-02-ok.json[0]");
  EXPECT_EQ(p256.find(kCheckRakBinding)->message,
            "platform challenge = sha-512(realm claim 44237)");

  const VerificationReport bug33 = verify(read_bytes("rust-bug-33-repro.cbor"), cpak);
  EXPECT_EQ(bug33.platform->sw_components.size(), 16U);
  EXPECT_EQ(verdict_line(bug33).rfind("FAIL: rak-binding: platform challenge 07060504", 0), 0U)
      << verdict_line(bug33);
}

TEST(TestVectors, TrustAnchorSelectedByIds) {
  // Two anchors: the other platform's first, then the right one. The ids pick the right one.
  ReferenceValues ref = reference_from("rust-ta-02-ok.json");
  ReferenceValues tfa = reference_from("rust-ta-tfa.json");
  ref.platform_keys.push_back(std::move(tfa.platform_keys.at(0)));
  const VerificationReport r = verify(read_bytes("tfm-cca_example_token.cbor"), ref);
  EXPECT_TRUE(r.passed()) << all_messages(r);
  EXPECT_EQ(r.find(kCheckPlatformSignature)->message, "ES384, verified with rust-ta-tfa.json[0]");

  // The right key under the wrong ids is not used when there is a choice.
  ref.platform_keys.at(1).instance_id = Bytes(33, 0x01);
  const VerificationReport none = verify(read_bytes("tfm-cca_example_token.cbor"), ref);
  EXPECT_EQ(failed_check(none), kCheckPlatformSignature);
  EXPECT_NE(none.find(kCheckPlatformSignature)
                ->message.find("no platform key for implementation id 7f454c46"),
            std::string::npos);

  // The only anchor is used even when its ids differ, and the message says so.
  ReferenceValues only = reference_from("rust-ta-tfa.json");
  only.platform_keys.at(0).implementation_id = Bytes(32, 0);
  const VerificationReport r2 = verify(read_bytes("tfm-cca_example_token.cbor"), only);
  EXPECT_TRUE(r2.passed()) << all_messages(r2);
  EXPECT_NE(r2.find(kCheckPlatformSignature)->message.find("the only key given"),
            std::string::npos);
}

/// The scalar entries of a tf-m-tools claims YAML file in order, with !!binary values
/// base64-decoded. List items without a key ("- !!binary |") take the key of their list.
std::vector<std::pair<std::string, std::string>> yaml_entries(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  const auto indent_of = [](const std::string& l) { return l.find_first_not_of(' '); };
  std::vector<std::pair<std::string, std::string>> out;
  std::string list_key;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::size_t indent = indent_of(lines[i]);
    if (indent == std::string::npos || lines[i][indent] == '#') continue;
    std::string body = lines[i].substr(indent);
    if (body.starts_with("- ")) body = body.substr(2);
    std::string key = list_key;
    std::string value = body;
    if (!body.starts_with("!!binary")) {
      if (body.ends_with(":")) {
        list_key = body.substr(0, body.size() - 1);
        continue;
      }
      const std::size_t colon = body.find(": ");
      if (colon == std::string::npos) continue;
      key = body.substr(0, colon);
      value = body.substr(colon + 2);
    }
    if (value.starts_with("!!binary")) {
      std::string b64 = value.substr(value.find_last_of(' ') + 1);
      if (b64 == "|") b64.clear();
      while (i + 1 < lines.size() && indent_of(lines[i + 1]) != std::string::npos &&
             indent_of(lines[i + 1]) > indent) {
        ++i;
        b64 += lines[i].substr(indent_of(lines[i]));
      }
      const Bytes decoded = parse_base64(b64).value();
      value.assign(decoded.begin(), decoded.end());
    }
    out.emplace_back(key, value);
  }
  return out;
}

Bytes as_bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

class TfmExampleClaims : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* file : {"tfm-cca_example_platform_token.yaml", "tfm-cca_example_token.yaml"}) {
      for (auto& e : yaml_entries(read_text(file))) yaml_.push_back(std::move(e));
    }
    report_ = verify(read_bytes("tfm-cca_example_token.cbor"), reference_from("cpak-p384.pub.pem"));
    ASSERT_TRUE(report_.passed()) << all_messages(report_);
  }
  std::vector<std::string> all(std::string_view key) const {
    std::vector<std::string> v;
    for (const auto& e : yaml_) {
      if (e.first == key) v.push_back(e.second);
    }
    return v;
  }
  std::string one(std::string_view key) const {
    const auto v = all(key);
    EXPECT_EQ(v.size(), 1U) << key;
    return v.empty() ? "" : v.front();
  }

  std::vector<std::pair<std::string, std::string>> yaml_;
  VerificationReport report_;
};

TEST_F(TfmExampleClaims, PlatformClaimsAreTheYamlValues) {
  const cca::PlatformClaims& p = *report_.platform;
  EXPECT_EQ(p.profile, one("cca_attestation_profile"));
  EXPECT_EQ(p.challenge, as_bytes(one("cca_platform_challenge")));
  EXPECT_EQ(p.implementation_id, as_bytes(one("cca_platform_implementation_id")));
  EXPECT_EQ(p.instance_id, as_bytes(one("cca_platform_instance_id")));
  EXPECT_EQ(p.config, as_bytes(one("cca_platform_config")));
  EXPECT_EQ(one("cca_platform_lifecycle"), "secured_0x3003");
  EXPECT_EQ(p.hash_algo, one("cca_platform_hash_algo_id"));
  EXPECT_EQ(p.verification_service, one("cca_platform_verification_service"));
  const auto types = all("sw_component_type");
  const auto signers = all("signer_id");
  const auto measurements = all("measurement_value");
  const auto algos = all("cca_sw_component_hash_id");
  ASSERT_EQ(p.sw_components.size(), types.size());
  for (std::size_t i = 0; i < types.size(); ++i) {
    EXPECT_EQ(p.sw_components[i].type, types.at(i));
    EXPECT_EQ(p.sw_components[i].signer_id, as_bytes(signers.at(i)));
    EXPECT_EQ(p.sw_components[i].measurement, as_bytes(measurements.at(i)));
    EXPECT_EQ(p.sw_components[i].hash_algo, algos.at(i));
    EXPECT_FALSE(p.sw_components[i].version);
  }
  // Spot checks against literals, so the YAML reader above is checked too.
  EXPECT_EQ(p.implementation_id,
            hex("7f454c4602010100000000000000000003003e00010000005058000000000000"));
  EXPECT_EQ(p.instance_id,
            hex("0107060504030201000f0e0d0c0b0a090817161514131211101f1e1d1c1b1a1918"));
  EXPECT_EQ(p.lifecycle, 12291);
  EXPECT_EQ(lifecycle_state(p.lifecycle), LifecycleState::kSecured);
  EXPECT_EQ(p.sw_components.size(), 13U);
  EXPECT_EQ(p.sw_components.front().type, "RSE_BL1_2");
  EXPECT_EQ(p.sw_components.back().type, "SOC_FW_CONFIG");
  EXPECT_EQ(p.hash_algo, "sha-256");
}

TEST_F(TfmExampleClaims, RealmClaimsAreTheYamlValues) {
  const cca::RealmClaims& r = *report_.realm;
  EXPECT_EQ(r.profile, one("cca_realm_profile"));
  EXPECT_EQ(r.challenge, as_bytes(one("cca_realm_challenge")));
  EXPECT_EQ(r.instance_id, as_bytes(one("cca_realm_instance_id")));
  EXPECT_EQ(r.hash_algo, one("cca_realm_hash_algm_id"));
  EXPECT_EQ(r.public_key_hash_algo, one("cca_realm_pub_key_hash_algo_id"));
  EXPECT_EQ(r.rpv, as_bytes(one("cca_realm_personalization_value")));
  EXPECT_EQ(r.public_key, as_bytes(one("cca_realm_pub_key")));
  EXPECT_EQ(r.rim, as_bytes(one("cca_realm_initial_measurement")));
  EXPECT_EQ(r.mec_policy, std::stoll(one("cca_realm_mec_policy")));
  const auto rems = all("cca_realm_extensible_measurements");
  ASSERT_EQ(rems.size(), 4U);
  for (std::size_t i = 0; i < rems.size(); ++i) EXPECT_EQ(r.rems.at(i), as_bytes(rems[i])) << i;
  EXPECT_EQ(r.rim, hex("311314ab73620350cf758834ae5c65d9e8c2dc7febe6e7d9654bbe864e300d49"));
  EXPECT_EQ(std::string(r.rpv.begin(), r.rpv.begin() + 19), "The quick brown fox");
  EXPECT_FALSE(r.realm_id);
  EXPECT_FALSE(r.csm);
}

TEST_F(TfmExampleClaims, ReferenceValuesFromTheYaml) {
  ReferenceValues ref = reference_from("cpak-p384.pub.pem");
  ref.rim = as_bytes(one("cca_realm_initial_measurement"));
  ref.rpv = as_bytes(one("cca_realm_personalization_value"));
  const auto rems = all("cca_realm_extensible_measurements");
  ref.rems = {as_bytes(rems.at(0)), as_bytes(rems.at(1)), as_bytes(rems.at(2)),
              as_bytes(rems.at(3))};
  ref.lifecycle_states = {LifecycleState::kSecured};
  std::string error;
  ref.sw_components = sw_components_from_json(R"([
      {"type": "RMM", "measurement": "a1fb50e6c86fae1679ef3351296fd6713411a08cf8dd1790a4fd05fae8688164",
       "signer-id": "5378796307535df3ec8d8b15a2e2dc5641419c3d3060cfe32238c0fa973f7aa3"},
      {"measurement": "2e6d31a5983a91251bfae5aefa1c0a19d8ba3cf601d0e8a706b4cfa9661a6b8a"}])",
                                              error);
  ASSERT_TRUE(ref.sw_components) << error;
  const VerificationReport r = verify(read_bytes("tfm-cca_example_token.cbor"), ref);
  EXPECT_TRUE(r.passed()) << all_messages(r);
  std::vector<std::string> names;
  for (const Check& c : r.checks) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"structure", "platform-signature", "realm-signature",
                                             "rak-binding", "platform-profile", "realm-profile",
                                             "lifecycle", "rim", "rpv", "rems", "sw-components"}));
}

// ---- Corruption: every single-byte change must be rejected ----

/// Offsets of the bytes of each COSE signature inside `token`.
std::vector<std::size_t> signature_offsets(const Bytes& token) {
  std::string error;
  const auto parts = cca::decode_token(token, error);
  EXPECT_TRUE(parts) << error;
  std::vector<std::size_t> out;
  for (const Bytes* msg : {&parts->platform_sign1, &parts->realm_sign1}) {
    const auto sign1 = parse_sign1(*msg, error);
    const auto at =
        std::search(token.begin(), token.end(), sign1->signature.begin(), sign1->signature.end());
    EXPECT_NE(at, token.end());
    const auto base = static_cast<std::size_t>(at - token.begin());
    const std::size_t n = sign1->signature.size();
    for (std::size_t i : {std::size_t{0}, std::size_t{1}, n / 2 - 1, n / 2, n / 2 + 1, n - 1})
      out.push_back(base + i);
  }
  return out;
}

void expect_every_corruption_rejected(const Bytes& token, const ReferenceValues& ref) {
  const VerificationReport clean = verify(token, ref);
  ASSERT_TRUE(clean.passed()) << all_messages(clean);
  std::size_t accepted = 0;
  const auto try_corrupted = [&](const Bytes& bad, const std::string& what) {
    if (bad != token && verify(bad, ref).passed()) {
      ++accepted;
      ADD_FAILURE() << "accepted with " << what;
    }
  };
  for (std::size_t i = 0; i < token.size(); ++i) {
    for (std::uint8_t mask : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
      Bytes bad = token;
      bad[i] ^= mask;
      try_corrupted(bad, "byte " + std::to_string(i) + " ^ " + std::to_string(mask));
    }
  }
  for (std::size_t i : signature_offsets(token)) {
    Bytes bad = token;
    bad[i] = 0x00;
    try_corrupted(bad, "signature byte " + std::to_string(i) + " = 0");
  }
  EXPECT_EQ(accepted, 0U);
}

class Tamper : public ::testing::TestWithParam<cca::TokenFormat> {
 protected:
  EcKey platform_key = EcKey::generate(Curve::kP384);
  EcKey rak = EcKey::generate(Curve::kP384);
  ClaimPair claims = bound_claims(rak);
};

TEST_P(Tamper, EverySingleByteCorruptionOfABuiltTokenIsRejected) {
  expect_every_corruption_rejected(sign_token(GetParam(), claims, platform_key, rak),
                                   reference_with(platform_key));
}

INSTANTIATE_TEST_SUITE_P(Formats, Tamper,
                         ::testing::Values(cca::TokenFormat::kCmw907,
                                           cca::TokenFormat::kLegacy399));

TEST(TamperVector, EverySingleByteCorruptionOfTheTfmExampleIsRejected) {
  expect_every_corruption_rejected(read_bytes("tfm-cca_example_token.cbor"),
                                   reference_from("cpak-p384.pub.pem"));
}

// ---- Each check fails for its reason ----

class Checks : public ::testing::Test {
 protected:
  VerificationReport run(const ClaimPair& c, const EcKey& realm_signer,
                         cca::TokenFormat f = cca::TokenFormat::kCmw907) const {
    return verify(sign_token(f, c, platform_key, realm_signer), ref);
  }

  EcKey platform_key = EcKey::generate(Curve::kP384);
  EcKey rak = EcKey::generate(Curve::kP384);
  ClaimPair claims = bound_claims(rak);
  ReferenceValues ref = reference_with(platform_key);
};

TEST_F(Checks, BuiltTokenPassesInBothFormats) {
  for (cca::TokenFormat f : {cca::TokenFormat::kCmw907, cca::TokenFormat::kLegacy399}) {
    const VerificationReport r = run(claims, rak, f);
    EXPECT_TRUE(r.passed()) << all_messages(r);
    EXPECT_EQ(r.format, f);
    EXPECT_EQ(r.platform, claims.platform);
    EXPECT_EQ(r.realm, claims.realm);
  }
}

TEST_F(Checks, BindingToAnotherKeyFails) {
  const EcKey other = EcKey::generate(Curve::kP384);
  claims.platform.challenge = cca::named_hash("sha-256", encode_cose_key(other)).value();
  const VerificationReport r = run(claims, rak);
  EXPECT_EQ(failed_check(r), kCheckRakBinding) << all_messages(r);
  EXPECT_EQ(status_of(r, kCheckPlatformSignature), CheckStatus::kPass);
  EXPECT_EQ(status_of(r, kCheckRealmSignature), CheckStatus::kPass);
}

TEST_F(Checks, BindingUsesTheNamedHash) {
  claims.realm.public_key_hash_algo = "sha-512";
  EXPECT_EQ(failed_check(run(claims, rak)), kCheckRakBinding);  // challenge is still the sha-256
  claims.platform.challenge = cca::named_hash("sha-512", claims.realm.public_key).value();
  EXPECT_TRUE(run(claims, rak).passed());
  claims.realm.public_key_hash_algo = "sha3-512";
  const VerificationReport r = run(claims, rak);
  EXPECT_EQ(failed_check(r), kCheckRakBinding);
  EXPECT_EQ(r.find(kCheckRakBinding)->message,
            "realm claim 44240 names \"sha3-512\", not sha-256, sha-384 or sha-512");
}

TEST_F(Checks, WrongPlatformKeyFails) {
  const VerificationReport r =
      verify(sign_token(cca::TokenFormat::kCmw907, claims, platform_key, rak),
             reference_with(EcKey::generate(Curve::kP384)));
  EXPECT_EQ(failed_check(r), kCheckPlatformSignature);
  EXPECT_EQ(r.find(kCheckPlatformSignature)->message,
            "ES384 signature does not verify with test key (P-384)");
  // A key on another curve: the header's algorithm does not fit it.
  const VerificationReport r2 =
      verify(sign_token(cca::TokenFormat::kCmw907, claims, platform_key, rak),
             reference_with(EcKey::generate(Curve::kP256)));
  EXPECT_EQ(r2.find(kCheckPlatformSignature)->message,
            "the token is signed ES384, which does not fit the key test key (P-256)");
}

TEST_F(Checks, OtherPlatformCurvesVerify) {
  for (Curve curve : {Curve::kP256, Curve::kP521}) {
    const EcKey key = EcKey::generate(curve);
    const VerificationReport r =
        verify(sign_token(cca::TokenFormat::kLegacy399, claims, key, rak), reference_with(key));
    EXPECT_TRUE(r.passed()) << all_messages(r);
    EXPECT_EQ(r.platform_alg, static_cast<std::int64_t>(alg_for(curve)));
  }
}

TEST_F(Checks, RealmSignedByAnotherKeyFails) {
  const VerificationReport r = run(claims, EcKey::generate(Curve::kP384));
  EXPECT_EQ(failed_check(r), kCheckRealmSignature) << all_messages(r);
  EXPECT_EQ(r.find(kCheckRealmSignature)->message,
            "ES384 signature does not verify with the RAK (P-384 COSE_Key)");
  EXPECT_EQ(status_of(r, kCheckRakBinding), CheckStatus::kPass);
}

TEST_F(Checks, RealmTokensMustBeEs384) {
  const EcKey p256 = EcKey::generate(Curve::kP256);
  const ClaimPair c = bound_claims(p256);
  const VerificationReport r = run(c, p256);
  EXPECT_EQ(failed_check(r), kCheckRealmSignature);
  EXPECT_EQ(r.find(kCheckRealmSignature)->message,
            "the realm token is signed ES256; CCA realm tokens are ES384");
}

TEST_F(Checks, RawRakAsInLegacyTokens) {
  claims.realm.profile.reset();
  claims.realm.public_key = rak.public_point();
  claims.platform.challenge = cca::named_hash("sha-256", claims.realm.public_key).value();
  claims.platform.profile = cca::kPlatformProfileLegacy;
  const VerificationReport r = run(claims, rak, cca::TokenFormat::kLegacy399);
  EXPECT_TRUE(r.passed()) << all_messages(r);
  claims.realm.public_key.back() ^= 1;  // no longer on the curve
  const VerificationReport bad = run(claims, rak);
  EXPECT_EQ(failed_check(bad), kCheckRealmSignature);
  EXPECT_EQ(bad.find(kCheckRealmSignature)->message,
            "realm claim 44237 (public key) is not a usable key: a raw point that is not on P-384");
}

TEST_F(Checks, UnknownProfilesFail) {
  claims.platform.profile = "tag:example.com,2025:other";
  EXPECT_EQ(failed_check(run(claims, rak)), kCheckPlatformProfile);
  claims = bound_claims(rak);
  claims.realm.profile = "tag:arm.com,2099:realm#9.0.0";
  EXPECT_EQ(failed_check(run(claims, rak)), kCheckRealmProfile);
}

TEST_F(Checks, Lifecycle) {
  ref.lifecycle_states = {LifecycleState::kSecured};
  EXPECT_TRUE(run(claims, rak).passed());
  claims.platform.lifecycle = 0x5001;
  VerificationReport r = run(claims, rak);
  EXPECT_EQ(failed_check(r), kCheckLifecycle);
  EXPECT_EQ(r.find(kCheckLifecycle)->message,
            "lifecycle 20481 (0x5001, recoverable-psa-rot-debug), accepted: secured");
  claims.platform.lifecycle = 0x7000;
  r = run(claims, rak);
  EXPECT_EQ(r.find(kCheckLifecycle)->message,
            "lifecycle 28672 (0x7000, not a PSA state): not in a PSA lifecycle state range");
}

TEST_F(Checks, ReferenceValueMismatchesNameTheirCheck) {
  ref.rim = claims.realm.rim;
  ref.rpv = claims.realm.rpv;
  ref.rems = claims.realm.rems;
  ref.realm_id = 5;
  claims.realm.realm_id = 5;
  ASSERT_TRUE(run(claims, rak).passed()) << all_messages(run(claims, rak));

  ReferenceValues good = ref;
  ref.rim->at(0) ^= 1;
  EXPECT_EQ(failed_check(run(claims, rak)), kCheckRim);
  ref = good;
  ref.rpv->back() ^= 1;
  EXPECT_EQ(failed_check(run(claims, rak)), kCheckRpv);
  ref = good;
  ref.rems->at(3).at(0) ^= 1;
  const VerificationReport rems = run(claims, rak);
  EXPECT_EQ(failed_check(rems), kCheckRems);
  EXPECT_TRUE(rems.find(kCheckRems)->message.starts_with("REM 3 2323"))
      << rems.find(kCheckRems)->message;
  ref = good;
  ref.realm_id = 6;
  const VerificationReport id = run(claims, rak);
  EXPECT_EQ(failed_check(id), kCheckRealmId);
  EXPECT_EQ(id.find(kCheckRealmId)->message, "realm id 5, expected 6");
  claims.realm.realm_id.reset();
  EXPECT_EQ(run(claims, rak).find(kCheckRealmId)->message,
            "the token has no caec realm id (realm claim -70001), expected 6");
}

TEST_F(Checks, SoftwareComponents) {
  const cca::SwComponent& rmm = claims.platform.sw_components.at(1);
  ExpectedSwComponent want;
  want.type = rmm.type;
  want.measurement = rmm.measurement;
  want.signer_id = rmm.signer_id;
  want.version = rmm.version;
  ref.sw_components = {want};
  EXPECT_TRUE(run(claims, rak).passed());
  ref.sw_components->at(0).signer_id->at(0) ^= 1;
  const VerificationReport r = run(claims, rak);
  EXPECT_EQ(failed_check(r), kCheckSwComponents);
  std::string measurement;
  for (int i = 0; i < 32; ++i) measurement += "20";
  EXPECT_EQ(r.find(kCheckSwComponents)->message,
            "not in the platform token: RMM with measurement " + measurement);
}

TEST_F(Checks, StructureFailureSkipsTheRest) {
  ref.rim = claims.realm.rim;
  Bytes token = sign_token(cca::TokenFormat::kCmw907, claims, platform_key, rak);
  token.resize(token.size() - 1);
  const VerificationReport r = verify(token, ref);
  ASSERT_EQ(r.checks.size(), 7U);
  EXPECT_EQ(failed_check(r), kCheckStructure);
  for (std::size_t i = 1; i < r.checks.size(); ++i)
    EXPECT_EQ(r.checks[i].status, CheckStatus::kSkipped);
  EXPECT_FALSE(r.platform);
}

TEST_F(Checks, StructureNamesTheBadClaim) {
  claims.realm.rim = Bytes(31, 0);
  claims.realm.rems.fill(Bytes(31, 0));
  const VerificationReport r = run(claims, rak);
  EXPECT_EQ(
      verdict_line(r),
      "FAIL: structure: realm claim 44238 (initial measurement): 31 bytes, expected 32, 48 or 64");
  EXPECT_TRUE(r.platform);  // decoded before the realm claims failed
}

// ---- Reports ----

TEST_F(Checks, JsonReport) {
  claims.realm.realm_id = 9;
  claims.realm.csm = std::vector<cca::CsmClaim>{{.csm_id = 2,
                                                 .role = cca::CsmRole::kConsumer,
                                                 .permission = 1,
                                                 .provider_rid = 4,
                                                 .consumers = {9}}};
  ref.realm_id = 8;
  const nlohmann::ordered_json j = report_json(run(claims, rak));
  EXPECT_EQ(j["verdict"], "fail");
  EXPECT_EQ(j["failed-check"], "realm-id");
  EXPECT_EQ(j["token-tag"], 907);
  EXPECT_EQ(j["checks"][0]["name"], "structure");
  EXPECT_EQ(j["checks"][0]["status"], "pass");
  EXPECT_EQ(j["checks"].back()["status"], "fail");
  EXPECT_EQ(j["platform"]["lifecycle-state"], "secured");
  EXPECT_EQ(j["platform"]["alg"], "ES384");
  EXPECT_EQ(j["platform"]["sw-components"][1]["type"], "RMM");
  EXPECT_EQ(j["realm"]["initial-measurement"], std::string(64, '1'));
  EXPECT_EQ(j["realm"]["caec-realm-id"], 9);
  EXPECT_EQ(j["realm"]["caec-csm"][0]["role"], "consumer");
  EXPECT_EQ(j["realm"]["caec-csm"][0]["consumers"], nlohmann::ordered_json::array({9}));
}

TEST(Reports, TextReportOfTheTfmExample) {
  const VerificationReport r =
      verify(read_bytes("tfm-cca_example_token.cbor"), reference_from("cpak-p384.pub.pem"));
  const std::string text = format_report(r);
  for (const char* expected :
       {"CCA token, tag 907 (CMW collection)", "Platform token (ES384)", "Realm token (ES384)",
        "2395   lifecycle                 12291 (0x3003, secured)", "[12] SOC_FW_CONFIG sha-256",
        "44238  initial measurement       "
        "311314ab73620350cf758834ae5c65d9e8c2dc7febe6e7d9654bbe864e300d49",
        "44243  MEC policy                1",
        "  pass     rak-binding         platform challenge = sha-256", "Verdict: PASS"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  }
}

// ---- Loading reference values ----

TEST(Loading, HexAndBase64) {
  EXPECT_EQ(parse_hex("0x0aFf"), (Bytes{0x0a, 0xff}));
  EXPECT_EQ(parse_hex(""), Bytes{});
  EXPECT_FALSE(parse_hex("abc"));
  EXPECT_FALSE(parse_hex("zz"));
  // The formatters are the parser's inverse (caec/abi/hex.h: one helper for the whole tree).
  EXPECT_EQ(hex_number(0), "0x0");
  EXPECT_EQ(hex_number(0x1f2000), "0x1f2000");
  EXPECT_EQ(hex_number(UINT64_MAX), "0xffffffffffffffff");
  EXPECT_EQ(hex_bytes(Bytes{0x0a, 0xff, 0x00}), "0aff00");
  EXPECT_EQ(parse_hex(hex_bytes(Bytes{0xde, 0xad})), (Bytes{0xde, 0xad}));
  EXPECT_EQ(parse_base64("z8/Pzw=="), (Bytes{0xcf, 0xcf, 0xcf, 0xcf}));
  EXPECT_EQ(parse_base64("_-8"), (Bytes{0xff, 0xef}));
  EXPECT_FALSE(parse_base64("a"));
  EXPECT_FALSE(parse_base64("ab$c"));
}

TEST(Loading, PemWithSeveralKeys) {
  const EcKey a = EcKey::generate(Curve::kP256);
  const EcKey b = EcKey::generate(Curve::kP384);
  std::string error;
  const auto anchors = anchors_from_pem(a.public_pem() + b.private_pem(), "keys.pem", error);
  ASSERT_TRUE(anchors) << error;
  ASSERT_EQ(anchors->size(), 2U);
  EXPECT_EQ(anchors->at(0).source, "keys.pem#0");
  EXPECT_EQ(anchors->at(1).key.public_point(), b.public_point());
  EXPECT_FALSE(anchors_from_pem("no key here", "x.pem", error));
  EXPECT_EQ(error, "no PEM key");
}

TEST(Loading, TrustAnchorsAndTheirErrors) {
  const ReferenceValues tfa = reference_from("rust-ta-tfa.json");
  ASSERT_EQ(tfa.platform_keys.size(), 1U);
  const ReferenceValues pem = reference_from("cpak-p384.pub.pem");
  EXPECT_EQ(tfa.platform_keys[0].key.public_point(), pem.platform_keys[0].key.public_point());
  EXPECT_EQ(tfa.platform_keys[0].implementation_id,
            hex("7f454c4602010100000000000000000003003e00010000005058000000000000"));
  std::string error;
  EXPECT_FALSE(anchors_from_trust_anchor_json("[{\"pkey\": {\"kty\": \"RSA\"}}]", "t.json", error));
  EXPECT_EQ(error, "entry 0: \"pkey\" is not an EC JWK (kty \"EC\")");
  EXPECT_FALSE(anchors_from_trust_anchor_json("[1]", "t.json", error));
  EXPECT_EQ(error, "entry 0: not an object");
  EXPECT_FALSE(anchors_from_trust_anchor_json("{", "t.json", error));
  EXPECT_EQ(error, "not valid JSON");
}

TEST(Loading, SwComponentErrors) {
  std::string error;
  EXPECT_FALSE(sw_components_from_json(R"([{"type": "RMM"}])", error));
  EXPECT_EQ(error, "entry 0: no \"measurement\"");
  EXPECT_FALSE(sw_components_from_json(R"([{"measurement": "00", "signer-id": "xyz"}])", error));
  EXPECT_EQ(error, "entry 0: \"signer-id\" is not a hex string");
}

TEST(Loading, LifecycleStates) {
  EXPECT_EQ(lifecycle_state(0x3000), LifecycleState::kSecured);
  EXPECT_EQ(lifecycle_state(0x30ff), LifecycleState::kSecured);
  EXPECT_EQ(lifecycle_state(0x3100), std::nullopt);
  EXPECT_EQ(lifecycle_from_name("non-psa-rot-debug"), LifecycleState::kNonPsaRotDebug);
  for (LifecycleState s : all_lifecycle_states())
    EXPECT_EQ(lifecycle_from_name(lifecycle_name(s)), s);
}

}  // namespace
}  // namespace caec::attest::verifier
