// `caec attest`: boot the emulated machine, run a realm, fetch its CCA token through RSI and
// save it, with the reference values a relying party needs to verify it (`caec verify`).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace caec::app {

struct AttestOptions {
  std::string output;            // token file
  std::string challenge_hex;     // empty: 64 random bytes
  std::string platform_key;      // PEM private key to pin the IAK; empty: generated
  std::string save_platform_key; // where to write the IAK public key (PEM)
  std::string measurement_log;   // where to write the realm's measurement log (JSON), if set
  std::string format = "907";
  std::string hash = "sha256";
  bool json = false;
};

/// Returns the process exit code.
int run_attest(const AttestOptions& options);

/// Registers the subcommand; when parsing selects it, `run` is set to its action.
CLI::App* add_attest_command(CLI::App& app, std::function<int()>& run);

}  // namespace caec::app
