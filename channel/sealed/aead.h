// AES-256-GCM behind one interface, with the paper's two baselines as backends (OpenSSL EVP and
// MbedTLS), and libsodium, the fastest for small messages on x86, where the CPU has AES-NI. All
// produce the same bytes for the same key, nonce, AAD and plaintext, so a frame sealed by one
// opens with another.
//
// A backend keeps its cipher context and key schedule across messages and only sets the IV per
// message: that per-message cost is the floor a sealed channel is measured against
// (design/benchmarks.md §2), so the baseline must not pay for a key setup on every message.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "channel/sealed/key_material.h"

namespace caec::channel {

class Aead {
 public:
  virtual ~Aead() = default;
  Aead() = default;
  Aead(const Aead&) = delete;
  Aead& operator=(const Aead&) = delete;

  /// "openssl", "mbedtls" or "libsodium".
  [[nodiscard]] virtual std::string_view backend() const = 0;

  /// Replaces the key (at an epoch change); the old key schedule is overwritten.
  virtual void set_key(const SecretKey& key) = 0;

  /// Encrypts `plaintext` and writes ciphertext || tag to `out`, which must be exactly
  /// plaintext.size() + kTagSize bytes and must not overlap the inputs.
  void seal(const Nonce& nonce, std::span<const std::uint8_t> aad, std::span<const std::uint8_t> plaintext,
            std::span<std::uint8_t> out);

  /// Checks and decrypts `sealed` (ciphertext || tag) into `out`, exactly
  /// sealed.size() - kTagSize bytes. On a tag mismatch returns false and `out` is all zero:
  /// unauthenticated plaintext never leaves this call.
  [[nodiscard]] bool open(const Nonce& nonce, std::span<const std::uint8_t> aad,
                          std::span<const std::uint8_t> sealed, std::span<std::uint8_t> out);

 private:
  // The backends' part; sizes are already checked (seal: out = plaintext + tag; open:
  // ciphertext and out of one size, tag separate).
  virtual void do_seal(const Nonce& nonce, std::span<const std::uint8_t> aad,
                       std::span<const std::uint8_t> plaintext, std::span<std::uint8_t> ciphertext,
                       std::span<std::uint8_t, kTagSize> tag) = 0;
  virtual bool do_open(const Nonce& nonce, std::span<const std::uint8_t> aad,
                       std::span<const std::uint8_t> ciphertext, std::span<const std::uint8_t, kTagSize> tag,
                       std::span<std::uint8_t> out) = 0;
};

[[nodiscard]] std::unique_ptr<Aead> make_openssl_aead(const SecretKey& key);
[[nodiscard]] std::unique_ptr<Aead> make_mbedtls_aead(const SecretKey& key);
/// std::runtime_error where the CPU lacks AES-NI or PCLMUL (see libsodium_aead_available()).
[[nodiscard]] std::unique_ptr<Aead> make_libsodium_aead(const SecretKey& key);
/// Whether libsodium offers AES-256-GCM on this CPU.
[[nodiscard]] bool libsodium_aead_available();

/// The backend called `name` (one of aead_backends()); std::invalid_argument for any other.
[[nodiscard]] std::unique_ptr<Aead> make_aead(std::string_view name, const SecretKey& key);

/// The names make_aead accepts on this CPU: "openssl", "mbedtls", and "libsodium" where
/// libsodium_aead_available().
[[nodiscard]] std::span<const std::string_view> aead_backends();

}  // namespace caec::channel
