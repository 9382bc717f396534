#include "bench/lib/results.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <tuple>

#include "bench/lib/consistency.h"
#include "bench/lib/contention.h"
#include "bench/lib/floors.h"

namespace caec::bench {

namespace {

using nlohmann::ordered_json;

ordered_json summary_json(const Summary& s) { return {{"min", s.min}, {"median", s.median}, {"max", s.max}}; }

std::string fixed(double v, int digits = 0) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(digits) << v;
  return o.str();
}

}  // namespace

double FloorPoint::best_aead_ticks() const {
  double best = std::min(aead_openssl_ticks.median, aead_mbedtls_ticks.median);
  if (aead_libsodium_ticks.median > 0) best = std::min(best, aead_libsodium_ticks.median);
  return best;
}

std::string FloorPoint::best_aead() const {
  const double best = best_aead_ticks();
  if (best == aead_openssl_ticks.median) return "openssl";
  if (best == aead_mbedtls_ticks.median) return "mbedtls";
  return "libsodium";
}

namespace {

const FloorPoint* floor_at(const Results& r, std::size_t size) {
  for (const FloorPoint& f : r.floors) {
    if (f.size == size) return &f;
  }
  return nullptr;
}

/// The floor a mode is measured against: a copy, plus seal+open for the sealed modes.
double floor_ticks(const FloorPoint& f, const std::string& mode) {
  if (mode == "sealed-openssl") return f.memcpy_ticks.median + f.aead_openssl_ticks.median;
  if (mode == "sealed-mbedtls") return f.memcpy_ticks.median + f.aead_mbedtls_ticks.median;
  return f.memcpy_ticks.median;
}

std::vector<std::string> modes_of(const Results& r) {
  std::vector<std::string> modes;
  for (const CommPoint& p : r.comm) {
    if (std::find(modes.begin(), modes.end(), p.mode) == modes.end()) modes.push_back(p.mode);
  }
  return modes;
}

std::vector<std::size_t> sizes_of(const Results& r) {
  std::vector<std::size_t> sizes;
  for (const CommPoint& p : r.comm) {
    if (std::find(sizes.begin(), sizes.end(), p.size) == sizes.end()) sizes.push_back(p.size);
  }
  return sizes;
}

const CommPoint* point(const Results& r, const std::string& mode, std::size_t size) {
  for (const CommPoint& p : r.comm) {
    if (p.mode == mode && p.size == size) return &p;
  }
  return nullptr;
}

void write_text(const std::filesystem::path& path, const std::string& text, std::vector<std::filesystem::path>& out) {
  std::ofstream f(path);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + path.string());
  out.push_back(path);
}

