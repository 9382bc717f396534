#include "caec/abi/hex.h"
#include "apps/caec/attest_command.h"

#include <openssl/rand.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <fstream>
#include <optional>
#include <stdexcept>

#include "apps/caec/files.h"
#include "apps/caec/log.h"
#include "apps/caec/measurement_log.h"
#include "attest/rim_calculator.h"
#include "attest/token/cca_claims.h"
#include "attest/verifier/verifier.h"
#include "host/host.h"
#include "host/vmm.h"
#include "machine/root_of_trust.h"
#include "platform/emulated_platform.h"
#include "realm/boot.h"

namespace caec::app {

namespace {

constexpr std::uint64_t kOutIpa = std::uint64_t{1} << 39U;  // first unprotected IPA, 40-bit
constexpr std::uint64_t kOutSize = 0x4000;
/// The challenge goes in the shared buffer's last granule, after the token's room: given at run
/// time, not as a (measured) argument, so the realm's RIM does not change with it.
constexpr std::uint64_t kChallengeOffset = kOutSize;
constexpr std::uint64_t kBufferSize = kOutSize + kGranuleSize;

void write_file(const std::string& path, std::span<const std::uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  // SAFETY: writing bytes through the char interface of ofstream.
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

/// --challenge is checked while parsing, so a bad one is a usage error (exit 2).
const CLI::Validator kChallenge(
    [](std::string& hex) {
      const bool ok = hex.size() % 2 == 0 && hex.size() <= 128 &&
                      hex.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
      return ok ? std::string{} : "expected up to 64 bytes of hex";
    },
    "HEX");

std::string challenge_of(const std::string& hex) {
  if (!hex.empty()) return hex;
  std::array<std::uint8_t, 64> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) throw std::runtime_error("RAND_bytes failed");
  return hex_bytes(bytes);
}

}  // namespace

int run_attest(const AttestOptions& o) {
  check_writable(o.output, "-o");
  if (!o.save_platform_key.empty()) check_writable(o.save_platform_key, "--save-platform-key");
  if (!o.measurement_log.empty()) check_writable(o.measurement_log, "--measurement-log");
  machine::MachineConfig config;
  config.dram_bytes = 256ULL << 20U;
  if (!o.platform_key.empty()) {
    config.identity.platform_key_pem = read_input_file(o.platform_key);
    try {
      (void)machine::RootOfTrust(config.identity);  // the machine's own key checks, as an input error
    } catch (const std::invalid_argument& e) {
      std::fprintf(stderr, "caec attest: --platform-key %s: %s\n", o.platform_key.c_str(), e.what());
      return 2;
    }
  }
  config.legacy_token_format = o.format == "399";
  const std::string challenge = challenge_of(o.challenge_hex);

  platform::System system(config, realm::boot);
  host::Host host(system.machine());
  MeasurementLog measurements;  // the realm owner's prediction of the RIM, step by step
  host::Vmm vmm(host, [&](Pa rec) { system.platform().interrupt(rec); }, measurements.observer());
  const Pa out = vmm.create_shared_buffer(1, kBufferSize);
  // Checked by kChallenge or made by challenge_of: hex, at most 64 bytes (none: empty).
  const attest::Bytes challenge_bytes = caec::parse_hex(challenge).value_or(attest::Bytes{});
  const std::uint64_t challenge_len = challenge_bytes.size();
  if (host.memory().write(out + kChallengeOffset, std::as_bytes(std::span(&challenge_len, 1))) != machine::Access::kOk ||
      host.memory().write(out + kChallengeOffset + 8, std::as_bytes(std::span(challenge_bytes))) != machine::Access::kOk) {
    throw std::runtime_error("cannot give the realm its challenge");
  }

  host::LaunchSpec spec;
  spec.name = "attested-realm";
  spec.realm.hash_algo = o.hash == "sha512" ? abi::RmiHashAlgorithm::kSha512 : abi::RmiHashAlgorithm::kSha256;
  spec.manifest = {"csm-script", 1,
                   {"map-host 1 " + hex_number(kOutIpa) + " " + hex_number(kBufferSize),
                    "attest " + hex_number(kOutIpa) + " @" + hex_number(kOutIpa + kChallengeOffset)}};
  spec.ram_size = 2ULL << 20U;
  log_line("booting the machine, building the realm");
  host::VmRealm& r = vmm.launch(spec);
  const std::string rim = measurements.rim(0);
  log_line("realm built (RIM " + rim + "), fetching its token through RSI");
  vmm.start(r);
  const bool done = vmm.wait(r, std::chrono::seconds(60));
  log_realm(r);
  if (!done || r.exit_status() != 0) {
    std::fprintf(stderr, "caec attest: the realm failed: %s%s\n", r.console().c_str(), r.error().c_str());
    vmm.destroy(r);
    return 1;
  }
  std::uint64_t len = 0;
  attest::Bytes token;
  if (host.memory().read(out, std::as_writable_bytes(std::span(&len, 1))) != machine::Access::kOk ||
      len > kOutSize - 8) {
    throw std::runtime_error("the realm left no token in the shared buffer");
  }
  token.resize(len);
  if (host.memory().read(out + 8, std::as_writable_bytes(std::span(token))) != machine::Access::kOk) {
    throw std::runtime_error("cannot read the token from the shared buffer");
  }
  vmm.destroy(r);

  write_file(o.output, token);
  if (!o.measurement_log.empty()) measurements.write(o.measurement_log, {spec.name});
  if (!o.save_platform_key.empty()) {
    const std::string pem = system.machine().root_of_trust().platform_key().public_pem();
    // SAFETY: the PEM text as bytes.
    write_file(o.save_platform_key, std::span(reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size()));
  }
  if (o.json) {
    const nlohmann::ordered_json j{{"token", o.output},       {"bytes", token.size()},
                                   {"format", o.format},      {"challenge", challenge},
                                   {"expected_rim", rim},     {"platform_key", o.save_platform_key}};
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("token: %s (%zu bytes, tag %s)\n", o.output.c_str(), token.size(), o.format.c_str());
  std::printf("challenge: %s\n", challenge.c_str());
  std::printf("expected RIM (predicted by the realm owner): %s\n", rim.c_str());
  if (!o.save_platform_key.empty()) {
    std::printf("verify with: caec verify %s --platform-key %s --expect-rim %s\n", o.output.c_str(),
                o.save_platform_key.c_str(), rim.c_str());
  }
  return 0;
}

CLI::App* add_attest_command(CLI::App& app, std::function<int()>& run) {
  CLI::App* cmd = app.add_subcommand(
      "attest", "Run a realm on a fresh emulated machine, fetch its CCA attestation token, save it");
  auto options = std::make_shared<AttestOptions>();
  AttestOptions& o = *options;
  cmd->callback([&run, options] { run = [options] { return run_attest(*options); }; });
  cmd->add_option("-o,--output", o.output, "Where to write the token (CBOR)")->required();
  cmd->add_option("--challenge", o.challenge_hex, "Challenge, up to 64 bytes of hex (default: random)")
      ->check(kChallenge);
  cmd->add_option("--platform-key", o.platform_key,
                  "P-384 private key (PEM) the platform signs with (default: generated)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--save-platform-key", o.save_platform_key,
                  "Write the platform's public key (PEM) here, for `caec verify --platform-key`");
  cmd->add_option("--format", o.format, "Token format: 907 (CMW collection) or 399 (draft-ffm-00)")
      ->check(CLI::IsMember({"907", "399"}))
      ->capture_default_str();
  cmd->add_option("--hash", o.hash, "Realm hash algorithm")
      ->check(CLI::IsMember({"sha256", "sha512"}))
      ->capture_default_str();
  cmd->add_flag("--json", o.json, "Print what was saved (token, challenge, expected RIM) as JSON");
  cmd->add_option("--measurement-log", o.measurement_log,
                  "Write the realm's RIM, extension by extension, as JSON here (docs/attestation.md)");
  return cmd;
}

}  // namespace caec::app
