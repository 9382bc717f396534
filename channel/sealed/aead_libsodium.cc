// AES-256-GCM over libsodium: not one of the paper's baselines, but the cheapest AES-GCM on
// x86 below about 256 bytes (design/benchmarks.md §2: "report the best available AES-GCM at
// each size", so no speed-up is measured against a strawman). libsodium implements AES-GCM only
// with AES-NI and carry-less multiply; on a CPU without them the backend is not offered.
#include <sodium.h>

#include <stdexcept>

#include "channel/sealed/aead.h"

namespace caec::channel {

namespace {

static_assert(crypto_aead_aes256gcm_KEYBYTES == kKeySize);
static_assert(crypto_aead_aes256gcm_NPUBBYTES == kNonceSize);
static_assert(crypto_aead_aes256gcm_ABYTES == kTagSize);

class LibsodiumAead final : public Aead {
 public:
  explicit LibsodiumAead(const SecretKey& key) {
    if (!libsodium_aead_available()) throw std::runtime_error("libsodium AES-256-GCM needs AES-NI and PCLMUL");
    set_key(key);
  }
  ~LibsodiumAead() override { sodium_memzero(&state_, sizeof state_); }

  std::string_view backend() const override { return "libsodium"; }

  void set_key(const SecretKey& key) override {
    (void)crypto_aead_aes256gcm_beforenm(&state_, key.bytes().data());  // the key schedule, once
  }

 private:
  void do_seal(const Nonce& nonce, std::span<const std::uint8_t> aad, std::span<const std::uint8_t> plaintext,
               std::span<std::uint8_t> ciphertext, std::span<std::uint8_t, kTagSize> tag) override {
    unsigned long long tag_size = 0;
    (void)crypto_aead_aes256gcm_encrypt_detached_afternm(ciphertext.data(), tag.data(), &tag_size,
                                                         plaintext.data(), plaintext.size(), aad.data(),
                                                         aad.size(), nullptr, nonce.data(), &state_);
  }

  bool do_open(const Nonce& nonce, std::span<const std::uint8_t> aad, std::span<const std::uint8_t> ciphertext,
               std::span<const std::uint8_t, kTagSize> tag, std::span<std::uint8_t> out) override {
    return crypto_aead_aes256gcm_decrypt_detached_afternm(out.data(), nullptr, ciphertext.data(), ciphertext.size(),
                                                          tag.data(), aad.data(), aad.size(), nonce.data(),
                                                          &state_) == 0;
  }

  alignas(16) crypto_aead_aes256gcm_state state_{};
};

}  // namespace

bool libsodium_aead_available() {
  // sodium_init picks the CPU's features; it is thread-safe and idempotent.
  static const bool available = sodium_init() >= 0 && crypto_aead_aes256gcm_is_available() != 0;
  return available;
}

std::unique_ptr<Aead> make_libsodium_aead(const SecretKey& key) { return std::make_unique<LibsodiumAead>(key); }

}  // namespace caec::channel
