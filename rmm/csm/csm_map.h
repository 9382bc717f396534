// Consumer-side stage-2 work of CSM (csm-abi.md §4, §5): mapping a provider's DATA granules
// into a consumer's reservation and removing them again, a level-3 table at a time.
//
// Callers hold the RDs of the realms involved and no RTT or DATA lock. A walk of one realm's
// tables ends (its locks released) before the other realm's tables are walked, and a DATA
// granule is locked only after the consumer's RTT it is mapped through (rmm/core/lock_order.h).
#pragma once

#include <cstdint>

#include "caec/abi/rsi.h"
#include "caec/abi/s2tt.h"
#include "rmm/csm/apt.h"

namespace caec::rmm {

/// The unit of CSM work done under one lock hold: one level-3 table of the consumer (2 MiB).
inline constexpr std::uint64_t kCsmChunk = abi::s2tt::kLeafTableSpan;
/// The length of the chunk that starts at `ipa`: to the end of its level-3 table, at most `left`.
[[nodiscard]] std::uint64_t chunk_at(Ipa ipa, std::uint64_t left);

/// Maps the provider's granule `data` at `ipa` in the consumer, if the consumer's entry there is
/// UNASSIGNED (and its level-3 table exists); takes a reference on the granule.
void map_foreign_page(RmmContext& rmm, RealmDescriptor& consumer, Ipa ipa, Pa data, bool read_only);
/// Removes the consumer mapping of `data` at `ipa`, if there is one: the entry becomes
/// UNASSIGNED with RIPAS `after` (TLB invalidated), and the reference goes.
void unmap_foreign_page(RmmContext& rmm, RealmDescriptor& consumer, Ipa ipa, Pa data,
                        abi::Ripas after);
/// Removes every consumer mapping in the chunk [base, base+len) (within one level-3 table).
void unmap_chunk(RmmContext& rmm, RealmDescriptor& consumer, Ipa base, std::uint64_t len,
                 abi::Ripas after);
/// ATTACH may map the chunk [base, base+len) of the consumer: its level-3 table exists and it
/// holds no private DATA granule.
[[nodiscard]] bool consumer_chunk_ready(RmmContext& rmm, RealmDescriptor& consumer, Ipa base,
                                        std::uint64_t len);
/// Maps bytes [offset, offset+len) of the provider's `region` (one consumer chunk) into the
/// consumer's reservation `res`: every granule the provider has populated there (ASSIGNED,
/// RIPAS RAM), with the reservation's permission; the consumer's other unassigned entries take
/// the RIPAS of the provider's (a destroyed provider page reads DESTROYED in the consumer).
void map_chunk(RmmContext& rmm, RealmDescriptor& provider, const AptEntry& region,
               RealmDescriptor& consumer, const AptEntry& res, std::uint64_t offset,
               std::uint64_t len);

}  // namespace caec::rmm
