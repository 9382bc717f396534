#include "rmm/apt.h"

#include <new>

namespace caec::rmm {

AptEntry* Apt::entries(std::uint32_t g) {
  // SAFETY: realm_.apt[g] is an APT granule of this realm (RMI_APT_CREATE), reached through
  // the Realm PAS; the caller holds the realm's RD lock, which guards APT contents.
  return std::launder(reinterpret_cast<AptEntry*>(rmm_.platform.map_granule(realm_.apt[g])));
}

std::size_t Apt::free_entries() {
  std::size_t n = 0;
  for (std::uint32_t g = 0; g < realm_.num_apt; ++g) {
    const AptEntry* e = entries(g);
    for (std::size_t i = 0; i < kAptEntriesPerGranule; ++i) n += e[i].kind == AptKind::kFree ? 1U : 0U;
  }
  return n;
}

AptEntry* Apt::alloc() {
  for (std::uint32_t g = 0; g < realm_.num_apt; ++g) {
    AptEntry* e = entries(g);
    for (std::size_t i = 0; i < kAptEntriesPerGranule; ++i) {
      if (e[i].kind == AptKind::kFree) return &e[i];
    }
  }
  return nullptr;
}

AptEntry* Apt::region(CsmId id) {
  return find([&](const AptEntry& e) { return e.kind == AptKind::kRegion && e.csm_id == id; });
}

AptEntry* Apt::region_at(Ipa ipa) {
  return find([&](const AptEntry& e) { return e.kind == AptKind::kRegion && e.covers(ipa); });
}

AptEntry* Apt::sharing(Rid consumer, std::uint64_t k) {
  return find([&](const AptEntry& e) {
    return e.kind == AptKind::kSharing && e.peer == consumer && e.k == k;
  });
}

AptEntry* Apt::reservation(Rid provider, std::uint64_t k) {
  return find([&](const AptEntry& e) {
    return e.kind == AptKind::kReservation && e.peer == provider && e.k == k;
  });
}

AptEntry* Apt::reservation_at(Ipa ipa) {
  return find([&](const AptEntry& e) { return e.kind == AptKind::kReservation && e.covers(ipa); });
}

AptEntry* Apt::pair_counter(Rid consumer) {
  return find([&](const AptEntry& e) { return e.kind == AptKind::kPairCounter && e.peer == consumer; });
}

bool Apt::overlaps(Ipa base, std::uint64_t size) {
  return find([&](const AptEntry& e) {
           return (e.kind == AptKind::kRegion || e.kind == AptKind::kReservation) &&
                  e.overlaps(base, size);
         }) != nullptr;
}

std::size_t Apt::sharings_of(CsmId id) {
  std::size_t n = 0;
  for_each([&](const AptEntry& e) { n += e.kind == AptKind::kSharing && e.csm_id == id ? 1U : 0U; });
  return n;
}

}  // namespace caec::rmm
