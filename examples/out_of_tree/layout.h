// Where the provider's region and the consumer's reservation sit (each realm's own protected
// IPA space; both inside the 4 MiB of RAM the host gives each realm, after the SDK's scratch
// pages). The two addresses need not be equal: the RMM maps the provider's granules at the
// same *offset* in the consumer's range.
#pragma once

#include <cstddef>
#include <cstdint>

#include "caec/abi/types.h"

namespace csm_pair {

inline constexpr caec::Ipa kProviderBase{0x200000};
inline constexpr caec::Ipa kConsumerBase{0x300000};
inline constexpr std::uint64_t kRegionSize = 2 * caec::kGranuleSize;
/// The provider's message starts the region; the consumer's reply starts its second granule.
inline constexpr std::size_t kReplyOffset = caec::kGranuleSize;

}  // namespace csm_pair
