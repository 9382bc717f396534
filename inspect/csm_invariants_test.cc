// ReservationHistory: invariant (3) over time (docs/csm.md "Private memory in a reservation").
// What it is fed comes from the RMM in every property test and the fuzzer; here it is fed by
// hand, so that each way private DATA can come back is shown to be caught.
#include "inspect/csm_invariants.h"

#include <gtest/gtest.h>

namespace caec::inspect {
namespace {

constexpr ReservationId kFirst{Rid{2}, 7};
constexpr ReservationId kLater{Rid{2}, 9};

TEST(ReservationHistory, what_was_there_when_reserved_may_stay) {
  ReservationHistory h;
  EXPECT_TRUE(h.observe({{kFirst, {Ipa{0x0}, Ipa{0x1000}}}}).empty());
  EXPECT_TRUE(h.observe({{kFirst, {Ipa{0x0}, Ipa{0x1000}}}}).empty());
  EXPECT_TRUE(h.observe({{kFirst, {Ipa{0x1000}}}}).empty());  // the host removed one
}

TEST(ReservationHistory, private_data_that_appears_is_a_violation) {
  ReservationHistory h;
  EXPECT_TRUE(h.observe({{kFirst, {}}}).empty());
  const auto bad = h.observe({{kFirst, {Ipa{0x3000}}}});
  ASSERT_EQ(bad.size(), 1U);
  EXPECT_EQ(bad[0], "realm 2: private DATA at 0x3000 appeared inside reservation #7");
}

TEST(ReservationHistory, what_the_host_removed_may_not_come_back) {
  ReservationHistory h;
  EXPECT_TRUE(h.observe({{kFirst, {Ipa{0x0}}}}).empty());
  EXPECT_TRUE(h.observe({{kFirst, {}}}).empty());
  EXPECT_EQ(h.observe({{kFirst, {Ipa{0x0}}}}).size(), 1U);
}

TEST(ReservationHistory, a_new_reservation_starts_from_what_it_covers_then) {
  ReservationHistory h;
  EXPECT_TRUE(h.observe({{kFirst, {}}}).empty());
  // The first went (DETACH_AND_FREE) and the consumer reserved again over private memory.
  EXPECT_TRUE(h.observe({{kLater, {Ipa{0x0}}}}).empty());
  EXPECT_TRUE(h.observe({{kLater, {Ipa{0x0}}}}).empty());
}

}  // namespace
}  // namespace caec::inspect
