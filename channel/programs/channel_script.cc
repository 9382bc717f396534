// "channel-script": csm-script (realm/script.h) plus two steps that carry one message over a
// channel (channel/connect.h), so a script can move messages between realms the way it moves
// CSM calls (`caec run`'s `send` step compiles to them, docs/scenarios.md).
//
//   send KEY=VALUE...     connect as the initiator, send the message, wait for the receiver's
//                         verdict; holds if the message arrived intact
//   receive KEY=VALUE...  connect as the responder, receive one message, compare it with the
//                         one described, answer the verdict; holds if they are equal, and
//                         prints "received CHANNEL: N bytes over TRANSPORT, intact"
//
// KEY=VALUE: the channel arguments of channel/launch_args.h (transport=, peer=, name=, base=,
// k=, buffer=, platform-key=, ...) and the message, described the same way on both sides:
//   hex=HEX | bytes=N     these bytes, or N generated ones (byte j is (j * 131 + 7) mod 256)
// max= defaults to the message's size (at least 4096). Afterwards both ends let go of the
// memory: over CSM the receiver detaches and the sender then destroys the region, so the same
// IPA ranges serve the next channel.
#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>
#include <vector>

#include "channel/connect.h"
#include "channel/launch_args.h"
#include "realm/csm_api.h"
#include "realm/program.h"
#include "realm/realm.h"
#include "realm/script.h"

namespace caec::channel {
namespace {

constexpr std::byte kIntact{1};

std::vector<std::byte> message_of(const Args& a) {
  if (a.contains("hex")) {
    const auto bytes = hex_arg(a, "hex");
    std::vector<std::byte> m(bytes.size());
    std::transform(bytes.begin(), bytes.end(), m.begin(), [](std::uint8_t b) { return std::byte{b}; });
    return m;
  }
  std::vector<std::byte> m(number(a, "bytes", 0));
  for (std::size_t j = 0; j < m.size(); ++j) m[j] = static_cast<std::byte>((j * 131 + 7) & 0xFFU);
  return m;
}

/// The channel the step's arguments describe, its largest message fitted to the message.
ChannelSpec spec_of(realm::Realm& r, const Args& a, bool initiator, std::size_t message_size) {
  ChannelSpec spec = channel_spec(r, a, initiator);
  if (!a.contains("max")) spec.max_message = std::max<std::size_t>(spec.max_message, message_size);
  return spec;
}

/// The receiver has let go of the CSM memory; the sender may destroy it (at most 32 bytes).
std::string released_event(const ChannelSpec& spec) { return "released:" + spec.name.substr(0, 22); }

void send_step(realm::Realm& r, const Args& a) {
  const std::vector<std::byte> message = message_of(a);
  const ChannelSpec spec = spec_of(r, a, true, message.size());
  Connection c = connect(r, spec);
  c.endpoint->send(message);
  std::array<std::byte, 1> verdict{};
  (void)c.endpoint->receive(verdict);
  c.endpoint->close();
  if (c.region) {
    realm::wait_event(r, released_event(spec));
    realm::csm_destroy(r, *c.region);
  }
  if (verdict[0] != kIntact) throw std::runtime_error("the receiver found the message damaged");
}

void receive_step(realm::Realm& r, const Args& a) {
  const std::vector<std::byte> message = message_of(a);
  const ChannelSpec spec = spec_of(r, a, false, message.size());
  Connection c = connect(r, spec);
  std::vector<std::byte> buffer(spec.max_message);
  buffer.resize(c.endpoint->receive(buffer));
  const bool intact = buffer == message;
  c.endpoint->send(std::array<std::byte, 1>{intact ? kIntact : std::byte{0}});
  c.endpoint->close();
  if (!host_visible(spec.transport)) {
    realm::csm_detach(r, realm::lookup_rid(r, spec.peer), spec.k);
    realm::signal_event(r, released_event(spec));
  }
  const std::string what = std::to_string(buffer.size()) + " bytes over " + std::string(transport_name(spec.transport));
  if (!intact) throw std::runtime_error("received " + what + ", not the " + std::to_string(message.size()) + " bytes sent");
  r.print("received " + spec.name + ": " + what + ", intact\n");
}

int channel_script(realm::Realm& r) {
  realm::CsmScript script(r);
  return realm::run_script(r, [&](const realm::ScriptStep& step) {
    if (step[0] != "send" && step[0] != "receive") return script.run(step);
    const Args a = parse_args(std::span(step).subspan(1));
    step[0] == "send" ? send_step(r, a) : receive_step(r, a);
    return true;
  });
}
CAEC_REALM_PROGRAM("channel-script", channel_script);

}  // namespace
}  // namespace caec::channel
