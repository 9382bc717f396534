#include "channel/attested_kx.h"

#include <algorithm>
#include <cstring>

#include "realm/attestation.h"
#include "realm/realm.h"

namespace caec::channel {

namespace {

constexpr std::uint8_t kHelloVersion = 1;
constexpr std::size_t kHelloHeader = 1 + 32;  // version, share

attest::Bytes to_u8(std::span<const std::byte> b) {
  // SAFETY: bytes as unsigned bytes.
  const auto* p = reinterpret_cast<const std::uint8_t*>(b.data());
  return {p, p + b.size()};
}

}  // namespace

std::vector<std::byte> make_hello(std::span<const std::uint8_t> share, std::span<const std::uint8_t> token) {
  std::vector<std::byte> h(kHelloHeader + token.size());
  h[0] = std::byte{kHelloVersion};
  std::memcpy(h.data() + 1, share.data(), std::min<std::size_t>(share.size(), 32));
  std::memcpy(h.data() + kHelloHeader, token.data(), token.size());
  return h;
}

attest::Bytes key_share_challenge(Role role, std::span<const std::uint8_t> share) {
  attest::Bytes input{'c', 'a', 'e', 'c', '-', 'k', 'x', '-', 'v', '1'};
  input.push_back(role == Role::kInitiator ? 0 : 1);
  input.insert(input.end(), share.begin(), share.end());
  return *attest::cca::named_hash("sha-512", input);
}

KeyExchangeResult attested_key_exchange(realm::Realm& r, Endpoint& plain, Role role, const PeerPolicy& policy) {
  const X25519KeyShare share = X25519KeyShare::generate();
  const X25519Public mine = share.public_bytes();
  const attest::Bytes token = realm::attestation_report(r, key_share_challenge(role, mine));
  const std::vector<std::byte> my_hello = make_hello(mine, token);
  if (my_hello.size() > plain.max_message()) {
    throw KeyExchangeError("hello of " + std::to_string(my_hello.size()) + " bytes exceeds the channel's " +
                           std::to_string(plain.max_message()));
  }
  plain.send(my_hello);
  std::vector<std::byte> peer_hello(plain.max_message());
  peer_hello.resize(plain.receive(peer_hello));
  if (peer_hello.size() <= kHelloHeader || peer_hello[0] != std::byte{kHelloVersion}) {
    throw KeyExchangeError("the peer's hello is malformed");
  }
  const attest::Bytes peer_share = to_u8(std::span(peer_hello).subspan(1, 32));
  const attest::Bytes peer_token = to_u8(std::span(peer_hello).subspan(kHelloHeader));

  const auto report = attest::verifier::verify(peer_token, policy.reference);
  if (!report.passed()) throw KeyExchangeError("peer token refused: " + attest::verifier::verdict_line(report));
  const Role peer_role = role == Role::kInitiator ? Role::kResponder : Role::kInitiator;
  if (report.realm->challenge != key_share_challenge(peer_role, peer_share)) {
    throw KeyExchangeError("the peer's token does not vouch for the key share it came with");
  }
  const auto secret = share.derive(peer_share);
  if (!secret) throw KeyExchangeError("the peer's key share is not a usable X25519 public key");

  // Transcript: the initiator's hello, then the responder's, exactly as sent.
  const attest::Bytes a = to_u8(role == Role::kInitiator ? std::span<const std::byte>(my_hello) : peer_hello);
  const attest::Bytes b = to_u8(role == Role::kInitiator ? std::span<const std::byte>(peer_hello) : my_hello);
  attest::Bytes transcript = a;
  transcript.insert(transcript.end(), b.begin(), b.end());
  const attest::Bytes transcript_hash = *attest::cca::named_hash("sha-256", transcript);
  return {derive_session_keys(secret->bytes(), transcript_hash), *report.realm};
}

}  // namespace caec::channel
