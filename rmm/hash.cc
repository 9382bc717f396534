#include "rmm/hash.h"

#include <openssl/evp.h>

#include "rmm/rmm_check.h"

namespace caec::rmm {

std::size_t hash_size(abi::RmiHashAlgorithm algo) {
  return algo == abi::RmiHashAlgorithm::kSha512 ? 64 : 32;
}

Measurement hash(abi::RmiHashAlgorithm algo,
                 std::initializer_list<std::span<const std::byte>> parts) {
  const EVP_MD* md = algo == abi::RmiHashAlgorithm::kSha512 ? EVP_sha512() : EVP_sha256();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  RMM_CHECK(ctx != nullptr);
  RMM_CHECK(EVP_DigestInit_ex(ctx, md, nullptr) == 1);
  for (auto part : parts) RMM_CHECK(EVP_DigestUpdate(ctx, part.data(), part.size()) == 1);
  Measurement out{};
  unsigned int len = 0;
  RMM_CHECK(EVP_DigestFinal_ex(ctx, out.data(), &len) == 1);
  EVP_MD_CTX_free(ctx);
  RMM_CHECK(len == hash_size(algo));
  return out;
}

}  // namespace caec::rmm
