#include "apps/caec/run_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <memory>

#include "apps/caec/scenario/runner.h"

namespace caec::app {

namespace {

struct ScenarioOptions {
  std::string file;
  RunOptions run;
  long long after = -1;
};

/// Exit 2 for a file that cannot be read or does not fit the schema (the message names the field).
int load_and_run(const ScenarioOptions& o) {
  std::ifstream in(o.file);
  if (!in) {
    std::fprintf(stderr, "caec: cannot read %s\n", o.file.c_str());
    return 2;
  }
  Scenario s;
  try {
    s = parse_scenario(nlohmann::json::parse(in));
  } catch (const nlohmann::json::exception& e) {
    std::fprintf(stderr, "caec: %s: not JSON: %s\n", o.file.c_str(), e.what());
    return 2;
  } catch (const ScenarioError& e) {
    std::fprintf(stderr, "caec: %s: %s\n", o.file.c_str(), e.what());
    return 2;
  }
  RunOptions run = o.run;
  if (o.after >= 0) run.inspect_after = static_cast<std::size_t>(o.after);
  return run_scenario(s, run);
}

CLI::App* add(CLI::App& app, std::function<int()>& run, const char* name, const char* about, bool inspect) {
  CLI::App* cmd = app.add_subcommand(name, about);
  auto o = std::make_shared<ScenarioOptions>();
  cmd->add_option("scenario", o->file, "Scenario file (JSON; docs/scenarios.md)")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--json", o->run.json, "Print the result as JSON");
  if (inspect) {
    cmd->add_option("--after", o->after, "Inspect after this step (0-based; default: after the last)");
  } else {
    cmd->add_option("--save-platform-key", o->run.platform_key_out,
                    "Write the platform's public key (PEM) here, for `caec verify` of saved tokens");
  }
  cmd->callback([&run, o, inspect, cmd] {
    if (inspect && o->after < 0) o->after = 1 << 30;  // after the last step
    (void)cmd;
    run = [o] { return load_and_run(*o); };
  });
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
