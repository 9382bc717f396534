// caec: the command-line front end (one binary, one subcommand per job).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <functional>

#include "apps/caec/attest_command.h"
#include "apps/caec/bench_command.h"
#include "apps/caec/demo.h"
#include "apps/caec/files.h"
#include "apps/caec/log.h"
#include "apps/caec/run_command.h"
#include "apps/caec/verify_command.h"
#include "platform/firmware_measurements.h"

namespace {

constexpr const char* kConventions =
    R"(Every subcommand: --help; -v/--verbose logs what happens to stderr (-vv more); results go
to stdout (--json where they are data); exit status 0 success, 1 failure, 2 usage or input
error. See docs/guide.md, "CLI conventions".)";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"caec: Confidential Shared Memory between Arm CCA realms, on an emulated machine"};
  app.require_subcommand(1);
  app.footer(kConventions);
  // The RMM measurement is the one this build's platform tokens report (docs/attestation.md).
  app.set_version_flag("--version", std::string("caec ") + CAEC_VERSION + "\nRMM measurement (SHA-256): " +
                                        std::string(caec::platform::kRmmMeasurementHex));

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
  demo_cmd->add_option("--picture", demo.picture,
                       "Draw who shares what after the CSM exchange into this file (.svg: SVG, needs graphviz; else DOT)");

  std::function<int()> run;  // set by the add_*_command subcommand that parsing selects
  caec::app::add_verify_command(app, run);
  caec::app::add_attest_command(app, run);
  caec::app::add_bench_command(app, run);
  caec::app::add_run_command(app, run);
  caec::app::add_inspect_command(app, run);
  // One -v for every subcommand (before or after its name), so each --help lists it.
  caec::app::add_verbose_flag(app);
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) caec::app::add_verbose_flag(*sub);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help exits 0, usage errors 2
  }
  caec::app::set_log_command(app.get_subcommands().front()->get_name());
  // Nothing escapes: input errors exit 2, anything else that went wrong 1, each with a message.
  try {
    if (*demo_cmd) return caec::app::run_demo(demo);
    if (run) return run();
  } catch (const caec::app::InputError& e) {
    std::fprintf(stderr, "caec: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "caec: error: %s\n", e.what());
    return 1;
  } catch (...) {
    std::fprintf(stderr, "caec: error: an unknown exception\n");
    return 1;
  }
  return 0;
}
