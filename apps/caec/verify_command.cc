#include "caec/abi/hex.h"
#include "apps/caec/verify_command.h"

#include <CLI/CLI.hpp>

#include <cstring>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "apps/caec/files.h"
#include "apps/caec/log.h"
#include "attest/verifier/verifier.h"

namespace caec::app {

namespace {

namespace verifier = attest::verifier;

constexpr int kExitPass = 0;
constexpr int kExitFailed = 1;
constexpr int kExitInput = 2;

struct VerifyOptions {
  std::string token;
  std::string platform_key;
  std::string trust_anchor;
  std::string expect_rim;
  std::string expect_rpv;
  std::vector<std::string> expect_rems;
  std::uint64_t expect_realm_id = 0;
  bool has_realm_id = false;
  std::string expect_sw_components;
  std::vector<std::string> accept_lifecycle;
  bool json = false;
  bool quiet = false;
};

attest::Bytes hex_value(const std::string& text, const char* option) {
  auto bytes = caec::parse_hex(text);
  if (!bytes || bytes->empty())
    throw InputError(std::string(option) + ": \"" + text + "\" is not hex");
  return std::move(*bytes);
}

template <class T>
T loaded(std::optional<T> value, const std::string& path, const std::string& error) {
  if (!value) throw InputError(path + ": " + error);
  return std::move(*value);
}

verifier::ReferenceValues load_reference(const VerifyOptions& o) {
  verifier::ReferenceValues ref;
  std::string error;
  if (!o.platform_key.empty()) {
    ref.platform_keys =
        loaded(verifier::anchors_from_pem(read_input_file(o.platform_key), o.platform_key, error),
               o.platform_key, error);
  } else {
    ref.platform_keys = loaded(
        verifier::anchors_from_trust_anchor_json(read_input_file(o.trust_anchor), o.trust_anchor, error),
        o.trust_anchor, error);
  }
  // An empty list would make every token fail its platform signature: that is the file's fault.
  if (ref.platform_keys.empty()) {
    throw InputError((o.platform_key.empty() ? o.trust_anchor : o.platform_key) + ": no platform key in it");
  }
  if (!o.expect_rim.empty()) ref.rim = hex_value(o.expect_rim, "--expect-rim");
  if (!o.expect_rpv.empty()) ref.rpv = hex_value(o.expect_rpv, "--expect-rpv");
  if (!o.expect_rems.empty()) {
    ref.rems.emplace();
    for (std::size_t i = 0; i < ref.rems->size(); ++i)
      ref.rems->at(i) = hex_value(o.expect_rems.at(i), "--expect-rems");
  }
  if (o.has_realm_id) ref.realm_id = o.expect_realm_id;
  if (!o.expect_sw_components.empty()) {
    ref.sw_components =
        loaded(verifier::sw_components_from_json(read_input_file(o.expect_sw_components), error),
               o.expect_sw_components, error);
  }
  if (!o.accept_lifecycle.empty()) {
    ref.lifecycle_states.emplace();
    for (const std::string& name : o.accept_lifecycle) {
      ref.lifecycle_states->push_back(
          *verifier::lifecycle_from_name(name));  // CLI11 checked the name
    }
  }
  return ref;
}

int run_verify(const VerifyOptions& o) {
  try {
    const std::string token = read_input_file(o.token);
    const verifier::ReferenceValues reference = load_reference(o);
    log_line("token " + o.token + ": " + std::to_string(token.size()) + " bytes; platform key(s) from " +
        (o.platform_key.empty() ? o.trust_anchor : o.platform_key));
    const verifier::VerificationReport report = verifier::verify(
        std::span(reinterpret_cast<const std::uint8_t*>(token.data()), token.size()), reference);
    if (o.json) {
      std::cout << verifier::report_json(report).dump(2) << '\n';
    } else if (!o.quiet) {
      std::cout << verifier::format_report(report);
    }
    if (report.passed()) return kExitPass;
    std::cerr << "caec verify: " << verifier::verdict_line(report) << '\n';
    return kExitFailed;
  } catch (const InputError& e) {
    std::cerr << "caec verify: error: " << e.what() << '\n';
    return kExitInput;
  }
}

const CLI::Validator kHex(
    [](std::string& s) {
      return caec::parse_hex(s).value_or(attest::Bytes{}).empty() ? "not a hex string" : "";
    },
    "");

constexpr const char* kFooter =
    R"(Checks, in order: structure, platform-signature, realm-signature, rak-binding,
platform-profile, realm-profile, then those the --expect-*/--accept-* options ask for:
lifecycle, rim, rpv, rems, realm-id, sw-components. Both token formats are accepted
(tag 907 CMW collection, tag 399 draft-ffm-00). See docs/attestation.md.

Exit status: 0 every check passed; 1 a check failed (the first failing check is named on
stderr); 2 usage or input error (unreadable file, bad key, bad hex or JSON).

Examples:
  caec verify --platform-key tests/data/cca-tokens/cpak-p384.pub.pem \
      tests/data/cca-tokens/tfm-cca_example_token.cbor
  caec verify --trust-anchor tests/data/cca-tokens/rust-ta-tfa.json --json \
      --expect-rim 311314ab73620350cf758834ae5c65d9e8c2dc7febe6e7d9654bbe864e300d49 \
      tests/data/cca-tokens/rust-cca-token-draft-ffm-00.cbor)";

}  // namespace

