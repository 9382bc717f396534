// Hexadecimal text: the one helper every layer uses for numbers, addresses and byte strings in
// messages, logs, JSON and reference values. Hosted code only (it allocates): the RMM core never
// includes it (scripts/firmware_build.sh).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace caec {

/// "0x1f": an address, a FID, a register, a size.
[[nodiscard]] inline std::string hex_number(std::uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  char buf[18];
  std::size_t at = sizeof buf;
  do {
    buf[--at] = kDigits[v & 0xFU];
    v >>= 4U;
  } while (v != 0);
  return "0x" + std::string(buf + at, sizeof buf - at);
}

/// "a0b1...": two lower-case digits per byte, no prefix (measurements, keys, tokens).
[[nodiscard]] inline std::string hex_bytes(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (const std::uint8_t b : bytes) {
    s.push_back(kDigits[b >> 4U]);
    s.push_back(kDigits[b & 0xFU]);
  }
  return s;
}
[[nodiscard]] inline std::string hex_bytes(std::span<const std::byte> bytes) {
  // SAFETY: a byte's object representation is an unsigned char.
  return hex_bytes({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
}

/// The bytes of an even-length hex string, upper or lower case, "0x" prefix allowed; nullopt
/// if it is anything else.
[[nodiscard]] inline std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view hex) {
  if (hex.starts_with("0x") || hex.starts_with("0X")) hex.remove_prefix(2);
  if (hex.size() % 2 != 0) return std::nullopt;
  const auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::vector<std::uint8_t> out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = digit(hex[i]);
    const int lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return out;
}

}  // namespace caec
