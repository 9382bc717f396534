// AES-256-GCM over MbedTLS 2.28 (the paper's second baseline). One mbedtls_gcm_context lives as
// long as the object: the key schedule and GHASH table are computed at set-key time only.
#include <mbedtls/gcm.h>

#include <stdexcept>
#include <string>

#include "channel/sealed/aead.h"

namespace caec::channel {

namespace {

void check(int ret, const char* what) {
  if (ret != 0) throw std::runtime_error(std::string("MbedTLS AES-GCM ") + what + ": " + std::to_string(ret));
}

class MbedtlsAead final : public Aead {
 public:
  explicit MbedtlsAead(const SecretKey& key) {
    mbedtls_gcm_init(&ctx_);
    try {
      set_key(key);
    } catch (...) {
      mbedtls_gcm_free(&ctx_);
      throw;
    }
  }
  ~MbedtlsAead() override { mbedtls_gcm_free(&ctx_); }  // zeroizes the key schedule

  std::string_view backend() const override { return "mbedtls"; }

  void set_key(const SecretKey& key) override {
    check(mbedtls_gcm_setkey(&ctx_, MBEDTLS_CIPHER_ID_AES, key.bytes().data(), unsigned{kKeySize * 8}), "set key");
  }

 private:
  void do_seal(const Nonce& nonce, std::span<const std::uint8_t> aad, std::span<const std::uint8_t> plaintext,
               std::span<std::uint8_t> ciphertext, std::span<std::uint8_t, kTagSize> tag) override {
    check(mbedtls_gcm_crypt_and_tag(&ctx_, MBEDTLS_GCM_ENCRYPT, plaintext.size(), nonce.data(), nonce.size(),
                                    aad.data(), aad.size(), plaintext.data(), ciphertext.data(), tag.size(),
                                    tag.data()),
          "seal");
  }

  bool do_open(const Nonce& nonce, std::span<const std::uint8_t> aad, std::span<const std::uint8_t> ciphertext,
               std::span<const std::uint8_t, kTagSize> tag, std::span<std::uint8_t> out) override {
    const int ret = mbedtls_gcm_auth_decrypt(&ctx_, ciphertext.size(), nonce.data(), nonce.size(), aad.data(),
                                             aad.size(), tag.data(), tag.size(), ciphertext.data(), out.data());
    if (ret == MBEDTLS_ERR_GCM_AUTH_FAILED) return false;
    check(ret, "open");
    return true;
  }

  mbedtls_gcm_context ctx_{};
};

}  // namespace

std::unique_ptr<Aead> make_mbedtls_aead(const SecretKey& key) { return std::make_unique<MbedtlsAead>(key); }

}  // namespace caec::channel
