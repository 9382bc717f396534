// Secret byte arrays that erase themselves, and the key material one direction of a sealed
// channel needs.
//
// Why a type and not std::array: every copy of a key is a copy the hypervisor could later find
// in freed memory (or a core dump); each Secret cleanses its own bytes when it dies, so erasing
// old keys needs no discipline at the call sites.
#pragma once

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace caec::channel {

template <std::size_t N>
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::span<const std::uint8_t, N> bytes) {
    std::copy(bytes.begin(), bytes.end(), bytes_.begin());
  }
  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  ~Secret() { OPENSSL_cleanse(bytes_.data(), N); }

  [[nodiscard]] std::span<const std::uint8_t, N> bytes() const { return bytes_; }
  [[nodiscard]] std::span<std::uint8_t, N> mutable_bytes() { return bytes_; }

  /// Constant time, so comparing keys in tests or code never becomes a timing oracle.
  friend bool operator==(const Secret& a, const Secret& b) {
    return CRYPTO_memcmp(a.bytes_.data(), b.bytes_.data(), N) == 0;
  }

 private:
  std::array<std::uint8_t, N> bytes_{};
};

inline constexpr std::size_t kKeySize = 32;    // AES-256
inline constexpr std::size_t kNonceSize = 12;  // GCM's 96-bit IV
inline constexpr std::size_t kTagSize = 16;    // full-length GCM tag

using SecretKey = Secret<kKeySize>;
using NonceSalt = std::array<std::uint8_t, kNonceSize>;
using Nonce = std::array<std::uint8_t, kNonceSize>;

/// What one direction of a session seals (or opens) with: the epoch-0 key and the salt its
/// nonces are XORed with. The two directions of a session never share either.
struct DirectionKey {
  SecretKey key{};
  NonceSalt salt{};
};

}  // namespace caec::channel
