// The communication benchmark (design/benchmarks.md §1): for each transport, a writer realm and
// a reader realm on the emulated machine exchange messages of each size through the channel
// library; the realms time themselves with the TSC and report on their consoles.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/lib/core_speed.h"
#include "bench/lib/stats.h"
#include "channel/connect.h"

namespace caec::bench {

struct CommConfig {
  std::vector<channel::Transport> modes;
  std::vector<std::size_t> sizes;
  std::uint64_t count = 1000;  // acknowledged messages per size (latency, cycles)
  std::uint64_t burst = 1000;  // back-to-back messages per size (throughput)
  /// Each mode runs this many times with count/repetitions and burst/repetitions messages,
  /// the vCPU placement probed before and after each (benchmarks.md §2: tag each repetition,
  /// never mix placements in one median).
  std::uint64_t repetitions = 1;
  /// A repetition measured beside other work (bench/lib/contention.h) is measured again up to
  /// this many times before it is kept, tagged "contended".
  unsigned contended_retries = 2;
  /// The best core-speed kernel ticks the run has seen so far (core_speeds, measure_floors):
  /// what the realms' samples are judged against (bench/lib/core_speed.h).
  std::uint64_t core_baseline_ticks = 0;
  std::function<void(const std::string&)> progress;
};

/// One transport at one message size; ticks unless the name says otherwise.
struct CommPoint {
  std::string mode;
  std::size_t size = 0;
  Summary send{};       // writer: ticks in send
  Summary recv{};       // reader: ticks in the receive that returned the message
  double send_mean = 0;  // their steady means (stats.h), what cycles per message adds up; 0 if not
  double recv_mean = 0;  // measured (a results.json from before they were)
  Summary latency{};    // one way, writer's clock before send to reader's after receive
  std::uint64_t burst = 0;
  std::uint64_t burst_ticks = 0;
  /// The same burst published `batch` messages per index update (ring transports at the small
  /// sizes; 0 where not measured).
  std::uint64_t batched_ticks = 0;
  /// Cache-line round trip (ns) probed just before and after each repetition (min/median/max
  /// over the repetitions' medians): the vCPUs' placement (near or far) can change between runs
  /// and changes every cross-core figure.
  Summary probe_before_ns{};
  Summary probe_after_ns{};
  /// The placement of every repetition merged here ("near", "far", "mixed": changed during the
  /// run, "preempted", "contended": other work took CPU time, "outlier": far off the other
  /// repetitions) and how many there were.
  std::string placement;
  std::uint64_t repetitions = 1;
  /// Cycles per message of each repetition merged here: min, median, max (their spread).
  Summary repetition_cycles{};
  /// The largest share of the machine's CPU time that went to other work during a repetition
  /// merged here (bench/lib/contention.h).
  double foreign_share = 0;
  /// How much slower than the run's baseline the writer's or the reader's vCPU ran the
  /// core-speed kernel beside this size (the largest over the repetitions merged here; 0 where
  /// not measured; bench/lib/core_speed.h).
  double core_slowdown = 0;

  /// Writer's send plus reader's receive: their steady means where measured, else medians.
  [[nodiscard]] double cycles_per_message() const {
    return send_mean > 0 && recv_mean > 0 ? send_mean + recv_mean : send.median + recv.median;
  }
  [[nodiscard]] double throughput_mb_s(double ticks_per_ns) const;
  /// Messages per microsecond of the batched burst (0 if not measured).
  [[nodiscard]] double batched_msgs_per_us(double ticks_per_ns) const;
};

struct CommResults {
  /// One point per mode and size, all of `placement` where the repetitions allow.
  std::vector<CommPoint> points;
  /// Repetitions of other placements, merged per mode, size and placement: reported, never
  /// mixed into `points`.
  std::vector<CommPoint> set_aside;
  std::string placement;  // the placement `points` were chosen for
  /// The baseline the points' kernel ticks were judged against at the end: the best the run saw.
  std::uint64_t core_baseline_ticks = 0;
};

/// Why a point was tagged "contended": other work's share of the CPUs, or its slowed vCPU.
[[nodiscard]] std::string why_contended(const CommPoint& p);

/// Runs every mode over every size on a fresh machine. Throws if a realm fails.
[[nodiscard]] CommResults run_comm(const CommConfig& config);

/// Merges repetitions (one point per mode, size and repetition) by placement: medians of the
/// repetitions' medians, extreme minima and maxima. Within a placement, a repetition whose
/// cycles per message are more than kOutlierFactor off the median of its group's (three or
/// more) is tagged "outlier" and set aside. Chooses near or far, whichever gives its thinnest
/// point the most repetitions (near on a tie); where a point lacks it, that point falls back to
/// the placement it has most repetitions of, and keeps that tag.
inline constexpr double kOutlierFactor = 1.5;
[[nodiscard]] CommResults merge_repetitions(const std::vector<CommPoint>& repetitions);

}  // namespace caec::bench
