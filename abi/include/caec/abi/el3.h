// The RMM <-> EL3 monitor interface (TF-RMM 1.0, interface v0.3; rmm-1.0.md §6 and §5).
// The RMM cannot write the GPT: it asks EL3 to move a granule between the NS and Realm PAS.
#pragma once

#include <cstdint>

namespace caec::abi {

enum class El3Fid : std::uint32_t {
  kGtsiDelegate = 0xC40001B0,
  kGtsiUndelegate = 0xC40001B1,
  kGetRealmAttestKey = 0xC40001B2,
  kGetPlatToken = 0xC40001B3,
  kBootComplete = 0xC40001CF,
};

/// SMC_RMM_GET_REALM_ATTEST_KEY curve identifier: ECC SECP384R1.
inline constexpr std::uint64_t kEl3EccSecp384r1 = 0;

enum class El3Status : std::int64_t {
  kOk = 0,
  kUnknown = -1,
  kBadAddr = -2,
  kBadPas = -3,
  kNoMem = -4,
  kInval = -5,
  kAgain = -6,
};

}  // namespace caec::abi
