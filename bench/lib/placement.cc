// Merging communication repetitions by vCPU placement (benchmarks.md §2: "tag each repetition
// near or far, and never mix them in one median").
#include <algorithm>
#include <cstdint>
#include <map>
#include <tuple>

#include "bench/lib/comm.h"

namespace caec::bench {

namespace {

// The repetitions' medians: their median, min and max (the spread between repetitions).
Summary spread_of_medians(const std::vector<CommPoint>& reps, Summary CommPoint::*field) {
  std::vector<double> medians;
  medians.reserve(reps.size());
  for (const CommPoint& p : reps) medians.push_back((p.*field).median);
  return summarize(medians);
}

// The median of the repetitions' medians, with the extreme minimum and maximum of any sample.
Summary of_medians(const std::vector<CommPoint>& reps, Summary CommPoint::*field) {
  Summary s = spread_of_medians(reps, field);
  s.min = (reps.front().*field).min;
  s.max = (reps.front().*field).max;
  for (const CommPoint& p : reps) {
    s.min = std::min(s.min, (p.*field).min);
    s.max = std::max(s.max, (p.*field).max);
  }
  return s;
}

// The repetitions' values of one figure: their median.
double median_of(const std::vector<CommPoint>& reps, double CommPoint::*field) {
  std::vector<double> values;
  values.reserve(reps.size());
  for (const CommPoint& p : reps) values.push_back(p.*field);
  return summarize(values).median;
}

CommPoint merge(const std::vector<CommPoint>& reps) {
  CommPoint m = reps.front();
  m.send = of_medians(reps, &CommPoint::send);
  m.recv = of_medians(reps, &CommPoint::recv);
  m.send_mean = median_of(reps, &CommPoint::send_mean);
  m.recv_mean = median_of(reps, &CommPoint::recv_mean);
  m.latency = of_medians(reps, &CommPoint::latency);
  m.probe_before_ns = spread_of_medians(reps, &CommPoint::probe_before_ns);
  m.probe_after_ns = spread_of_medians(reps, &CommPoint::probe_after_ns);
  std::vector<std::uint64_t> bursts, batched;
  std::vector<double> cycles;
  bursts.reserve(reps.size());
  for (const CommPoint& p : reps) {
    cycles.push_back(p.cycles_per_message());
    bursts.push_back(p.burst_ticks);
    batched.push_back(p.batched_ticks);
    m.foreign_share = std::max(m.foreign_share, p.foreign_share);
    m.core_slowdown = std::max(m.core_slowdown, p.core_slowdown);
  }
  m.burst_ticks = static_cast<std::uint64_t>(summarize(bursts).median);
  m.batched_ticks = static_cast<std::uint64_t>(summarize(batched).median);
  m.repetition_cycles = summarize(cycles);
  m.repetitions = reps.size();
  return m;
}

// Tags "outlier" the repetitions of a group (one placement of one point) whose cycles per
// message are more than kOutlierFactor off the group's median: a repetition stretched by
// something the probes missed must not move the median of three or four.
void tag_outliers(std::map<std::string, std::vector<CommPoint>>& by_placement) {
  std::vector<CommPoint> outliers;
  for (auto& [placement, reps] : by_placement) {
    if (reps.size() < 3) continue;
    std::vector<double> cycles;
    for (const CommPoint& p : reps) cycles.push_back(p.cycles_per_message());
    const double median = summarize(cycles).median;
    const auto off = [&](const CommPoint& p) {
      const double c = p.cycles_per_message();
      return c > median * kOutlierFactor || c * kOutlierFactor < median;
    };
    for (CommPoint& p : reps) {
      if (!off(p)) continue;
      outliers.push_back(p);
      outliers.back().placement = "outlier";
    }
    std::erase_if(reps, off);
  }
  for (CommPoint& p : outliers) by_placement["outlier"].push_back(p);
}

}  // namespace

CommResults merge_repetitions(const std::vector<CommPoint>& repetitions) {
  using Key = std::pair<std::string, std::size_t>;  // mode, size
  std::vector<Key> keys;                             // in first-seen order
  std::map<Key, std::map<std::string, std::vector<CommPoint>>> groups;
  for (const CommPoint& p : repetitions) {
    const Key k{p.mode, p.size};
    if (!groups.contains(k)) keys.push_back(k);
    groups[k][p.placement].push_back(p);
  }
  for (const Key& k : keys) tag_outliers(groups[k]);
  CommResults out;
  // The placement whose thinnest point has the most repetitions (near on a tie): a run whose
  // vCPUs moved after two repetitions must not publish medians of one near repetition when every
  // point has three far ones.
  const auto depth = [&](const std::string& placement) {
    std::size_t least = SIZE_MAX;
    for (const Key& k : keys) {
      const auto it = groups[k].find(placement);
      least = std::min(least, it == groups[k].end() ? 0 : it->second.size());
    }
    return least;
  };
  const auto coverage = [&](const std::string& placement) {
    return std::count_if(keys.begin(), keys.end(), [&](const Key& k) { return groups[k].contains(placement); });
  };
  const std::size_t near = depth("near"), far = depth("far");
  out.placement = near > 0 && near >= far ? "near"
                  : far > 0               ? "far"
                  : coverage("far") > coverage("near") ? "far"
                                                       : "near";
  for (const Key& k : keys) {
    auto& by_placement = groups[k];
    std::string chosen = out.placement;
    if (!by_placement.contains(chosen)) {
      // The most trustworthy placement it has (near or far, then mixed, then preempted), and
      // among equals the one with the most repetitions; ties go to the name (deterministic).
      const auto rank = [](const auto& entry) {
        const std::string& placement = entry.first;
        const bool measured_beside_work = placement == "preempted" || placement == "contended" || placement == "outlier";
        const int trust = measured_beside_work ? 0 : placement == "mixed" ? 1 : 2;
        return std::pair{trust, entry.second.size()};
      };
      chosen = std::max_element(by_placement.begin(), by_placement.end(),
                                [&](const auto& a, const auto& b) { return rank(a) < rank(b); })
                   ->first;
    }
    for (const auto& [placement, reps] : by_placement) {
      (placement == chosen ? out.points : out.set_aside).push_back(merge(reps));
    }
  }
  return out;
}

}  // namespace caec::bench
