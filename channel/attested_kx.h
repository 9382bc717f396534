// The attested key exchange that keys a sealed channel (issue: channels, item 4).
//
// Each side makes an ephemeral X25519 key share and asks its RMM for an attestation token whose
// challenge is SHA-512("caec-kx-v1" ‖ role ‖ share), so the token vouches for the share. The two
// sides swap hello = {share, token} in the clear (the host sees them; they are public), each
// verifies the peer's token against the reference values its owner provisioned (platform key,
// expected RIM and/or realm id) and that the token's challenge binds the share it received, then
// both derive directional AES keys with HKDF over the X25519 secret and a transcript hash of both
// hellos. A host that swaps a share, a token, or replays an old hello is detected: the binding,
// the reference values or the key confirmation (the first sealed frame) fails.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "attest/token/cca_claims.h"
#include "attest/verifier/verifier.h"
#include "channel/endpoint.h"
#include "channel/sealed/keys.h"

namespace caec::realm {
class Realm;
}

namespace caec::channel {

/// Thrown when the peer cannot be trusted; the message names the failing check.
class KeyExchangeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What a realm's owner provisions about its peer.
struct PeerPolicy {
  attest::verifier::ReferenceValues reference;
};

struct KeyExchangeResult {
  SessionKeys keys;
  /// The peer's verified realm claims (RID, RIM, CSM relations...).
  attest::cca::RealmClaims peer;
};

/// The 64-byte challenge that binds `share` to the token of the side playing `role`.
[[nodiscard]] attest::Bytes key_share_challenge(Role role, std::span<const std::uint8_t> share);

/// A hello as it travels: {version, share (32 bytes), token}.
[[nodiscard]] std::vector<std::byte> make_hello(std::span<const std::uint8_t> share,
                                                std::span<const std::uint8_t> token);

/// Runs the exchange over `plain` (an unsealed endpoint: its ring carries the hellos).
[[nodiscard]] KeyExchangeResult attested_key_exchange(realm::Realm& r, Endpoint& plain, Role role,
                                                      const PeerPolicy& policy);

}  // namespace caec::channel
