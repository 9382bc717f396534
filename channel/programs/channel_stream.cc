// "channel-stream KEY=VALUE...": one end of a deterministic message stream over any transport,
// for tests and examples. The sender sends `count` messages whose sizes and bytes follow a fixed
// pattern; the receiver checks every byte, then prints "digest=<FNV-1a of the stream>
// messages=<n> bytes=<n>", so runs over different transports can be compared.
//
//   transport=csm|csm-zero-copy|sealed-openssl|sealed-mbedtls|plain-ns
//   role=initiator|responder  dir=send|receive  peer=NAME  count=N  [max=BYTES]
//   [name=CHANNEL]     unique per run (names the host-relayed rendezvous events)
//   [buffer=ID]        host-visible transports: the host's shared buffer (default 1)
//   sealed:  platform-key=HEX (the P-384 point the peer's platform token must be signed with)
//            [peer-rim=HEX] [peer-rpv=HEX] (what the peer's realm token must show)
//   [destroy-after=N]  CSM initiator sender: destroy the region after N messages
//   [pause-after=N]    sender: after N messages raise "paused:CHANNEL", wait for
//                      "resume:CHANNEL"; the receiver waits for "resume:CHANNEL" before its first
//                      receive (a test host acts on the frames in between)
//   [gap-ms=N]         sender: spin N ms before each message (the receiver goes to sleep)
//   [doorbell=0]       poll only (no WFI, no doorbells)
//   [expect=revoked|corrupt|refused]  the stream must end that way: kRevoked, a refused frame
//                      (kCorrupt), or the key exchange refusing the peer
#include <chrono>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "channel/connect.h"
#include "realm/csm.h"
#include "realm/program.h"
#include "realm/realm.h"

