#include "channel/sealed/aead.h"

#include <openssl/crypto.h>

#include <array>
#include <stdexcept>
#include <string>

namespace caec::channel {

namespace {
constexpr std::array<std::string_view, 3> kBackends = {"openssl", "mbedtls", "libsodium"};
}  // namespace

void Aead::seal(const Nonce& nonce, std::span<const std::uint8_t> aad, std::span<const std::uint8_t> plaintext,
                std::span<std::uint8_t> out) {
  if (out.size() != plaintext.size() + kTagSize) throw std::invalid_argument("AEAD seal: output size");
  do_seal(nonce, aad, plaintext, out.first(plaintext.size()), out.last<kTagSize>());
}

bool Aead::open(const Nonce& nonce, std::span<const std::uint8_t> aad, std::span<const std::uint8_t> sealed,
                std::span<std::uint8_t> out) {
  if (sealed.size() < kTagSize || out.size() != sealed.size() - kTagSize) {
    throw std::invalid_argument("AEAD open: output size");
  }
  if (do_open(nonce, aad, sealed.first(out.size()), sealed.last<kTagSize>(), out)) return true;
  // Both libraries decrypt before they know the tag is bad; whatever they leave, it goes.
  if (!out.empty()) OPENSSL_cleanse(out.data(), out.size());
  return false;
}

std::unique_ptr<Aead> make_aead(std::string_view name, const SecretKey& key) {
  if (name == "openssl") return make_openssl_aead(key);
  if (name == "mbedtls") return make_mbedtls_aead(key);
  if (name == "libsodium") return make_libsodium_aead(key);  // throws without AES-NI and PCLMUL
  throw std::invalid_argument("unknown AEAD backend '" + std::string(name) + "'");
}

std::span<const std::string_view> aead_backends() {
  return std::span<const std::string_view>(kBackends).first(libsodium_aead_available() ? 3 : 2);
}

}  // namespace caec::channel
