// The host's window maps only Non-secure granules.
#include "machine/host_view.h"

#include <gtest/gtest.h>

#include "machine/machine.h"

namespace caec::machine {
namespace {

TEST(HostView, reads_and_writes_non_secure_memory) {
  Machine m({.dram_base = Pa{0x8000'0000}, .dram_bytes = 1ULL << 20U, .secure_granules = 1});
  const Pa g = m.memory().base() + 3 * kGranuleSize;
  const std::array<std::byte, 3> in{std::byte{1}, std::byte{2}, std::byte{3}};
  EXPECT_EQ(m.host_view().write(g + 100, in), Access::kOk);
  std::array<std::byte, 3> out{};
  EXPECT_EQ(m.host_view().read(g + 100, out), Access::kOk);
  EXPECT_EQ(out, in);
  EXPECT_EQ(*m.host_view().ptr(g + 101), std::byte{2});
}

TEST(HostView, reports_a_typed_fault_for_realm_and_secure_granules) {
  Machine m({.dram_base = Pa{0x8000'0000}, .dram_bytes = 1ULL << 20U, .secure_granules = 1});
  const Pa g = m.memory().base();
  ASSERT_EQ(m.el3().gtsi_delegate(g), abi::El3Status::kOk);
  std::array<std::byte, 8> buf{};
  EXPECT_EQ(m.host_view().read(g, buf), Access::kGranuleProtectionFault);
  EXPECT_EQ(m.host_view().write(g, buf), Access::kGranuleProtectionFault);
  const Pa secure{m.memory().end().value() - kGranuleSize};
  EXPECT_EQ(m.host_view().read(secure, buf), Access::kGranuleProtectionFault);
  EXPECT_EQ(m.host_view().read(m.memory().end(), buf), Access::kOutOfRange);
  EXPECT_EQ(m.host_view().read(Pa{m.memory().end().value() - 4}, buf), Access::kOutOfRange);
}

TEST(HostView, realm_pas_access_to_non_realm_memory_stops_the_machine) {
  Machine m({.dram_base = Pa{0x8000'0000}, .dram_bytes = 1ULL << 20U, .secure_granules = 1});
  EXPECT_DEATH((void)m.realm_pas_granule(m.memory().base()), "Granule Protection Fault");
}

}  // namespace
}  // namespace caec::machine
