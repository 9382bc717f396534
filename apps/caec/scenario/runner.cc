#include "caec/abi/hex.h"
#include "apps/caec/scenario/runner.h"

#include <bit>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <thread>

#include "apps/caec/log.h"
#include "apps/caec/measurement_log.h"
#include "apps/caec/scenario/compile.h"
#include "apps/caec/scenario/failure.h"
#include "apps/caec/scenario/inspection.h"
#include "apps/caec/scenario/picture.h"
#include "apps/caec/scenario/script_vmm.h"
#include "attest/rim_calculator.h"
#include "host/host.h"
#include "inspect/csm_invariants.h"
#include "platform/emulated_platform.h"
#include "realm/boot.h"

namespace caec::app {

namespace {

using nlohmann::ordered_json;

constexpr auto kTimeout = std::chrono::minutes(5);

/// Each half of a realm's IPA space is a window of host address space (machine/stage2.h). The
/// machine's default, the whole half of a 40-bit IPA space, is 1 TiB a realm: 128 realms would
/// take all 128 TiB a Linux process has. A scenario's realms reach far less (ipa_reach), and
/// 4 GiB at least leaves programs room for buffers of their own (the demo's sits at 1 GiB).
std::uint64_t stage2_window(const Scenario& s) {
  return std::bit_ceil(std::max(std::uint64_t{4} << 30U, ipa_reach(s)));
}

/// Waits until step `i` is done; false if a realm failed first (it will never be done) or the
/// timeout passed.
bool wait_for_step(ScriptVmm& vmm, std::size_t i, const std::vector<host::VmRealm*>& realms) {
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  while (!vmm.step_done(i)) {
    for (const host::VmRealm* r : realms) {
      if (r->finished() && r->exit_status() != 0) return false;
    }
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

void save_token(host::Host& host, Pa buffer, const std::string& file) {
  std::uint64_t len = 0;
  if (host.memory().read(buffer, std::as_writable_bytes(std::span(&len, 1))) != machine::Access::kOk ||
      len > kTokenBufferSize - 8) {
    throw std::runtime_error("no token in the host buffer for " + file);
  }
  std::vector<std::byte> token(len);
  (void)host.memory().read(buffer + 8, token);
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  // SAFETY: the token's bytes through ofstream's char interface.
  out.write(reinterpret_cast<const char*>(token.data()), static_cast<std::streamsize>(token.size()));
  if (!out) throw std::runtime_error("cannot write " + file);
}

/// The script as the host sees it, up to step `end` (exclusive): it performs its own steps
/// (inspections) when their turn comes and, with -v, logs each step as the realms report it
/// done. Returns the first step that is not done: `end` unless a realm failed first, so the
/// runner need not wait for realms that wait for it.
std::size_t follow_script(const Scenario& s, const CompiledScenario& c, ScriptVmm& vmm,
                          const std::vector<host::VmRealm*>& realms, std::size_t end,
                          const std::function<void(const HostAction&)>& perform) {
  std::size_t next_host = 0;
  for (std::size_t i = 0; i < end; ++i) {
    if (next_host < c.host_actions.size() && c.host_actions[next_host].step == i) {
      if (i > 0 && !wait_for_step(vmm, i - 1, realms)) return i;
      perform(c.host_actions[next_host++]);
      vmm.finish_step(i);
    } else if (!wait_for_step(vmm, i, realms)) {
      return i;
    }
    log_line("step " + std::to_string(i) + " done: " + describe(s.steps[i]));
  }
  return end;
}

/// Each `send` step, and whether its receiver reported the message intact.
ordered_json send_results(const CompiledScenario& c, const std::vector<host::VmRealm*>& realms) {
  ordered_json sends = ordered_json::array();
  for (const ChannelSend& send : c.sends) {
    bool intact = false;
    for (const host::VmRealm* r : realms) {
      intact = intact || (r->name() == send.to && r->console().find(send.intact_line) != std::string::npos);
    }
    sends.push_back({{"step", send.step}, {"from", send.from}, {"to", send.to}, {"transport", send.transport},
                     {"bytes", send.bytes}, {"intact", intact}});
  }
  return sends;
}

void print_text(const ordered_json& result, bool ok) {
  for (const auto& r : result["realms"]) {
    std::printf("realm %-12s exit %lld%s\n", r["name"].get<std::string>().c_str(),
                static_cast<long long>(r["exit_status"].get<std::int64_t>()),
                r.contains("error") ? ("  " + r["error"].get<std::string>()).c_str() : "");
  }
  for (const auto& m : result["sends"]) {
    std::printf("step %-3lld send %s -> %s over %s, %llu bytes: %s\n", static_cast<long long>(m["step"].get<std::int64_t>()),
                m["from"].get<std::string>().c_str(), m["to"].get<std::string>().c_str(),
                m["transport"].get<std::string>().c_str(), static_cast<unsigned long long>(m["bytes"].get<std::uint64_t>()),
                m["intact"].get<bool>() ? "delivered intact" : "NOT delivered intact");
  }
  for (const auto& line : result["invariant_violations"]) std::printf("invariant violated: %s\n", line.get<std::string>().c_str());
  for (const auto& t : result.value("tokens", ordered_json::array())) {
    std::printf("token of %s saved to %s\n", t["realm"].get<std::string>().c_str(), t["file"].get<std::string>().c_str());
  }
  std::printf("%s\n", ok ? "scenario ok" : "scenario FAILED");
}

/// The machine a scenario runs on, its realms built and ready to start.
struct ScenarioMachine {
  explicit ScenarioMachine(const Scenario& s)
      : system(config(s), realm::boot),
        host(system.machine()),
        vmm(host, [this](Pa rec) { system.platform().interrupt(rec); }, log.observer()),
        introspect(system.rmm()),
        c(compile_scenario(s, hex_bytes(system.machine().root_of_trust().platform_key().public_point()))) {
    for (const TokenOutput& t : c.tokens) token_buffers.push_back(vmm.create_shared_buffer(t.buffer, kTokenBufferSize));
    for (std::uint64_t id : c.channel_buffers) (void)vmm.create_shared_buffer(id, kChannelMemory);
    std::uint16_t vmid = 1;
    for (std::size_t i = 0; i < s.realms.size(); ++i) realms.push_back(&launch(s.realms[i], i, vmid++));
    log_line(std::to_string(realms.size()) + " realms, " + std::to_string(s.regions.size()) + " regions, " +
             std::to_string(s.steps.size()) + " steps");
  }
  ScenarioMachine(const ScenarioMachine&) = delete;
  ScenarioMachine& operator=(const ScenarioMachine&) = delete;

  static machine::MachineConfig config(const Scenario& s) {
    machine::MachineConfig mc;
    mc.dram_bytes = s.memory_mib << 20U;
    mc.stage2_half_window = stage2_window(s);
    log_line("booting the machine (" + std::to_string(s.memory_mib) + " MiB)");
    return mc;
  }

  host::VmRealm& launch(const ScenarioRealm& r, std::size_t index, std::uint16_t vmid) {
    host::LaunchSpec spec;
    spec.name = r.name;
    spec.realm.vmid = vmid;
    spec.realm.rpv = r.rpv;
    spec.manifest = {r.program, 1, c.realm_args.at(r.name)};
    spec.ram_size = r.memory_mib << 20U;
    try {
      host::VmRealm& built = vmm.launch(spec);
      log_line("realm " + r.name + " built: " + r.program + ", " + std::to_string(spec.manifest.args.size()) +
               " arguments");
      for (const std::string& arg : spec.manifest.args) log_line("  " + r.name + ": " + arg, Verbosity::kDebug);
      return built;
    } catch (const std::exception& e) {
      throw std::runtime_error("building realm " + r.name + " (realms[" + std::to_string(index) + "]): " + e.what());
    }
  }

  /// Stops the realms still running (they wait for steps that will never come) and returns
  /// those it stopped.
  std::set<const host::VmRealm*> stop_the_rest() {
    std::set<const host::VmRealm*> stopped;
    for (host::VmRealm* r : realms) {
      if (r->finished()) continue;
      vmm.stop(*r);
      stopped.insert(r);
    }
    return stopped;
  }

  void destroy_all() {
    for (host::VmRealm* r : realms) vmm.destroy(*r);
  }

  /// --measurement-log: the realms' logs, named as in the scenario (they are built in its order).
  void write_measurement_log(const Scenario& s, const RunOptions& o) const {
    if (o.measurement_log.empty()) return;
    std::vector<std::string> names;
    for (const ScenarioRealm& r : s.realms) names.push_back(r.name);
    log.write(o.measurement_log, names);
  }

  /// Records the realms' measurements as the host builds them (before vmm, which reports to it).
  MeasurementLog log;
  platform::System system;
  host::Host host;
  ScriptVmm vmm;
  rmm::RmmIntrospection introspect;
  const CompiledScenario c;
  std::vector<Pa> token_buffers;
  std::vector<host::VmRealm*> realms;
};

/// Each realm's outcome; `ok` becomes false if one failed. `under_way`: the first step not done.
ordered_json realm_results(const Scenario& s, ScenarioMachine& m, std::size_t under_way,
                           const std::set<const host::VmRealm*>& stopped, bool& ok) {
  ordered_json results = ordered_json::array();
  const std::optional<std::size_t> pending =
      under_way < s.steps.size() ? std::optional<std::size_t>(under_way) : std::nullopt;
  for (host::VmRealm* r : m.realms) {
    const bool done = m.vmm.wait(*r, kTimeout);
    const bool good = done && r->exit_status() == 0;
    ok = ok && good;
    ordered_json rj{{"name", r->name()}, {"exit_status", r->exit_status() ? *r->exit_status() : -1}};
    if (!good && (stopped.contains(r) || !done)) {
      rj["error"] = stopped.contains(r) ? "stopped before it finished (another realm failed)"
                                        : "did not finish within the timeout";
    } else if (!good) {
      const RealmFailure f = explain_failure(*r, s, m.c, pending);
      rj["error"] = f.text(s);
      rj["failure"] = f.json(s);
    }
    if (logging() || !good) rj["console"] = r->console();
    results.push_back(rj);
    log_realm(*r);
  }
  return results;
}

/// `caec run`: the whole script, then the invariants, the tokens and the result.
int run_all(const Scenario& s, const RunOptions& o) {
  ScenarioMachine m(s);
  for (host::VmRealm* r : m.realms) m.vmm.start(*r);
  ordered_json result;
  const auto inspect = [&](const HostAction& a) {
    const ordered_json view = inspect_json(m.introspect, m.system.machine(), m.realms);
    result["inspections"].push_back({{"after_step", static_cast<std::int64_t>(a.step) - 1}, {"view", view}});
    if (!o.json) std::printf("-- inspection after step %zu --\n%s", a.step, inspect_text(view).c_str());
  };
  const std::size_t reached = follow_script(s, m.c, m.vmm, m.realms, s.steps.size(), inspect);
  bool ok = reached == s.steps.size();
  // A failed realm leaves the others waiting for steps that never come: stop them.
  const auto stopped = ok ? std::set<const host::VmRealm*>{} : m.stop_the_rest();
  result["realms"] = realm_results(s, m, reached, stopped, ok);
  result["sends"] = send_results(m.c, m.realms);
  const auto violations = inspect::csm_invariant_violations(m.introspect, m.system.machine());
  result["invariant_violations"] = violations;
  ok = ok && violations.empty();
  for (std::size_t i = 0; i < m.c.tokens.size() && ok; ++i) {
    save_token(m.host, m.token_buffers[i], m.c.tokens[i].file);
    result["tokens"].push_back({{"realm", m.c.tokens[i].realm}, {"file", m.c.tokens[i].file}});
  }
  if (!o.platform_key_out.empty()) {
    std::ofstream key(o.platform_key_out, std::ios::trunc);
    key << m.system.machine().root_of_trust().platform_key().public_pem();
    if (!key) throw std::runtime_error("cannot write " + o.platform_key_out);
  }
  result["ok"] = ok;
  m.write_measurement_log(s, o);
  m.destroy_all();
  if (o.json) {
    std::printf("%s\n", result.dump(2).c_str());
  } else {
    print_text(result, ok);
  }
  return ok ? 0 : 1;
}

/// `caec inspect`: the script up to and including step `after` (or, for a scenario without
/// steps, until the realms have set up), one view, and nothing written: the realms are stopped
/// there, the script's own `inspect` steps show nothing, no token is saved. The realms run the
/// same arguments as in `caec run`, so they have the same RIMs.
int inspect_after(const Scenario& s, const RunOptions& o) {
  ScenarioMachine m(s);
  const bool at_start = *o.inspect_after == kInspectAtStart;
  const std::size_t end = at_start ? 0 : *o.inspect_after + 1;
  if (!at_start) m.vmm.stop_after(*o.inspect_after);
  for (host::VmRealm* r : m.realms) m.vmm.start(*r);
  const std::size_t reached = follow_script(s, m.c, m.vmm, m.realms, end, [](const HostAction&) {});
  bool ok = reached == end;
  if (ok && at_start) {
    for (host::VmRealm* r : m.realms) ok = m.vmm.wait(*r, kTimeout) && r->exit_status() == 0 && ok;
  }
  if (ok) {
    const ordered_json view = inspect_json(m.introspect, m.system.machine(), m.realms);
    const auto after = at_start ? -1 : static_cast<std::int64_t>(*o.inspect_after);
    if (o.json) {
      std::printf("%s\n", ordered_json::array({{{"after_step", after}, {"view", view}}}).dump(2).c_str());
    } else if (!o.picture.empty()) {
      const std::string dot = inspect_dot(view, s);
      std::printf("%s", (o.picture == "svg" ? render_svg(dot) : dot).c_str());
    } else {
      std::printf("%s", inspect_text(view).c_str());
    }
  } else {
    // Why the inspected step was never reached: the realms that failed, in the scenario's terms.
    std::fprintf(stderr, "caec inspect: %s was not reached\n",
                 at_start ? "the end of the realms' set-up" : step_label(s, *o.inspect_after).c_str());
    const auto stopped = m.stop_the_rest();
    for (const auto& r : realm_results(s, m, reached, stopped, ok)) {
      if (!r.contains("failure")) continue;
      std::fprintf(stderr, "caec inspect: realm %s %s\n", r["name"].get<std::string>().c_str(),
                   r["error"].get<std::string>().c_str());
    }
  }
  m.stop_the_rest();
  m.write_measurement_log(s, o);
  m.destroy_all();
  return ok ? 0 : 1;
}

}  // namespace

int run_scenario(const Scenario& s, const RunOptions& o) { return o.inspect_after ? inspect_after(s, o) : run_all(s, o); }

}  // namespace caec::app
