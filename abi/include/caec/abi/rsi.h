// Realm Services Interface (realm -> RMM), RSI 1.0 (rmm-1.0.md §2) and the PSCI subset the
// RMM handles for realms.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace caec::abi {

enum class RsiFid : std::uint32_t {
  kVersion = 0xC4000190,
  kFeatures = 0xC4000191,
  kMeasurementRead = 0xC4000192,
  kMeasurementExtend = 0xC4000193,
  kAttestationTokenInit = 0xC4000194,
  kAttestationTokenContinue = 0xC4000195,
  kRealmConfig = 0xC4000196,
  kIpaStateSet = 0xC4000197,
  kIpaStateGet = 0xC4000198,
  kHostCall = 0xC4000199,
};

enum class RsiStatus : std::uint64_t {
  kSuccess = 0,
  kErrorInput = 1,
  kErrorState = 2,
  kIncomplete = 3,
  kErrorUnknown = 4,
  kErrorCapacity = 0x40,  // CAEC extension (csm-abi.md §2)
};

inline constexpr std::uint64_t kRsiVersion = (std::uint64_t{1} << 16U) | 0U;

/// RIPAS as the realm sees it (RsiRipas). DEV is 1.1 device assignment and is never produced.
enum class Ripas : std::uint8_t { kEmpty = 0, kRam = 1, kDestroyed = 2, kDev = 3 };

enum class RsiRipasResponse : std::uint64_t { kAccept = 0, kReject = 1 };
namespace ipa_state_set_flags {
inline constexpr std::uint64_t kChangeDestroyed = 1U << 0U;
}

inline constexpr unsigned kMeasurementSlots = 5;  // 0 = RIM, 1..4 = REMs
inline constexpr unsigned kMaxMeasurementBytes = 64;

struct RsiRealmConfig {
  std::uint64_t ipa_width;              // 0x000
  std::uint8_t hash_algo;               // 0x008
  std::uint8_t reserved0[0x200 - 0x9];
  std::array<std::uint8_t, 64> rpv;     // 0x200
  std::uint64_t rid;                    // 0x240 CAEC extension: realm identifier (csm-abi.md §1)
  std::uint8_t reserved1[0x1000 - 0x248];
};
static_assert(sizeof(RsiRealmConfig) == 0x1000);
static_assert(offsetof(RsiRealmConfig, hash_algo) == 0x8);
static_assert(offsetof(RsiRealmConfig, rpv) == 0x200);
static_assert(offsetof(RsiRealmConfig, rid) == 0x240);

struct RsiHostCall {
  std::uint16_t imm;                    // 0x000
  std::uint8_t reserved0[6];
  std::array<std::uint64_t, 31> gprs;   // 0x008
};
static_assert(sizeof(RsiHostCall) == 0x100);
static_assert(offsetof(RsiHostCall, gprs) == 0x8);
inline constexpr std::uint64_t kHostCallAlign = 0x100;

// ---- PSCI (rmm-1.0.md §2.3) -----------------------------------------------------------------
enum class PsciFid : std::uint32_t {
  kVersion = 0x84000000,
  kCpuSuspend = 0xC4000001,
  kCpuOff = 0x84000002,
  kCpuOn = 0xC4000003,
  kAffinityInfo = 0xC4000004,
  kSystemOff = 0x84000008,
  kSystemReset = 0x84000009,
  kFeatures = 0x8400000A,
};
/// PSCI return codes (PSCI 1.1, signed 32-bit values in X0).
enum class PsciStatus : std::int32_t {
  kSuccess = 0,
  kNotSupported = -1,
  kInvalidParams = -2,
  kDenied = -3,
  kAlreadyOn = -4,
  kOnPending = -5,
  kInternalFailure = -6,
  kNotPresent = -7,
  kDisabled = -8,
  kInvalidAddress = -9,
};
inline constexpr std::uint64_t kPsciVersion11 = (1U << 16U) | 1U;

}  // namespace caec::abi
