// IPA geometry of the realms the tests build with RmmTest::make_realm() (40-bit IPA, start
// level 1 with two concatenated tables).
#pragma once

#include <cstdint>

#include "caec/abi/s2tt.h"
#include "caec/abi/types.h"

namespace caec::testing {

inline constexpr std::uint64_t kL1 = abi::s2tt::entry_size(RttLevel{1});  // 1 GiB
inline constexpr std::uint64_t kL2 = abi::s2tt::kLeafTableSpan;  // 2 MiB
inline constexpr std::uint64_t kL3 = abi::s2tt::entry_size(abi::s2tt::kMaxLevel);  // 4 KiB
/// The upper half of a 40-bit IPA space is unprotected.
inline constexpr Ipa kUnprotected{1ULL << 39U};
inline constexpr Ipa kOutside{1ULL << 40U};

}  // namespace caec::testing
