// Everything one `caec bench` run measured, and its outputs: JSON, CSV, a Markdown summary
// and gnuplot figures shaped like the paper's (design/benchmarks.md §5).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bench/lib/code_size.h"
#include "bench/lib/comm.h"
#include "bench/lib/control.h"
#include "bench/lib/floors.h"
#include "bench/lib/sharing.h"
#include "bench/lib/stats.h"

namespace caec::bench {

struct Results {
  std::string profile;
  std::string machine;  // CPU model and count
  std::string date;
  double ticks_per_ns = 0;
  Summary cache_line_rtt_ns{};
  std::vector<FloorPoint> floors;
  /// How the floors were taken (each the fastest vCPU's; bench/lib/floors.h).
  FloorConditions floor_conditions;
  /// The core-speed kernel's ticks on each vCPU at the start of the run, before the floors
  /// (bench/lib/core_speed.h), and the baseline figures were judged against.
  std::vector<CoreSpeed> core_speeds;
  std::uint64_t core_baseline_ticks = 0;
  std::vector<CommPoint> comm;           // one per mode and size (comm_placement where possible)
  std::vector<CommPoint> comm_set_aside;  // repetitions of other vCPU placements
  std::string comm_placement;
  std::vector<ControlPoint> control;
  std::uint64_t weight_bytes = 0;
  std::vector<SharingPoint> sharing;
  CodeSize code_size;  // of the RMM this binary runs, measured at build time
};

/// Writes results.json, comm.csv, floors.csv, control.csv, summary.md and, if gnuplot is
/// installed and `plots`, the figures (PNG and SVG) into `dir`: cycles, latency and throughput
/// against message size, and the control plane against region size and number of consumers.
/// Returns the paths written.
std::vector<std::filesystem::path> write_outputs(const Results& results, const std::filesystem::path& dir, bool plots);

/// results.json's text (also `caec bench --json`).
[[nodiscard]] std::string results_json(const Results& results);

/// The Markdown summary (also printed at the end of a run).
[[nodiscard]] std::string markdown_summary(const Results& results);

}  // namespace caec::bench