CLI::App* add_verify_command(CLI::App& app, std::function<int()>& run) {
  auto o = std::make_shared<VerifyOptions>();
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Verify a CCA attestation token: signatures, RAK binding, profiles, reference values");
  cmd->footer(kFooter);
  cmd->add_option("TOKEN", o->token, "The CCA token (CBOR file), or - to read it from stdin")
      ->type_name("FILE")
      ->required();

  CLI::Option_group* keys =
      cmd->add_option_group("Platform key", "Where the platform attestation public key comes from");
  keys->add_option("--platform-key", o->platform_key,
                   "PEM file with the platform attestation public key(s)")
      ->type_name("PEM")
      ->check(CLI::ExistingFile);
  keys->add_option(
          "--trust-anchor", o->trust_anchor,
          "Trust-anchor JSON: [{implementation-id, instance-id, pkey (EC JWK)}]; the entry "
          "whose ids match the token's is used")
      ->type_name("JSON")
      ->check(CLI::ExistingFile);
  keys->require_option(1);

  cmd->add_option("--expect-rim", o->expect_rim, "Expected realm initial measurement")
      ->type_name("HEX")
      ->check(kHex);
  cmd->add_option("--expect-rpv", o->expect_rpv, "Expected realm personalization value")
      ->type_name("HEX")
      ->check(kHex);
  cmd->add_option("--expect-rems", o->expect_rems, "Expected realm extensible measurements 0 to 3")
      ->type_name("HEX")
      ->expected(4)
      ->check(kHex);
  CLI::Option* realm_id = cmd->add_option("--expect-realm-id", o->expect_realm_id,
                                          "Expected caec realm id (realm claim -70001)")
                              ->type_name("N")
                              ->check(CLI::NonNegativeNumber);
  cmd->add_option("--expect-sw-components", o->expect_sw_components,
                  "JSON list of platform software components that must be present: "
                  "[{measurement: hex, type?, signer-id?: hex, version?}]")
      ->type_name("JSON")
      ->check(CLI::ExistingFile);
  std::vector<std::string> states;
  for (verifier::LifecycleState s : verifier::all_lifecycle_states())
    states.emplace_back(verifier::lifecycle_name(s));
  cmd->add_option("--accept-lifecycle", o->accept_lifecycle,
                  "Platform lifecycle states to accept (repeatable), e.g. secured")
      ->type_name("STATE")
      ->allow_extra_args(false)
      ->check(CLI::IsMember(states));
  CLI::Option* json = cmd->add_flag("--json", o->json, "Print the report as JSON");
  cmd->add_flag("--quiet,-q", o->quiet,
                "Print nothing on success; on failure only the failing check")
      ->excludes(json);

  cmd->callback([&run, o, realm_id] {
    o->has_realm_id = realm_id->count() > 0;
    run = [o] { return run_verify(*o); };
  });
  return cmd;
}

}  // namespace caec::app
