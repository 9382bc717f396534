// Live realms by identifier (csm-abi.md §1): SHARE and RESERVE name their peer by RID. A RID
// maps to the PA of its RD while the realm lives; RIDs are never reused, so a stale lookup can
// only miss, never name another realm. Fixed-size open addressing without tombstones (a lookup
// costs the same after any number of realms came and went): no allocation on commands.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "caec/abi/types.h"

namespace caec::rmm {

class RealmRegistry {
 public:
  /// Room for every VMID (65536 live realms) at a load factor of 1/2.
  static constexpr std::size_t kSlots = std::size_t{1} << 17U;

  void add(Rid rid, Pa rd);
  void remove(Rid rid);
  [[nodiscard]] std::optional<Pa> find(Rid rid) const;
  /// Every live realm (for teardown sweeps and the invariant checker).
  [[nodiscard]] std::vector<std::pair<Rid, Pa>> snapshot() const;

 private:
  struct Slot {
    std::uint64_t rid = 0;  // 0: empty
    Pa rd;
  };
  [[nodiscard]] static std::size_t home(std::uint64_t rid);
  [[nodiscard]] static std::size_t next(std::size_t i);

  mutable std::mutex mutex_;
  std::array<Slot, kSlots> slots_{};
};

}  // namespace caec::rmm
