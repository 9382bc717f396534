// Confidential Shared Memory (csm-abi.md): the operations on two realms' state that the CSM
// commands share — locking realms together, and mapping a provider's region into a consumer.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "caec/abi/rsi.h"
#include "rmm/apt.h"
#include "rmm/external_locks.h"

namespace caec::rmm {

/// Up to N realms' RDs, locked together in ascending PA order (granule.h's lock order).
/// Slot 0 is the caller's realm; the others are peers named by RID. A peer that is not live
/// (its RD gone, or the granule now holds another realm) is simply absent.
template <std::size_t N>
class RealmLocks {
 public:
  RealmLocks(RmmContext& rmm, Pa self, const std::array<std::optional<Rid>, N>& peers)
      : rmm_(rmm), peers_(peers) {
    std::array<std::optional<Pa>, N> pas{};
    pas[0] = self;
    for (std::size_t i = 1; i < N; ++i) {
      if (peers[i]) pas[i] = rmm.realms.find(*peers[i]);
    }
    ext_.lock(rmm.granules, pas);
  }
  [[nodiscard]] RealmDescriptor& self() { return realm_of(rmm_, *ext_.at(0)); }
  /// The peer in slot i, or nullptr if it is not a live realm with that RID.
  [[nodiscard]] RealmDescriptor* peer(std::size_t i) {
    if (!peers_[i] || !ext_.has_state(i, GranuleState::kRd)) return nullptr;
    RealmDescriptor& r = realm_of(rmm_, *ext_.at(i));
    return r.rid == *peers_[i] ? &r : nullptr;
  }
  [[nodiscard]] Pa pa(std::size_t i) { return ext_.at(i)->pa(); }

 private:
  RmmContext& rmm_;
  std::array<std::optional<Rid>, N> peers_;
  ExternalLocks<N> ext_;
};

/// The consumer's [base, base+size) is ready for ATTACH: level-3 RTTs exist over all of it and
/// it holds no private DATA granule.
[[nodiscard]] bool consumer_range_ready(RmmContext& rmm, RealmDescriptor& consumer, Ipa base,
                                        std::uint64_t size);

/// Maps every page of the provider's region that is populated (ASSIGNED, RIPAS RAM) at the same
/// offset in the consumer's range, read-only if `read_only`; takes a reference on each granule.
void map_region(RmmContext& rmm, RealmDescriptor& provider, const AptEntry& region,
                RealmDescriptor& consumer, Ipa consumer_base, bool read_only);

/// Maps the provider's DATA granule `data` (locked by the caller) at `ipa` in the consumer, if
/// the consumer's entry there is unassigned; takes a reference on the granule.
void map_foreign_page(RmmContext& rmm, RealmDescriptor& consumer, Ipa ipa, LockedGranule& data,
                      bool read_only);
/// Removes the consumer mapping of `data` (locked by the caller) at `ipa`, if there is one:
/// the entry becomes UNASSIGNED with RIPAS `after` (TLB invalidated); drops the reference.
void unmap_foreign_page(RmmContext& rmm, RealmDescriptor& consumer, Ipa ipa, LockedGranule& data,
                        abi::Ripas after);

/// Removes every consumer (foreign) mapping in [base, base+size), with TLB invalidation; the
/// entries become UNASSIGNED with RIPAS `after`. Drops the references on the granules.
void unmap_range(RmmContext& rmm, RealmDescriptor& consumer, Ipa base, std::uint64_t size,
                 abi::Ripas after);

/// The attached consumers of the region of `provider` covering `ipa` (none if it is not in a
/// region): each with the consumer's reservation base.
struct AttachedConsumer {
  Rid rid;
  std::uint64_t k;
  bool read_only;
};
struct AttachedSet {
  std::array<AttachedConsumer, kMaxSharingsPerRegion> consumers{};
  std::size_t count = 0;
  Ipa region_base;
  bool operator==(const AttachedSet& o) const;
};
[[nodiscard]] AttachedSet attached_consumers(RmmContext& rmm, RealmDescriptor& provider, Ipa ipa);

/// attached_consumers() of the realm whose RD is `rd`, read under a brief lock of that RD
/// alone; empty if `rd` is not an RD. Used to learn which RDs a command must lock.
[[nodiscard]] AttachedSet peek_attached_consumers(RmmContext& rmm, Pa rd, Ipa ipa);

/// Severs every CSM relation between `self` and `peer` (both locked): revokes what either
/// shares with the other, unmapping attached ranges, and deletes the records. For teardown.
void sever(RmmContext& rmm, RealmDescriptor& self, RealmDescriptor& peer);

}  // namespace caec::rmm
