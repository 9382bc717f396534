// Setting up a channel between two realm programs: the shared memory (a CSM region or a host
// buffer) and the endpoint over it. Changing `transport` is the one line an application changes
// to switch transport.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "caec/abi/types.h"
#include "channel/attested_kx.h"
#include "channel/endpoint.h"
#include "channel/sealed/rotation.h"

namespace caec::realm {
class Realm;
}

namespace caec::channel {

enum class Transport : std::uint8_t {
  kCsm,           // ring in a CSM region (RMM-enforced confidentiality)
  kCsmZeroCopy,   // the same ring, used through acquire/commit and peek/release
  kSealedOpenssl, // ring of AES-256-GCM frames (OpenSSL) in host-visible memory, attested keys
  kSealedMbedtls, // the same with MbedTLS (the paper's second baseline)
  kPlainNs,       // ring in host-visible memory, no protection: INSECURE, benchmark reference
};

/// True for the transports whose memory is host-visible (a host buffer at an unprotected IPA).
[[nodiscard]] bool host_visible(Transport t);

[[nodiscard]] std::string_view transport_name(Transport t);
[[nodiscard]] std::optional<Transport> transport_from_name(std::string_view name);

struct ChannelSpec {
  Transport transport = Transport::kCsm;
  /// The peer's launch name (the host's rendezvous; CSM checks the peer by RID).
  std::string peer;
  /// Names this channel in the host-relayed rendezvous (unique per pair of realms).
  std::string name = "channel";
  /// The initiator owns the memory: for CSM it is the provider, the responder the consumer.
  bool initiator = true;
  /// Where the shared memory sits in this realm's IPA space (protected for CSM, unprotected
  /// for host-visible memory) and its size (two rings, one each way).
  Ipa base;
  std::uint64_t size = 0x10000;
  /// Host-visible transports: the host's shared buffer id.
  std::uint64_t host_buffer = 0;
  /// CSM: the sharing number k of this pair (0 for the first channel between two realms).
  std::uint64_t k = 0;
  std::size_t max_message = 4096;
  /// How blocked calls wait; relax, sleep and notify are filled in from the realm if empty.
  WaitPolicy wait;
  /// Sleep (WFI) when the channel stays idle and wake the peer with the host's doorbell
  /// (csm-abi.md §8); false: poll only, the paper's method.
  bool doorbell = true;
  /// The peer's REC that runs the channel (the doorbell's target).
  std::uint64_t peer_rec = 0;
  /// Sealed transports: what the peer's token must show (its platform key at least).
  std::optional<PeerPolicy> peer_policy;
  /// Sealed transports: when keys rotate.
  RotationPolicy rotation;
};

struct Connection {
  std::unique_ptr<Endpoint> endpoint;
  /// CSM initiator: the region under the channel (it may revoke or destroy it).
  std::optional<CsmId> region;
  /// Sealed transports: the peer's verified claims.
  std::optional<attest::cca::RealmClaims> peer;
};

/// Establishes the shared memory with the peer (which calls connect with initiator flipped)
/// and returns this realm's end. Throws realm::RsiError or ChannelError when it cannot.
[[nodiscard]] Connection connect(realm::Realm& r, const ChannelSpec& spec);

}  // namespace caec::channel