ordered_json to_json(const Results& r) {
  ordered_json j;
  j["profile"] = r.profile;
  j["machine"] = r.machine;
  j["date"] = r.date;
  j["ticks_per_ns"] = r.ticks_per_ns;
  j["cycle_counter"] = "TSC ticks (no hardware cycle counters in this VM)";
  j["cache_line_round_trip_ns"] = summary_json(r.cache_line_rtt_ns);
  j["floor_cpu_spread"] = r.floor_conditions.cpu_spread;
  j["floor_core_slowdown"] = r.floor_conditions.worst_core_slowdown;
  j["floors_remeasured"] = r.floor_conditions.remeasured;
  j["core_speeds"] = ordered_json::array();
  for (const CoreSpeed& c : r.core_speeds) j["core_speeds"].push_back({{"cpu", c.cpu}, {"kernel_ticks", c.kernel_ticks}});
  j["core_baseline_ticks"] = r.core_baseline_ticks;
  for (const FloorPoint& f : r.floors) {
    j["floors"].push_back({{"size", f.size},
                           {"memcpy_ticks", summary_json(f.memcpy_ticks)},
                           {"aes_gcm_openssl_ticks", summary_json(f.aead_openssl_ticks)},
                           {"aes_gcm_mbedtls_ticks", summary_json(f.aead_mbedtls_ticks)},
                           {"aes_gcm_libsodium_ticks", summary_json(f.aead_libsodium_ticks)},
                           {"aes_gcm_best", f.best_aead()}});
  }
  const auto comm_json = [&](const CommPoint& p) {
    return ordered_json{{"mode", p.mode},
                        {"size", p.size},
                        {"placement", p.placement},
                        {"repetitions", p.repetitions},
                        {"send_ticks", summary_json(p.send)},
                        {"receive_ticks", summary_json(p.recv)},
                        {"send_steady_mean_ticks", p.send_mean},
                        {"receive_steady_mean_ticks", p.recv_mean},
                        {"cycles_per_message", p.cycles_per_message()},
                        {"latency_ticks", summary_json(p.latency)},
                        {"latency_ns_median", p.latency.median / r.ticks_per_ns},
                        {"throughput_mb_s", p.throughput_mb_s(r.ticks_per_ns)},
                        {"probe_before_ns", summary_json(p.probe_before_ns)},
                        {"probe_after_ns", summary_json(p.probe_after_ns)},
                        {"repetition_cycles", summary_json(p.repetition_cycles)},
                        {"foreign_cpu_share", p.foreign_share},
                        {"core_slowdown", p.core_slowdown},
                        {"batched_msgs_per_us", p.batched_msgs_per_us(r.ticks_per_ns)}};
  };
  j["communication_placement"] = r.comm_placement;
  for (const CommPoint& p : r.comm) j["communication"].push_back(comm_json(p));
  j["communication_set_aside"] = ordered_json::array();
  for (const CommPoint& p : r.comm_set_aside) j["communication_set_aside"].push_back(comm_json(p));
  j["weight_bytes"] = r.weight_bytes;
  for (const SharingPoint& p : r.sharing) {
    j["sharing"].push_back({{"consumers", p.consumers},
                            {"shared", p.shared},
                            {"granules", p.granules},
                            {"pass_ticks", summary_json(p.pass_ticks)},
                            {"checksums_agree", p.checksums_agree}});
  }
  const CodeSize& cs = r.code_size;
  j["code_size"] = {{"rmm_lines", cs.rmm_lines},
                    {"rmm_code_lines", cs.rmm_code_lines},
                    {"csm_lines", cs.csm_lines},
                    {"csm_code_lines", cs.csm_code_lines},
                    {"csm_hook_lines", cs.csm_hook_lines},
                    {"rmm_object_bytes", cs.rmm_object_bytes},
                    {"csm_object_bytes", cs.csm_object_bytes},
                    {"aarch64_core_text_bytes", cs.aarch64_core_text_bytes},
                    {"aarch64_csm_text_bytes", cs.aarch64_csm_text_bytes}};
  for (const ControlPoint& c : r.control) {
    j["control"].push_back({{"op", c.op},
                            {"sweep", c.sweep},
                            {"size", c.size},
                            {"consumers", c.consumers},
                            {"ticks", summary_json(c.ticks)},
                            {"us_median", c.ticks.median / r.ticks_per_ns / 1000}});
  }
  return j;
}

std::string comm_csv(const Results& r) {
  std::ostringstream o;
  o << "mode,size,cycles_per_message,send_median,receive_median,send_steady_mean,receive_steady_mean,latency_ns_median,throughput_mb_s,probe_before_ns,"
       "probe_after_ns,placement,repetitions,foreign_cpu_share,core_slowdown,batched_msgs_per_us\n";
  for (const CommPoint& p : r.comm) {
    o << p.mode << "," << p.size << "," << p.cycles_per_message() << "," << p.send.median << "," << p.recv.median << "," << p.send_mean << "," << p.recv_mean << ","
      << p.latency.median / r.ticks_per_ns << "," << p.throughput_mb_s(r.ticks_per_ns) << "," << p.probe_before_ns.median
      << "," << p.probe_after_ns.median << "," << p.placement << "," << p.repetitions << "," << p.foreign_share << "," << p.core_slowdown << ","
      << p.batched_msgs_per_us(r.ticks_per_ns) << "\n";
  }
  return o.str();
}

std::string floors_csv(const Results& r) {
  std::ostringstream o;
  o << "size,memcpy_ticks,aes_gcm_openssl_ticks,aes_gcm_mbedtls_ticks,aes_gcm_libsodium_ticks,aes_gcm_best\n";
  for (const FloorPoint& f : r.floors) {
    o << f.size << "," << f.memcpy_ticks.median << "," << f.aead_openssl_ticks.median << ","
      << f.aead_mbedtls_ticks.median << "," << f.aead_libsodium_ticks.median << "," << f.best_aead() << "\n";
  }
  return o.str();
}

