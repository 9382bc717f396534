// `caec bench`: the evaluation of design/benchmarks.md, written to a directory.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace caec::app {

/// Registers the subcommand; when parsing selects it, `run` is set to its action.
CLI::App* add_bench_command(CLI::App& app, std::function<int()>& run);

}  // namespace caec::app
