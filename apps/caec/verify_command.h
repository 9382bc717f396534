// `caec verify`: checks a CCA attestation token against a platform key and reference values.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace caec::app {

/// Adds the `verify` subcommand to `app`. When the command line selects it, parsing sets `run`
/// to the command's action, which returns the exit code: 0 the token passed, 1 a check failed,
/// 2 a usage or input error (unreadable file, bad key, bad hex).
CLI::App* add_verify_command(CLI::App& app, std::function<int()>& run);

}  // namespace caec::app
