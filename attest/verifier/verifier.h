// Verifies an Arm CCA attestation token (rmm-1.0.md §5, draft-ffm-rats-cca-token) against a
// platform key and optional reference values, as a relying party or a verification service
// does. The result is a list of named checks, in a fixed order, and the decoded claims.
//
// Checks, in order (kCheck* below): structure, platform-signature, realm-signature,
// rak-binding, platform-profile, realm-profile, then only those the reference values ask for:
// lifecycle, rim, rpv, rems, realm-id, sw-components. The token passes only if every check
// passes.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "attest/token/cca_claims.h"
#include "attest/token/ec_key.h"

namespace caec::attest::verifier {

// ---- Check names ----
inline constexpr std::string_view kCheckStructure = "structure";
inline constexpr std::string_view kCheckPlatformSignature = "platform-signature";
inline constexpr std::string_view kCheckRealmSignature = "realm-signature";
inline constexpr std::string_view kCheckRakBinding = "rak-binding";
inline constexpr std::string_view kCheckPlatformProfile = "platform-profile";
inline constexpr std::string_view kCheckRealmProfile = "realm-profile";
inline constexpr std::string_view kCheckLifecycle = "lifecycle";
inline constexpr std::string_view kCheckRim = "rim";
inline constexpr std::string_view kCheckRpv = "rpv";
inline constexpr std::string_view kCheckRems = "rems";
inline constexpr std::string_view kCheckRealmId = "realm-id";
inline constexpr std::string_view kCheckSwComponents = "sw-components";

// ---- Reference values ----

/// A key that may have signed platform tokens. Trust anchors also say which platform
/// (implementation id + instance id) the key belongs to; a bare PEM key fits any platform.
struct PlatformAnchor {
  PlatformAnchor(EcKey k, std::string from) : key(std::move(k)), source(std::move(from)) {}

  EcKey key;
  std::optional<Bytes> implementation_id{};
  std::optional<Bytes> instance_id{};
  std::string source{};  // where it came from, for messages: "cpak.pem", "ta.json[0]"
};

/// A software component the platform token must list (matched on every field given).
struct ExpectedSwComponent {
  std::optional<std::string> type{};
  Bytes measurement{};
  std::optional<Bytes> signer_id{};
  std::optional<std::string> version{};
};

/// PSA lifecycle states: the platform lifecycle claim's bits [15:8].
enum class LifecycleState : std::uint8_t {
  kUnknown = 0x00,
  kAssemblyAndTest = 0x10,
  kPsaRotProvisioning = 0x20,
  kSecured = 0x30,
  kNonPsaRotDebug = 0x40,
  kRecoverablePsaRotDebug = 0x50,
  kDecommissioned = 0x60,
};
/// The state of a lifecycle claim value; nullopt for values outside the defined ranges.
[[nodiscard]] std::optional<LifecycleState> lifecycle_state(std::int64_t lifecycle);
/// "secured", "non-psa-rot-debug", ...
[[nodiscard]] std::string_view lifecycle_name(LifecycleState state);
[[nodiscard]] std::optional<LifecycleState> lifecycle_from_name(std::string_view name);
/// Every state, in value order.
[[nodiscard]] std::span<const LifecycleState> all_lifecycle_states();

struct ReferenceValues {
  /// At least one. The platform signature must verify with one whose ids fit the token.
  std::vector<PlatformAnchor> platform_keys{};
  std::optional<Bytes> rim{};
  std::optional<Bytes> rpv{};
  std::optional<std::array<Bytes, 4>> rems{};
  std::optional<std::uint64_t> realm_id{};
  /// Each must be present in the platform token (which may list more).
  std::optional<std::vector<ExpectedSwComponent>> sw_components{};
  /// The platform lifecycle state must be one of these.
  std::optional<std::vector<LifecycleState>> lifecycle_states{};
};

/// Every public (or private) key in a PEM text, one anchor per PEM block, with no ids.
[[nodiscard]] std::optional<std::vector<PlatformAnchor>> anchors_from_pem(std::string_view pem,
                                                                          std::string_view source,
                                                                          std::string& error);
/// A trust-anchor JSON array (or one object) of {"implementation-id": hex, "instance-id": hex,
/// "pkey": JWK {"kty": "EC", "crv", "x", "y"}}, the form Veraison's tools use.
[[nodiscard]] std::optional<std::vector<PlatformAnchor>> anchors_from_trust_anchor_json(
    std::string_view json, std::string_view source, std::string& error);
/// A JSON array of {"type"?: text, "measurement": hex, "signer-id"?: hex, "version"?: text}.
[[nodiscard]] std::optional<std::vector<ExpectedSwComponent>> sw_components_from_json(
    std::string_view json, std::string& error);

[[nodiscard]] std::optional<Bytes> parse_base64(std::string_view text);

// ---- The report ----

enum class CheckStatus : std::uint8_t { kPass, kFail, kSkipped };
[[nodiscard]] std::string_view status_name(CheckStatus status);  // "pass", "fail", "skipped"

struct Check {
  std::string name{};
  CheckStatus status = CheckStatus::kSkipped;
  std::string message{};
};

struct VerificationReport {
  std::vector<Check> checks{};  // in the order above
  std::optional<cca::TokenFormat> format{};
  std::optional<cca::PlatformClaims> platform{};
  std::optional<cca::RealmClaims> realm{};
  std::optional<std::int64_t> platform_alg{};  // COSE alg ids from the protected headers
  std::optional<std::int64_t> realm_alg{};

  /// Every check passed.
  [[nodiscard]] bool passed() const;
  /// The first check that did not pass, or nullptr.
  [[nodiscard]] const Check* first_failure() const;
  [[nodiscard]] const Check* find(std::string_view name) const;
};

/// Runs every check on `token` (a whole CCA token in either top-level format).
[[nodiscard]] VerificationReport verify(std::span<const std::uint8_t> token,
                                        const ReferenceValues& reference);

// ---- Printing ----

/// "12291 (0x3003, secured)".
[[nodiscard]] std::string lifecycle_text(std::int64_t lifecycle);
/// "tag 907 (CMW collection)" or "tag 399 (draft-ffm-00)".
[[nodiscard]] std::string_view token_format_name(cca::TokenFormat format);
/// "ES384" for a COSE algorithm id caec knows, "alg <id>" for any other.
[[nodiscard]] std::string cose_alg_text(std::int64_t alg_id);

/// The claims, one per line, bytes in hex.
[[nodiscard]] std::string format_claims(const cca::PlatformClaims& claims);
[[nodiscard]] std::string format_claims(const cca::RealmClaims& claims);
/// Claims, checks and the verdict.
[[nodiscard]] std::string format_report(const VerificationReport& report);
/// One line: "PASS" or "FAIL: <check>: <message>".
[[nodiscard]] std::string verdict_line(const VerificationReport& report);

[[nodiscard]] nlohmann::ordered_json claims_json(const cca::PlatformClaims& claims);
[[nodiscard]] nlohmann::ordered_json claims_json(const cca::RealmClaims& claims);
/// {"verdict": "pass"|"fail", "format", "checks": [{name, status, message}], "platform",
/// "realm"} (claims present when they decoded).
[[nodiscard]] nlohmann::ordered_json report_json(const VerificationReport& report);

}  // namespace caec::attest::verifier
