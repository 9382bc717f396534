#include "bench/lib/control.h"

#include <algorithm>
#include <chrono>
#include <sstream>
#include <stdexcept>

#include "host/host.h"
#include "host/vmm.h"
#include "caec/abi/realm_image.h"
#include "platform/emulated_platform.h"
#include "realm/boot.h"

namespace caec::bench {

namespace {

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
      if (key == "consumers") p.consumers = std::stoull(value);
      if (key == "ticks") {
        char slash = 0;
        std::istringstream in(value);
        in >> p.ticks.min >> slash >> p.ticks.median >> slash >> p.ticks.max;
      }
    }
    out.push_back(p);
  }
}

// Boots a machine with `dram` bytes, runs `realms` to completion and parses their consoles.
std::vector<ControlPoint> run_realms(std::uint64_t dram, const std::vector<host::LaunchSpec>& realms) {
  machine::MachineConfig mc;
  mc.dram_bytes = dram;
  platform::System system(mc, realm::boot);
  host::Host host(system.machine());
  host::Vmm vmm(host, [&](Pa rec) { system.platform().interrupt(rec); });
  std::vector<host::VmRealm*> running;
  running.reserve(realms.size());
  for (const host::LaunchSpec& spec : realms) running.push_back(&vmm.launch(spec));
  for (host::VmRealm* r : running) vmm.start(*r);
  std::string failure;
  for (host::VmRealm* r : running) {
    if (failure.empty() && (!vmm.wait(*r, std::chrono::minutes(30)) || r->exit_status() != 0)) {
      failure = r->name() + ": " + r->console() + r->error();
    }
  }
  // A failed realm may have left a half-written line: report its failure, never a parse error.
  std::vector<ControlPoint> points;
  for (host::VmRealm* r : running) {
    if (failure.empty()) parse(r->console(), points);
    vmm.destroy(*r);
  }
  if (!failure.empty()) throw std::runtime_error("control-plane realm failed: " + failure);
  return points;
}

host::LaunchSpec launch(const std::string& name, const std::string& program, std::uint16_t vmid, std::uint64_t ram,
                        std::vector<std::string> args) {
  host::LaunchSpec s;
  s.name = name;
  s.realm.vmid = vmid;
  s.manifest = {program, 1, std::move(args)};
  s.ram_size = ram;
  return s;
}

// RAM for a realm that reserves or creates a region of `size` at kRegionBase, 1 MiB-aligned.
std::uint64_t ram_for(std::uint64_t size) {
  constexpr std::uint64_t kMiB = std::uint64_t{1} << 20U;
  return (kRegionBase - abi::kRamBase + size + 4 * kMiB + kMiB - 1) & ~(kMiB - 1);
}

// Region size sweep: one provider, one consumer.
std::vector<ControlPoint> run_size_sweep(const ControlConfig& config) {
  const std::uint64_t ram = ram_for(*std::max_element(config.sizes.begin(), config.sizes.end()));
  const auto args = [&](const std::string& role, const std::string& peer) {
    return std::vector<std::string>{"role=" + role, "peer=" + peer, "sizes=" + join(config.sizes),
                                    "reps=" + std::to_string(config.reps), "tokens=" + std::to_string(config.tokens),
                                    "run=1"};
  };
  // The provider's region and the consumer's (private pages it may touch) both need DRAM.
  auto points = run_realms(std::max<std::uint64_t>(std::uint64_t{1} << 30U, 3 * ram + (256U << 20U)),
                           {launch("provider", "bench-control", 1, ram, args("provider", "consumer")),
                            launch("consumer", "bench-control", 2, ram, args("consumer", "provider"))});
  for (ControlPoint& p : points) {
    p.consumers = p.size == 0 ? 0 : 1;
    p.sweep = p.size == 0 ? "" : "region-size";
  }
  return points;
}

// Consumer count sweep: one provider, max(consumer_counts) consumers (bench_fanout.cc).
std::vector<ControlPoint> run_fanout(const ControlConfig& config) {
  const std::uint64_t most = *std::max_element(config.consumer_counts.begin(), config.consumer_counts.end());
  const std::uint64_t ram = ram_for(config.fanout_size);
  const std::vector<std::string> common{"consumers=" + join(config.consumer_counts),
                                        "size=" + std::to_string(config.fanout_size),
                                        "reps=" + std::to_string(config.reps), "run=2"};
  const auto args = [&](std::vector<std::string> own) {
    own.insert(own.end(), common.begin(), common.end());
    return own;
  };
  std::vector<host::LaunchSpec> realms{launch("fanout-provider", "bench-fanout", 1, ram, args({"role=provider"}))};
  for (std::uint64_t i = 0; i < most; ++i) {
    realms.push_back(launch("fanout-" + std::to_string(i), "bench-fanout", static_cast<std::uint16_t>(2 + i), ram,
                            args({"role=consumer", "index=" + std::to_string(i)})));
  }
  auto points = run_realms((most + 2) * ram + (256U << 20U), realms);
  for (ControlPoint& p : points) p.sweep = "consumers";
  return points;
}

}  // namespace

std::vector<ControlPoint> run_control(const ControlConfig& config) {
  if (config.progress) {
    config.progress("control plane: CSM operations over " + std::to_string(config.sizes.size()) +
                    " region sizes, REC round trip, attestation tokens");
  }
  std::vector<ControlPoint> points = run_size_sweep(config);
  if (config.consumer_counts.empty()) return points;
  if (config.progress) {
    config.progress("control plane: CSM operations with " + join(config.consumer_counts) + " consumers of one " +
                    std::to_string(config.fanout_size >> 10U) + " KiB region");
  }
  std::vector<ControlPoint> fanout = run_fanout(config);
  points.insert(points.end(), fanout.begin(), fanout.end());
  return points;
}

}  // namespace caec::bench
