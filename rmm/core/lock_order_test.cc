// The lock-order validator (rmm/core/lock_order.h) on its own: orders it must accept, and each kind
// of order it must refuse (the process aborts with both acquisition sites). It runs in every
// build, so every other test of the suite also checks the order of every lock it takes.
#include <gtest/gtest.h>

#include <array>

#include "caec/abi/s2tt.h"
#include "rmm/core/granule.h"
#include "rmm/port/scratch_platform_test.h"

namespace caec::rmm {
namespace {

class LockOrder : public ::testing::Test {
 protected:
  static Pa g(std::uint64_t i) { return Pa{i * kGranuleSize}; }
  ScratchPlatform platform;
  std::array<Granule, 16> storage;
  GranuleTable table{platform.dram(), storage};
};

constexpr const char* kViolation = "RMM lock order violation";

TEST_F(LockOrder, accepts_the_written_order) {
  LockedGranule a = table.lock(g(1), LockRequest::external());
  LockedGranule b = table.lock(g(5), LockRequest::external());
  LockedGranule root = table.lock(g(2), LockRequest::rtt(RttLevel{1}));
  LockedGranule leaf = table.lock(g(3), LockRequest::rtt(RttLevel{3}));
  LockedGranule data = table.lock(g(4), LockRequest::data());
  LockedGranule aux = table.lock(g(6), LockRequest::rec_aux());
  LockedGranule apt = table.lock(g(0), LockRequest::apt());
  // Concatenated starting tables: the same level in ascending PA.
  leaf.release();
  root.release();
  data.release();
  aux.release();
  apt.release();
  LockedGranule s0 = table.lock(g(8), LockRequest::rtt(RttLevel{1}));
  LockedGranule s1 = table.lock(g(9), LockRequest::rtt(RttLevel{1}));
}

TEST_F(LockOrder, accepts_hand_over_hand_walks) {
  LockedGranule rd = table.lock(g(1), LockRequest::external());
  LockedGranule parent = table.lock(g(7), LockRequest::rtt(RttLevel{1}));
  for (RttLevel level{2}; level <= abi::s2tt::kMaxLevel; level = level.child()) {
    LockedGranule child = table.lock(g(7 + static_cast<std::uint64_t>(level.value())), LockRequest::rtt(level));
    parent = std::move(child);  // the parent is released after the child is held
  }
}

TEST_F(LockOrder, refuses_a_rec_exit_while_a_lock_is_held) {
  check_no_granule_lock_held_at_exit();  // nothing held
  {
    LockedGranule a = table.lock(g(1), LockRequest::external());
  }
  check_no_granule_lock_held_at_exit();  // taken and given back
  EXPECT_DEATH(
      {
        LockedGranule a = table.lock(g(1), LockRequest::external());
        check_no_granule_lock_held_at_exit();
      },
      "a REC exit while holding the external lock of granule 0x1000");
}

TEST_F(LockOrder, refuses_external_granules_out_of_pa_order) {
  EXPECT_DEATH(
      {
        LockedGranule high = table.lock(g(5), LockRequest::external());
        LockedGranule low = table.lock(g(1), LockRequest::external());
      },
      kViolation);
}

TEST_F(LockOrder, refuses_an_earlier_class_while_a_later_one_is_held) {
  EXPECT_DEATH(
      {
        LockedGranule rtt = table.lock(g(2), LockRequest::rtt(RttLevel{3}));
        LockedGranule rd = table.lock(g(5), LockRequest::external());
      },
      kViolation);
  EXPECT_DEATH(
      {
        LockedGranule data = table.lock(g(2), LockRequest::data());
        LockedGranule rtt = table.lock(g(5), LockRequest::rtt(RttLevel{3}));
      },
      kViolation);
}

TEST_F(LockOrder, refuses_a_table_nearer_the_root_while_a_deeper_one_is_held) {
  // What walking a second realm's tables while holding the first realm's leaf would do.
  EXPECT_DEATH(
      {
        LockedGranule leaf = table.lock(g(2), LockRequest::rtt(RttLevel{3}));
        LockedGranule root = table.lock(g(5), LockRequest::rtt(RttLevel{1}));
      },
      kViolation);
}

TEST_F(LockOrder, refuses_to_wait_for_a_granule_it_holds) {
  EXPECT_DEATH(
      {
        LockedGranule once = table.lock(g(2), LockRequest::external());
        LockedGranule twice = table.lock(g(2), LockRequest::external());
      },
      "already holds");
}

TEST_F(LockOrder, refuses_to_wait_while_an_external_lock_holds_an_internal_granule) {
  // The class of bug of issue 15: a host-named granule held under an external lock turns out
  // to be (or becomes) an RTT, and the command then waits for another lock.
  EXPECT_DEATH(
      {
        LockedGranule named = table.lock(g(1), LockRequest::external());
        table.transition(platform, named, GranuleState::kDelegated);
        table.transition(platform, named, GranuleState::kRtt);
        LockedGranule next = table.lock(g(5), LockRequest::external());
      },
      "no longer external");
}

}  // namespace
}  // namespace caec::rmm
