#include "apps/caec/bench_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <sstream>

#include "apps/caec/log.h"
#include "bench/lib/profile.h"

namespace caec::app {

namespace {

struct BenchOptions {
  bool quick = false;
  std::string out = "bench-results";
  std::string modes = "csm,csm-zero-copy,sealed-openssl,sealed-mbedtls,plain-ns";
  bool plots = true;
  bool check = false;
  bool json = false;
};

/// The transports of a --modes list; the first unknown name, if any, in `unknown`.
std::vector<channel::Transport> parse_modes(const std::string& list, std::string* unknown = nullptr) {
  std::vector<channel::Transport> modes;
  std::istringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    const auto t = channel::transport_from_name(item);
    if (!t && unknown != nullptr && unknown->empty()) *unknown = item;
    if (t) modes.push_back(*t);
  }
  return modes;
}

/// --modes is checked while parsing, so a bad name is a usage error (exit 2).
const CLI::Validator kModes(
    [](std::string& list) {
      std::string unknown;
      (void)parse_modes(list, &unknown);
      return unknown.empty() ? std::string{} : "unknown transport \"" + unknown + "\"";
    },
    "LIST");

int run_bench(const BenchOptions& o) {
  const auto modes = parse_modes(o.modes);
  const bench::Profile profile = o.quick ? bench::quick_profile() : bench::full_profile();
  progress("caec bench, " + profile.name + " profile, results in " + o.out + "/");
  const bench::Results results = bench::run_profile(profile, modes, progress);
  for (const auto& path : bench::write_outputs(results, o.out, o.plots)) log_line("wrote " + path.string());
  std::printf("%s", (o.json ? bench::results_json(results) : bench::markdown_summary(results)).c_str());
  if (!o.check) return 0;
  const auto problems = bench::completeness_problems(results, profile, modes);
  for (const auto& p : problems) std::fprintf(stderr, "caec bench: incomplete: %s\n", p.c_str());
  return problems.empty() ? 0 : 1;
}

}  // namespace

CLI::App* add_bench_command(CLI::App& app, std::function<int()>& run) {
  CLI::App* cmd = app.add_subcommand(
      "bench", "Run the evaluation: channels against each other and their floors, the control plane");
  auto o = std::make_shared<BenchOptions>();
  cmd->add_flag("--quick", o->quick, "The quick profile (a couple of minutes) instead of the full one");
  cmd->add_option("-o,--out", o->out, "Directory for results.json, CSV, summary.md and plots")->capture_default_str();
  cmd->add_option("--modes", o->modes, "Transports to compare, comma-separated")->check(kModes)->capture_default_str();
  cmd->add_flag("!--no-plots", o->plots, "Skip the gnuplot figures");
  cmd->add_flag("--check", o->check,
                "Exit 1 unless every figure is present and positive (a smoke test; never judges speed)");
  cmd->add_flag("--json", o->json, "Print results.json instead of the Markdown summary");
  cmd->footer("Progress goes to stderr, one line per phase; the summary (or --json) to stdout.");
  cmd->callback([&run, o] { run = [o] { return run_bench(*o); }; });
  return cmd;
}

}  // namespace caec::app
