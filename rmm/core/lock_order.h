// The RMM's written lock order, and the validator that turns it into a check (style.md §14;
// Linux's lockdep is the model).
//
// Every granule lock is taken with the class the locker expects the granule to be in:
//   1. kExternal — granules a command names or finds by address and locks before knowing what
//      they are (RD, REC, DELEGATED, UNDELEGATED): several at once only in ascending PA order;
//   2. kRtt      — RTT granules, root towards leaf (a deeper level, or the same level at a
//      higher PA, as the concatenated starting tables are);
//   3. kData     — DATA granules (ascending PA if ever more than one);
//   4. kRecAux   — REC auxiliary granules;
//   5. kApt      — APT granules.
// A thread may only wait for a lock of a class after every class it holds, and never while it
// holds an external lock on a granule that is not (any more) in an external state: that granule
// is an RTT, DATA, AUX or APT granule, and another PE may hold it in its own class while it waits
// for something this thread holds. Lock-on-state-match (external_locks.h) is how the RMM obeys
// that rule for host-named addresses. And no granule lock is held across a REC exit: the host
// decides when, where and whether the REC runs again (check_no_granule_lock_held_at_exit,
// granule.h, at every exit).
//
// The validator is compiled into every build (CMake option CAEC_LOCK_ORDER, on by default): each
// acquisition is checked against the locks the thread holds before it waits, whether or not the
// lock is contended, so an order that could deadlock fails the first time it runs, with both
// acquisition sites. Its cost is a scan of the (few) locks a thread holds.
#pragma once

#include <cstdint>
#include <string_view>

namespace caec::rmm {

enum class LockClass : std::uint8_t { kExternal = 0, kRtt = 1, kData = 2, kRecAux = 3, kApt = 4 };
[[nodiscard]] std::string_view lock_class_name(LockClass c);

/// Where a lock was taken: the caller of the locking function (default arguments are evaluated
/// at the call site).
struct LockSite {
  const char* file;
  int line;
  [[nodiscard]] static constexpr LockSite here(const char* file = __builtin_FILE(),
                                               int line = __builtin_LINE()) {
    return {file, line};
  }
};

/// What a lock request is: the class (and RTT level) the locker expects, and where it was made.
struct LockRequest {
  LockClass cls = LockClass::kExternal;
  RttLevel level;  // kRtt only
  LockSite site = LockSite::here();

  [[nodiscard]] static constexpr LockRequest external(LockSite s = LockSite::here()) {
    return {LockClass::kExternal, RttLevel{}, s};
  }
  [[nodiscard]] static constexpr LockRequest rtt(RttLevel level, LockSite s = LockSite::here()) {
    return {LockClass::kRtt, level, s};
  }
  [[nodiscard]] static constexpr LockRequest data(LockSite s = LockSite::here()) {
    return {LockClass::kData, RttLevel{}, s};
  }
  [[nodiscard]] static constexpr LockRequest rec_aux(LockSite s = LockSite::here()) {
    return {LockClass::kRecAux, RttLevel{}, s};
  }
  [[nodiscard]] static constexpr LockRequest apt(LockSite s = LockSite::here()) {
    return {LockClass::kApt, RttLevel{}, s};
  }
};

}  // namespace caec::rmm
