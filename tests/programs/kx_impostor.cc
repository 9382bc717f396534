// "kx-impostor BUFFER": plays the initiator of a sealed channel the way a host in the middle
// would present it: a genuine token, but for a different key share than the hello carries (as
// if the host had swapped the share). The responder must refuse the key exchange.
#include <string>

#include "channel/attested_kx.h"
#include "channel/ring_endpoint.h"
#include "realm/attestation.h"
#include "realm/csm_api.h"
#include "realm/program.h"
#include "realm/realm.h"

namespace caec::testing {
namespace {

constexpr std::uint64_t kUnprotectedBase = std::uint64_t{1} << 39U;
constexpr std::uint64_t kBufferSize = 0x10000;
constexpr std::size_t kMaxHello = 6144;  // what connect() uses for sealed channels

int kx_impostor(realm::Realm& r) {
  const auto buffer = std::stoull(r.args().at(0));
  realm::publish_rid(r);  // the responder looks its peer up by name
  std::span<std::byte> memory{r.map_host_buffer(buffer, Ipa{kUnprotectedBase}, kBufferSize), kBufferSize};
  channel::RingEndpoint ring(memory, true, kMaxHello, {.relax = [&r] { r.cpu_relax(); }}, &r);
  const channel::X25519KeyShare vouched = channel::X25519KeyShare::generate();
  const channel::X25519KeyShare swapped = channel::X25519KeyShare::generate();
  const auto token = realm::attestation_report(
      r, channel::key_share_challenge(channel::Role::kInitiator, vouched.public_bytes()));
  ring.send(channel::make_hello(swapped.public_bytes(), token));
  std::vector<std::byte> reply(kMaxHello);
  (void)ring.receive(reply);  // the responder's hello: it then refuses ours
  return 0;
}
CAEC_REALM_PROGRAM("kx-impostor", kx_impostor);

}  // namespace
}  // namespace caec::testing
