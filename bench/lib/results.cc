#include "bench/lib/results.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace caec::bench {

namespace {

using nlohmann::ordered_json;

ordered_json summary_json(const Summary& s) { return {{"min", s.min}, {"median", s.median}, {"max", s.max}}; }

std::string fixed(double v, int digits = 0) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(digits) << v;
  return o.str();
}

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

/// benchmarks.md §2: the vCPUs are "near" (~70 ns) or "far" (~450 ns); far beyond that, the
/// threads were not running at once (another load on the CPUs), and the run's cross-core
/// figures are not to be trusted.
std::string placement(const Summary& probe) {
  if (probe.median < 200) return "near";
  if (probe.median < 5000) return "far";
  return "preempted";
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
  for (const FloorPoint& f : r.floors) {
    j["floors"].push_back({{"size", f.size},
                           {"memcpy_ticks", summary_json(f.memcpy_ticks)},
                           {"aes_gcm_openssl_ticks", summary_json(f.aead_openssl_ticks)},
                           {"aes_gcm_mbedtls_ticks", summary_json(f.aead_mbedtls_ticks)}});
  }
  for (const CommPoint& p : r.comm) {
    j["communication"].push_back({{"mode", p.mode},
                                  {"size", p.size},
                                  {"send_ticks", summary_json(p.send)},
                                  {"receive_ticks", summary_json(p.recv)},
                                  {"cycles_per_message", p.cycles_per_message()},
                                  {"latency_ticks", summary_json(p.latency)},
                                  {"latency_ns_median", p.latency.median / r.ticks_per_ns},
                                  {"throughput_mb_s", p.throughput_mb_s(r.ticks_per_ns)},
                                  {"probe_before_ns", summary_json(p.probe_before_ns)},
                                  {"probe_after_ns", summary_json(p.probe_after_ns)}});
  }
  j["weight_bytes"] = r.weight_bytes;
  for (const SharingPoint& p : r.sharing) {
    j["sharing"].push_back({{"consumers", p.consumers},
                            {"shared", p.shared},
                            {"granules", p.granules},
                            {"pass_ticks", summary_json(p.pass_ticks)},
                            {"checksums_agree", p.checksums_agree}});
  }
  for (const ControlPoint& c : r.control) {
    j["control"].push_back({{"op", c.op}, {"size", c.size}, {"ticks", summary_json(c.ticks)},
                            {"us_median", c.ticks.median / r.ticks_per_ns / 1000}});
  }
  return j;
}

std::string comm_csv(const Results& r) {
  std::ostringstream o;
  o << "mode,size,cycles_per_message,send_median,receive_median,latency_ns_median,throughput_mb_s,probe_before_ns,"
       "probe_after_ns\n";
  for (const CommPoint& p : r.comm) {
    o << p.mode << "," << p.size << "," << p.cycles_per_message() << "," << p.send.median << "," << p.recv.median << ","
      << p.latency.median / r.ticks_per_ns << "," << p.throughput_mb_s(r.ticks_per_ns) << "," << p.probe_before_ns.median
      << "," << p.probe_after_ns.median << "\n";
  }
  return o.str();
}

std::string floors_csv(const Results& r) {
  std::ostringstream o;
  o << "size,memcpy_ticks,aes_gcm_openssl_ticks,aes_gcm_mbedtls_ticks\n";
  for (const FloorPoint& f : r.floors) {
    o << f.size << "," << f.memcpy_ticks.median << "," << f.aead_openssl_ticks.median << ","
      << f.aead_mbedtls_ticks.median << "\n";
  }
  return o.str();
}

std::string control_csv(const Results& r) {
  std::ostringstream o;
  o << "op,size,ticks_min,ticks_median,ticks_max,us_median\n";
  for (const ControlPoint& c : r.control) {
    o << c.op << "," << c.size << "," << c.ticks.min << "," << c.ticks.median << "," << c.ticks.max << ","
      << c.ticks.median / r.ticks_per_ns / 1000 << "\n";
  }
  return o.str();
}