std::string control_csv(const Results& r) {
  std::ostringstream o;
  o << "op,sweep,size,consumers,ticks_min,ticks_median,ticks_max,us_median,ns_per_granule\n";
  // Grouped by sweep and operation, so gnuplot draws each operation as one unbroken line.
  std::vector<ControlPoint> rows = r.control;
  std::stable_sort(rows.begin(), rows.end(), [](const ControlPoint& a, const ControlPoint& b) {
    return std::tie(a.sweep, a.op) < std::tie(b.sweep, b.op);
  });
  for (const ControlPoint& c : rows) {
    const double ns = c.ticks.median / r.ticks_per_ns;
    o << c.op << "," << c.sweep << "," << c.size << "," << c.consumers << "," << c.ticks.min << "," << c.ticks.median << "," << c.ticks.max << ","
      << ns / 1000 << "," << (c.size == 0 ? 0.0 : ns / static_cast<double>(c.size / kGranuleSize)) << "\n";
  }
  return o.str();
}

/// Which lines of a CSV one figure draws, and how.
struct Figure {
  std::string name;    // output file stem
  std::string csv;     // data file
  int x = 0;           // column of the x value
  int y = 0;           // column of the y value
  std::string only;    // extra condition on a row (gnuplot expression), or empty
  std::vector<std::string> lines;
  std::string xlabel, ylabel;
};

/// One gnuplot script per figure, log-log, one line per value of the CSV's first column (the
/// mode, or the operation), PNG and SVG.
std::string gnuplot_script(const Figure& f) {
  std::ostringstream o;
  o << "set datafile separator ','\nset logscale xy\nset key left top\nset grid\n"
    << "set xlabel '" << f.xlabel << "'\nset ylabel '" << f.ylabel << "'\n";
  std::string plot;
  for (const std::string& line : f.lines) {
    const std::string keep = "strcol(1) eq '" + line + "'" + (f.only.empty() ? "" : " && " + f.only);
    plot += std::string(plot.empty() ? "plot " : ", ") + "'" + f.csv + "' using (" + keep + " ? $" +
            std::to_string(f.x) + " : 1/0):" + std::to_string(f.y) + " with linespoints title '" + line + "'";
  }
  for (const char* term : {"pngcairo size 900,600", "svg size 900,600"}) {
    const std::string ext = std::string(term).starts_with("png") ? "png" : "svg";
    o << "set terminal " << term << "\nset output '" << f.name << "." << ext << "'\n" << plot << "\n";
  }
  return o.str();
}

std::vector<std::string> control_ops(const Results& r, const std::string& sweep) {
  std::vector<std::string> ops;
  for (const ControlPoint& c : r.control) {
    if (c.sweep == sweep && std::find(ops.begin(), ops.end(), c.op) == ops.end()) ops.push_back(c.op);
  }
  return ops;
}

/// The fan-out sweep as a table: one row per consumer count, one column per operation.
std::string control_by_consumers(const Results& r) {
  const auto ops = control_ops(r, "consumers");
  if (ops.empty()) return {};
  std::vector<std::uint64_t> counts;
  std::uint64_t size = 0;
  for (const ControlPoint& c : r.control) {
    if (c.sweep != "consumers") continue;
    size = c.size;
    if (std::find(counts.begin(), counts.end(), c.consumers) == counts.end()) counts.push_back(c.consumers);
  }
  std::ostringstream o;
  o << "\n## Control plane against the number of consumers (" << (size >> 10U) << " KiB region, µs, median)\n\n"
    << "| consumers |";
  for (const auto& op : ops) o << " " << op << " |";
  o << "\n|---|";
  for (std::size_t i = 0; i < ops.size(); ++i) o << "---|";
  o << "\n";
  for (std::uint64_t n : counts) {
    o << "| " << n << " |";
    for (const auto& op : ops) {
      const auto it = std::find_if(r.control.begin(), r.control.end(), [&](const ControlPoint& c) {
        return c.sweep == "consumers" && c.op == op && c.consumers == n;
      });
      o << " " << (it == r.control.end() ? std::string("-") : fixed(it->ticks.median / r.ticks_per_ns / 1000, 1)) << " |";
    }
    o << "\n";
  }
  return o.str();
}

