// "channel-stream KEY=VALUE...": one end of a deterministic message stream over any transport,
// for tests and examples. The sender sends `count` messages whose sizes and bytes follow a fixed
// pattern; the receiver checks every byte, then prints "digest=<FNV-1a of the stream>
// messages=<n> bytes=<n>", so runs over different transports can be compared.
//
//   the channel arguments of channel/launch_args.h (transport=, peer=, role=, ...), and
//   dir=send|receive  count=N
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
#include <string>
#include <vector>

#include "channel/connect.h"
#include "channel/launch_args.h"
#include "realm/csm_api.h"
#include "realm/program.h"
#include "realm/realm.h"

namespace caec::channel {
namespace {

std::size_t message_size(std::uint64_t i, std::size_t max) { return (i * 2654435761U) % max + 1; }
std::byte message_byte(std::uint64_t i, std::size_t j) { return static_cast<std::byte>((i * 131 + j) & 0xFFU); }

struct Fnv {
  std::uint64_t h = 14695981039346656037ULL;
  void add(std::span<const std::byte> bytes) {
    for (std::byte b : bytes) h = (h ^ static_cast<std::uint64_t>(b)) * 1099511628211ULL;
  }
};

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
  const Args a = parse_args(r.args());
  ChannelSpec spec;
  try {
    spec = channel_spec(r, a, true);
  } catch (const std::invalid_argument& e) {
    r.print(std::string("channel-stream: ") + e.what() + "\n");
    return 2;
  }
  Connection c;
  try {
    c = connect(r, spec);
  } catch (const KeyExchangeError& e) {
    r.print(std::string("key exchange refused the peer: ") + e.what() + "\n");
    return a.contains("expect") && a.at("expect") == "refused" ? 0 : 4;
  }
  const bool zero_copy = spec.transport == Transport::kCsmZeroCopy;
  const bool sender = a.contains("dir") && a.at("dir") == "send";
  return sender ? send_stream(r, a, c, spec, zero_copy) : receive_stream(r, a, *c.endpoint, spec, zero_copy);
}
CAEC_REALM_PROGRAM("channel-stream", channel_stream);

}  // namespace
}  // namespace caec::channel
