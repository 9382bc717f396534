#include "rmm/csm/realm_registry.h"

#include "rmm/port/rmm_check.h"

namespace caec::rmm {

// Linear probing with backward-shift deletion: no tombstones, so a lookup (even of a RID that
// names no realm) stops at the first empty slot, and at a load factor of at most 1/2 probes
// stay short however many realms came and went.

std::size_t RealmRegistry::home(std::uint64_t rid) {
  return static_cast<std::size_t>((rid * 0x9E3779B97F4A7C15ULL) >> 47U) & (kSlots - 1);
}

std::size_t RealmRegistry::next(std::size_t i) { return (i + 1) & (kSlots - 1); }

std::size_t RealmRegistry::slot_of(std::uint64_t rid) const {
  if (rid == 0) return kSlots;
  for (std::size_t i = home(rid), n = 0; n < kSlots && slots_[i].rid != 0; i = next(i), ++n) {
    if (slots_[i].rid == rid) return i;
  }
  return kSlots;
}

void RealmRegistry::add(Rid rid, Pa rd) {
  const auto key = static_cast<std::uint64_t>(rid);
  SpinGuard guard(lock_);
  RMM_CHECK(num_live_ < kMaxLive);  // more live realms than VMIDs cannot happen
  for (std::size_t i = home(key), n = 0; n < kSlots; i = next(i), ++n) {
    if (slots_[i].rid == 0) {
      slots_[i] = {key, rd, static_cast<std::uint32_t>(num_live_)};
      live_[num_live_++] = key;
      return;
    }
  }
  RMM_CHECK(false);  // at most half the slots are ever in use
}

void RealmRegistry::remove(Rid rid) {
  SpinGuard guard(lock_);
  std::size_t hole = slot_of(static_cast<std::uint64_t>(rid));
  if (hole == kSlots) return;
  // The dense list: the last live realm takes the removed one's place.
  const std::uint32_t at = slots_[hole].live_index;
  const std::uint64_t last = live_[--num_live_];
  live_[at] = last;
  slots_[slot_of(last)].live_index = at;
  // Shift back every later entry of the cluster that may move into the hole (its home is not
  // cyclically in (hole, j]), so no lookup ever meets an empty slot before its key.
  for (std::size_t j = next(hole); slots_[j].rid != 0; j = next(j)) {
    const std::size_t h = home(slots_[j].rid);
    const bool stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
    if (stays) continue;
    slots_[hole] = slots_[j];
    hole = j;
  }
  slots_[hole] = Slot{};
}

std::optional<Pa> RealmRegistry::find(Rid rid) const {
  SpinGuard guard(lock_);
  const std::size_t i = slot_of(static_cast<std::uint64_t>(rid));
  if (i == kSlots) return std::nullopt;
  return slots_[i].rd;
}

std::size_t RealmRegistry::size() const {
  SpinGuard guard(lock_);
  return num_live_;
}

std::optional<std::pair<Rid, Pa>> RealmRegistry::Walk::next() {
  SpinGuard guard(registry_.lock_);
  if (below_ > registry_.num_live_) below_ = registry_.num_live_;
  if (below_ == 0) return std::nullopt;
  const std::uint64_t rid = registry_.live_[--below_];
  return std::pair{Rid{rid}, registry_.slots_[registry_.slot_of(rid)].rd};
}

}  // namespace caec::rmm
