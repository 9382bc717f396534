#include "bench/lib/profile.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <thread>

#include "bench/lib/core_speed.h"
#include "bench/lib/floors.h"
#include "bench/lib/ticks.h"
#include "channel/sealed/aead.h"

namespace caec::bench {

namespace {

std::vector<std::size_t> powers_of_two(std::size_t from, std::size_t to) {
  std::vector<std::size_t> v;
  for (std::size_t s = from; s <= to; s *= 2) v.push_back(s);
  return v;
}

std::string machine_description() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string model = "unknown CPU";
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.starts_with("model name")) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  return model + ", " + std::to_string(std::thread::hardware_concurrency()) + " CPUs";
}

std::string today() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", gmtime_r(&now, &utc));
  return buf;
}

}  // namespace

Profile quick_profile() {
  return {.name = "quick",
          .sizes = {8, 64, 256, 1024, 4096, 16384, 32768},
          .messages = 200,
          .repetitions = 2,
          .contended_retries = 0,  // a smoke run, often beside other work: tag, never re-measure
          .region_sizes = {4096, 65536, 1U << 20U, 4U << 20U},
          .control_reps = 3,
          .tokens = 5,
          .floor_reps = 200,
          .weight_bytes = 16U << 20U,
          .weight_passes = 5,
          .weight_rounds = 2};
}

Profile full_profile() {
  return {.name = "full",
          .sizes = powers_of_two(8, 1U << 20U),
          .messages = 1000,
          .repetitions = 5,
          .region_sizes = {4096, 65536, 1U << 20U, 16U << 20U, 256U << 20U, 1U << 30U},
          .control_reps = 5,
          .tokens = 20,
          .floor_reps = 1000,
          .weight_bytes = 177U << 20U,
          .weight_passes = 10,
          .weight_rounds = 3};
}

Results run_profile(const Profile& p, const std::vector<channel::Transport>& modes,
                    const std::function<void(const std::string&)>& progress) {
  Results r;
  r.profile = p.name;
  r.machine = machine_description();
  r.date = today();
  r.ticks_per_ns = ticks_per_ns();
  r.code_size = rmm_code_size();
  progress("floors: memcpy, cache-line round trip, AES-256-GCM (OpenSSL, MbedTLS, libsodium)");
  r.cache_line_rtt_ns = cache_line_round_trip_ns(p.floor_reps * 10);
  // One core-speed calibration judges the floors and the communication figures alike.
  r.core_speeds = core_speeds();
  std::uint64_t core_best = fastest(r.core_speeds);
  r.floors = measure_floors(p.sizes, p.floor_reps, p.contended_retries, core_best, r.floor_conditions, progress);
  CommResults comm = run_comm({.modes = modes,
                               .sizes = p.sizes,
                               .count = p.messages,
                               .burst = p.messages,
                               .repetitions = p.repetitions,
                               .contended_retries = p.contended_retries,
                               .core_baseline_ticks = core_best,
                               .progress = progress});
  r.comm = std::move(comm.points);
  r.comm_set_aside = std::move(comm.set_aside);
  r.comm_placement = comm.placement;
  r.core_baseline_ticks = comm.core_baseline_ticks;
  r.control = run_control({.sizes = p.region_sizes,
                           .reps = p.control_reps,
                           .tokens = p.tokens,
                           .consumer_counts = p.consumer_counts,
                           .fanout_size = p.fanout_region,
                           .progress = progress});
  r.weight_bytes = p.weight_bytes;
  r.sharing = run_sharing(
      {.weight_bytes = p.weight_bytes, .consumers = {1, 2}, .passes = p.weight_passes, .rounds = p.weight_rounds,
       .progress = progress});
  return r;
}

