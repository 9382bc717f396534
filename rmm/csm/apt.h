// The Access Policy Table (csm-abi.md §1, §5): per-realm CSM records kept in granules the host
// delegated (RMI_APT_CREATE). A realm's APT is read and written only with its RD locked.
//
// Capacity is bounded only by the granules the host gives: APT granules form a list in the
// order they were given (new ones are appended, so an entry's position never changes while
// the realm can use CSM), each a 64-byte header (the next granule) and 63 entries of 64 bytes.
// A region (provider), a sharing (one consumer's grant), a reservation (consumer) and a
// per-consumer sharing counter take one entry each.
#pragma once

#include <array>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "caec/abi/csm.h"
#include "caec/abi/types.h"
#include "rmm/core/context.h"

namespace caec::rmm {

enum class AptKind : std::uint8_t { kFree = 0, kRegion, kSharing, kReservation, kPairCounter };

/// Reservation states (the consumer's side).
enum class ResState : std::uint8_t {
  kReserved = 1,   // waiting for ATTACH
  kAttached = 2,   // mapped
  kRevoked = 3,    // the provider revoked (or destroyed) the sharing
  kDead = 4,       // the provider realm is gone
  kAttaching = 5,  // ATTACH is mapping it (a REC of the consumer is inside RSI_CSM_ATTACH)
};

/// AptEntry::flags.
namespace apt_flags {
/// Sharing: revoked, or its consumer or provider is being torn down; the consumer's mappings
/// are being removed. Such a sharing no longer exists for any RSI command, but stays in the
/// APT until the consumer maps nothing of the region, so DATA_DESTROY can still find it.
/// Reservation: it may still hold mappings, which an unmapping pass is removing (csm.h).
inline constexpr std::uint8_t kDraining = 1U << 0U;
/// Region: RSI_CSM_DESTROY is revoking its sharings; it accepts no new sharing.
inline constexpr std::uint8_t kDestroying = 1U << 1U;
}  // namespace apt_flags

/// An enum kept in one byte of a structure whose layout is fixed (an APT entry is 64 bytes):
/// read and written as the enum, never as a number. Zero means "none" for entries without one.
template <class E>
class ByteEnum {
 public:
  constexpr ByteEnum() = default;
  // Implicit, so an entry is written as `.perm = abi::CsmPerm::kRo`.
  constexpr ByteEnum(E e) : raw_(static_cast<std::uint8_t>(e)) {}  // NOLINT(google-explicit-constructor)
  [[nodiscard]] constexpr E get() const { return static_cast<E>(raw_); }
  constexpr bool operator==(E e) const { return raw_ == static_cast<std::uint8_t>(e); }

 private:
  std::uint8_t raw_ = 0;
};

struct AptEntry {
  AptKind kind = AptKind::kFree;
  std::uint8_t state = 0;  // ResState, or abi::SharingState for sharings
  ByteEnum<abi::CsmPerm> perm{};  // sharing, reservation
  std::uint8_t flags = 0;  // apt_flags
  std::array<std::uint8_t, 4> reserved0{};
  CsmId csm_id{};          // region, sharing, reservation
  Ipa base{};              // region, reservation
  std::uint64_t size = 0;  // region, reservation
  Rid peer{};              // sharing: consumer; reservation: provider; pair counter: consumer
  std::uint64_t k = 0;     // sharing, reservation: k; pair counter: the next k
  /// Reservation: RMM-global, never reused, so an unmapping pass that released its locks finds
  /// exactly the reservation it started on (not a later one for the same sharing).
  std::uint64_t serial = 0;
  std::uint64_t reserved1 = 0;

