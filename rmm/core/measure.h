// Realm measurements: RIM initialisation and extension (rmm-1.0.md §4) and REM extension.
#pragma once

#include <cstdint>
#include <span>

#include "caec/abi/rmi.h"
#include "caec/abi/types.h"
#include "rmm/port/hash.h"

namespace caec::rmm {

/// RIM at REALM_CREATE: H(zero-filled RmiRealmParams holding only the measured fields).
[[nodiscard]] Measurement rim_init(const abi::RmiRealmParams& params);
/// DATA_CREATE: content = H(granule) if measured, zero otherwise.
[[nodiscard]] Measurement rim_extend_data(abi::RmiHashAlgorithm algo, const Measurement& rim,
                                          Ipa ipa, std::uint64_t flags,
                                          std::span<const std::byte> granule);
/// REC_CREATE of a runnable REC: content = H(zero-filled params with flags, pc, gprs).
[[nodiscard]] Measurement rim_extend_rec(abi::RmiHashAlgorithm algo, const Measurement& rim,
                                         const abi::RmiRecParams& params);
/// RTT_INIT_RIPAS, once per RTT entry processed.
[[nodiscard]] Measurement rim_extend_ripas(abi::RmiHashAlgorithm algo, const Measurement& rim,
                                           Ipa base, Ipa top);
/// RSI_MEASUREMENT_EXTEND: H(old REM (hash size bytes) || value[0, size)).
[[nodiscard]] Measurement rem_extend(abi::RmiHashAlgorithm algo, const Measurement& rem,
                                     std::span<const std::uint8_t> value);

}  // namespace caec::rmm
