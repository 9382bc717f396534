// Session keys for a sealed channel: an ephemeral X25519 exchange and the HKDF-SHA256 split of
// its shared secret into one key and nonce salt per direction plus a session id.
//
// No networking and no attestation here: the caller moves the 32-byte public shares, binds a
// hash of them into each side's attestation token, and passes the hash of that transcript in,
// so keys from a tampered exchange differ at the two ends and nothing opens.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include <openssl/evp.h>

#include "channel/sealed/key_material.h"
#include "channel/sealed/openssl_util.h"

namespace caec::channel {

enum class Role { kInitiator, kResponder };

struct SessionKeys {
  std::uint64_t session_id = 0;
  DirectionKey initiator_to_responder{};
  DirectionKey responder_to_initiator{};

  /// What `role` seals with, and what it opens with (the peer's send key).
  [[nodiscard]] const DirectionKey& send(Role role) const;
  [[nodiscard]] const DirectionKey& receive(Role role) const;
};

/// HKDF-SHA256(ikm = shared_secret, salt = transcript_hash, info = "caec sealed session v1"),
/// 96 bytes split as README.md says. Both roles call it with the same inputs and get the same
/// SessionKeys. std::invalid_argument if either input is empty.
[[nodiscard]] SessionKeys derive_session_keys(std::span<const std::uint8_t> shared_secret,
                                              std::span<const std::uint8_t> transcript_hash);

inline constexpr std::size_t kX25519Size = 32;
using X25519Public = std::array<std::uint8_t, kX25519Size>;
using SharedSecret = Secret<kX25519Size>;

/// One ephemeral X25519 key pair; the private half never leaves the object (OpenSSL frees it
/// with its bytes cleared).
class X25519KeyShare {
 public:
  [[nodiscard]] static X25519KeyShare generate();

  [[nodiscard]] X25519Public public_bytes() const;
  /// The shared secret with `peer_public`; nullopt if it is not 32 bytes or is a low-order
  /// point (the secret would be all zero, i.e. known to the hypervisor).
  [[nodiscard]] std::optional<SharedSecret> derive(std::span<const std::uint8_t> peer_public) const;

 private:
  explicit X25519KeyShare(EVP_PKEY* key) : key_(key) {}

  OpensslPtr<EVP_PKEY, EVP_PKEY_free> key_;
};

}  // namespace caec::channel
