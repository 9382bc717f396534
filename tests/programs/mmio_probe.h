// "test-mmio" (tests/programs/mmio_probe.cc): the host call that reports each access.
#pragma once

#include <cstdint>

namespace caec::testing {

/// gprs[0] = the value a load got (0 for a store); gprs[1] = 1 if the access took an SEA.
inline constexpr std::uint16_t kMmioReport = 0x202;

}  // namespace caec::testing
