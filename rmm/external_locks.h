// Locks a command's "external" granules (the PAs the caller named: RD, REC, the granule being
// delegated or turned into an RTT/DATA...) in ascending PA order, the first rule of the lock
// order in granule.h. An address that is unaligned or outside DRAM is skipped: its own
// align/bound condition reports it. Two arguments naming one granule share one lock, so an
// aliasing caller cannot make the RMM deadlock on itself.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>

#include "rmm/granule.h"

namespace caec::rmm {

template <std::size_t N>
class ExternalLocks {
 public:
  ExternalLocks() = default;
  ExternalLocks(ExternalLocks&&) noexcept = default;
  ExternalLocks& operator=(ExternalLocks&&) noexcept = default;

  [[nodiscard]] bool locked() const { return done_; }

  /// Idempotent: the first call locks, later calls do nothing.
  void lock(GranuleTable& table, const std::array<std::optional<Pa>, N>& pas) {
    if (done_) return;
    done_ = true;
    std::array<std::size_t, N> order{};
    for (std::size_t i = 0; i < N; ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return pas[a].value_or(Pa{}) < pas[b].value_or(Pa{});
    });
    for (std::size_t i : order) {
      const auto& pa = pas[i];
      if (!pa || !pa->is_granule_aligned() || !table.contains(*pa)) continue;
      if (auto dup = find(*pa); dup != kNone) {
        slot_[i] = dup;
        continue;
      }
      locks_[i] = table.lock(*pa);
      slot_[i] = i;
    }
  }

  /// The locked granule named by argument `i`, or nullptr if it was not lockable.
  [[nodiscard]] LockedGranule* at(std::size_t i) {
    return slot_[i] == kNone ? nullptr : &locks_[slot_[i]];
  }
  [[nodiscard]] bool has_state(std::size_t i, GranuleState s) {
    auto* g = at(i);
    return g != nullptr && g->state() == s;
  }

 private:
  static constexpr std::size_t kNone = N;
  [[nodiscard]] std::size_t find(Pa pa) const {
    for (std::size_t j = 0; j < N; ++j) {
      if (slot_[j] == j && locks_[j].pa() == pa) return j;
    }
    return kNone;
  }

  bool done_ = false;
  std::array<LockedGranule, N> locks_{};
  std::array<std::size_t, N> slot_ = make_none();
  static constexpr std::array<std::size_t, N> make_none() {
    std::array<std::size_t, N> a{};
    a.fill(kNone);
    return a;
  }
};

}  // namespace caec::rmm
