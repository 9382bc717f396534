// The Access Policy Table (csm-abi.md §1, §5): per-realm CSM records kept in granules the host
// delegated (RMI_APT_CREATE). A realm's APT is read and written only with its RD locked.
//
// Capacity: each APT granule holds 64 entries of 64 bytes. A region (provider), a sharing
// (one consumer's grant), a reservation (consumer) and a per-consumer sharing counter take one
// entry each; a realm holds at most 32 APT granules (2048 entries). A region has at most
// kMaxSharingsPerRegion sharings.
#pragma once

#include <array>
#include <cstdint>
#include <type_traits>

#include "caec/abi/csm.h"
#include "caec/abi/types.h"
#include "rmm/context.h"

namespace caec::rmm {

enum class AptKind : std::uint8_t { kFree = 0, kRegion, kSharing, kReservation, kPairCounter };

/// Reservation states (the consumer's side).
enum class ResState : std::uint8_t {
  kReserved = 1,  // waiting for ATTACH
  kAttached = 2,  // mapped
  kRevoked = 3,   // the provider revoked (or destroyed) the sharing
  kDead = 4,      // the provider realm is gone
};

struct AptEntry {
  AptKind kind = AptKind::kFree;
  std::uint8_t state = 0;  // ResState, or abi::SharingState for sharings
  std::uint8_t perm = 0;   // abi::CsmPerm of a sharing / attached reservation
  std::array<std::uint8_t, 5> reserved0{};
  CsmId csm_id{};          // region, sharing, reservation
  Ipa base{};              // region, reservation
  std::uint64_t size = 0;  // region, reservation
  Rid peer{};              // sharing: consumer; reservation: provider; pair counter: consumer
  std::uint64_t k = 0;     // sharing, reservation: k; pair counter: the next k
  std::array<std::uint64_t, 2> reserved1{};

  [[nodiscard]] bool covers(Ipa ipa) const { return ipa >= base && ipa - base < size; }
  [[nodiscard]] bool overlaps(Ipa b, std::uint64_t s) const {
    return b.value() < base.value() + size && base.value() < b.value() + s;
  }
};
static_assert(sizeof(AptEntry) == 64);
static_assert(std::is_trivially_copyable_v<AptEntry>);
inline constexpr std::size_t kAptEntriesPerGranule = kGranuleSize / sizeof(AptEntry);
inline constexpr std::size_t kMaxSharingsPerRegion = 32;

/// A realm's APT; the caller holds the realm's RD lock.
class Apt {
 public:
  Apt(RmmContext& rmm, RealmDescriptor& realm) : rmm_(rmm), realm_(realm) {}

  /// The first entry for which `pred` holds, or nullptr.
  template <class Pred>
  [[nodiscard]] AptEntry* find(Pred&& pred) {
    for (std::uint32_t g = 0; g < realm_.num_apt; ++g) {
      AptEntry* e = entries(g);
      for (std::size_t i = 0; i < kAptEntriesPerGranule; ++i) {
        if (e[i].kind != AptKind::kFree && pred(e[i])) return &e[i];
      }
    }
    return nullptr;
  }
  template <class Fn>
  void for_each(Fn&& fn) {
    (void)find([&](AptEntry& e) {
      fn(e);
      return false;
    });
  }
  [[nodiscard]] std::size_t free_entries();
  /// A free entry, or nullptr when the APT is full (RSI_ERROR_CAPACITY).
  [[nodiscard]] AptEntry* alloc();
  static void release(AptEntry& e) { e = AptEntry{}; }

  [[nodiscard]] AptEntry* region(CsmId id);
  [[nodiscard]] AptEntry* region_at(Ipa ipa);
  [[nodiscard]] AptEntry* sharing(Rid consumer, std::uint64_t k);
  [[nodiscard]] AptEntry* reservation(Rid provider, std::uint64_t k);
  [[nodiscard]] AptEntry* reservation_at(Ipa ipa);
  [[nodiscard]] AptEntry* pair_counter(Rid consumer);
  /// A region or reservation overlapping [base, base+size).
  [[nodiscard]] bool overlaps(Ipa base, std::uint64_t size);
  [[nodiscard]] std::size_t sharings_of(CsmId id);

 private:
  [[nodiscard]] AptEntry* entries(std::uint32_t g);

  RmmContext& rmm_;
  RealmDescriptor& realm_;
};

}  // namespace caec::rmm
