// What a host running "csm-churn" realms (tests/programs/csm_churn.cc) shares with them.
#pragma once

#include <cstdint>

namespace caec::testing {

/// The host's shared buffer the churning realms post their sharings' k on (one granule).
inline constexpr std::uint64_t kChurnBoardId = 0xB0A2D;

}  // namespace caec::testing