std::string code_size_section(const CodeSize& c) {
  const auto share = [](std::uint64_t part, std::uint64_t whole) {
    return whole == 0 ? std::string("-") : fixed(100.0 * static_cast<double>(part) / static_cast<double>(whole), 1) + "%";
  };
  std::ostringstream o;
  o << "\n## Code size: the CSM extension in this RMM (measured when this binary was built)\n\n"
    << "| | RMM | CSM extension | share |\n|---|---|---|---|\n"
    << "| lines (non-blank) | " << c.rmm_lines << " | " << c.csm_lines << " (+ ~" << c.csm_hook_lines
    << " in shared files) | " << share(c.csm_lines, c.rmm_lines) << " to " << share(c.csm_lines + c.csm_hook_lines, c.rmm_lines)
    << " |\n| code lines (no comments) | " << c.rmm_code_lines << " | " << c.csm_code_lines << " | "
    << share(c.csm_code_lines, c.rmm_code_lines) << " |\n| object bytes (text + data) | " << c.rmm_object_bytes << " | "
    << c.csm_object_bytes << " | " << share(c.csm_object_bytes, c.rmm_object_bytes) << " |\n"
    << "| AArch64 text, freestanding core (`scripts/firmware_build.sh`) | ";
  if (c.aarch64_core_text_bytes == 0) {
    o << "not measured (no g++-aarch64-linux-gnu when built) | | |\n";
  } else {
    o << c.aarch64_core_text_bytes << " | " << c.aarch64_csm_text_bytes << " | "
      << share(c.aarch64_csm_text_bytes, c.aarch64_core_text_bytes) << " |\n";
  }
  o << "\nThe x86 objects are the hosted build's (its ports and attestation service included); the\n"
    << "AArch64 core is what a port to hardware takes unchanged (docs/architecture.md).\n";
  return o.str();
}

}  // namespace

std::string results_json(const Results& r) { return to_json(r).dump(2) + "\n"; }

