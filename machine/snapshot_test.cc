// A restored machine is the one the snapshot was taken of: DRAM written since, the GPT (with its
// generations) and the host view's protections.
#include "machine/snapshot.h"

#include <gtest/gtest.h>

#include <array>

#include "machine/machine.h"

namespace caec::machine {
namespace {

MachineConfig small() { return {.dram_base = Pa{0x8000'0000}, .dram_bytes = 1ULL << 20U, .secure_granules = 1}; }

TEST(MachineSnapshot, puts_back_dram_the_host_wrote_and_only_marks_what_was_written) {
  Machine m(small());
  const Pa g = m.memory().base() + 5 * kGranuleSize;
  const std::array<std::byte, 2> before{std::byte{7}, std::byte{8}};
  ASSERT_EQ(m.host_view().write(g, before), Access::kOk);
  MachineSnapshot snap(m);
  EXPECT_FALSE(snap.written(g));
  const std::array<std::byte, 2> after{std::byte{1}, std::byte{2}};
  ASSERT_EQ(m.host_view().write(g + (kGranuleSize - 1), after), Access::kOk);  // straddles two granules
  EXPECT_TRUE(snap.written(g));
  EXPECT_TRUE(snap.written(g + kGranuleSize));
  EXPECT_FALSE(snap.written(g + 2 * kGranuleSize));
  EXPECT_EQ(snap.restore_memory(), 2U);
  std::array<std::byte, 2> out{};
  ASSERT_EQ(m.host_view().read(g, out), Access::kOk);
  EXPECT_EQ(out, before);
  ASSERT_EQ(m.host_view().read(g + (kGranuleSize - 1), out), Access::kOk);
  EXPECT_EQ(out, (std::array<std::byte, 2>{}));
  EXPECT_FALSE(snap.written(g));  // the marks went with the restore
}

TEST(MachineSnapshot, puts_back_the_gpt_with_its_generations_and_the_host_view) {
  Machine m(small());
  const Pa a = m.memory().base();
  const Pa b = m.memory().base() + kGranuleSize;
  ASSERT_EQ(m.el3().gtsi_delegate(b), abi::El3Status::kOk);  // Realm at the snapshot
  const auto a_then = m.gpt().entry(GranuleIndex{0});
  const auto b_then = m.gpt().entry(GranuleIndex{1});
  MachineSnapshot snap(m);
  ASSERT_EQ(m.el3().gtsi_delegate(a), abi::El3Status::kOk);
  ASSERT_EQ(m.el3().gtsi_undelegate(b), abi::El3Status::kOk);
  ASSERT_EQ(m.el3().gtsi_delegate(b), abi::El3Status::kOk);  // Realm again, another generation
  EXPECT_EQ(snap.restore_pas(), 2U);
  EXPECT_EQ(m.gpt().entry(GranuleIndex{0}), a_then);
  EXPECT_EQ(m.gpt().entry(GranuleIndex{1}), b_then);
  std::array<std::byte, 8> buf{};
  EXPECT_EQ(m.host_view().read(a, buf), Access::kOk);
  EXPECT_EQ(m.host_view().read(b, buf), Access::kGranuleProtectionFault);
}

}  // namespace
}  // namespace caec::machine
