// The checksum in the examples' summary lines: FNV-1a (64-bit), so a run over one transport can
// be compared with a run over another, or with the same computation done outside any realm.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace caec::examples {

struct Fnv1a {
  std::uint64_t hash = 14695981039346656037ULL;

  void add(std::span<const std::byte> bytes) {
    for (const std::byte b : bytes) hash = (hash ^ static_cast<std::uint64_t>(b)) * 1099511628211ULL;
  }
  void add(std::uint8_t byte) { add(std::as_bytes(std::span(&byte, 1))); }
  /// 16 lower-case hex digits.
  [[nodiscard]] std::string hex() const;
};

}  // namespace caec::examples
