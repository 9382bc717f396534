// Fuzzes the CCA token decoder and verifier with hostile tokens (docs/hardening.md).
//
// Each input is tried three ways: as a whole token through verify() (with fixed trust anchors
// and every kind of reference value, so every check runs), and as a platform and as a realm
// claim set through the decoders directly (mutations of a whole token rarely keep the COSE
// wrapping intact, so the claim decoders get their own entry). Beyond "no crash, no sanitizer
// report", it checks that:
//  * the report is well formed: "structure" first, nothing else runs when it fails, and
//    passed() means every check passed;
//  * the text and JSON reports of whatever decoded can be produced (caec verify prints both);
//  * claims that decode survive a round trip: decode(encode(claims)) == claims.
#include <array>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "caec/abi/hex.h"
#include "attest/token/cca_claims.h"
#include "attest/token/cose.h"
#include "attest/verifier/verifier.h"
#include "fuzz/fuzz_support.h"

namespace caec::attest::verifier {
namespace {

[[noreturn]] void fail(const std::string& what) {
  fuzz::fail("attest_token_fuzzer", what);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void add_anchors(ReferenceValues& ref, const std::string& path) {
  std::string error;
  const std::string text = read_file(path);
  auto anchors = path.ends_with(".json") ? anchors_from_trust_anchor_json(text, path, error)
                                         : anchors_from_pem(text, path, error);
  if (!anchors) fail(path + ": " + error);
  for (auto& a : *anchors) ref.platform_keys.push_back(std::move(a));
}

/// The third-party test keys (P-384 CPAK; a P-256 anchor with ids) and caec's fuzzing key
/// (fuzz/data: the platform key the caec-* seed tokens were signed with), and reference values
/// that the caec-907 seed token meets, so that a seed passes every check.
ReferenceValues make_reference() {
  ReferenceValues ref;
  add_anchors(ref, std::string(CAEC_TESTDATA_DIR) + "/cpak-p384.pub.pem");
  add_anchors(ref, std::string(CAEC_TESTDATA_DIR) + "/rust-ta-02-ok.json");
  add_anchors(ref, std::string(CAEC_FUZZ_DATA_DIR) + "/fuzz-platform-p384.pub.pem");
  ref.rim = parse_hex("412a55d352caad30ebc6a870c2b91104355683dd653fa3be40e557c0950fc65b");
  ref.rpv = Bytes(64, 0);
  ref.rems = std::array<Bytes, 4>{Bytes(32, 0), Bytes(32, 0), Bytes(32, 0), Bytes(32, 0)};
  ref.realm_id = 1;
  ref.sw_components = std::vector<ExpectedSwComponent>{
      {.type = "RMM",
       .measurement =
           *parse_hex("1eac767a20dbdb1058f01f5d035eee0e1c47e8e7122a17eab098e4d3f4bdda82")}};
  ref.lifecycle_states = std::vector{LifecycleState::kSecured, LifecycleState::kNonPsaRotDebug};
  return ref;
}

void check_report(const VerificationReport& report) {
  if (report.checks.empty() || report.checks.front().name != kCheckStructure) {
    fail("the report does not start with the structure check");
  }
  const bool structure_ok = report.checks.front().status == CheckStatus::kPass;
  for (const Check& c : report.checks) {
    if (!structure_ok && c.name != kCheckStructure && c.status != CheckStatus::kSkipped) {
      fail("check " + c.name + " ran on a token whose structure is invalid");
    }
  }
  if (report.passed() && report.first_failure() != nullptr) fail("passed() with a failed check");
  (void)format_report(report);
  (void)verdict_line(report);
  (void)report_json(report).dump();
}

template <class Claims>
void check_round_trip(const Claims& claims, Bytes (*encode)(const Claims&),
                      std::optional<Claims> (*decode)(std::span<const std::uint8_t>,
                                                      std::string&)) {
  std::string error;
  const Bytes encoded = encode(claims);
  const auto again = decode(encoded, error);
  if (!again) fail("claims that decoded do not decode after encoding: " + error);
  if (*again != claims) fail("claims changed in a decode(encode()) round trip");
}

void check_platform(const cca::PlatformClaims& c) {
  check_round_trip(c, &cca::encode_platform_claims, &cca::decode_platform_claims);
  (void)format_claims(c);
  (void)claims_json(c).dump();
}

void check_realm(const cca::RealmClaims& c) {
  check_round_trip(c, &cca::encode_realm_claims, &cca::decode_realm_claims);
  (void)format_claims(c);
  (void)claims_json(c).dump();
}

void run(std::span<const std::uint8_t> input) {
  static const ReferenceValues reference = make_reference();
  const VerificationReport report = verify(input, reference);
  check_report(report);
  if (report.platform) check_platform(*report.platform);
  if (report.realm) check_realm(*report.realm);

  std::string error;
  if (const auto p = cca::decode_platform_claims(input, error)) check_platform(*p);
  if (const auto r = cca::decode_realm_claims(input, error)) check_realm(*r);
  if (const auto msg = parse_sign1(input, error)) {
    (void)verify_sign1(*msg, reference.platform_keys.front().key);
  }
}

}  // namespace
}  // namespace caec::attest::verifier

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  caec::attest::verifier::run(std::span(data, size));
  return 0;
}