  [[nodiscard]] bool covers(Ipa ipa) const { return ipa >= base && ipa - base < size; }
  [[nodiscard]] bool overlaps(Ipa b, std::uint64_t s) const {
    return b.value() < base.value() + size && base.value() < b.value() + s;
  }
  [[nodiscard]] bool draining() const { return (flags & apt_flags::kDraining) != 0; }
  [[nodiscard]] bool is(ResState s) const { return state == static_cast<std::uint8_t>(s); }
  [[nodiscard]] bool is(abi::SharingState s) const {
    return state == static_cast<std::uint8_t>(s);
  }
  void set(ResState s) { state = static_cast<std::uint8_t>(s); }
  void set(abi::SharingState s) { state = static_cast<std::uint8_t>(s); }
  [[nodiscard]] bool read_only() const { return perm == abi::CsmPerm::kRo; }
  /// A sharing a consumer may reserve and attach: not revoked or severed.
  [[nodiscard]] bool live_sharing() const { return kind == AptKind::kSharing && !draining(); }
  /// A reservation whose range may hold mappings of the provider's granules.
  [[nodiscard]] bool may_map() const {
    return is(ResState::kAttaching) || is(ResState::kAttached) || draining();
  }
};
static_assert(sizeof(AptEntry) == 64);
static_assert(std::is_trivially_copyable_v<AptEntry>);

/// The first 64 bytes of an APT granule.
struct AptHeader {
  Pa next;  // the next APT granule of the realm (meaningful for all but the last)
  std::array<std::uint64_t, 7> reserved{};
};
static_assert(sizeof(AptHeader) == sizeof(AptEntry));
inline constexpr std::size_t kAptEntriesPerGranule = (kGranuleSize - sizeof(AptHeader)) / sizeof(AptEntry);
static_assert(kAptEntriesPerGranule == 63);

/// A realm's APT; the caller holds the realm's RD lock.
class Apt {
 public:
  Apt(RmmContext& rmm, RealmDescriptor& realm) : rmm_(rmm), realm_(realm) {}

  /// The first entry at or after `position` (0 = the first entry of the first granule) for
  /// which `pred` holds, or nullptr; `*found` receives its position. Positions are stable
  /// while the realm can use CSM (granules are only appended until the CSM teardown).
  template <class Pred>
  [[nodiscard]] AptEntry* find_from(std::uint64_t position, Pred&& pred,
                                    std::uint64_t* found = nullptr) {
    Pa g = realm_.apt_head;
    std::uint64_t at = 0;
    for (std::uint64_t n = 0; n < realm_.num_apt; ++n, g = header(g).next) {
      AptEntry* e = entries(g);
      for (std::size_t i = 0; i < kAptEntriesPerGranule; ++i, ++at) {
        if (at < position || e[i].kind == AptKind::kFree || !pred(e[i])) continue;
        if (found != nullptr) *found = at;
        return &e[i];
      }
    }
    return nullptr;
  }
  template <class Pred>
  [[nodiscard]] AptEntry* find(Pred&& pred) {
    return find_from(0, std::forward<Pred>(pred));
  }
  template <class Fn>
  void for_each(Fn&& fn) {
    (void)find([&](AptEntry& e) {
      fn(e);
      return false;
    });
  }
  [[nodiscard]] std::size_t free_entries(std::size_t enough);
  /// A free entry, or nullptr when the APT is full (RSI_ERROR_CAPACITY).
  [[nodiscard]] AptEntry* alloc();
  static void release(AptEntry& e) { e = AptEntry{}; }

  [[nodiscard]] AptEntry* region(CsmId id);
  [[nodiscard]] AptEntry* region_at(Ipa ipa);
  /// The live (not draining) sharing (consumer, k), as RSI commands see it.
  [[nodiscard]] AptEntry* sharing(Rid consumer, std::uint64_t k);
  /// The sharing (consumer, k) whatever its state, draining included.
  [[nodiscard]] AptEntry* any_sharing(Rid consumer, std::uint64_t k);
  [[nodiscard]] AptEntry* reservation(Rid provider, std::uint64_t k);
  [[nodiscard]] AptEntry* reservation_by_serial(std::uint64_t serial);
  [[nodiscard]] AptEntry* reservation_at(Ipa ipa);
  [[nodiscard]] AptEntry* pair_counter(Rid consumer);
  /// A region or reservation overlapping [base, base+size).
  [[nodiscard]] bool overlaps(Ipa base, std::uint64_t size);

  /// The granule list (RMI_APT_CREATE / RMI_APT_DESTROY).
  [[nodiscard]] bool contains_granule(Pa apt);
  /// Appends a fresh (zero, so all entries free) APT granule.
  void append_granule(Pa apt);
  /// Unlinks `apt` (which contains_granule); the caller scrubs it.
  void remove_granule(Pa apt);

 private:
  [[nodiscard]] AptHeader& header(Pa g);
  [[nodiscard]] AptEntry* entries(Pa g);

  RmmContext& rmm_;
  RealmDescriptor& realm_;
};

}  // namespace caec::rmm
