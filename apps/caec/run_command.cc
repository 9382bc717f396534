#include "apps/caec/run_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "apps/caec/files.h"
#include "apps/caec/scenario/compile.h"
#include "apps/caec/scenario/runner.h"

namespace caec::app {

namespace {

struct ScenarioOptions {
  std::string file;
  RunOptions run;
  bool inspect = false;
  CLI::Option* after = nullptr;  // inspect --after, if given
  std::uint64_t after_step = 0;
};

/// The scenario in `o.file`; InputError (exit 2) if it cannot be read, is not JSON or does not
/// fit the schema (the message names the field).
Scenario load(const ScenarioOptions& o) {
  const std::string text = read_input_file(o.file);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(o.file + ": not JSON: " + e.what());
  }
  try {
    Scenario s = parse_scenario(doc);
    check_manifests(s);
    return s;
  } catch (const ScenarioError& e) {
    throw InputError(o.file + ": " + e.what());
  }
}

/// What the options ask of the scenario, checked before any work: the step to inspect exists,
/// and `run` can write every file it will write.
void check_request(const ScenarioOptions& o, const Scenario& s, RunOptions& run) {
  if (!run.measurement_log.empty()) check_writable(run.measurement_log, "--measurement-log");
  if (o.inspect) {
    // Default: after the last step (once the realms set up, for a scenario without steps).
    const bool given = o.after != nullptr && o.after->count() > 0;
    if (given && o.after_step >= s.steps.size()) {
      throw InputError("--after " + std::to_string(o.after_step) + ": " + o.file + " has " +
                       std::to_string(s.steps.size()) + " steps" +
                       (s.steps.empty() ? "" : " (0 to " + std::to_string(s.steps.size() - 1) + ")"));
    }
    run.inspect_after = given ? o.after_step : s.steps.empty() ? kInspectAtStart : s.steps.size() - 1;
    return;
  }
  if (!run.platform_key_out.empty()) check_writable(run.platform_key_out, "--save-platform-key");
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    if (s.steps[i].action == "attest") check_writable(s.steps[i].out, "steps[" + std::to_string(i) + "].out");
  }
}

int load_and_run(const ScenarioOptions& o) {
  const Scenario s = load(o);
  RunOptions run = o.run;
  check_request(o, s, run);
  return run_scenario(s, run);
}

CLI::App* add(CLI::App& app, std::function<int()>& run, const char* name, const char* about, bool inspect) {
  CLI::App* cmd = app.add_subcommand(name, about);
  auto o = std::make_shared<ScenarioOptions>();
  o->inspect = inspect;
  cmd->add_option("scenario", o->file, "Scenario file (JSON; docs/scenarios.md)")->required()->check(CLI::ExistingFile);
  CLI::Option* json = cmd->add_flag("--json", o->run.json, "Print the result as JSON");
  cmd->add_option("--measurement-log", o->run.measurement_log,
                  "Write each realm's RIM, extension by extension, as JSON here (docs/attestation.md)");
  if (inspect) {
    cmd->add_option("--picture", o->run.picture,
                    "Print the view as a picture of who shares what: dot (Graphviz) or svg (needs graphviz)")
        ->check(CLI::IsMember({"dot", "svg"}))
        ->excludes(json);
    o->after = cmd->add_option("--after", o->after_step, "Inspect after this step (0-based; default: after the last)")
                   ->check(CLI::NonNegativeNumber);
  } else {
    cmd->add_option("--save-platform-key", o->run.platform_key_out,
                    "Write the platform's public key (PEM) here, for `caec verify` of saved tokens");
  }
  cmd->callback([&run, o] { run = [o] { return load_and_run(*o); }; });
  return cmd;
}

}  // namespace

CLI::App* add_run_command(CLI::App& app, std::function<int()>& run) {
  return add(app, run, "run", "Run a scenario: realms, CSM regions and a script of steps, on a fresh machine", false);
}

CLI::App* add_inspect_command(CLI::App& app, std::function<int()>& run) {
  return add(app, run, "inspect",
             "Run a scenario up to a step and show the granule map, realms, stage 2, APT entries", true);
}

}  // namespace caec::app
