// The RMM's record of every granule in DRAM: state, reference count and lock (rmm-1.0.md §3.1).
//
// Lock order: rmm/core/lock_order.h (external granules in ascending PA order, then RTTs root towards
// leaf, then DATA, REC_AUX, APT), checked at every acquisition. A command that involves two
// realms (CSM) locks their RDs together, in PA order, and never holds an RTT or DATA granule of
// one realm while it walks the other's tables: it walks them one after the other.
// A LockedGranule is the proof of holding a lock; state changes need one.
#pragma once

#include <atomic>
#include <cstddef>
#include <new>
#include <type_traits>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include "caec/abi/types.h"
#include "rmm/core/lock_order.h"
#include "rmm/port/platform.h"
#include "rmm/port/rmm_check.h"

namespace caec::rmm {

enum class GranuleState : std::uint8_t {
  kUndelegated = 0,
  kDelegated,
  kRd,
  kRec,
  kRecAux,
  kData,
  kRtt,
  kApt,  // CAEC: a realm's Access Policy Table
};
/// States a granule is in while nothing of the RMM's points at it by class: the ones a command
/// may hold under an external lock (lock_order.h).
[[nodiscard]] constexpr bool is_external_state(GranuleState s) {
  return s == GranuleState::kUndelegated || s == GranuleState::kDelegated ||
         s == GranuleState::kRd || s == GranuleState::kRec;
}
inline constexpr std::size_t kNumGranuleStates = 8;
[[nodiscard]] std::string_view granule_state_name(GranuleState s);

/// One granule's metadata. Fields other than the lock are only touched with the lock held.
class Granule {
 public:
  void lock();
  void unlock();

 private:
  friend class LockedGranule;
  friend struct LockOrderAccess;
  // A ticket lock: waiters are served in the order they came, so a PE that releases a lock
  // between two steps of a long command (rmm/csm/csm_relations.h) cannot take it back before a PE that was
  // already waiting for it (a test-and-set lock would let it win again and again).
  std::atomic<std::uint32_t> next_ticket_{0};
  std::atomic<std::uint32_t> serving_{0};
  GranuleState state_ = GranuleState::kUndelegated;
  /// Meaning depends on the state: RD = RECs of the realm; RTT = live entries; REC = 1 while
  /// running; DATA = foreign (CSM consumer) mappings. 32 bits: a granule can be mapped by as
  /// many consumers as sharings exist, and each sharing costs an APT entry (64 bytes of DRAM),
  /// so 2^32 mappings would need 256 GiB of APT granules.
  std::uint32_t refcount_ = 0;
};

class LockedGranule {
 public:
  LockedGranule() = default;
  LockedGranule(Granule& g, Pa pa, LockRequest req);
  ~LockedGranule() { release(); }
  LockedGranule(LockedGranule&& o) noexcept : g_(std::exchange(o.g_, nullptr)), pa_(o.pa_) {}
  LockedGranule& operator=(LockedGranule&& o) noexcept {
    if (this != &o) {
      release();
      g_ = std::exchange(o.g_, nullptr);
      pa_ = o.pa_;
    }
    return *this;
  }
  LockedGranule(const LockedGranule&) = delete;
  LockedGranule& operator=(const LockedGranule&) = delete;

  [[nodiscard]] explicit operator bool() const { return g_ != nullptr; }
  [[nodiscard]] Pa pa() const { return pa_; }
  [[nodiscard]] GranuleState state() const { return g_->state_; }
  [[nodiscard]] std::uint32_t refcount() const { return g_->refcount_; }
  void get(std::uint32_t n = 1);
  void put(std::uint32_t n = 1);
  /// Forgets the references, for a granule whose contents moved elsewhere (RTT_FOLD).
  void drop_refs() { g_->refcount_ = 0; }
  void release();

 private:
  friend class GranuleTable;
  void set_state(GranuleState s) { g_->state_ = s; }

  Granule* g_ = nullptr;
  Pa pa_;
};

class GranuleTable {
 public:
  /// The table of `bank`'s granules in `storage` (the RMM's own memory, at least
  /// bank.num_granules entries; the caller checked).
  GranuleTable(DramBank bank, std::span<Granule> storage);

  /// PaIsDelegable: inside the DRAM the RMM tracks.
  [[nodiscard]] bool contains(Pa pa) const {
    return pa >= bank_.base && pa < bank_.base + bank_.num_granules * kGranuleSize;
  }
  /// Locks a granule that is aligned and inside DRAM (callers check both first), as a lock of
  /// the class `req` names (lock_order.h: the validator checks the order before waiting).
  [[nodiscard]] LockedGranule lock(Pa pa, LockRequest req);
  [[nodiscard]] Pa base() const { return bank_.base; }
  [[nodiscard]] std::uint64_t size() const { return bank_.num_granules; }

  /// The one place a granule changes state (rmm-1.0.md §3.1). Only the allowed edges are
  /// possible; an edge into DELEGATED scrubs the contents (the invariant "an unlocked DELEGATED
  /// granule is all zeros" lives here) and requires a zero refcount.
  void transition(Platform& platform, LockedGranule& g, GranuleState to);

 private:
  DramBank bank_;
  std::span<Granule> granules_;
};

/// Zeroes a granule the RMM owns.
void scrub(Platform& platform, Pa pa);

/// A REC exit leaves R-EL2 for the host, which may run other RMI commands on this PE and may
/// enter the REC next from another PE, or never: the RMM must hold no granule lock then (one
/// held would block every PE that needs it, for as long as the host likes). The lock-order
/// validator checks it (abort naming the lock); without the validator this does nothing.
void check_no_granule_lock_held_at_exit();

/// The one gateway from a granule to the object it holds (TF-RMM maps granules into buffer
/// slots): the `T` at `offset` of the granule at `pa`, through the Realm PAS. The caller must
/// have the right to it: the lock that guards it (an APT granule: its realm's RD lock) or be the
/// PE running it (a REC); a caller that holds the granule's own lock uses the overload below.
template <class T>
[[nodiscard]] T& granule_object(Platform& platform, Pa pa, std::size_t offset = 0) {
  static_assert(std::is_trivially_copyable_v<T> || std::is_trivially_destructible_v<T>,
                "granules hold plain records, never objects that own resources");
  static_assert(sizeof(T) <= kGranuleSize && kGranuleSize % alignof(T) == 0);
  RMM_CHECK(offset <= kGranuleSize - sizeof(T) && offset % alignof(T) == 0);
  // SAFETY: the granule is mapped through the Realm PAS and holds a T at `offset`, made when
  // the granule took its state (REALM_CREATE, REC_CREATE, RTT_CREATE, APT_CREATE); who may use
  // it is the caller's precondition above.
  return *std::launder(reinterpret_cast<T*>(platform.map_granule(pa) + offset));
}

/// The `T` a granule the caller holds locked keeps, checked to be in state `expected`.
template <class T>
[[nodiscard]] T& granule_object(Platform& platform, const LockedGranule& g, GranuleState expected) {
  RMM_CHECK(g && g.state() == expected);
  return granule_object<T>(platform, g.pa());
}

}  // namespace caec::rmm
