// The RAM backing's bookkeeping against a bare granule pool: runs reserved on first touch,
// each granule handed out once, everything not taken given back.
#include "host/ram_backing.h"

#include <gtest/gtest.h>

namespace caec::host {
namespace {

constexpr std::uint64_t kBlock = RamBacking::kBlockSize;
constexpr std::uint64_t kPerBlock = RamBacking::kGranulesPerBlock;
constexpr Pa kOwner{0x8000'0000};
constexpr Pa kOther{0x8000'1000};

class RamBackingTest : public ::testing::Test {
 protected:
  // 4 blocks' worth of granules, starting one granule past a 2 MiB boundary, so exactly 3
  // aligned runs fit.
  GranulePool pool{Pa{0x8000'0000 + kGranuleSize}, 4 * kPerBlock};
  RamBacking backing{pool};
};

TEST_F(RamBackingTest, the_first_touch_reserves_an_aligned_run_and_each_page_keeps_its_offset) {
  const Ipa ipa{0x40'0000 + 5 * kGranuleSize};
  const auto pa = backing.take(kOwner, ipa);
  ASSERT_TRUE(pa);
  EXPECT_TRUE(pa->align_down(kBlock) + 5 * kGranuleSize == *pa);
  EXPECT_EQ(pool.free_granules(), 3 * kPerBlock);
  EXPECT_EQ(backing.held(), kPerBlock - 1);
  const auto next = backing.take(kOwner, ipa + kGranuleSize);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, *pa + kGranuleSize);
  EXPECT_EQ(pool.free_granules(), 3 * kPerBlock) << "the same block: nothing more reserved";
}

TEST_F(RamBackingTest, a_granule_is_handed_out_once) {
  const Ipa ipa{0x20'0000};
  ASSERT_TRUE(backing.take(kOwner, ipa));
  EXPECT_FALSE(backing.take(kOwner, ipa)) << "its granule was taken before: the caller allocates";
}

TEST_F(RamBackingTest, realms_never_share_a_run) {
  const auto a = backing.take(kOwner, Ipa{0x20'0000});
  const auto b = backing.take(kOther, Ipa{0x20'0000});
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->align_down(kBlock), b->align_down(kBlock));
}

TEST_F(RamBackingTest, release_gives_back_only_what_was_not_taken) {
  const auto taken = backing.take(kOwner, Ipa{0x20'0000});
  ASSERT_TRUE(backing.take(kOther, Ipa{0x20'0000}));
  backing.release(kOwner);
  EXPECT_EQ(pool.free_granules(), 3 * kPerBlock - 1) << "the other realm's run stays reserved";
  EXPECT_EQ(backing.held(), kPerBlock - 1);
  pool.free(*taken);  // the taker frees what it took
  backing.release(kOther);
  EXPECT_EQ(pool.free_granules(), 4 * kPerBlock - 1) << "only kOther's taken granule is out";
}

TEST_F(RamBackingTest, without_a_free_aligned_run_the_caller_falls_back_to_single_granules) {
  for (std::uint64_t i = 0; i < 3; ++i) ASSERT_TRUE(backing.take(kOwner, Ipa{i * kBlock}));
  const std::uint64_t free = pool.free_granules();
  EXPECT_FALSE(backing.take(kOwner, Ipa{3 * kBlock}));
  EXPECT_FALSE(backing.take(kOwner, Ipa{3 * kBlock + kGranuleSize}));
  EXPECT_EQ(pool.free_granules(), free) << "a failed reservation takes nothing";
}

TEST_F(RamBackingTest, trim_returns_every_reserved_granule_and_the_blocks_stay_trimmed) {
  ASSERT_TRUE(backing.take(kOwner, Ipa{0}));
  ASSERT_TRUE(backing.take(kOther, Ipa{0}));
  EXPECT_EQ(backing.trim(), 2 * (kPerBlock - 1));
  EXPECT_EQ(backing.held(), 0U);
  EXPECT_EQ(pool.free_granules(), 4 * kPerBlock - 2);
  EXPECT_FALSE(backing.take(kOwner, Ipa{kGranuleSize})) << "a trimmed block hands out nothing";
  EXPECT_EQ(backing.trim(), 0U);
}

}  // namespace
}  // namespace caec::host