std::vector<std::string> completeness_problems(const Results& r, const Profile& p,
                                               const std::vector<channel::Transport>& modes) {
  std::vector<std::string> problems;
  const auto positive = [](const Summary& s) { return s.median > 0 && s.min <= s.median && s.median <= s.max; };
  for (channel::Transport t : modes) {
    const std::string mode(channel::transport_name(t));
    for (std::size_t size : p.sizes) {
      const auto it = std::find_if(r.comm.begin(), r.comm.end(),
                                   [&](const CommPoint& c) { return c.mode == mode && c.size == size; });
      if (it == r.comm.end()) {
        problems.push_back(mode + " at " + std::to_string(size) + " B: missing");
      } else if (!positive(it->send) || !positive(it->recv) || !positive(it->latency) || it->burst_ticks == 0) {
        problems.push_back(mode + " at " + std::to_string(size) + " B: a figure is zero or out of order");
      }
    }
  }
  for (std::size_t size : p.sizes) {
    const auto it = std::find_if(r.floors.begin(), r.floors.end(), [&](const FloorPoint& f) { return f.size == size; });
    if (it == r.floors.end() || !positive(it->memcpy_ticks) || !positive(it->aead_openssl_ticks) ||
        !positive(it->aead_mbedtls_ticks)) {
      problems.push_back("floors at " + std::to_string(size) + " B: missing or zero");
    }
  }
  // Each sweep must have its own rows: the fan-out's one-consumer share at 1 MiB must not stand
  // in for the region-size sweep's, nor the other way round.
  const auto has = [&](const std::string& sweep, const std::string& op, std::uint64_t size,
                       std::uint64_t consumers = 1) {
    return std::any_of(r.control.begin(), r.control.end(), [&](const ControlPoint& c) {
      return c.sweep == sweep && c.op == op && c.size == size && (c.size == 0 || c.consumers == consumers) &&
             positive(c.ticks);
    });
  };
  for (const char* op : {"rec-round-trip", "attestation-token"}) {
    if (!has("", op, 0)) problems.push_back(std::string(op) + ": missing");
  }
  for (std::uint64_t size : p.region_sizes) {
    for (const char* op : {"create", "share", "reserve", "attach", "revoke", "detach", "destroy"}) {
      if (!has("region-size", op, size)) {
        problems.push_back(std::string(op) + " at " + std::to_string(size) + " B: missing");
      }
    }
  }
  for (std::uint64_t n : p.consumer_counts) {
    for (const char* op : {"share", "attach", "destroy-attached", "detach-dead"}) {
      if (!has("consumers", op, p.fanout_region, n)) {
        problems.push_back(std::string(op) + " with " + std::to_string(n) + " consumers: missing");
      }
    }
    if (n > 1 && !has("consumers", "attach-last", p.fanout_region, n)) {
      problems.push_back("attach-last with " + std::to_string(n) + " consumers: missing");
    }
  }
  if (r.sharing.size() != 4) problems.push_back("data sharing: " + std::to_string(r.sharing.size()) + " of 4 scenarios");
  for (const SharingPoint& s : r.sharing) {
    if (s.granules == 0 || !positive(s.pass_ticks) || !s.checksums_agree) {
      problems.push_back("data sharing with " + std::to_string(s.consumers) + " consumers (" +
                         (s.shared ? "shared" : "private") + "): no granules, no time, or the realms disagree");
    }
  }
  if (r.ticks_per_ns <= 0 || !positive(r.cache_line_rtt_ns)) problems.push_back("clock rate or cache-line probe missing");
  const CodeSize& c = r.code_size;
  if (c.csm_lines == 0 || c.csm_lines >= c.rmm_lines || c.csm_object_bytes == 0 || c.csm_object_bytes >= c.rmm_object_bytes) {
    problems.push_back("code size: missing, or the CSM extension is not a part of the RMM");
  }
  if (c.aarch64_csm_text_bytes > c.aarch64_core_text_bytes) {
    problems.push_back("code size: the AArch64 CSM extension is larger than the core it is part of");
  }
  return problems;
}

}  // namespace caec::bench
