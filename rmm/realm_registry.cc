#include "rmm/realm_registry.h"

#include "rmm/rmm_check.h"

namespace caec::rmm {

// Linear probing with backward-shift deletion: no tombstones, so a lookup (even of a RID that
// names no realm) stops at the first empty slot, and at a load factor of at most 1/2 probes
// stay short however many realms came and went.

std::size_t RealmRegistry::home(std::uint64_t rid) {
  return static_cast<std::size_t>((rid * 0x9E3779B97F4A7C15ULL) >> 47U) & (kSlots - 1);
}

std::size_t RealmRegistry::next(std::size_t i) { return (i + 1) & (kSlots - 1); }

void RealmRegistry::add(Rid rid, Pa rd) {
  const auto key = static_cast<std::uint64_t>(rid);
  std::lock_guard lock(mutex_);
  for (std::size_t i = home(key), n = 0; n < kSlots; i = next(i), ++n) {
    if (slots_[i].rid == 0) {
      slots_[i] = {key, rd};
      return;
    }
  }
  RMM_CHECK(false);  // more live realms than VMIDs cannot happen
}

void RealmRegistry::remove(Rid rid) {
  const auto key = static_cast<std::uint64_t>(rid);
  std::lock_guard lock(mutex_);
  std::size_t hole = home(key);
  for (std::size_t n = 0;; hole = next(hole), ++n) {
    if (n == kSlots || slots_[hole].rid == 0) return;
    if (slots_[hole].rid == key) break;
  }
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
  const auto key = static_cast<std::uint64_t>(rid);
  if (key == 0) return std::nullopt;
  std::lock_guard lock(mutex_);
  for (std::size_t i = home(key), n = 0; n < kSlots && slots_[i].rid != 0; i = next(i), ++n) {
    if (slots_[i].rid == key) return slots_[i].rd;
  }
  return std::nullopt;
}

std::vector<std::pair<Rid, Pa>> RealmRegistry::snapshot() const {
  std::vector<std::pair<Rid, Pa>> out;
  std::lock_guard lock(mutex_);
  for (const auto& s : slots_) {
    if (s.rid != 0) out.emplace_back(Rid{s.rid}, s.rd);
  }
  return out;
}

}  // namespace caec::rmm
