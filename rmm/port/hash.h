// The Realm Hash Algorithm (SHA-256 or SHA-512): a link-time port of the RMM core, defined by
// rmm/port/hosted_hash.cc (OpenSSL) in the hosted build.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>

#include "caec/abi/rmi.h"

namespace caec::rmm {

/// Measurement values are stored as 64 bytes, zero-padded for SHA-256 (rmm-1.0.md §4).
using Measurement = std::array<std::uint8_t, 64>;

[[nodiscard]] constexpr std::size_t hash_size(abi::RmiHashAlgorithm algo) {
  return algo == abi::RmiHashAlgorithm::kSha512 ? 64 : 32;
}

/// H(parts[0] || parts[1] || ...), zero-padded to 64 bytes.
[[nodiscard]] Measurement hash(abi::RmiHashAlgorithm algo,
                               std::initializer_list<std::span<const std::byte>> parts);

}  // namespace caec::rmm
