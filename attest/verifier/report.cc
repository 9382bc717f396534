// Printing a verification report: aligned text for people, JSON for programs.
#include <algorithm>
#include <sstream>

#include "caec/abi/hex.h"
#include "attest/rim_calculator.h"  // to_hex
#include "attest/verifier/verifier.h"

namespace caec::attest::verifier {

namespace {

using json = nlohmann::ordered_json;

/// Appends "  <key> <name> <value>" lines with the columns aligned.
class ClaimLines {
 public:
  explicit ClaimLines(std::ostringstream& out) : out_(out) {}

  void add(std::int64_t key, std::string_view name, std::string_view value) {
    std::string k = std::to_string(key);
    k.resize(std::max<std::size_t>(k.size(), 7), ' ');
    std::string n(name);
    n.resize(std::max<std::size_t>(n.size(), 26), ' ');
    out_ << "  " << k << n << value << '\n';
  }
  void add(std::int64_t key, std::string_view name, const Bytes& value) {
    add(key, name, hex_bytes(value));
  }
  /// A line under the previous claim (list entries).
  void sub(std::string_view text) { out_ << "         " << text << '\n'; }

 private:
  std::ostringstream& out_;
};

std::string csm_text(const cca::CsmClaim& c) {
  std::ostringstream s;
  s << "csm " << c.csm_id << ": " << (c.role == cca::CsmRole::kProvider ? "provider" : "consumer")
    << ", permission 0x" << std::hex << c.permission << std::dec << ", provider rid "
    << c.provider_rid << ", consumers";
  if (c.consumers.empty()) s << " none";
  for (std::size_t i = 0; i < c.consumers.size(); ++i) s << (i == 0 ? " " : ", ") << c.consumers[i];
  return s.str();
}

template <class T>
void put_optional(json& j, const char* name, const std::optional<T>& value) {
  if (value) j[name] = *value;
}

std::string alg_text(const std::optional<std::int64_t>& id) {
  return id ? cose_alg_text(*id) : "?";
}

}  // namespace

std::string lifecycle_text(std::int64_t value) {
  const auto state = lifecycle_state(value);
  std::ostringstream s;
  s << value << " (0x" << std::hex << value << ", "
    << (state ? lifecycle_name(*state) : std::string_view("not a PSA state")) << ")";
  return s.str();
}

std::string_view token_format_name(cca::TokenFormat format) {
  return format == cca::TokenFormat::kCmw907 ? "tag 907 (CMW collection)"
                                             : "tag 399 (draft-ffm-00)";
}

std::string cose_alg_text(std::int64_t alg_id) {
  const auto alg = alg_from_id(alg_id);
  return alg ? std::string(alg_name(*alg)) : "alg " + std::to_string(alg_id);
}

std::string format_claims(const cca::PlatformClaims& c) {
  std::ostringstream out;
  ClaimLines lines(out);
  lines.add(cca::kProfile, "profile", c.profile);
  lines.add(cca::kChallenge, "challenge", c.challenge);
  lines.add(cca::kPlatformImplementationId, "implementation id", c.implementation_id);
  lines.add(cca::kInstanceId, "instance id", c.instance_id);
  lines.add(cca::kPlatformConfig, "config", c.config);
  lines.add(cca::kPlatformLifecycle, "lifecycle", lifecycle_text(c.lifecycle));
  lines.add(cca::kPlatformSwComponents, "software components",
            std::to_string(c.sw_components.size()));
  for (std::size_t i = 0; i < c.sw_components.size(); ++i) {
    const cca::SwComponent& s = c.sw_components[i];
    lines.sub("[" + std::to_string(i) + "] " + s.type.value_or("(no type)") +
              (s.version ? " version " + *s.version : "") +
              (s.hash_algo ? " " + *s.hash_algo : ""));
    lines.sub("    measurement " + hex_bytes(s.measurement));
    lines.sub("    signer id   " + hex_bytes(s.signer_id));
  }
  if (c.verification_service)
    lines.add(cca::kPlatformVerificationService, "verification service", *c.verification_service);
  lines.add(cca::kPlatformHashAlgo, "hash algorithm", c.hash_algo);
  return out.str();
}

std::string format_claims(const cca::RealmClaims& c) {
  std::ostringstream out;
  ClaimLines lines(out);
  lines.add(cca::kProfile, "profile", c.profile.value_or("(absent: legacy)"));
  lines.add(cca::kChallenge, "challenge", c.challenge);
  if (c.instance_id) lines.add(cca::kInstanceId, "instance id", *c.instance_id);
  lines.add(cca::kRealmPersonalizationValue, "personalization value", c.rpv);
  lines.add(cca::kRealmHashAlgo, "hash algorithm", c.hash_algo);
  lines.add(cca::kRealmPublicKey, "public key (RAK)", c.public_key);
  lines.add(cca::kRealmPublicKeyHashAlgo, "public key hash algorithm", c.public_key_hash_algo);
  lines.add(cca::kRealmInitialMeasurement, "initial measurement", c.rim);
  lines.add(cca::kRealmExtensibleMeasurements, "extensible measurements", "");
  for (std::size_t i = 0; i < c.rems.size(); ++i)
    lines.sub("[" + std::to_string(i) + "] " + hex_bytes(c.rems.at(i)));
  if (c.mec_policy) lines.add(cca::kRealmMecPolicy, "MEC policy", std::to_string(*c.mec_policy));
  if (c.realm_id) lines.add(cca::kCaecRealmId, "caec realm id", std::to_string(*c.realm_id));
  if (c.csm) {
    lines.add(cca::kCaecCsm, "caec csm", std::to_string(c.csm->size()) + " regions");
    for (std::size_t i = 0; i < c.csm->size(); ++i)
      lines.sub("[" + std::to_string(i) + "] " + csm_text(c.csm->at(i)));
  }
  return out.str();
}

std::string verdict_line(const VerificationReport& report) {
  const Check* failed = report.first_failure();
  if (failed == nullptr) return "PASS";
  return "FAIL: " + failed->name + ": " + failed->message;
}

std::string format_report(const VerificationReport& r) {
  std::ostringstream out;
  if (r.format) out << "CCA token, " << token_format_name(*r.format) << "\n";
  if (r.platform)
    out << "Platform token (" << alg_text(r.platform_alg) << ")\n" << format_claims(*r.platform);
  if (r.realm) out << "Realm token (" << alg_text(r.realm_alg) << ")\n" << format_claims(*r.realm);
  out << "Checks\n";
  for (const Check& c : r.checks) {
    std::string status(status_name(c.status));
    status.resize(9, ' ');
    std::string name = c.name;
    name.resize(std::max<std::size_t>(name.size(), 20), ' ');
    out << "  " << status << name << c.message << '\n';
  }
  out << "Verdict: " << verdict_line(r) << '\n';
  return out.str();
}

json claims_json(const cca::PlatformClaims& c) {
  json j{{"profile", c.profile},
         {"challenge", hex_bytes(c.challenge)},
         {"implementation-id", hex_bytes(c.implementation_id)},
         {"instance-id", hex_bytes(c.instance_id)},
         {"config", hex_bytes(c.config)},
         {"lifecycle", c.lifecycle},
         {"hash-algo", c.hash_algo}};
  if (const auto state = lifecycle_state(c.lifecycle))
    j["lifecycle-state"] = lifecycle_name(*state);
  put_optional(j, "verification-service", c.verification_service);
  json sw = json::array();
  for (const cca::SwComponent& s : c.sw_components) {
    json e{{"measurement", hex_bytes(s.measurement)}, {"signer-id", hex_bytes(s.signer_id)}};
    put_optional(e, "type", s.type);
    put_optional(e, "version", s.version);
    put_optional(e, "hash-algo", s.hash_algo);
    sw.push_back(std::move(e));
  }
  j["sw-components"] = std::move(sw);
  return j;
}

json claims_json(const cca::RealmClaims& c) {
  json j{{"challenge", hex_bytes(c.challenge)},
         {"personalization-value", hex_bytes(c.rpv)},
         {"hash-algo", c.hash_algo},
         {"public-key", hex_bytes(c.public_key)},
         {"public-key-hash-algo", c.public_key_hash_algo},
         {"initial-measurement", hex_bytes(c.rim)}};
  put_optional(j, "profile", c.profile);
  json rems = json::array();
  for (const Bytes& r : c.rems) rems.push_back(hex_bytes(r));
  j["extensible-measurements"] = std::move(rems);
  if (c.instance_id) j["instance-id"] = hex_bytes(*c.instance_id);
  put_optional(j, "mec-policy", c.mec_policy);
  put_optional(j, "caec-realm-id", c.realm_id);
  if (c.csm) {
    json regions = json::array();
    for (const cca::CsmClaim& r : *c.csm) {
      regions.push_back({{"csm-id", r.csm_id},
                         {"role", r.role == cca::CsmRole::kProvider ? "provider" : "consumer"},
                         {"permission", r.permission},
                         {"provider-rid", r.provider_rid},
                         {"consumers", r.consumers}});
    }
    j["caec-csm"] = std::move(regions);
  }
  return j;
}

json report_json(const VerificationReport& r) {
  json checks = json::array();
  for (const Check& c : r.checks) {
    checks.push_back({{"name", c.name}, {"status", status_name(c.status)}, {"message", c.message}});
  }
  json j{{"verdict", r.passed() ? "pass" : "fail"}};
  if (const Check* failed = r.first_failure()) j["failed-check"] = failed->name;
  if (r.format)
    j["token-tag"] =
        *r.format == cca::TokenFormat::kCmw907 ? cca::kCmwCollectionTag : cca::kLegacyCollectionTag;
  j["checks"] = std::move(checks);
  if (r.platform) {
    j["platform"] = claims_json(*r.platform);
    j["platform"]["alg"] = alg_text(r.platform_alg);
  }
  if (r.realm) {
    j["realm"] = claims_json(*r.realm);
    j["realm"]["alg"] = alg_text(r.realm_alg);
  }
  return j;
}

}  // namespace caec::attest::verifier
