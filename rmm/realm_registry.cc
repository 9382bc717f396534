#include "rmm/realm_registry.h"

#include "rmm/rmm_check.h"

namespace caec::rmm {

std::size_t RealmRegistry::home(std::uint64_t rid) {
  return static_cast<std::size_t>((rid * 0x9E3779B97F4A7C15ULL) >> 47U) & (kSlots - 1);
}

void RealmRegistry::add(Rid rid, Pa rd) {
  const auto key = static_cast<std::uint64_t>(rid);
  std::lock_guard lock(mutex_);
  for (std::size_t i = home(key), n = 0; n < kSlots; i = (i + 1) & (kSlots - 1), ++n) {
    if (slots_[i].rid == 0 || slots_[i].rid == kTombstone) {
      slots_[i] = {key, rd};
      return;
    }
  }
  RMM_CHECK(false);  // more live realms than VMIDs cannot happen
}

void RealmRegistry::remove(Rid rid) {
  const auto key = static_cast<std::uint64_t>(rid);
  std::lock_guard lock(mutex_);
  for (std::size_t i = home(key), n = 0; n < kSlots && slots_[i].rid != 0;
       i = (i + 1) & (kSlots - 1), ++n) {
    if (slots_[i].rid == key) {
      slots_[i].rid = kTombstone;
      return;
    }
  }
}

std::optional<Pa> RealmRegistry::find(Rid rid) const {
  const auto key = static_cast<std::uint64_t>(rid);
  if (key == 0 || key == kTombstone) return std::nullopt;
  std::lock_guard lock(mutex_);
  for (std::size_t i = home(key), n = 0; n < kSlots && slots_[i].rid != 0;
       i = (i + 1) & (kSlots - 1), ++n) {
    if (slots_[i].rid == key) return slots_[i].rd;
  }
  return std::nullopt;
}

std::vector<std::pair<Rid, Pa>> RealmRegistry::snapshot() const {
  std::vector<std::pair<Rid, Pa>> out;
  std::lock_guard lock(mutex_);
  for (const auto& s : slots_) {
    if (s.rid != 0 && s.rid != kTombstone) out.emplace_back(Rid{s.rid}, s.rd);
  }
  return out;
}

}  // namespace caec::rmm
