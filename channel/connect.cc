#include "channel/connect.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "caec/abi/host_call.h"
#include "channel/ring_endpoint.h"
#include "channel/sealed_endpoint.h"
#include "realm/csm_api.h"
#include "realm/realm.h"

namespace caec::channel {

namespace {

constexpr std::array<std::pair<Transport, std::string_view>, 5> kNames{{
    {Transport::kCsm, "csm"},
    {Transport::kCsmZeroCopy, "csm-zero-copy"},
    {Transport::kSealedOpenssl, "sealed-openssl"},
    {Transport::kSealedMbedtls, "sealed-mbedtls"},
    {Transport::kPlainNs, "plain-ns"},
}};

/// The hellos of the key exchange (a key share and a token) travel in the frame ring before it
/// is sealed, so frames may be this large; a 64 KiB buffer (two 32 KiB rings) holds two.
constexpr std::size_t kMaxHello = 6144;

/// The provider's "offered" event for a channel (the consumer may reserve after it).
std::string offer_event(const ChannelSpec& s) { return "offer:" + s.name.substr(0, 24); }

std::span<std::byte> csm_memory(realm::Realm& r, const ChannelSpec& s, Rid peer, std::optional<CsmId>& region) {
  if (s.initiator) {
    const CsmId id = realm::csm_create(r, s.base, s.size);
    region = id;
    // A region keeps the RAM's contents, which may hold an earlier channel's rings there: the
    // responder must not take their stale state for the rings of this one.
    std::memset(r.ptr(s.base), 0, s.size);
    (void)realm::csm_share(r, id, peer, abi::CsmPerm::kRw);
    realm::signal_event(r, offer_event(s));
    return {r.ptr(s.base), s.size};
  }
  realm::wait_event(r, offer_event(s));
  (void)realm::csm_reserve(r, peer, s.k, s.base, s.size);
  return realm::csm_attach(r, peer, s.k, s.base, s.size).bytes;
}

/// The peer's doorbell: a host call; the host may ignore it (the channel then polls on).
void ring_doorbell(realm::Realm& r, Rid peer, std::uint64_t rec) {
  const std::array<std::uint64_t, 2> args{static_cast<std::uint64_t>(peer), rec};
  (void)r.host_call(abi::host_call::kDoorbell, args);
}

WaitPolicy wait_policy(realm::Realm& r, const ChannelSpec& s, Rid peer) {
  WaitPolicy wait = s.wait;
  if (!wait.relax) wait.relax = [&r] { r.cpu_relax(); };
  if (s.doorbell && !wait.sleep) wait.sleep = [&r] { r.wfi(); };
  if (s.doorbell && !wait.notify) wait.notify = [&r, peer, rec = s.peer_rec] { ring_doorbell(r, peer, rec); };
  return wait;
}

}  // namespace

bool host_visible(Transport t) { return t != Transport::kCsm && t != Transport::kCsmZeroCopy; }

std::string_view transport_name(Transport t) {
  for (const auto& n : kNames) {
    if (n.first == t) return n.second;
  }
  return "?";
}

std::optional<Transport> transport_from_name(std::string_view name) {
  for (const auto& n : kNames) {
    if (n.second == name) return n.first;
  }
  return std::nullopt;
}

Connection connect(realm::Realm& r, const ChannelSpec& s) {
  // Both ends learn each other's RID through the host: CSM names the peer by it, and the
  // doorbell targets it.
  realm::publish_rid(r);
  const Rid peer = realm::lookup_rid(r, s.peer);
  WaitPolicy wait = wait_policy(r, s, peer);
  Connection c;
  if (!host_visible(s.transport)) {
    const std::span<std::byte> memory = csm_memory(r, s, peer, c.region);
    c.endpoint = std::make_unique<RingEndpoint>(memory, s.initiator, s.max_message, std::move(wait), &r);
    return c;
  }
  const std::span<std::byte> memory{r.map_host_buffer(s.host_buffer, s.base, s.size), s.size};
  if (s.transport == Transport::kPlainNs) {
    c.endpoint = std::make_unique<RingEndpoint>(memory, s.initiator, s.max_message, std::move(wait), &r);
    return c;
  }
  if (!s.peer_policy) throw ChannelError("a sealed channel needs the peer's reference values", Status::kUnsupported);
  const std::size_t frame_max = std::max(s.max_message + sealed_frame_size(0), kMaxHello);
  auto frames = std::make_unique<RingEndpoint>(memory, s.initiator, frame_max, wait, &r);
  const Role role = s.initiator ? Role::kInitiator : Role::kResponder;
  KeyExchangeResult kx = attested_key_exchange(r, *frames, role, *s.peer_policy);
  const FrameConfig config{.backend = s.transport == Transport::kSealedMbedtls ? "mbedtls" : "openssl",
                           .session_id = kx.keys.session_id,
                           .rotation = s.rotation,
                           .max_payload = static_cast<std::uint32_t>(s.max_message)};
  c.peer = std::move(kx.peer);
  c.endpoint = std::make_unique<SealedEndpoint>(std::move(frames), kx.keys, role, config, std::move(wait));
  return c;
}

}  // namespace caec::channel
