#include "apps/caec/bench_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <memory>
#include <sstream>

#include "apps/caec/files.h"
#include "apps/caec/log.h"
#include "bench/lib/consistency.h"
#include "bench/lib/profile.h"

namespace caec::app {

namespace {

struct BenchOptions {
  bool quick = false;
  std::string out = "bench-results";
  std::string modes = "csm,csm-zero-copy,sealed-openssl,sealed-mbedtls,plain-ns";
  bool plots = true;
  bool check = false;
  bool check_complete = false;
  bool json = false;
  std::vector<std::string> compare;  // two result directories: compare them, run nothing
};

/// The transports of a --modes list; what is wrong with it, if anything, in `problem`.
std::vector<channel::Transport> parse_modes(const std::string& list, std::string* problem = nullptr) {
  std::vector<channel::Transport> modes;
  std::istringstream in(list);
  std::string item;
  bool empty_item = list.empty() || list.back() == ',';  // getline drops a trailing empty item
  while (std::getline(in, item, ',')) {
    const auto t = channel::transport_from_name(item);
    empty_item = empty_item || item.empty();
    if (!t && !item.empty() && problem != nullptr && problem->empty()) *problem = "unknown transport \"" + item + "\"";
    if (t) modes.push_back(*t);
  }
  // An empty list (or item) is a mistake, not a request to measure nothing.
  if (empty_item && problem != nullptr && problem->empty()) *problem = "an empty transport name in \"" + list + "\"";
  return modes;
}

/// --modes is checked while parsing, so a bad list is a usage error (exit 2).
const CLI::Validator kModes(
    [](std::string& list) {
      std::string problem;
      (void)parse_modes(list, &problem);
      return problem;
    },
    "LIST");

std::string read_results(const std::string& dir) {
  std::ifstream in(std::filesystem::path(dir) / "results.json");
  if (!in) throw std::runtime_error("--compare: no results.json in " + dir);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Two runs' ratios side by side: the figures README quotes must agree within kAgreement.
int compare_runs(const std::string& first_dir, const std::string& second_dir) {
  constexpr double kAgreement = 0.15;
  const bench::Results first = bench::results_from_json(read_results(first_dir));
  const bench::Results second = bench::results_from_json(read_results(second_dir));
  if (first.comm_placement != second.comm_placement) {
    // Near or far is the machine's hypervisor's choice, and it moves every plaintext cost 3-4x
    // (docs/evaluation.md): such runs agree on nothing and measure no noise either.
    std::printf("not comparable: %s used %s repetitions, %s %s ones; compare two runs of one placement\n",
                first.date.c_str(), first.comm_placement.c_str(), second.date.c_str(), second.comm_placement.c_str());
    return 2;
  }
  for (const bench::Results* r : {&first, &second}) {
    // A run --check refuses measured noise somewhere; agreeing with it or not says nothing.
    if (const auto problems = bench::consistency_problems(*r); !problems.empty()) {
      std::printf("not comparable: the %s run did not pass --check (%zu problem(s), the first: %s); compare two runs "
                  "that pass it\n",
                  r->date.c_str(), problems.size(), problems.front().c_str());
      return 2;
    }
  }
  const auto ratios = bench::compare_ratios(first, second);
  if (ratios.empty()) throw std::runtime_error("--compare: the two runs share no mode and size");
  std::printf("Both runs used %s repetitions.\n\n| ratio | %s | %s | apart |\n|---|---|---|---|\n",
              first.comm_placement.c_str(), first.date.c_str(), second.date.c_str());
  double worst = 0;
  std::size_t over = 0;
  for (const auto& a : ratios) {
    std::printf("| %s | %.2fx | %.2fx | %.1f%%%s |\n", a.label().c_str(), a.first, a.second, a.disagreement() * 100,
                a.disagreement() > kAgreement ? " (over 15%)" : "");
    worst = std::max(worst, a.disagreement());
    if (a.disagreement() > kAgreement) ++over;
  }
  // Per kind, so a claim about one kind (the README quotes some, not all) can be read off.
  std::printf("\n| ratio, every size | sizes | farthest apart | over 15%% |\n|---|---|---|---|\n");
  for (const auto& k : bench::agreement_by_kind(ratios, kAgreement)) {
    std::printf("| %s | %zu | %.1f%% | %zu |\n", k.kind.c_str(), k.sizes, k.farthest * 100, k.over);
  }
  std::printf("\n%zu ratios; the farthest apart by %.1f%%; %zu over 15%%.\n", ratios.size(), worst * 100, over);
  return over == 0 ? 0 : 1;
}

int run_bench(const BenchOptions& o) {
  if (!o.compare.empty()) return compare_runs(o.compare.at(0), o.compare.at(1));
  check_writable_directory(o.out, "-o");
  const auto modes = parse_modes(o.modes);
  const bench::Profile profile = o.quick ? bench::quick_profile() : bench::full_profile();
  progress("caec bench, " + profile.name + " profile, results in " + o.out + "/");
  const bench::Results results = bench::run_profile(profile, modes, progress);
  for (const auto& path : bench::write_outputs(results, o.out, o.plots)) log_line("wrote " + path.string());
  std::printf("%s", (o.json ? bench::results_json(results) : bench::markdown_summary(results)).c_str());
  if (!o.check && !o.check_complete) return 0;
  const auto missing = bench::completeness_problems(results, profile, modes);
  for (const auto& p : missing) std::fprintf(stderr, "caec bench: incomplete: %s\n", p.c_str());
  const auto inconsistent = o.check ? bench::consistency_problems(results) : std::vector<std::string>{};
  for (const auto& p : inconsistent) std::fprintf(stderr, "caec bench: not self-consistent: %s\n", p.c_str());
  return missing.empty() && inconsistent.empty() ? 0 : 1;
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
                "Exit 1 unless every figure is present and the run is publishable: no figure from a repetition "
                "measured beside other work, and ratios between modes and sizes that agree with what each mode is "
                "(never judges speed)");
  cmd->add_flag("--check-complete", o->check_complete,
                "Exit 1 unless every figure is present and positive (a smoke test for busy machines)");
  cmd->add_option("--compare", o->compare,
                  "Run nothing: compare the ratios of two earlier runs (DIR DIR, each with results.json); exit 1 if "
                  "one differs by over 15%, 2 if the runs had different vCPU placements or one did not pass --check")
      ->expected(2)
      ->check(CLI::ExistingDirectory);
  cmd->add_flag("--json", o->json, "Print results.json instead of the Markdown summary");
  cmd->footer("Progress goes to stderr, one line per phase; the summary (or --json) to stdout.");
  cmd->callback([&run, o] { run = [o] { return run_bench(*o); }; });
  return cmd;
}

}  // namespace caec::app
