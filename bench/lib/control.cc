#include "bench/lib/control.h"

#include <algorithm>
#include <chrono>
#include <sstream>
#include <stdexcept>

#include "host/host.h"
#include "host/vmm.h"
#include "platform/emulated_platform.h"
#include "realm/boot.h"

namespace caec::bench {

namespace {

constexpr std::uint64_t kRegionBase = 0x400000;  // bench_control.cc
constexpr std::uint64_t kRamBase = 0x100000;     // abi/realm_image.h

std::string join(const std::vector<std::uint64_t>& v) {
  std::string s;
  for (std::uint64_t x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
  return s;
}

void parse(const std::string& console, std::vector<ControlPoint>& out) {
  std::istringstream lines(console);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("C ")) continue;
    ControlPoint p;
    std::istringstream words(line.substr(2));
    for (std::string w; words >> w;) {
      const auto eq = w.find('=');
      const std::string key = w.substr(0, eq), value = w.substr(eq + 1);
      if (key == "op") p.op = value;
      if (key == "size") p.size = std::stoull(value);
      if (key == "ticks") {
        char slash = 0;
        std::istringstream in(value);
        in >> p.ticks.min >> slash >> p.ticks.median >> slash >> p.ticks.max;
      }
    }
    out.push_back(p);
  }
}

}  // namespace

std::vector<ControlPoint> run_control(const ControlConfig& config) {
  const std::uint64_t max_size = *std::max_element(config.sizes.begin(), config.sizes.end());
  const std::uint64_t ram = (kRegionBase - kRamBase + max_size + (4U << 20U) + (1U << 20U) - 1) & ~((std::uint64_t{1} << 20U) - 1);
  machine::MachineConfig mc;
  // The provider's region and the consumer's (private pages it may touch) both need DRAM.
  mc.dram_bytes = std::max<std::uint64_t>(std::uint64_t{1} << 30U, 3 * ram + (256U << 20U));
  platform::System system(mc, realm::boot);
  host::Host host(system.machine());
  host::Vmm vmm(host, [&](Pa rec) { system.platform().interrupt(rec); });
  if (config.progress) {
    config.progress("control plane: CSM operations over " + std::to_string(config.sizes.size()) +
                    " region sizes, REC round trip, attestation tokens");
  }
  const auto spec = [&](const std::string& role, const std::string& peer, std::uint16_t vmid) {
    host::LaunchSpec s;
    s.name = role;
    s.realm.vmid = vmid;
    s.manifest = {"bench-control", 1,
                  {"role=" + role, "peer=" + peer, "sizes=" + join(config.sizes), "reps=" + std::to_string(config.reps),
                   "tokens=" + std::to_string(config.tokens), "run=1"}};
    s.ram_size = ram;
    return s;
  };
  host::VmRealm& provider = vmm.launch(spec("provider", "consumer", 1));
  host::VmRealm& consumer = vmm.launch(spec("consumer", "provider", 2));
  vmm.start(provider);
  vmm.start(consumer);
  for (host::VmRealm* r : {&provider, &consumer}) {
    if (!vmm.wait(*r, std::chrono::minutes(30)) || r->exit_status() != 0) {
      const std::string why = r->name() + ": " + r->console() + r->error();
      vmm.destroy(provider);
      vmm.destroy(consumer);
      throw std::runtime_error("control-plane realm failed: " + why);
    }
  }
  std::vector<ControlPoint> points;
  parse(provider.console(), points);
  parse(consumer.console(), points);
  vmm.destroy(provider);
  vmm.destroy(consumer);
  return points;
}

}  // namespace caec::bench
