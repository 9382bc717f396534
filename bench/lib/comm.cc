#include "caec/abi/hex.h"
#include "bench/lib/comm.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <map>
#include <optional>
#include <chrono>
#include <sstream>
#include <stdexcept>

#include "attest/rim_calculator.h"
#include "host/rim_predictor.h"
#include "bench/lib/contention.h"
#include "bench/lib/floors.h"
#include "host/host.h"
#include "host/vmm.h"
#include "platform/emulated_platform.h"
#include "realm/boot.h"

namespace caec::bench {

namespace {

constexpr std::uint64_t kCsmBase = 0x300000;  // channel/launch_args.cc's CSM base
constexpr std::uint64_t kRamBase = 0x100000;  // abi/realm_image.h
constexpr std::size_t kFrameOverhead = 64;    // sealed frame (44) + ring record header, rounded
constexpr std::size_t kMaxHello = 6144;       // channel/connect.cc: the key exchange's hellos
constexpr unsigned kProbeTrips = 2000;
constexpr std::size_t kBatch = 32;   // messages per batched publish (small messages)

/// Shared memory for two rings that each hold two of the largest frames.
std::uint64_t region_size(std::size_t max_message) {
  const std::size_t frame = std::max(max_message, kMaxHello) + kFrameOverhead;
  const std::uint64_t ring = std::bit_ceil(2 * frame);
  return 2 * (ring + kGranuleSize);
}

std::string join(const std::vector<std::size_t>& sizes) {
  std::string s;
  for (std::size_t v : sizes) s += (s.empty() ? "" : ",") + std::to_string(v);
  return s;
}

Summary parse_triple(const std::string& text) {
  Summary s;
  char slash = 0;
  std::istringstream in(text);
  in >> s.min >> slash >> s.median >> slash >> s.max;
  return s;
}

/// "KEY=VALUE" fields of the console lines starting with `tag`, by size.
std::map<std::size_t, std::map<std::string, std::string>> parse_lines(const std::string& console, char tag) {
  std::map<std::size_t, std::map<std::string, std::string>> out;
  std::istringstream lines(console);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() < 2 || line[0] != tag || line[1] != ' ') continue;
    std::map<std::string, std::string> fields;
    std::istringstream words(line.substr(2));
    for (std::string w; words >> w;) {
      const auto eq = w.find('=');
      if (eq != std::string::npos) fields[w.substr(0, eq)] = w.substr(eq + 1);
    }
    out[std::stoull(fields.at("size"))] = fields;
  }
  return out;
}

}  // namespace

std::string why_contended(const CommPoint& p) {
  if (p.foreign_share > kMaxForeignShare) return percent(p.foreign_share) + " of the CPUs went to other work";
  char buf[96];
  std::snprintf(buf, sizeof buf, "a vCPU ran %.2fx slower than its best at %zu B (a core shared with other work)",
                p.core_slowdown, p.size);
  return buf;
}

double CommPoint::throughput_mb_s(double rate) const {
  if (burst_ticks == 0) return 0;
  const double seconds = static_cast<double>(burst_ticks) / rate / 1e9;
  return static_cast<double>(burst * size) / seconds / 1e6;
}

double CommPoint::batched_msgs_per_us(double rate) const {
  if (batched_ticks == 0) return 0;
  return static_cast<double>(burst) / (static_cast<double>(batched_ticks) / rate / 1e3);
}

