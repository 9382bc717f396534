// The checks of verify(), in order. Each reads the decoded token and the reference values and
// says pass or fail with a message; the table kChecks fixes their order and which of them the
// reference values ask for.
#include "caec/abi/hex.h"
#include "attest/verifier/verifier.h"

#include <algorithm>

#include "attest/rim_calculator.h"  // to_hex
#include "attest/token/cose.h"

namespace caec::attest::verifier {

namespace {

using cca::PlatformClaims;
using cca::RealmClaims;

/// Everything a check may look at; only built once the structure check passed.
struct Context {
  const Sign1& platform_msg;
  const Sign1& realm_msg;
  const PlatformClaims& platform;
  const RealmClaims& realm;
  const ReferenceValues& reference;
};

struct Outcome {
  bool ok = false;
  std::string message{};
};

bool fits(const std::optional<Bytes>& anchor_id, const Bytes& token_id) {
  return !anchor_id || *anchor_id == token_id;
}

/// The anchors whose ids fit the token; the only anchor when there is one and it does not.
std::vector<const PlatformAnchor*> candidate_keys(const Context& c, std::string& note) {
  std::vector<const PlatformAnchor*> out;
  for (const PlatformAnchor& a : c.reference.platform_keys) {
    if (fits(a.implementation_id, c.platform.implementation_id) &&
        fits(a.instance_id, c.platform.instance_id)) {
      out.push_back(&a);
    }
  }
  if (out.empty() && c.reference.platform_keys.size() == 1) {
    out.push_back(&c.reference.platform_keys.front());
    note = " (the only key given; its implementation/instance ids differ from the token's)";
  }
  return out;
}

Outcome platform_signature(const Context& c) {
  if (c.reference.platform_keys.empty()) return {false, "no platform key given"};
  if (!c.platform_msg.alg) {
    return {false, "protected header alg " + std::to_string(c.platform_msg.alg_id) +
                       " is not ES256, ES384 or ES512"};
  }
  std::string note;
  const auto candidates = candidate_keys(c, note);
  if (candidates.empty()) {
    return {false, "no platform key for implementation id " + hex_bytes(c.platform.implementation_id) +
                       " and instance id " + hex_bytes(c.platform.instance_id) + " among " +
                       std::to_string(c.reference.platform_keys.size()) + " trust anchors"};
  }
  const std::string alg = cose_alg_text(c.platform_msg.alg_id);
  std::string tried;
  bool curve_fits = false;
  for (const PlatformAnchor* a : candidates) {
    if (verify_sign1(c.platform_msg, a->key))
      return {true, alg + ", verified with " + a->source + note};
    curve_fits = curve_fits || alg_for(a->key.curve()) == *c.platform_msg.alg;
    tried += (tried.empty() ? "" : ", ") + a->source + " (" +
             std::string(curve_name(a->key.curve())) + ")";
  }
  if (!curve_fits)
    return {false, "the token is signed " + alg + ", which does not fit the key " + tried + note};
  return {false, alg + " signature does not verify with " + tried + note};
}

/// The RAK from realm claim 44237: a raw SEC1 point (legacy tokens) or a COSE_Key.
std::optional<EcKey> realm_key(const Bytes& rak, std::string& form, std::string& error) {
  for (Curve curve : {Curve::kP256, Curve::kP384, Curve::kP521}) {
    if (rak.size() == 1 + 2 * coordinate_size(curve) && rak[0] == 0x04) {
      form = "raw " + std::string(curve_name(curve)) + " point";
      auto key = EcKey::from_public_point(curve, rak);
      if (!key) error = "a raw point that is not on " + std::string(curve_name(curve));
      return key;
    }
  }
  auto key = decode_cose_key(rak, error);
  if (key) form = std::string(curve_name(key->curve())) + " COSE_Key";
  return key;
}

Outcome realm_signature(const Context& c) {
  std::string form;
  std::string error;
  const auto key = realm_key(c.realm.public_key, form, error);
  if (!key) return {false, "realm claim 44237 (public key) is not a usable key: " + error};
  const std::string alg = cose_alg_text(c.realm_msg.alg_id);
  if (c.realm_msg.alg != CoseAlg::kEs384)
    return {false, "the realm token is signed " + alg + "; CCA realm tokens are ES384"};
  if (key->curve() != Curve::kP384) return {false, "the RAK is a " + form + "; ES384 needs P-384"};
  if (!verify_sign1(c.realm_msg, *key))
    return {false, "ES384 signature does not verify with the RAK (" + form + ")"};
  return {true, "ES384, verified with the RAK in realm claim 44237 (" + form + ")"};
}

Outcome rak_binding(const Context& c) {
  const std::string& h = c.realm.public_key_hash_algo;
  const auto digest = cca::named_hash(h, c.realm.public_key);
  if (!digest)
    return {false, "realm claim 44240 names \"" + h + "\", not sha-256, sha-384 or sha-512"};
  if (*digest != c.platform.challenge) {
    return {false, "platform challenge " + hex_bytes(c.platform.challenge) + " is not " + h +
                       "(realm claim 44237) = " + hex_bytes(*digest)};
  }
  return {true, "platform challenge = " + h + "(realm claim 44237)"};
}

Outcome platform_profile(const Context& c) {
  const std::string& p = c.platform.profile;
  if (p == cca::kPlatformProfile) return {true, p};
  if (p == cca::kPlatformProfileLegacy) return {true, p + " (legacy)"};
  return {false, "unknown platform profile \"" + p +
                     "\"; known: " + std::string(cca::kPlatformProfile) + ", " +
                     std::string(cca::kPlatformProfileLegacy)};
}

Outcome realm_profile(const Context& c) {
  if (!c.realm.profile) return {true, "absent (legacy realm token)"};
  const std::string& p = *c.realm.profile;
  if (p == cca::kRealmProfile || p == cca::kRealmProfile2) return {true, p};
  return {false, "unknown realm profile \"" + p + "\"; known: none (legacy), " +
                     std::string(cca::kRealmProfile) + ", " + std::string(cca::kRealmProfile2)};
}

Outcome lifecycle(const Context& c) {
  const std::string got = "lifecycle " + lifecycle_text(c.platform.lifecycle);
  const auto state = lifecycle_state(c.platform.lifecycle);
  if (!state) return {false, got + ": not in a PSA lifecycle state range"};
  const auto& accepted = *c.reference.lifecycle_states;
  if (std::find(accepted.begin(), accepted.end(), *state) != accepted.end()) return {true, got};
  std::string names;
  for (LifecycleState s : accepted)
    names += (names.empty() ? "" : ", ") + std::string(lifecycle_name(s));
  return {false, got + ", accepted: " + (names.empty() ? "none" : names)};
}

Outcome bytes_match(std::string_view what, const Bytes& token, const Bytes& expected) {
  if (token == expected) return {true, std::string(what) + " " + hex_bytes(token) + " as expected"};
  return {false, std::string(what) + " " + hex_bytes(token) + ", expected " + hex_bytes(expected)};
}

Outcome rim(const Context& c) {
  return bytes_match("initial measurement", c.realm.rim, *c.reference.rim);
}

Outcome rpv(const Context& c) {
  return bytes_match("personalization value", c.realm.rpv, *c.reference.rpv);
}

Outcome rems(const Context& c) {
  std::string wrong;
  for (std::size_t i = 0; i < c.realm.rems.size(); ++i) {
    const Outcome o =
        bytes_match("REM " + std::to_string(i), c.realm.rems.at(i), c.reference.rems->at(i));
    if (!o.ok) wrong += (wrong.empty() ? "" : "; ") + o.message;
  }
  if (wrong.empty()) return {true, "all 4 extensible measurements as expected"};
  return {false, wrong};
}

Outcome realm_id(const Context& c) {
  const std::string expected = std::to_string(*c.reference.realm_id);
  if (!c.realm.realm_id)
    return {false, "the token has no caec realm id (realm claim -70001), expected " + expected};
  const std::string got = std::to_string(*c.realm.realm_id);
  if (*c.realm.realm_id != *c.reference.realm_id)
    return {false, "realm id " + got + ", expected " + expected};
  return {true, "realm id " + got + " as expected"};
}

bool matches(const ExpectedSwComponent& e, const cca::SwComponent& t) {
  return e.measurement == t.measurement && (!e.type || e.type == t.type) &&
         (!e.signer_id || *e.signer_id == t.signer_id) && (!e.version || e.version == t.version);
}

Outcome sw_components(const Context& c) {
  const auto& expected = *c.reference.sw_components;
  std::string missing;
  for (const ExpectedSwComponent& e : expected) {
    const auto& listed = c.platform.sw_components;
    if (std::any_of(listed.begin(), listed.end(),
                    [&](const cca::SwComponent& t) { return matches(e, t); }))
      continue;
    missing += (missing.empty() ? "" : "; ") + e.type.value_or("component") + " with measurement " +
               hex_bytes(e.measurement);
  }
  if (!missing.empty()) return {false, "not in the platform token: " + missing};
  return {true, "all " + std::to_string(expected.size()) + " expected components present"};
}

bool always(const ReferenceValues&) {
  return true;
}

struct CheckSpec {
  std::string_view name;
  bool (*wanted)(const ReferenceValues&);
  Outcome (*run)(const Context&);
};

/// Every check after "structure", in report order.
constexpr CheckSpec kChecks[] = {
    {kCheckPlatformSignature, always, platform_signature},
    {kCheckRealmSignature, always, realm_signature},
    {kCheckRakBinding, always, rak_binding},
    {kCheckPlatformProfile, always, platform_profile},
    {kCheckRealmProfile, always, realm_profile},
    {kCheckLifecycle, [](const ReferenceValues& r) { return r.lifecycle_states.has_value(); },
     lifecycle},
    {kCheckRim, [](const ReferenceValues& r) { return r.rim.has_value(); }, rim},
    {kCheckRpv, [](const ReferenceValues& r) { return r.rpv.has_value(); }, rpv},
    {kCheckRems, [](const ReferenceValues& r) { return r.rems.has_value(); }, rems},
    {kCheckRealmId, [](const ReferenceValues& r) { return r.realm_id.has_value(); }, realm_id},
    {kCheckSwComponents, [](const ReferenceValues& r) { return r.sw_components.has_value(); },
     sw_components},
};

Check make_check(std::string_view name, const Outcome& o) {
  return {.name = std::string(name),
          .status = o.ok ? CheckStatus::kPass : CheckStatus::kFail,
          .message = o.message};
}

}  // namespace

std::string_view status_name(CheckStatus status) {
  switch (status) {
    case CheckStatus::kPass: return "pass";
    case CheckStatus::kFail: return "fail";
    case CheckStatus::kSkipped: return "skipped";
  }
  return "?";
}

bool VerificationReport::passed() const {
  return !checks.empty() && std::all_of(checks.begin(), checks.end(), [](const Check& c) {
    return c.status == CheckStatus::kPass;
  });
}

const Check* VerificationReport::first_failure() const {
  const auto it = std::find_if(checks.begin(), checks.end(),
                               [](const Check& c) { return c.status != CheckStatus::kPass; });
  return it == checks.end() ? nullptr : &*it;
}

const Check* VerificationReport::find(std::string_view name) const {
  const auto it =
      std::find_if(checks.begin(), checks.end(), [&](const Check& c) { return c.name == name; });
  return it == checks.end() ? nullptr : &*it;
}

VerificationReport verify(std::span<const std::uint8_t> token, const ReferenceValues& reference) {
  VerificationReport report;
  std::string error;
  std::optional<Sign1> platform_msg;
  std::optional<Sign1> realm_msg;
  if (const auto parts = cca::decode_token(token, error)) {
    report.format = parts->format;
    platform_msg = parse_sign1(parts->platform_sign1, error);
    if (!platform_msg) error = "platform token: " + error;
    if (platform_msg) {
      report.platform_alg = platform_msg->alg_id;
      report.platform = cca::decode_platform_claims(platform_msg->payload, error);
    }
    if (platform_msg && report.platform) {
      realm_msg = parse_sign1(parts->realm_sign1, error);
      if (!realm_msg) error = "realm token: " + error;
    }
    if (realm_msg) {
      report.realm_alg = realm_msg->alg_id;
      report.realm = cca::decode_realm_claims(realm_msg->payload, error);
    }
  }
  const bool structure_ok = report.platform && report.realm;
  const std::string shape = report.format ? std::string(token_format_name(*report.format)) : "";
  report.checks.push_back(make_check(
      kCheckStructure,
      {structure_ok, structure_ok ? shape + ", two COSE_Sign1 with well-formed claims" : error}));
  for (const CheckSpec& spec : kChecks) {
    if (!spec.wanted(reference)) continue;
    if (!structure_ok) {
      report.checks.push_back({.name = std::string(spec.name),
                               .status = CheckStatus::kSkipped,
                               .message = "not run: the token's structure is invalid"});
      continue;
    }
    const Context context{*platform_msg, *realm_msg, *report.platform, *report.realm, reference};
    report.checks.push_back(make_check(spec.name, spec.run(context)));
  }
  return report;
}

}  // namespace caec::attest::verifier