namespace caec::channel {
namespace {

constexpr std::uint64_t kUnprotectedBase = std::uint64_t{1} << 39U;  // 40-bit IPA realms
constexpr std::uint64_t kCsmBase = 0x300000;

std::size_t message_size(std::uint64_t i, std::size_t max) { return (i * 2654435761U) % max + 1; }
std::byte message_byte(std::uint64_t i, std::size_t j) { return static_cast<std::byte>((i * 131 + j) & 0xFFU); }

struct Fnv {
  std::uint64_t h = 14695981039346656037ULL;
  void add(std::span<const std::byte> bytes) {
    for (std::byte b : bytes) h = (h ^ static_cast<std::uint64_t>(b)) * 1099511628211ULL;
  }
};

using Args = std::map<std::string, std::string>;

attest::Bytes hex_arg(const Args& a, const std::string& name) {
  auto bytes = attest::verifier::parse_hex(a.at(name));
  if (!bytes) throw std::invalid_argument(name + "=" + a.at(name) + ": not hex");
  return *bytes;
}

PeerPolicy peer_policy(const Args& a) {
  auto key = attest::EcKey::from_public_point(attest::Curve::kP384, hex_arg(a, "platform-key"));
  if (!key) throw std::invalid_argument("platform-key: not a P-384 point");
  PeerPolicy p;
  p.reference.platform_keys.emplace_back(*key, "platform-key");
  if (a.contains("peer-rim")) p.reference.rim = hex_arg(a, "peer-rim");
  if (a.contains("peer-rpv")) p.reference.rpv = hex_arg(a, "peer-rpv");
  return p;
}

std::uint64_t number(const Args& a, const std::string& key, std::uint64_t fallback) {
  return a.contains(key) ? std::stoull(a.at(key)) : fallback;
}

int send_stream(realm::Realm& r, const Args& a, Connection& c, const ChannelSpec& spec, bool zero_copy) {
  Endpoint& e = *c.endpoint;
  const std::uint64_t count = number(a, "count", 100);
  const std::uint64_t destroy_after = number(a, "destroy-after", count + 1);
  const std::uint64_t pause_after = number(a, "pause-after", count + 1);
  const std::uint64_t gap_ms = number(a, "gap-ms", 0);
  std::vector<std::byte> buf(spec.max_message);
  for (std::uint64_t i = 0; i < count; ++i) {
    if (i == destroy_after && c.region) {
      realm::csm_destroy(r, *c.region);
      r.print("destroyed the region after " + std::to_string(i) + " messages\n");
      return 0;
    }
    if (gap_ms != 0) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(gap_ms);
      while (std::chrono::steady_clock::now() < until) r.cpu_relax();
    }
    if (i == pause_after) {
      realm::signal_event(r, "paused:" + spec.name);
      realm::wait_event(r, "resume:" + spec.name);
    }
    const std::size_t n = message_size(i, spec.max_message);
    std::span<std::byte> slot = zero_copy ? e.acquire(n) : std::span(buf.data(), n);
    for (std::size_t j = 0; j < n; ++j) slot[j] = message_byte(i, j);
    if (zero_copy) {
      if (const Status s = e.commit(n); s != Status::kOk) throw ChannelError("commit", s);
    } else {
      e.send(slot);
    }
  }
  // The reader's last acknowledgement, before the memory may go away.
  std::array<std::byte, 1> ack{};
  (void)e.receive(ack);
  e.close();
  return 0;
}

int receive_stream(realm::Realm& r, const Args& a, Endpoint& e, const ChannelSpec& spec, bool zero_copy) {
  const std::uint64_t count = number(a, "count", 100);
  const std::string expect = a.contains("expect") ? a.at("expect") : "";
  if (a.contains("pause-after")) realm::wait_event(r, "resume:" + spec.name);
  Fnv digest;
  std::uint64_t bytes = 0;
  std::vector<std::byte> buf(spec.max_message);
  for (std::uint64_t i = 0; i < count; ++i) {
    std::span<const std::byte> m;
    try {
      m = zero_copy ? e.peek() : std::span<const std::byte>(buf.data(), e.receive(buf));
    } catch (const ChannelError& err) {
      if ((expect == "revoked" && err.status() == Status::kRevoked) ||
          (expect == "corrupt" && err.status() == Status::kCorrupt)) {
        r.print(std::string(status_name(err.status())) + " after " + std::to_string(i) + " messages\n");
        return 0;
      }
      throw;
    }
    if (m.size() != message_size(i, spec.max_message)) throw std::runtime_error("message " + std::to_string(i) + ": wrong size");
    for (std::size_t j = 0; j < m.size(); ++j) {
      if (m[j] != message_byte(i, j)) throw std::runtime_error("message " + std::to_string(i) + ": wrong byte");
    }
    digest.add(m);
    bytes += m.size();
    if (zero_copy) {
      if (const Status s = e.release(); s != Status::kOk) throw ChannelError("release", s);
    }
  }
  e.send(std::array<std::byte, 1>{});
  r.print("digest=" + std::to_string(digest.h) + " messages=" + std::to_string(count) + " bytes=" + std::to_string(bytes) + "\n");
  return expect.empty() ? 0 : 3;  // an expected failure did not happen
}

int channel_stream(realm::Realm& r) {
  Args a;
  for (const std::string& arg : r.args()) {
    const auto eq = arg.find('=');
    a[arg.substr(0, eq)] = eq == std::string::npos ? "" : arg.substr(eq + 1);
  }
  const auto transport = transport_from_name(a["transport"]);
  if (!transport) {
    r.print("channel-stream: unknown transport \"" + a["transport"] + "\"\n");
    return 2;
  }
  ChannelSpec spec;
  spec.transport = *transport;
  spec.peer = a["peer"];
  if (a.contains("name")) spec.name = a["name"];
  spec.initiator = a["role"] == "initiator";
  spec.base = Ipa{host_visible(*transport) ? kUnprotectedBase : kCsmBase};
  spec.host_buffer = number(a, "buffer", 1);
  spec.max_message = number(a, "max", 4096);
  spec.doorbell = number(a, "doorbell", 1) != 0;
  if (a.contains("platform-key")) spec.peer_policy = peer_policy(a);
  Connection c;
  try {
    c = connect(r, spec);
  } catch (const KeyExchangeError& e) {
    r.print(std::string("key exchange refused the peer: ") + e.what() + "\n");
    return a["expect"] == "refused" ? 0 : 4;
  }
  const bool zero_copy = *transport == Transport::kCsmZeroCopy;
  return a["dir"] == "send" ? send_stream(r, a, c, spec, zero_copy) : receive_stream(r, a, *c.endpoint, spec, zero_copy);
}
CAEC_REALM_PROGRAM("channel-stream", channel_stream);

}  // namespace
}  // namespace caec::channel
