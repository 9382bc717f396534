// `caec run SCENARIO.json` and `caec inspect SCENARIO.json` (docs/scenarios.md).
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace caec::app {

CLI::App* add_run_command(CLI::App& app, std::function<int()>& run);
CLI::App* add_inspect_command(CLI::App& app, std::function<int()>& run);

}  // namespace caec::app
