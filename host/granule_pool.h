// The hypervisor's allocator of physical granules (its view of the firmware memory map,
// minus carve-outs it can never use). Runs are handed out contiguously where possible because
// contiguous runs keep the emulated TLB and the host window to few mappings.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "caec/abi/types.h"

namespace caec::host {

class GranulePool {
 public:
  GranulePool(Pa base, std::uint64_t num_granules);

  /// `count` contiguous granules whose first PA is aligned to `align` bytes.
  [[nodiscard]] std::optional<Pa> allocate(std::uint64_t count = 1,
                                           std::uint64_t align = kGranuleSize);
  /// The granule at `pa`, if it is free.
  [[nodiscard]] bool allocate_at(Pa pa);
  void free(Pa pa, std::uint64_t count = 1);
  [[nodiscard]] std::uint64_t free_granules() const;

  /// The allocator's state, to put it back later (testing/system_snapshot.h).
  struct State {
    std::vector<bool> used;
    std::uint64_t next = 0;
    std::uint64_t free = 0;
  };
  [[nodiscard]] State state() const;
  void restore(const State& s);

 private:
  mutable std::mutex mutex_;
  Pa base_;
  std::vector<bool> used_;
  std::uint64_t next_ = 0;
  std::uint64_t free_ = 0;
};

}  // namespace caec::host
