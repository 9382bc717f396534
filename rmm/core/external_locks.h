// Locks a command's "external" granules (the PAs the caller named: RD, REC, the granule being
// delegated or turned into an RTT/DATA...) in ascending PA order, the first rule of the lock
// order (rmm/core/lock_order.h). An address that is unaligned or outside DRAM is skipped: its own
// align/bound condition reports it. Two arguments naming one granule share one lock, so an
// aliasing caller cannot make the RMM deadlock on itself.
//
// Lock on state match (TF-RMM's granule_lock_on_state_match): a named granule that turns out to
// be an RTT, DATA, REC_AUX or APT granule is unlocked at once, before the next one is waited
// for. Another PE may hold it in its own class (a walk holding an RTT) while it waits for a
// granule this command holds; keeping it would close that cycle. No command expects such a
// granule among its external arguments, so its state condition fails as it would have.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>

#include "rmm/core/granule.h"

namespace caec::rmm {

template <std::size_t N>
class ExternalLocks {
 public:
  ExternalLocks() = default;
  ExternalLocks(ExternalLocks&&) noexcept = default;
  ExternalLocks& operator=(ExternalLocks&&) noexcept = default;

  [[nodiscard]] bool locked() const { return done_; }

  /// Idempotent: the first call locks, later calls do nothing.
  void lock(GranuleTable& table, const std::array<std::optional<Pa>, N>& pas,
            LockSite site = LockSite::here()) {
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
      locks_[i] = table.lock(*pa, LockRequest::external(site));
      if (!is_external_state(locks_[i].state())) {
        locks_[i].release();  // not a granule this command may hold: fails its state condition
        continue;
      }
      slot_[i] = i;
    }
  }

  /// The locked granule named by argument `i`, or nullptr if it was not lockable (or not in an
  /// external state, see above).
  [[nodiscard]] LockedGranule* at(std::size_t i) {
    return slot_[i] == kNone ? nullptr : &locks_[slot_[i]];
  }
  [[nodiscard]] bool has_state(std::size_t i, GranuleState s) {
    auto* g = at(i);
    return g != nullptr && g->state() == s;
  }
  /// Unlocks argument `i` early (every argument naming the same granule loses it too): for a
  /// granule whose state the command changed to an internal one before it takes further locks.
  void release(std::size_t i) {
    const std::size_t s = slot_[i];
    if (s == kNone) return;
    locks_[s].release();
    for (auto& slot : slot_) {
      if (slot == s) slot = kNone;
    }
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
