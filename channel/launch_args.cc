#include "caec/abi/hex.h"
#include "channel/launch_args.h"

#include <stdexcept>

#include "attest/token/ec_key.h"
#include "attest/verifier/verifier.h"
#include "realm/realm.h"

namespace caec::channel {
namespace {

/// Where the channel's memory sits in the realm's IPA space: inside the 4 MiB of RAM the
/// launches give (a CSM region is carved out of protected RAM), and for host-visible memory the
/// unprotected alias of IPA 0, which no protected mapping shadows.
constexpr Ipa kCsmBase{0x300000};

std::string value(const Args& a, std::string_view key) {
  const auto it = a.find(key);
  return it == a.end() ? std::string{} : it->second;
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

}  // namespace

std::vector<std::uint8_t> hex_arg(const Args& a, std::string_view key) {
  auto bytes = caec::parse_hex(value(a, key));
  if (!bytes) throw std::invalid_argument(std::string(key) + "=" + value(a, key) + ": not hex");
  return *bytes;
}

Args parse_args(std::span<const std::string> args) {
  Args a;
  for (const std::string& arg : args) {
    const auto eq = arg.find('=');
    a[arg.substr(0, eq)] = eq == std::string::npos ? "" : arg.substr(eq + 1);
  }
  return a;
}

namespace {

std::uint64_t parsed(const Args& a, std::string_view key, int base) {
  const std::string text = value(a, key);
  std::size_t used = 0;
  try {
    const std::uint64_t n = std::stoull(text, &used, base);
    if (used == text.size()) return n;
  } catch (const std::logic_error&) {  // stoull's invalid_argument and out_of_range
  }
  throw std::invalid_argument(std::string(key) + "=" + text + ": not a number");
}

}  // namespace

std::uint64_t number(const Args& a, std::string_view key, std::uint64_t fallback) {
  return a.contains(key) ? parsed(a, key, 10) : fallback;
}

std::uint64_t address(const Args& a, std::string_view key, std::uint64_t fallback) {
  if (!a.contains(key)) return fallback;
  return value(a, key).starts_with("0x") ? parsed(a, key, 16) : parsed(a, key, 10);
}

ChannelSpec channel_spec(realm::Realm& r, const Args& a, bool initiator) {
  const auto transport = transport_from_name(value(a, "transport"));
  if (!transport) throw std::invalid_argument("transport=" + value(a, "transport") + ": unknown");
  if (a.contains("role") && value(a, "role") != "initiator" && value(a, "role") != "responder") {
    throw std::invalid_argument("role=" + value(a, "role") + ": neither initiator nor responder");
  }
  ChannelSpec spec;
  spec.transport = *transport;
  spec.peer = value(a, "peer");
  if (a.contains("name")) spec.name = value(a, "name");
  spec.initiator = a.contains("role") ? value(a, "role") == "initiator" : initiator;
  const Ipa base{address(a, "base", host_visible(*transport) ? 0 : kCsmBase.value())};
  spec.base = host_visible(*transport) ? r.unprotected_alias(base) : base;
  spec.k = number(a, "k", 0);
  spec.host_buffer = number(a, "buffer", 1);
  spec.max_message = number(a, "max", spec.max_message);
  spec.size = number(a, "size", spec.size);
  spec.doorbell = number(a, "doorbell", 1) != 0;
  if (a.contains("platform-key")) spec.peer_policy = peer_policy(a);
  return spec;
}

}  // namespace caec::channel
