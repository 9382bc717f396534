// How `caec` talks to its user (docs/guide.md, "CLI conventions"): results on stdout and errors
// on stderr, always; progress of long work on stderr; logs (what the host, the RMM and the
// realms did on the way) on stderr only with -v, more with -vv. One verbosity for the whole
// process, raised by the -v flag main() gives every subcommand, so no command grows its own.
#pragma once

#include <string>
#include <string_view>

namespace CLI {
class App;
}
namespace caec::host {
class VmRealm;
}

namespace caec::app {

enum class Verbosity : int {
  kQuiet = 0,  // results and errors only (the default)
  kLog = 1,    // -v: the steps taken, the realms' consoles
  kDebug = 2,  // -vv: also the details behind them (compiled scripts, exit counts)
};

/// Adds a repeatable -v/--verbose to `cmd`; each use raises the process's verbosity by one.
void add_verbose_flag(CLI::App& cmd);
/// Names the running subcommand in log lines ("caec run: ...").
void set_log_command(std::string name);

[[nodiscard]] bool logging(Verbosity at = Verbosity::kLog);
/// One line on stderr when the verbosity reaches `at`.
void log_line(std::string_view line, Verbosity at = Verbosity::kLog);
/// A realm's console text on stderr, each line as "NAME| line", when the verbosity reaches `at`.
void log_console(std::string_view realm, std::string_view text, Verbosity at = Verbosity::kLog);
/// What a realm left behind: its console with -v, the exits the host handled with -vv.
void log_realm(const host::VmRealm& realm);
/// "NAME xN, ..." of the exits the host handled for `realm`.
[[nodiscard]] std::string exit_summary(const host::VmRealm& realm);
/// Progress of work that takes minutes: always on stderr, with the seconds since the first call.
void progress(std::string_view line);

}  // namespace caec::app
