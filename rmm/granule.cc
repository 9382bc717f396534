#include "rmm/granule.h"

#include <cstring>
#include <thread>

#include "rmm/rmm_check.h"

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

void Granule::lock() {
  while (locked_.exchange(true, std::memory_order_acquire)) {
    while (locked_.load(std::memory_order_relaxed)) std::this_thread::yield();
  }
}

void Granule::unlock() { locked_.store(false, std::memory_order_release); }

void LockedGranule::get(std::uint16_t n) {
  RMM_CHECK(g_->refcount_ <= UINT16_MAX - n);
  g_->refcount_ = static_cast<std::uint16_t>(g_->refcount_ + n);
}

void LockedGranule::put(std::uint16_t n) {
  RMM_CHECK(g_->refcount_ >= n);
  g_->refcount_ = static_cast<std::uint16_t>(g_->refcount_ - n);
}

void LockedGranule::release() {
  if (g_ != nullptr) std::exchange(g_, nullptr)->unlock();
}

GranuleTable::GranuleTable(DramBank bank)
    : bank_(bank), granules_(std::make_unique<Granule[]>(bank.num_granules)) {}

LockedGranule GranuleTable::lock(Pa pa) {
  RMM_CHECK(pa.is_granule_aligned() && contains(pa));
  return LockedGranule(granules_[(pa - bank_.base) >> kGranuleShift], pa);
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
