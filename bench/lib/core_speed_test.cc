#include "bench/lib/core_speed.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <stdexcept>

#include "bench/lib/comm.h"
#include "bench/lib/floors.h"

namespace caec::bench {
namespace {

TEST(CoreSpeed, run_pinned_runs_the_work_on_that_cpu_and_nowhere_else) {
  for (int cpu : usable_cpus()) {
    int ran_on = -1;
    run_pinned(cpu, [&] { ran_on = sched_getcpu(); }, true);
    EXPECT_EQ(ran_on, cpu);
  }
}

TEST(CoreSpeed, run_pinned_hands_the_work_s_exception_back_and_joins_every_thread) {
  const int cpu = usable_cpus().front();
  EXPECT_THROW(run_pinned(cpu, [] { throw std::runtime_error("boom"); }, true), std::runtime_error);
  EXPECT_THROW(run_pinned(CPU_SETSIZE - 1, [] {}, true), std::runtime_error);  // not a CPU we may use
}

TEST(CoreSpeed, calibration_covers_every_usable_cpu_with_a_positive_figure) {
  const auto speeds = core_speeds(3);
  ASSERT_EQ(speeds.size(), usable_cpus().size());
  for (std::size_t i = 0; i < speeds.size(); ++i) {
    EXPECT_EQ(speeds[i].cpu, usable_cpus()[i]);
    EXPECT_GT(speeds[i].kernel_ticks, 0U);
  }
}

TEST(CoreSpeed, a_point_says_why_it_was_contended) {
  CommPoint slowed;
  slowed.size = 64;
  slowed.core_slowdown = 1.42;
  EXPECT_EQ(why_contended(slowed), "a vCPU ran 1.42x slower than its best at 64 B (a core shared with other work)");
  CommPoint crowded = slowed;
  crowded.foreign_share = 0.25;
  EXPECT_EQ(why_contended(crowded), "25.0% of the CPUs went to other work");
}

TEST(Floors, every_floor_is_measured_on_every_vcpu_and_kept_with_how_it_was_taken) {
  FloorConditions conditions;
  conditions.remeasured = 99;  // reset by the call
  std::uint64_t best = fastest(core_speeds(3));
  const std::uint64_t calibrated = best;
  const std::vector<FloorPoint> floors = measure_floors({64, 1024}, 50, 0, best, conditions, nullptr);
  EXPECT_LE(best, calibrated);  // only ever lowered by a faster sample
  ASSERT_EQ(floors.size(), 2U);
  EXPECT_EQ(floors[0].size, 64U);
  EXPECT_EQ(floors[1].size, 1024U);
  for (const FloorPoint& f : floors) {
    EXPECT_GT(f.aead_openssl_ticks.median, 0);
    EXPECT_GT(f.aead_mbedtls_ticks.median, 0);
    EXPECT_LE(f.aead_openssl_ticks.min, f.aead_openssl_ticks.median);
  }
  EXPECT_GT(floors[1].aead_mbedtls_ticks.median, floors[0].aead_mbedtls_ticks.median);  // MbedTLS's GHASH is per byte
  EXPECT_EQ(conditions.remeasured, 0U);  // no retries allowed
  EXPECT_GE(conditions.cpu_spread, 1.0);
  EXPECT_GT(conditions.worst_core_slowdown, 0.5);
}

TEST(MergeRepetitions, keeps_the_slowest_core_any_merged_repetition_saw) {
  CommPoint a, b;
  a.mode = b.mode = "csm";
  a.size = b.size = 64;
  a.placement = b.placement = "far";
  a.send = b.send = {100, 100, 100};
  a.recv = b.recv = {100, 100, 100};
  a.core_slowdown = 1.02;
  b.core_slowdown = 1.09;
  const CommResults r = merge_repetitions({a, b});
  ASSERT_EQ(r.points.size(), 1U);
  EXPECT_DOUBLE_EQ(r.points[0].core_slowdown, 1.09);
}

}  // namespace
}  // namespace caec::bench
