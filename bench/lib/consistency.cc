#include "bench/lib/consistency.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

namespace caec::bench {

namespace {

std::string fixed(double v, int digits = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string at(const CommPoint& p) { return p.mode + " at " + std::to_string(p.size) + " B"; }

const CommPoint* find(const Results& r, const std::string& mode, std::size_t size) {
  const auto it = std::find_if(r.comm.begin(), r.comm.end(),
                               [&](const CommPoint& p) { return p.mode == mode && p.size == size; });
  return it == r.comm.end() ? nullptr : &*it;
}

const FloorPoint* floor_of(const Results& r, std::size_t size) {
  const auto it = std::find_if(r.floors.begin(), r.floors.end(), [&](const FloorPoint& f) { return f.size == size; });
  return it == r.floors.end() ? nullptr : &*it;
}

// Points measured beside other work, or whose repetitions disagree.
void check_points(const Results& r, const ConsistencyBounds& b, std::vector<std::string>& problems) {
  for (const CommPoint& p : r.comm) {
    if (p.placement == "contended" || p.placement == "preempted" || p.placement == "outlier") {
      problems.push_back(at(p) + ": every repetition was " + p.placement + " (" +
                         fixed(p.foreign_share * 100, 1) + "% of the CPUs went to other work; a vCPU ran " +
                         fixed(p.core_slowdown) + "x its best)");
    }
    if (p.repetitions < b.min_repetitions) {
      problems.push_back(at(p) + ": only " + std::to_string(p.repetitions) + " " + p.placement +
                         " repetition(s); a figure is the median of at least " + std::to_string(b.min_repetitions));
    }
    const Summary& s = p.repetition_cycles;
    if (s.min > 0 && s.max > s.min * b.max_repetition_spread) {
      problems.push_back(at(p) + ": its repetitions range from " + fixed(s.min, 0) + " to " + fixed(s.max, 0) +
                         " cycles (over " + fixed(b.max_repetition_spread, 1) + "x apart)");
    }
  }
}

// Per mode: a message never costs much more than one twice its size.
void check_sizes(const Results& r, const ConsistencyBounds& b, std::vector<std::string>& problems) {
  std::map<std::string, std::vector<const CommPoint*>> by_mode;
  for (const CommPoint& p : r.comm) by_mode[p.mode].push_back(&p);
  for (auto& [mode, points] : by_mode) {
    std::sort(points.begin(), points.end(), [](const CommPoint* x, const CommPoint* y) { return x->size < y->size; });
    for (std::size_t i = 0; i + 1 < points.size(); ++i) {
      const double smaller = points[i]->cycles_per_message();
      const double larger = points[i + 1]->cycles_per_message();
      if (smaller > larger * b.max_smaller_over_larger) {
        problems.push_back(at(*points[i]) + " costs " + fixed(smaller, 0) + " cycles, " + fixed(smaller / larger) +
                           "x its " + std::to_string(points[i + 1]->size) + " B messages (" + fixed(larger, 0) + ")");
      }
    }
  }
}

// Between modes at one size: what each mode is bounds its ratio to csm.
void check_modes(const Results& r, const ConsistencyBounds& b, std::vector<std::string>& problems) {
  for (const CommPoint& p : r.comm) {
    const CommPoint* csm = find(r, "csm", p.size);
    if (csm == nullptr || &p == csm || csm->cycles_per_message() <= 0) continue;
    const double ratio = p.cycles_per_message() / csm->cycles_per_message();
    const std::string said = at(p) + " is " + fixed(ratio) + "x csm";
    const bool floor_applies = p.size <= b.zero_copy_floor_max_size;
    if (p.mode == "csm-zero-copy" &&
        ((floor_applies && ratio < b.min_zero_copy_over_csm) || ratio > b.max_zero_copy_over_csm)) {
      problems.push_back(said + ": the same ring, consumed in place, cannot be that far off");
    } else if (p.mode == "plain-ns" && (ratio > b.max_plain_csm_factor || ratio * b.max_plain_csm_factor < 1)) {
      problems.push_back(said + ": the same ring in host memory cannot be that far off");
    } else if (p.mode.starts_with("sealed") && ratio < b.min_sealed_over_csm) {
      problems.push_back(said + ": encrypting cannot be cheaper than copying the plaintext");
    }
  }
}

}  // namespace

std::vector<std::string> consistency_problems(const Results& r, const ConsistencyBounds& b) {
  std::vector<std::string> problems;
  check_points(r, b, problems);
  check_sizes(r, b, problems);
  check_modes(r, b, problems);
  return problems;
}

std::string RatioAgreement::label() const { return kind + " at " + std::to_string(size) + " B"; }

double RatioAgreement::disagreement() const {
  const double low = std::min(first, second);
  return low > 0 ? std::abs(first - second) / low : INFINITY;
}

std::vector<RatioAgreement> compare_ratios(const Results& a, const Results& b) {
  std::vector<RatioAgreement> out;
  for (const CommPoint& p : a.comm) {
    const CommPoint* q = find(b, p.mode, p.size);
    const CommPoint* csm_a = find(a, "csm", p.size);
    const CommPoint* csm_b = find(b, "csm", p.size);
    if (q == nullptr || csm_a == nullptr || csm_b == nullptr || p.mode == "csm") continue;
    out.push_back({p.mode + " / csm", p.size, p.cycles_per_message() / csm_a->cycles_per_message(),
                   q->cycles_per_message() / csm_b->cycles_per_message()});
  }
  for (const FloorPoint& f : a.floors) {
    const FloorPoint* g = floor_of(b, f.size);
    const CommPoint* csm_a = find(a, "csm", f.size);
    const CommPoint* csm_b = find(b, "csm", f.size);
    if (g == nullptr || csm_a == nullptr || csm_b == nullptr) continue;
    out.push_back({"best sealed floor / csm", f.size,
                   (f.memcpy_ticks.median + f.best_aead_ticks()) / csm_a->cycles_per_message(),
                   (g->memcpy_ticks.median + g->best_aead_ticks()) / csm_b->cycles_per_message()});
  }
  return out;
}

std::vector<KindAgreement> agreement_by_kind(const std::vector<RatioAgreement>& ratios, double tolerance) {
  std::vector<KindAgreement> out;
  for (const RatioAgreement& r : ratios) {
    auto it = std::find_if(out.begin(), out.end(), [&](const KindAgreement& k) { return k.kind == r.kind; });
    if (it == out.end()) it = out.insert(out.end(), KindAgreement{.kind = r.kind});
    ++it->sizes;
    if (r.disagreement() > tolerance) ++it->over;
    it->farthest = std::max(it->farthest, r.disagreement());
  }
  return out;
}

Results results_from_json(const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text);
  const auto summary = [](const nlohmann::json& s) {
    return Summary{s.at("min").get<double>(), s.at("median").get<double>(), s.at("max").get<double>()};
  };
  Results r;
  r.comm_placement = j.value("communication_placement", std::string());
  r.profile = j.at("profile").get<std::string>();
  r.machine = j.at("machine").get<std::string>();
  r.date = j.at("date").get<std::string>();
  r.ticks_per_ns = j.at("ticks_per_ns").get<double>();
  for (const auto& f : j.at("floors")) {
    r.floors.push_back({f.at("size").get<std::size_t>(), summary(f.at("memcpy_ticks")),
                        summary(f.at("aes_gcm_openssl_ticks")), summary(f.at("aes_gcm_mbedtls_ticks")),
                        summary(f.at("aes_gcm_libsodium_ticks"))});
  }
  for (const auto& c : j.at("communication")) {
    CommPoint p;
    p.mode = c.at("mode").get<std::string>();
    p.size = c.at("size").get<std::size_t>();
    p.placement = c.at("placement").get<std::string>();
    p.repetitions = c.at("repetitions").get<std::uint64_t>();
    p.send = summary(c.at("send_ticks"));
    p.recv = summary(c.at("receive_ticks"));
    p.send_mean = c.value("send_steady_mean_ticks", 0.0);
    p.recv_mean = c.value("receive_steady_mean_ticks", 0.0);
    p.latency = summary(c.at("latency_ticks"));
    if (c.contains("repetition_cycles")) p.repetition_cycles = summary(c.at("repetition_cycles"));
    p.foreign_share = c.value("foreign_cpu_share", 0.0);
    p.core_slowdown = c.value("core_slowdown", 0.0);
    r.comm.push_back(p);
  }
  return r;
}

}  // namespace caec::bench
