// The CAEC Confidential Shared Memory extension ABI (csm-abi.md). Its FIDs sit in SMCCC
// vendor-specific owner ranges so they can never collide with an Arm RMM revision.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace caec::abi {

inline constexpr std::uint64_t kCaecAbiVersion = (std::uint64_t{1} << 16U) | 0U;  // CAEC ABI 1.0

enum class CaecRmiFid : std::uint32_t {
  kVersion = 0xC7000150,
  kAptCreate = 0xC7000151,
  kAptDestroy = 0xC7000152,
};

enum class CaecRsiFid : std::uint32_t {
  kVersion = 0xC6000190,
  kCsmCreate = 0xC6000191,
  kCsmShare = 0xC6000192,
  kCsmRevoke = 0xC6000193,
  kCsmDestroy = 0xC6000194,
  kCsmReserve = 0xC6000195,
  kCsmAttach = 0xC6000196,
  kCsmDetachAndFree = 0xC6000197,
  kCsmInfo = 0xC6000198,
  kRealmMeasurements = 0xC6000199,
};

/// Permission a provider grants one consumer (csm-abi.md §1).
enum class CsmPerm : std::uint64_t { kRo = 1, kRw = 2 };

/// Why an RMI command failed with RMI_ERROR_CSM (the return code's index).
enum class CsmErrorReason : std::uint8_t {
  kNone = 0,
  /// DATA_CREATE / DATA_CREATE_UNKNOWN inside a consumer's reservation.
  kInsideReservation = 1,
  /// RTT_SET_RIPAS over a CSM region or reservation of the realm (one may have been made
  /// after the realm asked for the change).
  kCsmRange = 2,
};

/// State of a sharing (the provider's consent) as RSI_CSM_INFO reports it.
/// REVOKING: the sharing was revoked (or its region destroyed) but the command that does it has
/// not finished removing the consumer's mappings (it takes IRQ exits between tables, and its REC
/// may be stopped there): the consumer may still read. A REVOKE of it finishes the job.
enum class SharingState : std::uint64_t { kOffered = 1, kAttached = 2, kRevoking = 3 };

/// RSI_CSM_INFO's X3: how X1 names the region.
namespace csm_info_flags {
/// X1 is a provider's RID and X4 is k: the region of sharing (provider, caller, k), which a
/// consumer may look at before it reserves. Clear: X1 is a CSM id.
inline constexpr std::uint64_t kBySharing = 1U << 0U;
inline constexpr std::uint64_t kReservedMask = ~kBySharing;
}  // namespace csm_info_flags

/// RSI_CSM_INFO output (one granule at out_ipa). A region has any number of sharings; one call
/// writes up to kCsmInfoMaxSharings of them from index `first` (X5), and X1 returns the total.
inline constexpr unsigned kCsmInfoMaxSharings = 120;
struct RsiCsmSharing {
  std::uint64_t consumer_rid;
  std::uint64_t k;
  std::uint64_t perm;   // CsmPerm
  std::uint64_t state;  // SharingState
};
static_assert(sizeof(RsiCsmSharing) == 32);
struct RsiCsmInfo {
  std::uint64_t csm_id;         // 0x000
  std::uint64_t size;           // 0x008
  std::uint64_t provider_rid;   // 0x010
  std::uint64_t num_sharings;   // 0x018: written in `sharings`
  std::uint64_t total_sharings; // 0x020: of the region
  std::uint64_t first;          // 0x028: index of sharings[0] among them
  std::uint8_t reserved0[0x100 - 0x30];
  std::array<RsiCsmSharing, kCsmInfoMaxSharings> sharings;  // 0x100
};
static_assert(sizeof(RsiCsmInfo) == 0x1000);
static_assert(offsetof(RsiCsmInfo, total_sharings) == 0x20);
static_assert(offsetof(RsiCsmInfo, sharings) == 0x100);

/// RSI_REALM_MEASUREMENTS output (one granule at out_ipa): read by the RMM itself, so a realm
/// can check a peer's identity locally, without a signature.
struct RsiRealmMeasurements {
  std::uint64_t rid;                                 // 0x000
  std::uint64_t state;                               // 0x008 (0 NEW, 1 ACTIVE, 2 SYSTEM_OFF)
  std::uint64_t hash_algo;                           // 0x010 (0 SHA-256, 1 SHA-512)
  std::uint8_t reserved0[0x40 - 0x18];
  std::array<std::array<std::uint8_t, 64>, 5> measurements;  // 0x040: RIM, REM1..4
  std::array<std::uint8_t, 64> rpv;                  // 0x180
  std::uint8_t reserved1[0x1000 - 0x1C0];
};
static_assert(sizeof(RsiRealmMeasurements) == 0x1000);
static_assert(offsetof(RsiRealmMeasurements, measurements) == 0x40);
static_assert(offsetof(RsiRealmMeasurements, rpv) == 0x180);

/// Private-use claim keys in the realm token (csm-abi.md §7).
inline constexpr std::int64_t kClaimCaecRealmId = -70001;
inline constexpr std::int64_t kClaimCaecCsm = -70002;

}  // namespace caec::abi
