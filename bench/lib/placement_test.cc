// merge_repetitions: placements are never mixed in one median, and the choice of placement is
// the one every mode and size has.
#include <gtest/gtest.h>

#include "bench/lib/comm.h"

namespace caec::bench {
namespace {

CommPoint rep(const std::string& mode, std::size_t size, const std::string& placement, double send_median,
              std::uint64_t burst_ticks = 1000) {
  CommPoint p;
  p.mode = mode;
  p.size = size;
  p.placement = placement;
  p.send = {send_median - 1, send_median, send_median + 1};
  p.recv = {1, 2, 3};
  p.latency = {10, 20, 30};
  p.burst = 100;
  p.burst_ticks = burst_ticks;
  return p;
}

TEST(MergeRepetitions, FarWhenNearWouldPublishASingleRepetition) {
  // The vCPUs moved near for the last two repetitions; plain-ns lost one of them to contention.
  std::vector<CommPoint> reps;
  for (const char* mode : {"csm", "plain-ns"}) {
    for (int i = 0; i < 3; ++i) reps.push_back(rep(mode, 64, "far", 900 + i));
  }
  reps.push_back(rep("csm", 64, "near", 100));
  reps.push_back(rep("csm", 64, "near", 104));
  reps.push_back(rep("plain-ns", 64, "near", 102));
  reps.push_back(rep("plain-ns", 64, "contended", 5000));
  const CommResults r = merge_repetitions(reps);
  EXPECT_EQ(r.placement, "far");
  ASSERT_EQ(r.points.size(), 2U);
  for (const CommPoint& p : r.points) {
    EXPECT_EQ(p.placement, "far");
    EXPECT_EQ(p.repetitions, 3U);
  }
}

TEST(MergeRepetitions, NearWhenEveryPointHasIt) {
  const CommResults r = merge_repetitions({rep("csm", 64, "near", 100), rep("csm", 64, "far", 900),
                                           rep("csm", 64, "near", 120), rep("csm", 64, "near", 110),
                                           rep("plain-ns", 64, "far", 800), rep("plain-ns", 64, "near", 105)});
  EXPECT_EQ(r.placement, "near");
  ASSERT_EQ(r.points.size(), 2U);
  EXPECT_EQ(r.points[0].mode, "csm");
  EXPECT_EQ(r.points[0].placement, "near");
  EXPECT_EQ(r.points[0].repetitions, 3U);
  EXPECT_DOUBLE_EQ(r.points[0].send.median, 110);  // median of 100, 120, 110: the far 900 is out
  EXPECT_DOUBLE_EQ(r.points[0].send.min, 99);
  EXPECT_DOUBLE_EQ(r.points[0].send.max, 121);
  EXPECT_DOUBLE_EQ(r.points[1].send.median, 105);
  ASSERT_EQ(r.set_aside.size(), 2U);
  for (const CommPoint& p : r.set_aside) EXPECT_EQ(p.placement, "far");
}

TEST(MergeRepetitions, FarWhenOnlyFarCoversEveryPoint) {
  const CommResults r = merge_repetitions({rep("csm", 64, "far", 400), rep("csm", 64, "near", 100),
                                           rep("plain-ns", 64, "far", 410), rep("plain-ns", 64, "mixed", 200)});
  EXPECT_EQ(r.placement, "far");
  ASSERT_EQ(r.points.size(), 2U);
  for (const CommPoint& p : r.points) EXPECT_EQ(p.placement, "far");
  EXPECT_EQ(r.set_aside.size(), 2U);
}

TEST(MergeRepetitions, APointWithoutThePlacementKeepsItsOwnTag) {
  const CommResults r = merge_repetitions({rep("csm", 64, "near", 100), rep("csm", 4096, "near", 300),
                                           rep("plain-ns", 64, "near", 100), rep("plain-ns", 4096, "mixed", 700),
                                           rep("plain-ns", 4096, "mixed", 500), rep("plain-ns", 4096, "preempted", 9)});
  EXPECT_EQ(r.placement, "near");
  ASSERT_EQ(r.points.size(), 4U);
  EXPECT_EQ(r.points[3].placement, "mixed");  // the most repetitions
  EXPECT_DOUBLE_EQ(r.points[3].send.median, 600);
  ASSERT_EQ(r.set_aside.size(), 1U);
  EXPECT_EQ(r.set_aside[0].placement, "preempted");
}

TEST(MergeRepetitions, AFallbackPrefersAnyTrustedPlacementToMorePreemptedRepetitions) {
  const CommResults r = merge_repetitions({rep("csm", 64, "near", 100), rep("plain-ns", 64, "far", 400),
                                           rep("plain-ns", 64, "preempted", 9000),
                                           rep("plain-ns", 64, "preempted", 8000)});
  EXPECT_EQ(r.placement, "near");
  ASSERT_EQ(r.points.size(), 2U);
  EXPECT_EQ(r.points[1].placement, "far") << "preempted figures are never the published ones";
  EXPECT_DOUBLE_EQ(r.points[1].send.median, 400);
}

TEST(MergeRepetitions, BurstIsTheMedianRepetition) {
  const CommResults r = merge_repetitions(
      {rep("csm", 64, "near", 1, 500), rep("csm", 64, "near", 1, 9000), rep("csm", 64, "near", 1, 700)});
  ASSERT_EQ(r.points.size(), 1U);
  EXPECT_EQ(r.points[0].burst_ticks, 700U);
}

TEST(MergeRepetitions, ARepetitionFarOffItsGroupIsSetAsideAsAnOutlier) {
  // Five near repetitions of which one ran 10x slow with nothing in the probes to say why.
  const CommResults r = merge_repetitions({rep("csm", 64, "near", 100), rep("csm", 64, "near", 104),
                                           rep("csm", 64, "near", 1000), rep("csm", 64, "near", 98),
                                           rep("csm", 64, "near", 102)});
  ASSERT_EQ(r.points.size(), 1U);
  EXPECT_EQ(r.points[0].repetitions, 4U);
  EXPECT_DOUBLE_EQ(r.points[0].send.median, 101);
  EXPECT_DOUBLE_EQ(r.points[0].repetition_cycles.max, 106);  // 104 + recv's 2
  ASSERT_EQ(r.set_aside.size(), 1U);
  EXPECT_EQ(r.set_aside[0].placement, "outlier");
  EXPECT_DOUBLE_EQ(r.set_aside[0].send.median, 1000);
}

TEST(MergeRepetitions, ContendedRepetitionsAreNeverPublishedBesideAnUncontendedOne) {
  CommPoint contended = rep("plain-ns", 64, "contended", 5000);
  contended.foreign_share = 0.4;
  const CommResults r = merge_repetitions({rep("csm", 64, "near", 100), rep("plain-ns", 64, "mixed", 120), contended,
                                           contended});
  ASSERT_EQ(r.points.size(), 2U);
  EXPECT_EQ(r.points[1].placement, "mixed");
  EXPECT_DOUBLE_EQ(r.points[1].foreign_share, 0);
  ASSERT_EQ(r.set_aside.size(), 1U);
  EXPECT_EQ(r.set_aside[0].placement, "contended");
  EXPECT_DOUBLE_EQ(r.set_aside[0].foreign_share, 0.4);
}

}  // namespace
}  // namespace caec::bench
