// AES-256-GCM over OpenSSL 3's EVP interface. One EVP_CIPHER_CTX lives as long as the object:
// the key is set once (and again only at an epoch change); each message only sets the IV and
// the direction, which keeps OpenSSL's key schedule and GHASH table.
#include <openssl/evp.h>

#include <algorithm>
#include <array>

#include "channel/sealed/aead.h"
#include "channel/sealed/openssl_util.h"

namespace caec::channel {

namespace {

class OpensslAead final : public Aead {
 public:
  explicit OpensslAead(const SecretKey& key) : ctx_(EVP_CIPHER_CTX_new()) {
    if (!ctx_) throw_openssl_error("AES-GCM context");
    if (EVP_CipherInit_ex(ctx_.get(), EVP_aes_256_gcm(), nullptr, key.bytes().data(), nullptr, 1) != 1) {
      throw_openssl_error("AES-GCM set key");
    }
  }

  std::string_view backend() const override { return "openssl"; }

  void set_key(const SecretKey& key) override {
    // enc = -1 keeps the direction; the cipher and IV length stay as they are.
    if (EVP_CipherInit_ex(ctx_.get(), nullptr, nullptr, key.bytes().data(), nullptr, -1) != 1) {
      throw_openssl_error("AES-GCM set key");
    }
  }

 private:
  void do_seal(const Nonce& nonce, std::span<const std::uint8_t> aad, std::span<const std::uint8_t> plaintext,
               std::span<std::uint8_t> ciphertext, std::span<std::uint8_t, kTagSize> tag) override {
    start(nonce, aad, /*encrypt=*/1);
    update(plaintext, ciphertext);
    int unused = 0;
    if (EVP_CipherFinal_ex(ctx_.get(), tag.data(), &unused) != 1) throw_openssl_error("AES-GCM final");
    if (EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTagSize), tag.data()) != 1) {
      throw_openssl_error("AES-GCM get tag");
    }
  }

  bool do_open(const Nonce& nonce, std::span<const std::uint8_t> aad, std::span<const std::uint8_t> ciphertext,
               std::span<const std::uint8_t, kTagSize> tag, std::span<std::uint8_t> out) override {
    start(nonce, aad, /*encrypt=*/0);
    // A private copy of the tag: OpenSSL wants a mutable pointer, and the tag is read once.
    std::array<std::uint8_t, kTagSize> expected{};
    std::copy(tag.begin(), tag.end(), expected.begin());
    if (EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagSize), expected.data()) != 1) {
      throw_openssl_error("AES-GCM set tag");
    }
    update(ciphertext, out);
    int unused = 0;
    return EVP_CipherFinal_ex(ctx_.get(), expected.data(), &unused) == 1;  // GCM's final writes nothing
  }

  void start(const Nonce& nonce, std::span<const std::uint8_t> aad, int encrypt) {
    if (EVP_CipherInit_ex(ctx_.get(), nullptr, nullptr, nullptr, nonce.data(), encrypt) != 1) {
      throw_openssl_error("AES-GCM set IV");
    }
    update(aad, {});  // a null output makes it AAD
  }

  // EVP lengths are int: larger buffers go in pieces (GCM's stream does not care).
  void update(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) {
    constexpr std::size_t kChunk = std::size_t{1} << 30;
    for (std::size_t done = 0; done < in.size(); done += kChunk) {
      const std::size_t n = std::min(kChunk, in.size() - done);
      int written = 0;
      if (EVP_CipherUpdate(ctx_.get(), out.empty() ? nullptr : out.data() + done, &written, in.data() + done,
                           static_cast<int>(n)) != 1) {
        throw_openssl_error("AES-GCM update");
      }
    }
  }

  OpensslPtr<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free> ctx_;  // its free cleanses the key schedule
};

}  // namespace

std::unique_ptr<Aead> make_openssl_aead(const SecretKey& key) { return std::make_unique<OpensslAead>(key); }

}  // namespace caec::channel