namespace {

/// What every section of the summary reads: the results, the modes and the message sizes.
struct Tables {
  const Results& r;
  std::vector<std::string> modes;
  std::vector<std::size_t> sizes;
};

/// The machine, the clock, and the placement the communication tables use.
void heading(std::ostream& o, const Tables& t) {
  const Results& r = t.r;
  o << "# caec bench (" << r.profile << " profile)\n\n"
    << "Machine: " << r.machine << "; " << r.date << ". Cycles are TSC ticks (" << fixed(r.ticks_per_ns, 2)
    << " per ns); cycles per message add up the writer's and the reader's steady means (the mean of a call's "
       "samples within 2x of their median: this VM's TSC moves in steps of 10 ns, and a median of steps cannot "
       "resolve a few percent of a message of a few steps), the repetitions' median of them; everything else medians. Cache-line round trip between two threads at the start: " << fixed(r.cache_line_rtt_ns.median)
    << " ns (" << placement(r.cache_line_rtt_ns) << ")"
    << (r.comm_placement.empty() ? std::string() : "; the communication tables use *" + r.comm_placement + "* repetitions")
    << ".\n\n";
}

/// Cycles per message per mode, and each mode as a multiple of csm.
void cycles_table(std::ostream& o, const Tables& t) {
  const Results& r = t.r;
  const auto& modes = t.modes;
  const auto& sizes = t.sizes;
  o << "## Cycles per message (writer send + reader receive, spin-wait excluded)\n\n| size |";
  for (const auto& m : modes) o << " " << m << " |";
  for (const auto& m : modes) {
    if (m != "csm") o << " " << m << " / csm |";
  }
  o << "\n|---|";
  // One column per mode, then one per mode but csm (its ratio to csm).
  const auto columns = modes.size() + static_cast<std::size_t>(std::count_if(
                                          modes.begin(), modes.end(), [](const auto& m) { return m != "csm"; }));
  for (std::size_t i = 0; i < columns; ++i) o << "---|";
  o << "\n";
  for (std::size_t size : sizes) {
    o << "| " << size << " |";
    const CommPoint* base = point(r, "csm", size);
    for (const auto& m : modes) o << " " << fixed(point(r, m, size)->cycles_per_message()) << " |";
    for (const auto& m : modes) {
      if (m == "csm") continue;
      o << " " << (base != nullptr ? fixed(point(r, m, size)->cycles_per_message() / base->cycles_per_message(), 2) : "-")
        << "x |";
    }
    o << "\n";
  }
}

/// Each mode as a multiple of its floor (memcpy, plus seal+open for sealed modes).
void floor_table(std::ostream& o, const Tables& t) {
  const Results& r = t.r;
  const auto& modes = t.modes;
  const auto& sizes = t.sizes;
  o << "\n## Each mode as a multiple of its floor (memcpy; memcpy + AES-GCM seal+open for sealed modes)\n\n| size |";
  for (const auto& m : modes) o << " " << m << " |";
  o << "\n|---|";
  for (std::size_t i = 0; i < modes.size(); ++i) o << "---|";
  o << "\n";
  for (std::size_t size : sizes) {
    const FloorPoint* f = floor_at(r, size);
    if (f == nullptr) continue;
    o << "| " << size << " |";
    for (const auto& m : modes) o << " " << fixed(point(r, m, size)->cycles_per_message() / floor_ticks(*f, m), 1) << "x |";
    o << "\n";
  }
}

/// The AES-GCM libraries side by side, and the least a sealed channel could cost against CSM.
void aead_table(std::ostream& o, const Tables& t) {
  const Results& r = t.r;
  const auto& sizes = t.sizes;
  o << "\n## The best AES-256-GCM (seal + open, ticks) and what any sealed channel would cost at it\n\n"
    << "Not a strawman (benchmarks.md §2): beside the paper's two libraries, libsodium, the cheapest below about "
       "256 B on x86. *Best sealed floor / csm* is memcpy + the best seal+open over csm's cycles: the least a "
       "sealed channel could cost against CSM, whatever its library.\n\n"
    << "| size | OpenSSL | MbedTLS | libsodium | best | best sealed floor / csm |\n|---|---|---|---|---|---|\n";
  for (std::size_t size : sizes) {
    const FloorPoint* f = floor_at(r, size);
    const CommPoint* base = point(r, "csm", size);
    if (f == nullptr) continue;
    o << "| " << size << " | " << fixed(f->aead_openssl_ticks.median) << " | " << fixed(f->aead_mbedtls_ticks.median)
      << " | " << (f->aead_libsodium_ticks.median > 0 ? fixed(f->aead_libsodium_ticks.median) : std::string("n/a"))
      << " | " << f->best_aead() << " | "
      << (base != nullptr ? fixed((f->memcpy_ticks.median + f->best_aead_ticks()) / base->cycles_per_message(), 2) + "x"
                          : std::string("-"))
      << " |\n";
  }
}

/// One-way latency and throughput per mode.
void latency_table(std::ostream& o, const Tables& t) {
  const Results& r = t.r;
  const auto& modes = t.modes;
  const auto& sizes = t.sizes;
  o << "\n## One-way latency (ns, median) and throughput (MB/s)\n\n| size |";
  for (const auto& m : modes) o << " " << m << " |";
  o << "\n|---|";
  for (std::size_t i = 0; i < modes.size(); ++i) o << "---|";
  o << "\n";
  for (std::size_t size : sizes) {
    o << "| " << size << " |";
    for (const auto& m : modes) {
      const CommPoint* p = point(r, m, size);
      o << " " << fixed(p->latency.median / r.ticks_per_ns) << " / " << fixed(p->throughput_mb_s(r.ticks_per_ns)) << " |";
    }
    o << "\n";
  }
}

/// Small messages sent back to back, one by one and in batches of one publication each.
void batched_table(std::ostream& o, const Tables& t) {
  const Results& r = t.r;
  const bool any = std::any_of(r.comm.begin(), r.comm.end(), [](const CommPoint& p) { return p.batched_ticks > 0; });
  if (!any) return;
  o << "\n## Small messages back to back (messages per µs: one index update each / one per batch of 32)\n\n| size |";
  for (const auto& m : t.modes) o << " " << m << " |";
  o << "\n|---|";
  for (std::size_t i = 0; i < t.modes.size(); ++i) o << "---|";
  o << "\n";
  for (std::size_t size : t.sizes) {
    if (point(r, t.modes.front(), size)->batched_ticks == 0) continue;
    o << "| " << size << " |";
    for (const auto& m : t.modes) {
      const CommPoint* p = point(r, m, size);
      const double one_by_one = static_cast<double>(p->burst) / (static_cast<double>(p->burst_ticks) / r.ticks_per_ns / 1e3);
      o << " " << fixed(one_by_one, 1) << " / " << fixed(p->batched_msgs_per_us(r.ticks_per_ns), 1) << " |";
    }
    o << "\n";
  }
}

/// How the vCPUs were placed in each mode's repetitions, and which were set aside.
void placement_notes(std::ostream& o, const Tables& t) {
  const Results& r = t.r;
  const auto& modes = t.modes;
  const auto& sizes = t.sizes;
  o << "\nvCPU placement (benchmarks.md §2): each mode ran in repetitions, the cache-line round trip probed "
       "before and after each; the tables use *"
    << r.comm_placement << "* repetitions only. Per mode (repetitions: placement, probe before → after, ns): ";
  for (const auto& m : modes) {
    const CommPoint* p = point(r, m, sizes.front());
    o << m << " " << p->repetitions << " " << p->placement << " " << fixed(p->probe_before_ns.median) << "→"
      << fixed(p->probe_after_ns.median);
    for (const CommPoint& q : r.comm_set_aside) {
      if (q.mode == m && q.size == sizes.front()) o << ", " << q.repetitions << " " << q.placement << " set aside";
    }
    o << "; ";
  }
  double most_foreign = 0;
  for (const CommPoint& p : r.comm) most_foreign = std::max(most_foreign, p.foreign_share);
  o << "\nOther work took at most " << fixed(most_foreign * 100, 1)
    << "% of the machine's CPU time during a repetition the tables use (a repetition over "
    << fixed(kMaxForeignShare * 100, 0) << "% is measured again, then set aside as *contended*).";
  if (!r.core_speeds.empty()) {
    double slowest = 0;
    for (const CommPoint& p : r.comm) slowest = std::max(slowest, p.core_slowdown);
    o << "\nCore speed (bench/lib/core_speed.h; kernel ticks at the start, each vCPU with the others spinning:";
    for (const CoreSpeed& c : r.core_speeds) o << " vCPU " << c.cpu << " " << c.kernel_ticks << ";";
    o << " baseline " << r.core_baseline_ticks << "): the realms' vCPUs ran at most " << fixed(slowest, 2)
      << "x the baseline beside a figure the tables use (over " << fixed(kMaxCoreSlowdown, 2)
      << "x: a core shared with other work, measured again, then set aside as *contended*). The floors are each the "
         "fastest vCPU's; the slowest vCPU's AES-GCM was up to "
      << fixed(r.floor_conditions.cpu_spread, 2) << "x slower; the kernel ran at most "
      << fixed(r.floor_conditions.worst_core_slowdown, 2) << "x the best around a floor kept ("
      << r.floor_conditions.remeasured << " size(s) measured again).";
  }
  const auto problems = consistency_problems(r);
  o << "\n\n**Consistency** (`caec bench --check`): "
    << (problems.empty() ? std::string("every ratio is self-consistent and no figure comes from a contended repetition.")
                         : std::to_string(problems.size()) + " problem(s); this run's figures must not be published:");
  for (const std::string& p : problems) o << "\n- " << p;
  for (const CommPoint& p : r.comm) {
    if (p.placement != r.comm_placement) {
      o << "\n**" << p.mode << " at " << p.size << " B has no " << r.comm_placement << " repetition: its figures are "
        << p.placement << ".**";
    }
  }
}

/// Control-plane operations (without the consumer sweep, which has its own table).
void control_table(std::ostream& o, const Tables& t) {
  const Results& r = t.r;
  o << "\n\n## Control plane (µs, median; ns per 4 KiB granule of the region)\n\n"
    << "| operation | region size | µs | ns / granule |\n|---|---|---|---|\n";
  for (const ControlPoint& c : r.control) {
    if (c.sweep == "consumers") continue;
    const double us = c.ticks.median / r.ticks_per_ns / 1000;
    o << "| " << c.op << " | " << (c.size == 0 ? std::string("-") : std::to_string(c.size)) << " | " << fixed(us, 1)
      << " | " << (c.size == 0 ? std::string("-") : fixed(us * 1000 / static_cast<double>(c.size / kGranuleSize), 1))
      << " |\n";
  }
}

/// Memory and pass time of realms sharing one copy of the weights.
void sharing_table(std::ostream& o, const Tables& t) {
  const Results& r = t.r;
  if (!r.sharing.empty()) {
    o << "\n## Data sharing: " << (r.weight_bytes >> 20U)
      << " MiB of int8 weights (GPT-2-shaped, generated from a seed), read-only\n\n"
      << "| realms | granules private | granules shared | memory saved | pass private (ms) | pass shared (ms) |\n"
      << "|---|---|---|---|---|---|\n";
    for (const SharingPoint& p : r.sharing) {
      if (p.shared) continue;
      const auto shared = std::find_if(r.sharing.begin(), r.sharing.end(),
                                       [&](const SharingPoint& q) { return q.shared && q.consumers == p.consumers; });
      if (shared == r.sharing.end()) continue;
      const double saved = 100.0 * (1.0 - static_cast<double>(shared->granules) / static_cast<double>(p.granules));
      o << "| " << p.consumers + 1 << " | " << p.granules << " | " << shared->granules << " | " << fixed(saved, 1)
        << "% | " << fixed(p.pass_ticks.median / r.ticks_per_ns / 1e6, 1) << " | "
        << fixed(shared->pass_ticks.median / r.ticks_per_ns / 1e6, 1) << " |\n";
    }
  }
}

}  // namespace

