#include "rmm/core/granule.h"

#include <array>
#include <cstring>
#include <new>
#if CAEC_LOCK_ORDER
#include <cstdio>
#include <cstdlib>
#endif

#include "rmm/port/rmm_check.h"

namespace caec::rmm {

namespace {

using S = GranuleState;

/// Allowed edges (from, to). Scrubbing is implied by `to == kDelegated`.
constexpr std::pair<S, S> kEdges[] = {
    {S::kUndelegated, S::kDelegated}, {S::kDelegated, S::kUndelegated},
    {S::kDelegated, S::kRd},          {S::kRd, S::kDelegated},
    {S::kDelegated, S::kRtt},         {S::kRtt, S::kDelegated},
    {S::kDelegated, S::kData},        {S::kData, S::kDelegated},
    {S::kDelegated, S::kRec},         {S::kRec, S::kDelegated},
    {S::kDelegated, S::kRecAux},      {S::kRecAux, S::kDelegated},
    {S::kDelegated, S::kApt},         {S::kApt, S::kDelegated},
};

constexpr bool edge_allowed(S from, S to) {
  for (const auto& [f, t] : kEdges) {
    if (f == from && t == to) return true;
  }
  return false;
}
static_assert(!edge_allowed(S::kData, S::kUndelegated), "in-use granules never leave the Realm PAS");

}  // namespace

std::string_view granule_state_name(GranuleState s) {
  switch (s) {
    case S::kUndelegated: return "UNDELEGATED";
    case S::kDelegated: return "DELEGATED";
    case S::kRd: return "RD";
    case S::kRec: return "REC";
    case S::kRecAux: return "REC_AUX";
    case S::kData: return "DATA";
    case S::kRtt: return "RTT";
    case S::kApt: return "APT";
  }
  return "?";
}

std::string_view lock_class_name(LockClass c) {
  switch (c) {
    case LockClass::kExternal: return "external";
    case LockClass::kRtt: return "RTT";
    case LockClass::kData: return "DATA";
    case LockClass::kRecAux: return "REC_AUX";
    case LockClass::kApt: return "APT";
  }
  return "?";
}

#if CAEC_LOCK_ORDER
/// The validator of lock_order.h: what this thread (this PE) holds, checked before every wait.
struct LockOrderAccess {
  struct Held {
    const Granule* granule;
    Pa pa;
    LockRequest req;
  };
  /// More than any command holds: REALM_CREATE's 17 external granules plus a walk.
  static constexpr std::size_t kMaxHeld = 48;
  struct HeldLocks {
    std::array<Held, kMaxHeld> at{};
    std::size_t count = 0;
  };
  static HeldLocks& held() {
    thread_local HeldLocks t_held;
    return t_held;
  }

  [[noreturn]] static void violation(const char* what, const Held& h, Pa pa, LockRequest req) {
    std::fprintf(stderr,
                 "RMM lock order violation: %s\n"
                 "  holding the %s lock of granule 0x%llx (now %s), taken at %s:%d\n"
                 "  waiting for the %s lock of granule 0x%llx (RTT level %lld) at %s:%d\n",
                 what, lock_class_name(h.req.cls).data(),
                 static_cast<unsigned long long>(h.pa.value()),
                 granule_state_name(h.granule->state_).data(), h.req.site.file, h.req.site.line,
                 lock_class_name(req.cls).data(), static_cast<unsigned long long>(pa.value()),
                 static_cast<long long>(req.level.value()), req.site.file, req.site.line);
    std::abort();
  }

  /// Whether waiting for `pa` as `req` while holding `h` obeys the written order.
  static const char* breaks_order(const Held& h, Pa pa, LockRequest req) {
    if (h.req.cls == LockClass::kExternal && !is_external_state(h.granule->state_)) {
      return "waits while holding an external lock on a granule that is no longer external";
    }
    if (h.req.cls != req.cls) {
      return h.req.cls > req.cls ? "waits for an earlier lock class while holding a later one"
                                 : nullptr;
    }
    if (req.cls == LockClass::kRtt && h.req.level != req.level) {
      return h.req.level > req.level ? "waits for a table nearer the root while holding a deeper one"
                                     : nullptr;
    }
    return h.pa < pa ? nullptr : "waits for a lower PA of the same class";
  }