CommResults run_comm(const CommConfig& config) {
  const std::size_t max_size = *std::max_element(config.sizes.begin(), config.sizes.end());
  const std::uint64_t region = region_size(max_size);
  const std::uint64_t ram = ((kCsmBase - kRamBase + region) + (4U << 20U)) & ~((std::uint64_t{1} << 20U) - 1);
  const std::uint64_t reps = std::max<std::uint64_t>(config.repetitions, 1);
  const std::uint64_t count = std::max<std::uint64_t>(config.count / reps, 1);
  const std::uint64_t burst = std::max<std::uint64_t>(config.burst / reps, 1);

  machine::MachineConfig mc;
  mc.dram_bytes = std::max<std::uint64_t>(std::uint64_t{1} << 30U, 4 * ram + (256U << 20U));
  platform::System system(mc, realm::boot);
  host::Host host(system.machine());
  // The reader's owner pins the writer's RIM, predicted as a realm owner does (no RMM access).
  std::optional<attest::RimCalculator> predicting;
  host::Vmm vmm(host, [&](Pa rec) { system.platform().interrupt(rec); }, host::rim_predictor(predicting));
  const std::string platform_key = hex_bytes(system.machine().root_of_trust().platform_key().public_point());

  std::vector<CommPoint> repetitions;
  // What the realms' core-speed samples are judged against: the best the run has seen.
  std::uint64_t baseline = config.core_baseline_ticks;
  if (baseline == 0) throw std::invalid_argument("run_comm: no core-speed baseline (core_speeds())");
  std::uint16_t vmid = 1;
  std::uint64_t run = 0;
  // Repetition-major: every mode runs once before any runs twice, so a change of vCPU
  // placement during the run (the machine's hypervisor moves our vCPUs) hits every mode alike
  // instead of whichever mode ran at the time.
  // One repetition of one mode: a fresh pair of realms over a fresh buffer.
  const auto run_once = [&](channel::Transport mode, const std::string& label) {
    const std::string name(channel::transport_name(mode));
    ++run;  // a fresh buffer and fresh names for every channel (docs/channels.md)
    if (config.progress) config.progress("communication" + label + ": " + name + " (" + std::to_string(config.sizes.size()) + " sizes)");
    (void)vmm.create_shared_buffer(run, region);
    const std::vector<std::string> common{
        "transport=" + name, "sizes=" + join(config.sizes), "count=" + std::to_string(count),
        "burst=" + std::to_string(burst), "max=" + std::to_string(max_size), "size=" + std::to_string(region),
        "name=bench" + std::to_string(run), "buffer=" + std::to_string(run), "doorbell=0",
        "platform-key=" + platform_key, "batch=" + std::to_string(kBatch)};
    const auto spec_for = [&](const std::string& who, const std::string& peer, const std::string& role) {
      host::LaunchSpec spec;
      spec.name = who + std::to_string(run);
      spec.realm.vmid = vmid++;
      spec.manifest = {"bench-comm", 1, common};
      spec.manifest.args.push_back("bench-role=" + role);
      spec.manifest.args.push_back("peer=" + peer + std::to_string(run));
      spec.ram_size = ram;
      return spec;
    };
    host::VmRealm& writer = vmm.launch(spec_for("writer", "reader", "writer"));
    host::LaunchSpec reader_spec = spec_for("reader", "writer", "reader");
    reader_spec.manifest.args.push_back("peer-rim=" + predicting->hex());
    host::VmRealm& reader = vmm.launch(reader_spec);

    const Summary before = cache_line_round_trip_ns(kProbeTrips);
    const CpuSample cpu_before = sample_cpu();
    vmm.start(writer);
    vmm.start(reader);
    for (host::VmRealm* r : {&writer, &reader}) {
      if (!vmm.wait(*r, std::chrono::minutes(10)) || r->exit_status() != 0) {
        const std::string why = r->name() + ": " + r->console() + r->error();
        vmm.destroy(writer);
        vmm.destroy(reader);
        vmm.free_shared_buffer(run);
        throw std::runtime_error("benchmark realm failed: " + why);
      }
    }
    const double foreign = foreign_share(cpu_before, sample_cpu());
    const Summary after = cache_line_round_trip_ns(kProbeTrips);
    // Another process on the vCPUs stretches the whole repetition, a slowed core the sizes it
    // was slow for: "contended" outranks the placement, since it says the figures are not this
    // machine's.
    const std::string where = foreign > kMaxForeignShare             ? std::string("contended")
                              : placement(before) == placement(after) ? placement(before)
                                                                      : std::string("mixed");
    const auto w = parse_lines(writer.console(), 'W');
    const auto rd = parse_lines(reader.console(), 'R');
    std::vector<CommPoint> points;
    for (std::size_t size : config.sizes) {
      CommPoint p;
      p.mode = name;
      p.size = size;
      p.send = parse_triple(w.at(size).at("send"));
      p.recv = parse_triple(rd.at(size).at("recv"));
      p.send_mean = std::stod(w.at(size).at("send_mean"));
      p.recv_mean = std::stod(rd.at(size).at("recv_mean"));
      p.latency = parse_triple(rd.at(size).at("lat"));
      p.burst = std::stoull(rd.at(size).at("burst"));
      p.burst_ticks = std::stoull(rd.at(size).at("burst_ticks"));
      if (const auto b = rd.at(size).find("batched_ticks"); b != rd.at(size).end()) {
        p.batched_ticks = std::stoull(b->second);
      }
      p.probe_before_ns = before;
      p.probe_after_ns = after;
      p.placement = where;
      p.foreign_share = foreign;
      const std::uint64_t writer_core = std::stoull(w.at(size).at("core"));
      const std::uint64_t reader_core = std::stoull(rd.at(size).at("core"));
      const std::uint64_t slowest = std::max(writer_core, reader_core);
      baseline = std::min(baseline, std::min(writer_core, reader_core));
      p.core_slowdown = static_cast<double>(slowest) / static_cast<double>(baseline);
      if (p.core_slowdown > kMaxCoreSlowdown) p.placement = "contended";
      points.push_back(p);
    }
    vmm.destroy(writer);
    vmm.destroy(reader);
    vmm.free_shared_buffer(run);
    return points;
  };
  // Repetition-major: every mode runs once before any runs twice, so a change of vCPU
  // placement during the run (the machine's hypervisor moves our vCPUs) hits every mode alike
  // instead of whichever mode ran at the time. A repetition measured beside other work is
  // measured again (at most config.contended_retries times); if it stays contended, it is kept so tagged, and
  // merge_repetitions sets it aside.
  for (std::uint64_t rep = 0; rep < reps; ++rep) {
    for (channel::Transport mode : config.modes) {
      const std::string label = reps > 1 ? ", repetition " + std::to_string(rep + 1) + " of " + std::to_string(reps) : "";
      std::vector<CommPoint> points = run_once(mode, label);
      // A slowed core spoils the sizes it was slow for, another process the whole repetition:
      // each retry replaces only the sizes still contended.
      const auto contended = [&] {
        return std::find_if(points.begin(), points.end(), [](const CommPoint& p) { return p.placement == "contended"; });
      };
      for (unsigned retry = 1; retry <= config.contended_retries && contended() != points.end(); ++retry) {
        if (config.progress) config.progress("communication: " + why_contended(*contended()) + ": measuring it again");
        const std::vector<CommPoint> again = run_once(mode, label + " (again)");
        for (std::size_t i = 0; i < points.size(); ++i) {
          if (points[i].placement == "contended") points[i] = again[i];
        }
      }
      repetitions.insert(repetitions.end(), points.begin(), points.end());
    }
  }
  CommResults results = merge_repetitions(repetitions);
  results.core_baseline_ticks = baseline;
  return results;
}

}  // namespace caec::bench
