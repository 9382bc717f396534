// The Realm Hash Algorithm for the hosted build: a link-time port (rmm/port/hash.h) over OpenSSL.
// A firmware port brings its own SHA-256/512 (TF-RMM: mbedTLS, or the CPU's SHA instructions).
#include <openssl/evp.h>

#include "rmm/port/hash.h"
#include "rmm/port/rmm_check.h"

namespace caec::rmm {

namespace {

/// One digest context per PE, made once and reset by every EVP_DigestInit_ex.
class DigestContext {
 public:
  DigestContext() : ctx_(EVP_MD_CTX_new()) { RMM_CHECK(ctx_ != nullptr); }
  ~DigestContext() { EVP_MD_CTX_free(ctx_); }
  DigestContext(const DigestContext&) = delete;
  DigestContext& operator=(const DigestContext&) = delete;
  [[nodiscard]] EVP_MD_CTX* get() const { return ctx_; }

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace

Measurement hash(abi::RmiHashAlgorithm algo,
                 std::initializer_list<std::span<const std::byte>> parts) {
  thread_local const DigestContext t_digest;
  EVP_MD_CTX* ctx = t_digest.get();
  const EVP_MD* md = algo == abi::RmiHashAlgorithm::kSha512 ? EVP_sha512() : EVP_sha256();
  RMM_CHECK(EVP_DigestInit_ex(ctx, md, nullptr) == 1);
  for (auto part : parts) RMM_CHECK(EVP_DigestUpdate(ctx, part.data(), part.size()) == 1);
  Measurement out{};
  unsigned int len = 0;
  RMM_CHECK(EVP_DigestFinal_ex(ctx, out.data(), &len) == 1);
  RMM_CHECK(len == hash_size(algo));
  return out;
}

}  // namespace caec::rmm
