// Realm translation tables (RTTs): typed entries over the real stage-2 descriptors the RMM
// writes into RTT granules (rmm-1.0.md §3.4-3.5), and the locked walk.
#pragma once

#include <cstdint>

#include "caec/abi/rsi.h"
#include "caec/abi/s2tt.h"
#include "caec/abi/types.h"
#include "rmm/core/granule.h"
#include "rmm/port/platform.h"
#include "rmm/core/realm_descriptor.h"

namespace caec::rmm {

/// RTT entry state (HIPAS) as the RMM tracks it.
enum class Hipas : std::uint8_t { kUnassigned, kAssigned, kUnassignedNs, kAssignedNs, kTable };

struct RttEntry {
  Hipas hipas = Hipas::kUnassigned;
  abi::Ripas ripas = abi::Ripas::kEmpty;  // protected entries only
  Pa addr{};                              // ASSIGNED, ASSIGNED_NS, TABLE
  std::uint64_t ns_attrs = 0;             // ASSIGNED_NS: the host's MemAttr[2:0] and S2AP
  bool foreign = false;                   // ASSIGNED: another realm's granule (CSM consumer)
  bool read_only = false;                 // ASSIGNED + foreign: an RO sharing

  /// A live entry stops RttSkipNonLiveEntries: ASSIGNED, ASSIGNED_NS or TABLE.
  [[nodiscard]] bool is_live() const { return hipas != Hipas::kUnassigned && hipas != Hipas::kUnassignedNs; }
  /// Entries that make their RTT live (RttIsLive), counted in the RTT granule's refcount:
  /// ASSIGNED and TABLE. NS mappings do not, so an unprotected RTT can be destroyed directly.
  [[nodiscard]] bool pins_rtt() const { return hipas == Hipas::kAssigned || hipas == Hipas::kTable; }
  constexpr bool operator==(const RttEntry&) const = default;
};

[[nodiscard]] std::uint64_t encode_entry(const RttEntry& e, RttLevel level);
[[nodiscard]] RttEntry decode_entry(std::uint64_t desc, RttLevel level);

/// A locked RTT granule. Every entry change goes through set(), which keeps the granule's
/// live-entry count exact and does break-before-make with TLB invalidation whenever a valid
/// descriptor is removed or changed — so no stale translation can outlive an unmap.
class Rtt {
 public:
  Rtt(Platform& platform, LockedGranule granule, RttLevel level, Ipa base, Vmid vmid);
  ~Rtt();
  Rtt(Rtt&& other) noexcept;
  Rtt& operator=(Rtt&& other) noexcept;
  Rtt(const Rtt&) = delete;
  Rtt& operator=(const Rtt&) = delete;

  [[nodiscard]] RttLevel level() const { return level_; }
  [[nodiscard]] Ipa base() const { return base_; }
  [[nodiscard]] Ipa end() const { return base_ + abi::s2tt::kEntriesPerTable * entry_size(); }
  [[nodiscard]] std::uint64_t entry_size() const { return abi::s2tt::entry_size(level_); }
  [[nodiscard]] Ipa entry_ipa(std::uint64_t index) const { return base_ + index * entry_size(); }
  [[nodiscard]] std::uint64_t index_of(Ipa ipa) const {
    return (ipa - base_) >> abi::s2tt::entry_shift(level_);
  }
  [[nodiscard]] LockedGranule& granule() { return granule_; }

  [[nodiscard]] std::uint64_t raw(std::uint64_t index) const;
  [[nodiscard]] RttEntry entry(std::uint64_t index) const { return decode_entry(raw(index), level_); }
  void set(std::uint64_t index, const RttEntry& e);
  /// Makes entry `index` invalid (`e` is UNASSIGNED or UNASSIGNED_NS) and leaves its TLB
  /// invalidation pending, so that a run of unmaps costs one range TLBI instead of one per
  /// entry. The pending range is invalidated by flush_tlbi(), at the latest before the table's
  /// lock is released (the destructor), so no stale translation outlives the lock hold; a caller
  /// that releases what the old entries mapped (a reference on a granule) flushes first.
  void unmap_deferred(std::uint64_t index, const RttEntry& e);
  /// Issues the pending TLB invalidation, if any (one TLBI by IPA range + DSB).
  void flush_tlbi();

  /// RttSkipNonLiveEntries: IPA of the first live entry at or after `index`, else end().
  [[nodiscard]] Ipa skip_non_live(std::uint64_t index) const;

 private:
  [[nodiscard]] std::uint64_t* slots() const;
  /// Stores `new_desc` over `old_desc` at `index` and keeps the live-entry count exact.
  void store(std::uint64_t index, std::uint64_t old_desc, std::uint64_t new_desc, const RttEntry& e);

  Platform* platform_;
  LockedGranule granule_;
  RttLevel level_;
  Ipa base_;
  Vmid vmid_;
  /// Entries [pending_first_, pending_end_) hold unmaps whose TLBI is still to be issued.
  std::uint64_t pending_first_ = 0;
  std::uint64_t pending_end_ = 0;
};

/// Result of a walk: the deepest table reached (locked) and the entry for the IPA in it.
struct RttWalk {
  Rtt rtt;
  std::uint64_t index;
  RttEntry entry;

  [[nodiscard]] RttLevel level() const { return rtt.level(); }
  [[nodiscard]] Ipa entry_ipa() const { return rtt.entry_ipa(index); }
};

/// RttWalk(rd, ipa, level): from the starting level down to `target_level`, locking hand over
/// hand (root towards leaf). Stops early at the first entry that is not a TABLE. The caller
/// holds the RD lock and has checked ipa < 2^ipa_width.
[[nodiscard]] RttWalk rtt_walk(Platform& platform, GranuleTable& granules,
                               const RealmDescriptor& realm, Ipa ipa, RttLevel target_level,
                               LockSite site = LockSite::here());

/// Writes the initial entries of starting-level table `i` of a new realm: the protected half
/// UNASSIGNED/EMPTY, the unprotected half UNASSIGNED_NS.
void init_start_rtt(Platform& platform, LockedGranule& rtt, const RealmDescriptor& realm,
                    std::uint64_t i);

/// IPA covered by the first entry of starting-level table `i`.
[[nodiscard]] Ipa start_rtt_base(const RealmDescriptor& realm, std::uint64_t i);

/// RttConfigIsValid(ipa_width, level_start, num_start) for 4 KiB granules without LPA2.
[[nodiscard]] bool rtt_config_is_valid(unsigned ipa_width, RttLevel level_start,
                                       std::uint64_t num_start);

}  // namespace caec::rmm
