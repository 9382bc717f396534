// The Realm Hash Algorithm (SHA-256 or SHA-512), the RMM's only use of a crypto library here.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "caec/abi/rmi.h"

namespace caec::rmm {

/// Measurement values are stored as 64 bytes, zero-padded for SHA-256 (rmm-1.0.md §4).
using Measurement = std::array<std::uint8_t, 64>;

[[nodiscard]] std::size_t hash_size(abi::RmiHashAlgorithm algo);

/// H(parts[0] || parts[1] || ...), zero-padded to 64 bytes.
[[nodiscard]] Measurement hash(abi::RmiHashAlgorithm algo,
                               std::initializer_list<std::span<const std::byte>> parts);

}  // namespace caec::rmm
