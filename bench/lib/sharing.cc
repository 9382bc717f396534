#include "bench/lib/sharing.h"

#include <chrono>
#include <set>
#include <sstream>
#include <stdexcept>

#include "host/host.h"
#include "host/vmm.h"
#include "platform/emulated_platform.h"
#include "realm/boot.h"

namespace caec::bench {

namespace {

constexpr std::uint64_t kWeightsOffset = 0x300000;  // bench_weights.cc's 0x400000 - RAM base

struct Line {
  double pass_median = 0;
  std::string checksum;
};

Line parse(const std::string& console) {
  std::istringstream lines(console);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("D ")) continue;
    Line l;
    std::istringstream words(line.substr(2));
    for (std::string w; words >> w;) {
      const auto eq = w.find('=');
      if (w.substr(0, eq) == "pass") {
        std::istringstream in(w.substr(eq + 1));
        double min = 0;
        char slash = 0;
        in >> min >> slash >> l.pass_median;
      }
      if (w.substr(0, eq) == "checksum") l.checksum = w.substr(eq + 1);
    }
    return l;
  }
  throw std::runtime_error("weights realm printed no result: " + console);
}

}  // namespace

std::vector<SharingPoint> run_sharing(const SharingConfig& c) {
  const std::uint64_t ram = (kWeightsOffset + c.weight_bytes + (8U << 20U)) & ~((std::uint64_t{1} << 20U) - 1);
  unsigned most = 0;
  for (unsigned n : c.consumers) most = std::max(most, n);
  machine::MachineConfig mc;
  mc.dram_bytes = (most + 1) * (ram + (8U << 20U)) + (512U << 20U);
  platform::System system(mc, realm::boot);
  host::Host host(system.machine());
  host::Vmm vmm(host, [&](Pa rec) { system.platform().interrupt(rec); });

  std::vector<SharingPoint> points;
  std::uint16_t vmid = 1;
  unsigned run = 0;
  for (unsigned consumers : c.consumers) {
    for (bool shared : {false, true}) {
      ++run;
      if (c.progress) {
        c.progress("data sharing: " + std::to_string(consumers + 1) + " realms, " +
                   std::to_string(c.weight_bytes >> 20U) + " MiB of weights, " + (shared ? "shared" : "private"));
      }
      const std::string id = std::to_string(run);
      const auto spec = [&](const std::string& name, std::vector<std::string> args) {
        host::LaunchSpec s;
        s.name = name;
        s.realm.vmid = vmid++;
        args.push_back("bytes=" + std::to_string(c.weight_bytes));
        args.push_back("passes=" + std::to_string(c.passes));
        args.push_back("run=" + id);
        s.manifest = {"bench-weights", 1, std::move(args)};
        s.ram_size = ram;
        return s;
      };
      const std::uint64_t delegated_before = host.delegated();
      std::vector<host::VmRealm*> realms;
      realms.push_back(&vmm.launch(spec("p-" + id, {shared ? "role=provider" : "role=private",
                                                    "consumers=" + std::to_string(consumers)})));
      for (unsigned i = 1; i <= consumers; ++i) {
        realms.push_back(&vmm.launch(spec("c" + std::to_string(i) + "-" + id,
                                          {shared ? "role=consumer" : "role=private", "peer=p-" + id,
                                           "index=" + std::to_string(i)})));
      }
      for (auto* r : realms) vmm.start(*r);
      for (auto* r : realms) {
        if (!vmm.wait(*r, std::chrono::minutes(30)) || r->exit_status() != 0) {
          const std::string why = r->name() + ": " + r->console() + r->error();
          for (auto* x : realms) vmm.destroy(*x);
          throw std::runtime_error("data-sharing realm failed: " + why);
        }
      }
      SharingPoint p{.consumers = consumers, .shared = shared, .granules = host.delegated() - delegated_before};
      std::vector<double> passes;
      std::set<std::string> sums;
      for (auto* r : realms) {
        const Line l = parse(r->console());
        passes.push_back(l.pass_median);
        sums.insert(l.checksum);
      }
      p.pass_ticks = summarize(passes);
      p.checksums_agree = sums.size() == 1;
      points.push_back(p);
      for (auto* r : realms) vmm.destroy(*r);
    }
  }
  return points;
}

}  // namespace caec::bench
