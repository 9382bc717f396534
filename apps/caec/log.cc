#include "apps/caec/log.h"

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <sstream>

#include "host/vmm.h"

namespace caec::app {

namespace {

std::atomic<int> g_verbosity{0};
std::string g_command = "caec";
std::mutex g_stderr;  // realms' consoles and the runner may log from several threads

void line_out(std::string_view prefix, std::string_view line) {
  std::lock_guard lock(g_stderr);
  std::fprintf(stderr, "%.*s%.*s\n", static_cast<int>(prefix.size()), prefix.data(), static_cast<int>(line.size()),
               line.data());
}

}  // namespace

void add_verbose_flag(CLI::App& cmd) {
  cmd.add_flag_function(
      "-v,--verbose", [](std::int64_t n) { g_verbosity += static_cast<int>(n); },
      "Log what happens on the way to stderr (repeat for more: -vv)");
}

void set_log_command(std::string name) { g_command = "caec " + std::move(name); }

bool logging(Verbosity at) { return g_verbosity.load() >= static_cast<int>(at); }

void log_line(std::string_view line, Verbosity at) {
  if (logging(at)) line_out(g_command + ": ", line);
}

void log_console(std::string_view realm, std::string_view text, Verbosity at) {
  if (!logging(at)) return;
  std::istringstream lines{std::string(text)};
  for (std::string l; std::getline(lines, l);) line_out(std::string(realm) + "| ", l);
}

std::string exit_summary(const host::VmRealm& realm) {
  std::string s;
  for (const auto& [name, n] : realm.exit_counts()) s += (s.empty() ? "" : ", ") + name + " x" + std::to_string(n);
  return s;
}

void log_realm(const host::VmRealm& realm) {
  log_console(realm.name(), realm.console());
  log_line(realm.name() + ": exits handled: " + exit_summary(realm), Verbosity::kDebug);
}

void progress(std::string_view line) {
  static const auto start = std::chrono::steady_clock::now();
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count();
  char stamp[24];
  std::snprintf(stamp, sizeof stamp, "[%4llds] ", static_cast<long long>(s));
  line_out(stamp, line);
}

}  // namespace caec::app
