#include "apps/caec/scenario/runner.h"

#include <bit>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <thread>

#include "apps/caec/log.h"
#include "apps/caec/scenario/compile.h"
#include "apps/caec/scenario/inspection.h"
#include "attest/rim_calculator.h"
#include "host/host.h"
#include "host/vmm.h"
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

bool wait_for_event(host::Vmm& vmm, const std::string& event, const std::vector<host::VmRealm*>& realms) {
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  while (!vmm.signaled(event)) {
    // A realm that ended early (it failed) will never raise it.
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

/// What step `st` does, for the log.
std::string describe(const ScenarioStep& st) {
  if (st.action == "send") return "send " + st.realm + " -> " + st.to + " over " + st.transport;
  std::string d = st.action;
  for (const std::string* f : {&st.realm, &st.region, &st.consumer, &st.perm}) {
    if (!f->empty()) d += " " + *f;
  }
  return d;
}

/// The script as the host sees it: it performs its own steps (inspections) when their turn
/// comes and, with -v, logs each step as the realms report it done. False as soon as a realm
/// fails, so the runner need not wait for realms that wait for it.
bool follow_script(const Scenario& s, const CompiledScenario& c, host::Vmm& vmm, const std::vector<host::VmRealm*>& realms,
                   const std::function<void(const HostAction&)>& perform) {
  std::size_t next_host = 0;
  for (std::size_t i = 0; i < c.num_steps; ++i) {
    if (next_host < c.host_actions.size() && c.host_actions[next_host].step == i) {
      if (i > 0 && !wait_for_event(vmm, step_event(i - 1), realms)) return false;
      perform(c.host_actions[next_host++]);
      vmm.raise_signal(step_event(i));
    } else if (!wait_for_event(vmm, step_event(i), realms)) {
      return false;
    }
    log_line("step " + std::to_string(i) + " done: " + describe(s.steps[i]));
  }
  return true;
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

}  // namespace

int run_scenario(const Scenario& s, const RunOptions& o) {
  Scenario scenario = s;
  if (o.inspect_after) {
    // `caec inspect`: only the requested view.
    std::erase_if(scenario.steps, [](const ScenarioStep& st) { return st.action == "inspect"; });
    const std::size_t at = std::min(*o.inspect_after + 1, scenario.steps.size());
    scenario.steps.insert(scenario.steps.begin() + static_cast<std::ptrdiff_t>(at), ScenarioStep{.action = "inspect"});
  }
  machine::MachineConfig mc;
  mc.dram_bytes = scenario.memory_mib << 20U;
  mc.stage2_half_window = stage2_window(scenario);
  log_line("booting the machine (" + std::to_string(scenario.memory_mib) + " MiB)");
  platform::System system(mc, realm::boot);
  host::Host host(system.machine());
  host::Vmm vmm(host, [&](Pa rec) { system.platform().interrupt(rec); });
  rmm::RmmIntrospection introspect(system.rmm());
  const CompiledScenario c =
      compile_scenario(scenario, attest::to_hex(system.machine().root_of_trust().platform_key().public_point()));
  std::vector<Pa> token_buffers;
  for (const TokenOutput& t : c.tokens) token_buffers.push_back(vmm.create_shared_buffer(t.buffer, kTokenBufferSize));
  for (std::uint64_t id : c.channel_buffers) (void)vmm.create_shared_buffer(id, kChannelMemory);

  std::vector<host::VmRealm*> realms;
  std::uint16_t vmid = 1;
  for (const ScenarioRealm& r : scenario.realms) {
    host::LaunchSpec spec;
    spec.name = r.name;
    spec.realm.vmid = vmid++;
    spec.realm.rpv = r.rpv;
    spec.manifest = {r.program, 1, c.realm_args.at(r.name)};
    spec.ram_size = r.memory_mib << 20U;
    realms.push_back(&vmm.launch(spec));
    log_line("realm " + r.name + " built: " + r.program + ", " + std::to_string(spec.manifest.args.size()) + " arguments");
    for (const std::string& arg : spec.manifest.args) log_line("  " + r.name + ": " + arg, Verbosity::kDebug);
  }
  log_line(std::to_string(realms.size()) + " realms, " + std::to_string(scenario.regions.size()) + " regions, " +
      std::to_string(scenario.steps.size()) + " steps");
  for (host::VmRealm* r : realms) vmm.start(*r);

  ordered_json result;
  const auto inspect = [&](const HostAction& a) {
    const ordered_json view = inspect_json(introspect, system.machine(), realms);
    result["inspections"].push_back({{"after_step", a.step == 0 ? -1 : static_cast<std::int64_t>(a.step) - 1}, {"view", view}});
    if (!o.json) {
      if (!o.inspect_after) std::printf("-- inspection after step %zu --\n", a.step);
      std::printf("%s", inspect_text(view).c_str());
    }
  };
  bool ok = follow_script(scenario, c, vmm, realms, inspect);
  // A failed realm leaves the others waiting for steps that never come: stop them.
  std::set<const host::VmRealm*> stopped;
  if (!ok) {
    for (host::VmRealm* r : realms) {
      if (r->finished()) continue;
      vmm.stop(*r);
      stopped.insert(r);
    }
  }
  for (host::VmRealm* r : realms) {
    const bool done = vmm.wait(*r, kTimeout);
    const bool good = done && r->exit_status() == 0;
    ok = ok && good;
    ordered_json rj{{"name", r->name()}, {"exit_status", r->exit_status() ? *r->exit_status() : -1}};
    if (!good) {
      const std::string why = stopped.contains(r) ? "stopped before it finished (another realm failed) "
                              : done              ? ""
                                                  : "did not finish within the timeout ";
      rj["error"] = r->exit_status() ? r->console() + r->error() : why + r->error();
    }
    if (logging() || !good) rj["console"] = r->console();
    result["realms"].push_back(rj);
    log_realm(*r);
  }
  result["sends"] = send_results(c, realms);
  const auto violations = inspect::csm_invariant_violations(introspect, system.machine());
  result["invariant_violations"] = violations;
  ok = ok && violations.empty();
  for (std::size_t i = 0; i < c.tokens.size() && ok; ++i) {
    save_token(host, token_buffers[i], c.tokens[i].file);
    result["tokens"].push_back({{"realm", c.tokens[i].realm}, {"file", c.tokens[i].file}});
  }
  if (!o.platform_key_out.empty()) {
    std::ofstream key(o.platform_key_out, std::ios::trunc);
    key << system.machine().root_of_trust().platform_key().public_pem();
    if (!key) throw std::runtime_error("cannot write " + o.platform_key_out);
  }
  result["ok"] = ok;
  for (host::VmRealm* r : realms) vmm.destroy(*r);

  if (o.json) {
    std::printf("%s\n", (o.inspect_after ? result.value("inspections", ordered_json::array()) : result).dump(2).c_str());
  } else if (!o.inspect_after) {
    print_text(result, ok);
  }
  return ok ? 0 : 1;
}

}  // namespace caec::app
