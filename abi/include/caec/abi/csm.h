// The CAEC Confidential Shared Memory extension ABI (csm-abi.md). Its FIDs sit in SMCCC
// vendor-specific owner ranges so they can never collide with an Arm RMM revision.
#pragma once

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

/// Private-use claim keys in the realm token (csm-abi.md §7).
inline constexpr std::int64_t kClaimCaecRealmId = -70001;
inline constexpr std::int64_t kClaimCaecCsm = -70002;

}  // namespace caec::abi
