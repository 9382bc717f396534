// Live realms by identifier (csm-abi.md §1): SHARE and RESERVE name their peer by RID. A RID
// maps to the PA of its RD while the realm lives; RIDs are never reused, so a stale lookup can
// only miss, never name another realm. Fixed-size open addressing without tombstones (a lookup
// costs the same after any number of realms came and went), and a dense list of the live realms
// for sweeps: no allocation, ever.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <utility>

#include "caec/abi/types.h"
#include "rmm/core/spinlock.h"

namespace caec::rmm {

class RealmRegistry {
 public:
  /// Room for every VMID (65536 live realms) at a load factor of 1/2.
  static constexpr std::size_t kSlots = std::size_t{1} << 17U;
  static constexpr std::size_t kMaxLive = std::size_t{1} << 16U;

  void add(Rid rid, Pa rd);
  void remove(Rid rid);
  [[nodiscard]] std::optional<Pa> find(Rid rid) const;
  [[nodiscard]] std::size_t size() const;

  /// A walk over the live realms that holds no lock between steps (a teardown sweep locks
  /// realms as it goes). Every realm live when the walk starts and still live when it ends is
  /// visited (a removal may make it visited twice); realms added meanwhile may be skipped.
  class Walk {
   public:
    explicit Walk(const RealmRegistry& registry) : registry_(registry) {}
    [[nodiscard]] std::optional<std::pair<Rid, Pa>> next();

   private:
    const RealmRegistry& registry_;
    std::size_t below_ = kMaxLive;  // the dense list is walked downward from here
  };

 private:
  struct Slot {
    std::uint64_t rid = 0;  // 0: empty
    Pa rd;
    std::uint32_t live_index = 0;  // its place in live_
  };
  [[nodiscard]] static std::size_t home(std::uint64_t rid);
  [[nodiscard]] static std::size_t next(std::size_t i);
  /// The slot holding `rid`, or kSlots.
  [[nodiscard]] std::size_t slot_of(std::uint64_t rid) const;

  mutable SpinLock lock_;
  std::array<Slot, kSlots> slots_{};
  // Removal moves the last entry into the hole, which is why a Walk goes downward: an entry
  // that moves comes from above, where the walk has been.
  std::array<std::uint64_t, kMaxLive> live_{};
  std::size_t num_live_ = 0;
};

}  // namespace caec::rmm