std::string markdown_summary(const Results& r) {
  std::ostringstream o;
  const Tables t{r, modes_of(r), sizes_of(r)};
  for (auto* section : {heading, cycles_table, floor_table, aead_table, latency_table, batched_table, placement_notes,
                        control_table}) {
    section(o, t);
  }
  o << control_by_consumers(r);
  sharing_table(o, t);
  o << code_size_section(r.code_size);
  return o.str();
}

std::vector<std::filesystem::path> write_outputs(const Results& r, const std::filesystem::path& dir, bool plots) {
  std::filesystem::create_directories(dir);
  std::vector<std::filesystem::path> out;
  write_text(dir / "results.json", results_json(r), out);
  write_text(dir / "comm.csv", comm_csv(r), out);
  write_text(dir / "floors.csv", floors_csv(r), out);
  write_text(dir / "control.csv", control_csv(r), out);
  write_text(dir / "summary.md", markdown_summary(r), out);
  // std::system is not thread-safe; `caec bench` writes its outputs from the main thread only.
  if (!plots || std::system("command -v gnuplot >/dev/null 2>&1") != 0) {  // NOLINT(concurrency-mt-unsafe)
    return out;
  }
  const auto modes = modes_of(r);
  const std::vector<Figure> figures{
      {"cycles", "comm.csv", 2, 3, "", modes, "message size (bytes)", "cycles per message (TSC ticks)"},
      {"latency", "comm.csv", 2, 6, "", modes, "message size (bytes)", "one-way latency (ns)"},
      {"throughput", "comm.csv", 2, 7, "", modes, "message size (bytes)", "throughput (MB/s)"},
      {"control-size", "control.csv", 3, 8, "strcol(2) eq 'region-size'", control_ops(r, "region-size"),
       "region size (bytes)", "latency (µs, median)"},
      {"control-per-granule", "control.csv", 3, 9, "strcol(2) eq 'region-size'", control_ops(r, "region-size"),
       "region size (bytes)", "ns per 4 KiB granule (median)"},
      {"control-consumers", "control.csv", 4, 8, "strcol(2) eq 'consumers'", control_ops(r, "consumers"),
       "consumers of one region", "latency (µs, median)"}};
  for (const Figure& fig : figures) {
    if (fig.lines.empty()) continue;  // e.g. --modes chose none, or no fan-out sweep
    const std::filesystem::path script = dir / (fig.name + ".gp");
    write_text(script, gnuplot_script(fig), out);
    const std::string cmd = "cd '" + dir.string() + "' && gnuplot '" + script.filename().string() + "' 2>/dev/null";
    if (std::system(cmd.c_str()) == 0) {  // NOLINT(concurrency-mt-unsafe): main thread only, as above
      out.push_back(dir / (fig.name + ".png"));
      out.push_back(dir / (fig.name + ".svg"));
    }
  }
  return out;
}

}  // namespace caec::bench
