#include "bench/lib/stats.h"

#include <gtest/gtest.h>

#include "bench/lib/comm.h"

namespace caec::bench {
namespace {

TEST(Stats, a_floor_is_the_best_batch_median_so_a_burst_over_half_the_samples_is_not_the_floor) {
  // 10 samples: the first six slowed by a burst, the last four not.
  const std::vector<int> samples{200, 210, 190, 205, 200, 195, 100, 101, 99, 100};
  EXPECT_DOUBLE_EQ(summarize(samples).median, 192.5);
  const Summary best = summarize_best_batch(samples, 5);
  EXPECT_DOUBLE_EQ(best.median, 99.5);  // batches of two; the last is {99, 100}
  EXPECT_DOUBLE_EQ(best.min, 99);
  EXPECT_DOUBLE_EQ(best.max, 210);
  EXPECT_DOUBLE_EQ(summarize_best_batch(samples, 1).median, 192.5);  // one batch: the plain median
}

TEST(Stats, the_steady_mean_resolves_what_a_median_of_clock_steps_cannot) {
  // Two transports whose calls cost 200 and 205 ticks, timed by a clock that moves 21 at a
  // time from a random phase: each sample is 189 or 210, in proportion to the phase.
  std::vector<int> a, b;
  for (int phase = 0; phase < 21; ++phase) {
    a.push_back((phase + 200) / 21 * 21);
    b.push_back((phase + 205) / 21 * 21);
  }
  EXPECT_DOUBLE_EQ(summarize(a).median, summarize(b).median);  // both 210: the median cannot tell
  EXPECT_DOUBLE_EQ(steady_mean(a), 200);
  EXPECT_DOUBLE_EQ(steady_mean(b), 205);
  // The calls an interrupt stretched (or a first touch that took no time to read) are left out.
  std::vector<int> c(100, 210);
  for (std::size_t i = 0; i < 10; ++i) c[i] = 50000;
  c[10] = 0;
  EXPECT_DOUBLE_EQ(steady_mean(c), 210);
  EXPECT_DOUBLE_EQ(steady_mean(std::vector<int>{}), 0);
  EXPECT_DOUBLE_EQ(steady_mean(std::vector<int>{0, 0, 21}), 0);  // a median of 0 keeps the zeros
}

TEST(Stats, cycles_per_message_adds_the_steady_means_and_merging_takes_their_median) {
  CommPoint p;
  p.mode = "csm";
  p.size = 64;
  p.placement = "near";
  p.send = {189, 210, 231};
  p.recv = {189, 210, 231};
  EXPECT_DOUBLE_EQ(p.cycles_per_message(), 420);  // no steady means (an older results.json): medians
  p.send_mean = 195.5;
  p.recv_mean = 201.0;
  EXPECT_DOUBLE_EQ(p.cycles_per_message(), 396.5);
  CommPoint q = p, r = p;
  q.send_mean = 180;
  r.send_mean = 300;
  const CommResults merged = merge_repetitions({p, q, r});
  ASSERT_EQ(merged.points.size(), 1U);
  EXPECT_DOUBLE_EQ(merged.points[0].send_mean, 195.5);
  EXPECT_DOUBLE_EQ(merged.points[0].cycles_per_message(), 396.5);
}

}  // namespace
}  // namespace caec::bench
