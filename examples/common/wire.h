// Fixed-width little-endian fields in a message (both realms run on the same emulated machine,
// but a message format should not depend on that).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>

namespace caec::examples {

template <class T>
void put(std::span<std::byte> out, std::size_t at, T value) {
  if (at + sizeof(T) > out.size()) throw std::out_of_range("message field beyond the message");
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    out[at + i] = static_cast<std::byte>((static_cast<std::uint64_t>(value) >> (8 * i)) & 0xFFU);
  }
}

template <class T>
[[nodiscard]] T get(std::span<const std::byte> in, std::size_t at) {
  if (at + sizeof(T) > in.size()) throw std::out_of_range("message field beyond the message");
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<std::uint64_t>(in[at + i]) << (8 * i);
  return static_cast<T>(v);
}

}  // namespace caec::examples
