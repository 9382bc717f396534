#include "apps/caec/scenario/runner.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "apps/caec/scenario/compile.h"
#include "apps/caec/scenario/inspection.h"
#include "host/host.h"
#include "host/vmm.h"
#include "inspect/csm_invariants.h"
#include "platform/emulated_platform.h"
#include "realm/boot.h"

namespace caec::app {

namespace {

using nlohmann::ordered_json;

constexpr auto kTimeout = std::chrono::minutes(5);

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

}  // namespace

int run_scenario(const Scenario& s, const RunOptions& o) {
  Scenario scenario = s;
  if (o.inspect_after) {
    // `caec inspect`: only the requested view.
    std::erase_if(scenario.steps, [](const ScenarioStep& st) { return st.action == "inspect"; });
    const std::size_t at = std::min(*o.inspect_after + 1, scenario.steps.size());
    scenario.steps.insert(scenario.steps.begin() + static_cast<std::ptrdiff_t>(at), ScenarioStep{.action = "inspect"});
  }
  const CompiledScenario c = compile_scenario(scenario);
  machine::MachineConfig mc;
  mc.dram_bytes = scenario.memory_mib << 20U;
  platform::System system(mc, realm::boot);
  host::Host host(system.machine());
  host::Vmm vmm(host, [&](Pa rec) { system.platform().interrupt(rec); });
  rmm::RmmIntrospection introspect(system.rmm());
  std::vector<Pa> token_buffers;
  for (const TokenOutput& t : c.tokens) token_buffers.push_back(vmm.create_shared_buffer(t.buffer, kTokenBufferSize));

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
  }
  if (!o.json && !o.inspect_after) {
    std::fprintf(stderr, "caec run: %zu realms, %zu regions, %zu steps\n", realms.size(), scenario.regions.size(),
                 scenario.steps.size());
  }
  for (host::VmRealm* r : realms) vmm.start(*r);

  ordered_json result;
  bool ok = true;
  for (const HostAction& a : c.host_actions) {
    if (a.step > 0 && !wait_for_event(vmm, step_event(a.step - 1), realms)) {
      ok = false;
      break;
    }
    const ordered_json view = inspect_json(introspect, system.machine(), realms);
    result["inspections"].push_back({{"after_step", a.step == 0 ? -1 : static_cast<std::int64_t>(a.step) - 1}, {"view", view}});
    if (!o.json) {
      if (!o.inspect_after) std::printf("-- inspection after step %zu --\n", a.step);
      std::printf("%s", inspect_text(view).c_str());
    }
    vmm.raise_signal(step_event(a.step));
  }
  for (host::VmRealm* r : realms) {
    const bool done = vmm.wait(*r, kTimeout);
    const bool good = done && r->exit_status() == 0;
    ok = ok && good;
    ordered_json rj{{"name", r->name()}, {"exit_status", r->exit_status() ? *r->exit_status() : -1}};
    if (!good) rj["error"] = done ? r->console() + r->error() : "did not finish";
    if (o.verbose || !good) rj["console"] = r->console();
    result["realms"].push_back(rj);
  }
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
    for (const auto& r : result["realms"]) {
      std::printf("realm %-12s exit %lld%s\n", r["name"].get<std::string>().c_str(),
                  static_cast<long long>(r["exit_status"].get<std::int64_t>()),
                  r.contains("error") ? ("  " + r["error"].get<std::string>()).c_str() : "");
      if (o.verbose && r.contains("console")) std::printf("%s", r["console"].get<std::string>().c_str());
    }
    for (const auto& line : violations) std::printf("invariant violated: %s\n", line.c_str());
    for (const auto& t : result.value("tokens", ordered_json::array())) {
      std::printf("token of %s saved to %s\n", t["realm"].get<std::string>().c_str(), t["file"].get<std::string>().c_str());
    }
    std::printf("%s\n", ok ? "scenario ok" : "scenario FAILED");
  }
  return ok ? 0 : 1;
}

}  // namespace caec::app
