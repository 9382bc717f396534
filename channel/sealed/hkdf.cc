#include "channel/sealed/hkdf.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <stdexcept>
#include <vector>

#include "channel/sealed/openssl_util.h"

namespace caec::channel {

namespace {

// OSSL_PARAM wants mutable pointers even for inputs it only reads.
OSSL_PARAM octets(const char* name, std::span<const std::uint8_t> bytes) {
  return OSSL_PARAM_construct_octet_string(name, const_cast<std::uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace

void hkdf_sha256(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> salt,
                 std::span<const std::uint8_t> info, std::span<std::uint8_t> out) {
  if (ikm.empty()) throw std::invalid_argument("HKDF-SHA256: empty input key material");
  const OpensslPtr<EVP_KDF, EVP_KDF_free> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) throw_openssl_error("HKDF fetch");
  const OpensslPtr<EVP_KDF_CTX, EVP_KDF_CTX_free> ctx(EVP_KDF_CTX_new(kdf.get()));  // frees cleansed
  if (!ctx) throw_openssl_error("HKDF context");

  char digest[] = "SHA256";
  std::vector<OSSL_PARAM> params;
  params.push_back(OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0));
  params.push_back(octets(OSSL_KDF_PARAM_KEY, ikm));
  // Absent and empty parameters are the same thing to RFC 5869; OpenSSL is happier without them.
  if (!salt.empty()) params.push_back(octets(OSSL_KDF_PARAM_SALT, salt));
  if (!info.empty()) params.push_back(octets(OSSL_KDF_PARAM_INFO, info));
  params.push_back(OSSL_PARAM_construct_end());
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params.data()) != 1) throw_openssl_error("HKDF derive");
}

}  // namespace caec::channel