/// One gnuplot script per figure: `column` of comm.csv against size, one line per mode.
std::string gnuplot_script(const Results& r, const std::string& name, int column, const std::string& ylabel) {
  std::ostringstream o;
  o << "set datafile separator ','\nset logscale xy\nset key left top\nset grid\n"
    << "set xlabel 'message size (bytes)'\nset ylabel '" << ylabel << "'\n";
  std::string plot;
  for (const std::string& mode : modes_of(r)) {
    plot += std::string(plot.empty() ? "plot " : ", ") + "'comm.csv' using (strcol(1) eq '" + mode + "' ? $2 : 1/0):" +
            std::to_string(column) + " with linespoints title '" + mode + "'";
  }
  for (const char* term : {"pngcairo size 900,600", "svg size 900,600"}) {
    const std::string ext = std::string(term).starts_with("png") ? "png" : "svg";
    o << "set terminal " << term << "\nset output '" << name << "." << ext << "'\n" << plot << "\n";
  }
  return o.str();
}

}  // namespace

std::string results_json(const Results& r) { return to_json(r).dump(2) + "\n"; }

std::string markdown_summary(const Results& r) {
  std::ostringstream o;
  const auto modes = modes_of(r);
  const auto sizes = sizes_of(r);
  o << "# caec bench (" << r.profile << " profile)\n\n"
    << "Machine: " << r.machine << "; " << r.date << ". Cycles are TSC ticks (" << fixed(r.ticks_per_ns, 2)
    << " per ns); medians. Cache-line round trip between two threads: " << fixed(r.cache_line_rtt_ns.median) << " ns ("
    << placement(r.cache_line_rtt_ns) << ").\n\n";
  o << "## Cycles per message (writer send + reader receive, spin-wait excluded)\n\n| size |";
  for (const auto& m : modes) o << " " << m << " |";
  for (const auto& m : modes) {
    if (m != "csm") o << " " << m << " / csm |";
  }
  o << "\n|---|";
  for (std::size_t i = 0; i < 2 * modes.size() - 1; ++i) o << "---|";
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
  o << "\nvCPU placement per mode (cache-line round trip before → after, ns): ";
  for (const auto& m : modes) {
    const CommPoint* p = point(r, m, sizes.front());
    o << m << " " << fixed(p->probe_before_ns.median) << "→" << fixed(p->probe_after_ns.median) << " ("
      << placement(p->probe_before_ns) << (placement(p->probe_before_ns) == placement(p->probe_after_ns) ? "" : ", MIXED")
      << "); ";
  }
  o << "\n\n## Control plane (µs, median)\n\n| operation | region size | µs |\n|---|---|---|\n";
  for (const ControlPoint& c : r.control) {
    o << "| " << c.op << " | " << (c.size == 0 ? std::string("-") : std::to_string(c.size)) << " | "
      << fixed(c.ticks.median / r.ticks_per_ns / 1000, 1) << " |\n";
  }
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
  if (!plots || r.comm.empty() || std::system("command -v gnuplot >/dev/null 2>&1") != 0) return out;
  const std::pair<std::string, std::pair<int, std::string>> figures[] = {
      {"cycles", {3, "cycles per message (TSC ticks)"}},
      {"latency", {6, "one-way latency (ns)"}},
      {"throughput", {7, "throughput (MB/s)"}}};
  for (const auto& fig : figures) {
    const std::filesystem::path script = dir / (fig.first + ".gp");
    write_text(script, gnuplot_script(r, fig.first, fig.second.first, fig.second.second), out);
    const std::string cmd = "cd '" + dir.string() + "' && gnuplot '" + script.filename().string() + "' 2>/dev/null";
    if (std::system(cmd.c_str()) == 0) {
      out.push_back(dir / (fig.first + ".png"));
      out.push_back(dir / (fig.first + ".svg"));
    }
  }
  return out;
}

}  // namespace caec::bench
