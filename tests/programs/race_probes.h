// What the race probes (race_probes.cc) and the tests that drive them share.
#pragma once

#include <cstdint>

namespace caec::testing {

/// Host call of rsi-closing-probe's REC 1 when it stops: X1 = the last X0 its call returned.
inline constexpr std::uint16_t kRaceDone = 0x320;
/// Where in realm RAM the probes' RECs meet (past the manifest and the SDK's scratch pages).
inline constexpr std::uint64_t kRaceFlagOffset = 0x80000;

}  // namespace caec::testing