  static void before_wait(const Granule* g, Pa pa, LockRequest req) {
    const HeldLocks& hl = held();
    for (std::size_t i = 0; i < hl.count; ++i) {
      const Held& h = hl.at[i];
      if (h.granule == g) violation("waits for a granule it already holds", h, pa, req);
      if (const char* what = breaks_order(h, pa, req)) violation(what, h, pa, req);
    }
  }
  static void acquired(const Granule* g, Pa pa, LockRequest req) {
    HeldLocks& hl = held();
    RMM_CHECK(hl.count < kMaxHeld);
    hl.at[hl.count++] = {g, pa, req};
  }
  static void released(const Granule* g) {
    HeldLocks& hl = held();
    for (std::size_t i = hl.count; i-- > 0;) {
      if (hl.at[i].granule != g) continue;
      hl.at[i] = hl.at[--hl.count];
      return;
    }
    RMM_CHECK(false);  // releasing a lock this thread does not hold
  }
  static void at_exit() {
    const HeldLocks& hl = held();
    if (hl.count == 0) return;
    const Held& h = hl.at[0];
    std::fprintf(stderr,
                 "RMM lock order violation: a REC exit while holding the %s lock of granule 0x%llx (now %s), "
                 "taken at %s:%d\n",
                 lock_class_name(h.req.cls).data(), static_cast<unsigned long long>(h.pa.value()),
                 granule_state_name(h.granule->state_).data(), h.req.site.file, h.req.site.line);
    std::abort();
  }
};

#endif  // CAEC_LOCK_ORDER

void check_no_granule_lock_held_at_exit() {
#if CAEC_LOCK_ORDER
  LockOrderAccess::at_exit();
#endif
}

void Granule::lock() {
  const std::uint32_t ticket = next_ticket_.fetch_add(1, std::memory_order_relaxed);
  while (serving_.load(std::memory_order_acquire) != ticket) cpu_relax();
}

void Granule::unlock() {
  serving_.store(serving_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

LockedGranule::LockedGranule(Granule& g, Pa pa, LockRequest req) : g_(&g), pa_(pa) {
#if CAEC_LOCK_ORDER
  LockOrderAccess::before_wait(&g, pa, req);
#endif
  g.lock();
#if CAEC_LOCK_ORDER
  LockOrderAccess::acquired(&g, pa, req);
#else
  (void)req;
#endif
}

void LockedGranule::get(std::uint32_t n) {
  RMM_CHECK(g_->refcount_ <= UINT32_MAX - n);
  g_->refcount_ += n;
}

void LockedGranule::put(std::uint32_t n) {
  RMM_CHECK(g_->refcount_ >= n);
  g_->refcount_ -= n;
}

void LockedGranule::release() {
  if (g_ == nullptr) return;
  Granule* g = std::exchange(g_, nullptr);
#if CAEC_LOCK_ORDER
  LockOrderAccess::released(g);
#endif
  g->unlock();
}

GranuleTable::GranuleTable(DramBank bank, std::span<Granule> storage)
    : bank_(bank), granules_(storage.first(bank.num_granules)) {
  for (Granule& g : granules_) new (&g) Granule{};
}

LockedGranule GranuleTable::lock(Pa pa, LockRequest req) {
  RMM_CHECK(pa.is_granule_aligned() && contains(pa));
  return LockedGranule(granules_[(pa - bank_.base) >> kGranuleShift], pa, req);
}

void GranuleTable::transition(Platform& platform, LockedGranule& g, GranuleState to) {
  RMM_CHECK(g);
  RMM_CHECK(edge_allowed(g.state(), to));
  if (to == S::kDelegated) {
    RMM_CHECK(g.refcount() == 0);
    scrub(platform, g.pa());
  }
  g.set_state(to);
}

void scrub(Platform& platform, Pa pa) {
  std::memset(platform.map_granule(pa), 0, kGranuleSize);
}

}  // namespace caec::rmm
