#include "channel/sealed/keys.h"

#include <openssl/err.h>

#include <stdexcept>
#include <string_view>

#include "channel/sealed/hkdf.h"
#include "channel/sealed/openssl_util.h"

namespace caec::channel {

namespace {

// The HKDF output, in order (README.md, "Session keys").
constexpr std::size_t kI2rKeyAt = 0;
constexpr std::size_t kR2iKeyAt = kI2rKeyAt + kKeySize;
constexpr std::size_t kI2rSaltAt = kR2iKeyAt + kKeySize;
constexpr std::size_t kR2iSaltAt = kI2rSaltAt + kNonceSize;
constexpr std::size_t kSessionIdAt = kR2iSaltAt + kNonceSize;
constexpr std::size_t kSessionOkm = kSessionIdAt + sizeof(std::uint64_t);

DirectionKey direction_at(std::span<const std::uint8_t> okm, std::size_t key_at, std::size_t salt_at) {
  DirectionKey d{.key = SecretKey(okm.subspan(key_at).first<kKeySize>())};
  std::copy_n(okm.begin() + static_cast<std::ptrdiff_t>(salt_at), kNonceSize, d.salt.begin());
  return d;
}

}  // namespace

const DirectionKey& SessionKeys::send(Role role) const {
  return role == Role::kInitiator ? initiator_to_responder : responder_to_initiator;
}

const DirectionKey& SessionKeys::receive(Role role) const {
  return role == Role::kInitiator ? responder_to_initiator : initiator_to_responder;
}

SessionKeys derive_session_keys(std::span<const std::uint8_t> shared_secret,
                                std::span<const std::uint8_t> transcript_hash) {
  // An empty transcript would silently equal RFC 5869's all-zero default salt.
  if (shared_secret.empty() || transcript_hash.empty()) {
    throw std::invalid_argument("derive_session_keys: empty secret or transcript hash");
  }
  constexpr std::string_view kInfo = "caec sealed session v1";
  Secret<kSessionOkm> okm;  // erased on return, like the keys cut from it
  hkdf_sha256(shared_secret, transcript_hash,
              {reinterpret_cast<const std::uint8_t*>(kInfo.data()), kInfo.size()}, okm.mutable_bytes());
  SessionKeys keys{.initiator_to_responder = direction_at(okm.bytes(), kI2rKeyAt, kI2rSaltAt),
                   .responder_to_initiator = direction_at(okm.bytes(), kR2iKeyAt, kR2iSaltAt)};
  for (std::size_t i = 0; i < sizeof(std::uint64_t); ++i) {
    keys.session_id |= std::uint64_t{okm.bytes()[kSessionIdAt + i]} << (8 * i);
  }
  return keys;
}

X25519KeyShare X25519KeyShare::generate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
  if (key == nullptr) throw_openssl_error("X25519 generate");
  return X25519KeyShare(key);
}

X25519Public X25519KeyShare::public_bytes() const {
  X25519Public out{};
  std::size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(key_.get(), out.data(), &len) != 1 || len != out.size()) {
    throw_openssl_error("X25519 public key");
  }
  return out;
}

std::optional<SharedSecret> X25519KeyShare::derive(std::span<const std::uint8_t> peer_public) const {
  if (peer_public.size() != kX25519Size) return std::nullopt;
  const OpensslPtr<EVP_PKEY, EVP_PKEY_free> peer(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_public.data(), peer_public.size()));
  if (!peer) return std::nullopt;
  const OpensslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) throw_openssl_error("X25519 derive init");
  SharedSecret secret;
  std::size_t len = kX25519Size;
  // OpenSSL refuses a low-order peer (all-zero result) itself; the check after says why we care.
  if (EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1 ||
      EVP_PKEY_derive(ctx.get(), secret.mutable_bytes().data(), &len) != 1 || len != kX25519Size) {
    ERR_clear_error();
    return std::nullopt;
  }
  if (secret == SharedSecret{}) return std::nullopt;
  return secret;
}

}  // namespace caec::channel
