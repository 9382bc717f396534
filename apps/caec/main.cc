// caec: the command-line front end (one binary, one subcommand per job).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "apps/caec/demo.h"

int main(int argc, char** argv) {
  CLI::App app{"caec: Confidential Shared Memory between Arm CCA realms, on an emulated machine"};
  app.require_subcommand(1);

  caec::app::DemoOptions demo;
  auto* demo_cmd = app.add_subcommand(
      "demo", "Boot the emulated machine, build a realm through the RMI, show it, tear it down");
  demo_cmd->add_option("--ipa-width", demo.ipa_width, "Realm IPA width in bits")
      ->check(CLI::Range(32, 48))
      ->capture_default_str();
  demo_cmd->add_option("--hash", demo.hash, "Realm hash algorithm")
      ->check(CLI::IsMember({"sha256", "sha512"}))
      ->capture_default_str();
  demo_cmd->add_option("--memory", demo.memory_mib, "Machine DRAM in MiB")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  try {
    if (*demo_cmd) return caec::app::run_demo(demo);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "caec: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
