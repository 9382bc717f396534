#include "bench/lib/sharing.h"

#include <algorithm>
#include <array>
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

namespace {

/// What one scenario (a set of realms, private or shared weights) measured.
struct Scenario {
  std::uint64_t granules = 0;        // delegated by the host while its realms lived
  std::vector<double> pass_medians;  // one per realm
  std::set<std::string> checksums;
};

class Bench {
 public:
  explicit Bench(const SharingConfig& c) : c_(c), ram_(ram_size(c)), system_(machine_config(c, ram_), realm::boot) {}

  Scenario run(unsigned consumers, bool shared) {
    const std::string id = std::to_string(++run_);
    const auto spec = [&](const std::string& name, std::vector<std::string> args) {
      host::LaunchSpec s;
      s.name = name;
      s.realm.vmid = vmid_++;
      args.push_back("bytes=" + std::to_string(c_.weight_bytes));
      args.push_back("passes=" + std::to_string(c_.passes));
      args.push_back("run=" + id);
      s.manifest = {"bench-weights", 1, std::move(args)};
      s.ram_size = ram_;
      return s;
    };
    const std::uint64_t delegated_before = host_.delegated();
    std::vector<host::VmRealm*> realms;
    realms.push_back(&vmm_.launch(spec("p-" + id, {shared ? "role=provider" : "role=private",
                                                   "consumers=" + std::to_string(consumers)})));
    for (unsigned i = 1; i <= consumers; ++i) {
      realms.push_back(&vmm_.launch(spec("c" + std::to_string(i) + "-" + id,
                                         {shared ? "role=consumer" : "role=private", "peer=p-" + id,
                                          "index=" + std::to_string(i)})));
    }
    for (auto* r : realms) vmm_.start(*r);
    for (auto* r : realms) {
      if (!vmm_.wait(*r, std::chrono::minutes(30)) || r->exit_status() != 0) {
        const std::string why = r->name() + ": " + r->console() + r->error();
        for (auto* x : realms) vmm_.destroy(*x);
        throw std::runtime_error("data-sharing realm failed: " + why);
      }
    }
    Scenario out;
    out.granules = host_.delegated() - delegated_before;
    for (auto* r : realms) {
      const Line l = parse(r->console());
      out.pass_medians.push_back(l.pass_median);
      out.checksums.insert(l.checksum);
    }
    for (auto* r : realms) vmm_.destroy(*r);
    return out;
  }

 private:
  static std::uint64_t ram_size(const SharingConfig& c) {
    return (kWeightsOffset + c.weight_bytes + (8U << 20U)) & ~((std::uint64_t{1} << 20U) - 1);
  }
  static machine::MachineConfig machine_config(const SharingConfig& c, std::uint64_t ram) {
    unsigned most = 0;
    for (unsigned n : c.consumers) most = std::max(most, n);
    machine::MachineConfig mc;
    mc.dram_bytes = (most + 1) * (ram + (8U << 20U)) + (512U << 20U);
    return mc;
  }

  const SharingConfig& c_;
  std::uint64_t ram_;
  platform::System system_;
  host::Host host_{system_.machine()};
  host::Vmm vmm_{host_, [this](Pa rec) { system_.platform().interrupt(rec); }};
  std::uint16_t vmid_ = 1;
  unsigned run_ = 0;
};

}  // namespace

std::vector<SharingPoint> run_sharing(const SharingConfig& c) {
  Bench bench(c);
  std::vector<SharingPoint> points;
  const unsigned rounds = std::max(c.rounds, 1U);
  for (unsigned consumers : c.consumers) {
    // Private and shared alternate, round after round: this VM's memory bandwidth drifts over
    // seconds, and alternating spreads a slow spell over both instead of one.
    std::array<Scenario, 2> total;
    for (unsigned round = 0; round < rounds; ++round) {
      for (bool shared : {false, true}) {
        if (c.progress) {
          c.progress("data sharing: " + std::to_string(consumers + 1) + " realms, " +
                     std::to_string(c.weight_bytes >> 20U) + " MiB of weights, " + (shared ? "shared" : "private") +
                     (rounds > 1 ? ", round " + std::to_string(round + 1) + " of " + std::to_string(rounds) : ""));
        }
        const Scenario s = bench.run(consumers, shared);
        Scenario& t = total.at(shared ? 1 : 0);
        t.granules = std::max(t.granules, s.granules);
        t.pass_medians.insert(t.pass_medians.end(), s.pass_medians.begin(), s.pass_medians.end());
        t.checksums.insert(s.checksums.begin(), s.checksums.end());
      }
    }
    for (bool shared : {false, true}) {
      const Scenario& t = total.at(shared ? 1 : 0);
      points.push_back({.consumers = consumers,
                        .shared = shared,
                        .granules = t.granules,
                        .pass_ticks = summarize(t.pass_medians),
                        .checksums_agree = t.checksums.size() == 1});
    }
  }
  return points;
}

}  // namespace caec::bench
