#include "rmm/csm/apt.h"

#include <new>

#include "rmm/port/rmm_check.h"

namespace caec::rmm {

AptHeader& Apt::header(Pa g) {
  // `g` is an APT granule of this realm (on its list); the caller holds the realm's RD lock,
  // which guards APT contents. The header is the first 64 bytes of the granule.
  return granule_object<AptHeader>(rmm_.platform, g);
}

AptEntry* Apt::entries(Pa g) {
  // As header(); the entries follow the header.
  return granule_object<std::array<AptEntry, kAptEntriesPerGranule>>(rmm_.platform, g, sizeof(AptHeader)).data();
}

std::size_t Apt::free_entries(std::size_t enough) {
  std::size_t n = 0;
  Pa g = realm_.apt_head;
  for (std::uint64_t k = 0; k < realm_.num_apt && n < enough; ++k, g = header(g).next) {
    const AptEntry* e = entries(g);
    for (std::size_t i = 0; i < kAptEntriesPerGranule && n < enough; ++i) {
      n += e[i].kind == AptKind::kFree ? 1U : 0U;
    }
  }
  return n;
}

AptEntry* Apt::alloc() {
  Pa g = realm_.apt_head;
  for (std::uint64_t k = 0; k < realm_.num_apt; ++k, g = header(g).next) {
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
  return find([&](const AptEntry& e) { return e.live_sharing() && e.peer == consumer && e.k == k; });
}

AptEntry* Apt::any_sharing(Rid consumer, std::uint64_t k) {
  return find([&](const AptEntry& e) {
    return e.kind == AptKind::kSharing && e.peer == consumer && e.k == k;
  });
}

AptEntry* Apt::reservation(Rid provider, std::uint64_t k) {
  return find([&](const AptEntry& e) {
    return e.kind == AptKind::kReservation && e.peer == provider && e.k == k;
  });
}

AptEntry* Apt::reservation_by_serial(std::uint64_t serial) {
  return find([&](const AptEntry& e) { return e.kind == AptKind::kReservation && e.serial == serial; });
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

bool Apt::contains_granule(Pa apt) {
  Pa g = realm_.apt_head;
  for (std::uint64_t k = 0; k < realm_.num_apt; ++k, g = header(g).next) {
    if (g == apt) return true;
  }
  return false;
}

void Apt::append_granule(Pa apt) {
  if (realm_.num_apt == 0) {
    realm_.apt_head = apt;
  } else {
    header(realm_.apt_tail).next = apt;
  }
  realm_.apt_tail = apt;
  ++realm_.num_apt;
}

void Apt::remove_granule(Pa apt) {
  Pa prev{};
  Pa g = realm_.apt_head;
  for (std::uint64_t k = 0; k < realm_.num_apt; ++k) {
    const Pa next = header(g).next;
    if (g == apt) {
      if (k == 0) {
        realm_.apt_head = next;
      } else {
        header(prev).next = next;
      }
      if (realm_.apt_tail == apt) realm_.apt_tail = prev;
      --realm_.num_apt;
      return;
    }
    prev = g;
    g = next;
  }
  RMM_CHECK(false);  // callers check contains_granule first
}

}  // namespace caec::rmm
