// consistency_problems: a run measured beside other work, or with ratios no real run has, is
// refused; a run like the README's passes. compare_ratios and the results.json round trip.
#include <algorithm>

#include <gtest/gtest.h>

#include "bench/lib/consistency.h"
#include "bench/lib/contention.h"

namespace caec::bench {
namespace {

CommPoint point(const std::string& mode, std::size_t size, double cycles, const std::string& placement = "near") {
  CommPoint p;
  p.mode = mode;
  p.size = size;
  p.placement = placement;
  p.send = {cycles / 2 - 1, cycles / 2, cycles / 2 + 1};
  p.recv = {cycles / 2 - 1, cycles / 2, cycles / 2 + 1};
  p.latency = {100, 200, 300};
  p.repetition_cycles = {cycles * 0.95, cycles, cycles * 1.05};
  p.repetitions = 5;
  p.burst = 100;
  p.burst_ticks = 1000;
  return p;
}

/// The shape of the 2026-11-26 run (README): csm, csm-zero-copy, sealed-openssl, plain-ns.
Results readme_like() {
  Results r;
  r.profile = "full";
  r.machine = "test";
  r.date = "2026-12-04 00:00 UTC";
  r.ticks_per_ns = 2.5;
  const std::vector<std::tuple<std::size_t, double, double, double, double>> rows{
      {64, 392, 539, 2377, 306}, {1024, 637, 686, 3871, 478}, {4096, 1837, 1740, 8318, 1506},
      {32768, 10388, 3296, 48008, 7742}};
  for (const auto& [size, csm, zc, sealed, plain] : rows) {
    r.comm.push_back(point("csm", size, csm));
    r.comm.push_back(point("csm-zero-copy", size, zc));
    r.comm.push_back(point("sealed-openssl", size, sealed));
    r.comm.push_back(point("plain-ns", size, plain));
    r.floors.push_back({size, {1, static_cast<double>(size) / 10.0, 2}, {1, sealed * 0.7, 2}, {1, sealed * 10, 2}, {}});
  }
  return r;
}

CommPoint& at(Results& r, const std::string& mode, std::size_t size) {
  for (CommPoint& p : r.comm) {
    if (p.mode == mode && p.size == size) return p;
  }
  throw std::logic_error("no point");
}

bool mentions(const std::vector<std::string>& problems, const std::string& what) {
  for (const auto& p : problems) {
    if (p.find(what) != std::string::npos) return true;
  }
  return false;
}

TEST(Consistency, a_run_like_the_readme_one_passes) {
  const auto problems = consistency_problems(readme_like());
  EXPECT_TRUE(problems.empty()) << problems.front();
}

TEST(Consistency, a_small_message_costing_several_times_a_larger_one_fails) {
  Results r = readme_like();
  at(r, "csm", 64) = point("csm", 64, 10569);  // the contaminated run: 10,569 next to 1,404 at 256 B
  const auto problems = consistency_problems(r);
  EXPECT_TRUE(mentions(problems, "csm at 64 B costs 10569 cycles")) << ::testing::PrintToString(problems);
}

TEST(Consistency, zero_copy_far_off_its_own_ring_fails) {
  Results r = readme_like();
  at(r, "csm-zero-copy", 1024) = point("csm-zero-copy", 1024, 637 * 0.17);
  EXPECT_TRUE(mentions(consistency_problems(r), "csm-zero-copy at 1024 B is 0.17x csm"));
  at(r, "csm-zero-copy", 1024) = point("csm-zero-copy", 1024, 637 * 2.2);
  EXPECT_TRUE(mentions(consistency_problems(r), "csm-zero-copy at 1024 B is 2.20x csm"));
}

TEST(Consistency, zero_copy_may_be_far_cheaper_than_copying_out_a_large_message) {
  // Its reader never reads the payload: against csm's copy out of 32 KiB (and more, out of the
  // caches), a tenth is possible.
  Results r = readme_like();
  at(r, "csm-zero-copy", 32768) = point("csm-zero-copy", 32768, 10388 * 0.12);
  EXPECT_TRUE(consistency_problems(r).empty()) << consistency_problems(r).front();
}

TEST(Consistency, plain_ns_more_than_twice_off_csm_fails_either_way) {
  Results r = readme_like();
  at(r, "plain-ns", 4096) = point("plain-ns", 4096, 1837 * 2.5);
  EXPECT_TRUE(mentions(consistency_problems(r), "plain-ns at 4096 B is 2.50x csm"));
  at(r, "plain-ns", 4096) = point("plain-ns", 4096, 1837 * 0.4);
  EXPECT_TRUE(mentions(consistency_problems(r), "plain-ns at 4096 B is 0.40x csm"));
}

TEST(Consistency, sealed_cheaper_than_plaintext_fails) {
  Results r = readme_like();
  at(r, "sealed-openssl", 64) = point("sealed-openssl", 64, 300);
  EXPECT_TRUE(mentions(consistency_problems(r), "sealed-openssl at 64 B is 0.77x csm"));
}

TEST(Consistency, figures_from_contended_or_scattered_repetitions_fail) {
  Results r = readme_like();
  at(r, "csm", 64).placement = "contended";
  at(r, "csm", 64).foreign_share = 0.31;
  at(r, "plain-ns", 1024).repetition_cycles = {300, 478, 900};
  at(r, "sealed-openssl", 4096).repetitions = 1;
  const auto problems = consistency_problems(r);
  EXPECT_TRUE(mentions(problems, "sealed-openssl at 4096 B: only 1 near repetition(s)"));
  EXPECT_TRUE(mentions(problems, "csm at 64 B: every repetition was contended (31.0%")) << ::testing::PrintToString(problems);
  EXPECT_TRUE(mentions(problems, "plain-ns at 1024 B: its repetitions range from 300 to 900"));
}

TEST(Consistency, compare_ratios_pairs_each_mode_against_csm_and_the_sealed_floor) {
  Results a = readme_like();
  Results b = readme_like();
  at(b, "sealed-openssl", 64) = point("sealed-openssl", 64, 2377 * 1.2);
  const auto ratios = compare_ratios(a, b);
  ASSERT_EQ(ratios.size(), 4U * 3 + 4);  // three modes against csm and the floor, at four sizes
  double worst = 0;
  std::string which;
  for (const auto& x : ratios) {
    if (x.disagreement() > worst) {
      worst = x.disagreement();
      which = x.label();
    }
  }
  EXPECT_EQ(which, "sealed-openssl / csm at 64 B");
  EXPECT_NEAR(worst, 0.2, 1e-9);
}

TEST(Consistency, agreement_by_kind_gives_each_ratio_its_farthest_size_and_count_over) {
  Results a = readme_like();
  Results b = readme_like();
  at(b, "sealed-openssl", 64) = point("sealed-openssl", 64, 2377 * 1.2);
  at(b, "sealed-openssl", 1024) = point("sealed-openssl", 1024, 3871 * 1.1);
  const auto kinds = agreement_by_kind(compare_ratios(a, b), 0.15);
  ASSERT_EQ(kinds.size(), 4U);  // three modes against csm, then the sealed floor
  const auto sealed = std::find_if(kinds.begin(), kinds.end(), [](const KindAgreement& k) { return k.kind == "sealed-openssl / csm"; });
  ASSERT_NE(sealed, kinds.end());
  EXPECT_EQ(sealed->sizes, 4U);
  EXPECT_EQ(sealed->over, 1U);  // 20% at 64 B; 1024 B is within
  EXPECT_NEAR(sealed->farthest, 0.2, 1e-9);
  for (const KindAgreement& k : kinds) {
    if (k.kind != "sealed-openssl / csm") {
      EXPECT_EQ(k.over, 0U) << k.kind;
    }
  }
  EXPECT_EQ(kinds.back().kind, "best sealed floor / csm");
}

TEST(Consistency, results_json_reads_back_what_the_checks_use) {
  Results a = readme_like();
  a.comm_placement = "near";
  at(a, "csm", 64).foreign_share = 0.02;
  const Results b = results_from_json(results_json(a));
  ASSERT_EQ(b.comm.size(), a.comm.size());
  EXPECT_EQ(b.date, a.date);
  EXPECT_EQ(b.comm_placement, "near");
  EXPECT_DOUBLE_EQ(at(const_cast<Results&>(b), "csm", 64).cycles_per_message(), 392);
  EXPECT_DOUBLE_EQ(at(const_cast<Results&>(b), "csm", 64).foreign_share, 0.02);
  EXPECT_DOUBLE_EQ(at(const_cast<Results&>(b), "plain-ns", 1024).repetition_cycles.max, 478 * 1.05);
  for (const auto& x : compare_ratios(a, b)) EXPECT_NEAR(x.disagreement(), 0, 1e-9) << x.label();
}

TEST(Contention, foreign_share_is_busy_time_not_ours_over_all_time) {
  const CpuSample before{.busy = 1000, .own = 400, .total = 5000};
  // 52 of 200 ticks were others', less 2 ticks of sampling error.
  EXPECT_DOUBLE_EQ(foreign_share(before, {.busy = 1152, .own = 500, .total = 5200}), 0.25);
  EXPECT_DOUBLE_EQ(foreign_share(before, {.busy = 1102, .own = 500, .total = 5200}), 0.0);  // within sampling error
  EXPECT_DOUBLE_EQ(foreign_share(before, before), 0.0);
  const CpuSample now = sample_cpu();
  EXPECT_GT(now.total, 0U) << "/proc/stat unreadable";
}

}  // namespace
}  // namespace caec::bench
