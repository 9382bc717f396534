// The control-plane sweep of `caec bench` alone (design/benchmarks.md §3), for profiling and for
// checking one change quickly: CSM create / share / reserve / attach / revoke / detach / destroy
// against region size, the REC round trip, and destroy with N consumers attached. Prints each
// operation's median with its cost per granule (figures only; nothing here asserts timing).
//
//   control_benchmark [--sizes 4096,1048576,...] [--reps N] [--consumers 1,16]
#include <CLI/CLI.hpp>
#include <cstdio>
#include <sstream>

#include "bench/lib/control.h"
#include "bench/lib/ticks.h"

namespace {

std::vector<std::uint64_t> parse_list(const std::string& text) {
  std::vector<std::uint64_t> out;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoull(item));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("The CSM control-plane sweep alone: median latency per operation and per granule");
  std::string sizes = "4096,65536,1048576,16777216,268435456,1073741824";
  std::string consumers = "1,16";
  std::uint64_t reps = 5;
  app.add_option("--sizes", sizes, "Region sizes in bytes, comma-separated (multiples of 4096)")->capture_default_str();
  app.add_option("--reps", reps, "Repetitions per size (the median is reported)")->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_option("--consumers", consumers, "Consumer counts for the 1 MiB fan-out sweep (empty: skip it)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  caec::bench::ControlConfig config{.sizes = parse_list(sizes),
                                    .reps = reps,
                                    .tokens = 5,
                                    .consumer_counts = parse_list(consumers),
                                    .progress = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); }};
  for (std::uint64_t s : config.sizes) {
    if (s == 0 || s % 4096 != 0) {
      std::fprintf(stderr, "control_benchmark: --sizes: %llu is not a positive multiple of 4096\n",
                   static_cast<unsigned long long>(s));
      return 2;
    }
  }
  const double per_ns = caec::bench::ticks_per_ns();
  std::printf("%-18s %-10s %6s %14s %14s %12s\n", "op", "sweep", "cons", "size", "median us", "ns/granule");
  for (const caec::bench::ControlPoint& p : caec::bench::run_control(config)) {
    const double us = p.ticks.median / per_ns / 1000.0;
    const double granules = p.size == 0 ? 0 : static_cast<double>(p.size) / 4096.0;
    std::printf("%-18s %-10s %6llu %14llu %14.1f %12.1f\n", p.op.c_str(), p.sweep.c_str(),
                static_cast<unsigned long long>(p.consumers), static_cast<unsigned long long>(p.size), us,
                granules == 0 ? 0.0 : us * 1000.0 / granules);
  }
  return 0;
}
