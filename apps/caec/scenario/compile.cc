#include "apps/caec/scenario/compile.h"

#include <sstream>
#include <stdexcept>

#include "attest/rim_calculator.h"
#include "channel/connect.h"

namespace caec::app {

namespace {

std::string hex(std::uint64_t v) {
  std::ostringstream o;
  o << "0x" << std::hex << v;
  return o.str();
}

/// The message operand of channel-script's send and receive steps: text travels as its bytes.
std::string message_arg(const ScenarioStep& st) {
  if (st.bytes != 0) return "bytes=" + std::to_string(st.bytes);
  if (!st.hex.empty()) return "hex=" + st.hex;
  // SAFETY: any char's object representation is a byte.
  return "hex=" + attest::to_hex({reinterpret_cast<const std::uint8_t*>(st.text.data()), st.text.size()});
}

/// Where the n-th host-visible channel's buffer sits (the realms map its unprotected alias).
constexpr std::uint64_t kChannelBufferIpa = 0x1000000;
constexpr std::uint64_t kChannelBufferIds = 1000;

/// channel-script's send and receive steps for `send` step i (recorded in c.sends); `next_k`
/// counts the sender's sharings with the receiver, which a CSM channel adds one to.
std::pair<std::string, std::string> channel_steps(CompiledScenario& c, std::size_t i, const ScenarioStep& st,
                                                  std::uint64_t& next_k, const std::string& platform_key_hex) {
  const std::string name = "ch" + std::to_string(i);
  std::string common = "transport=" + st.transport + " name=" + name + " size=" + std::to_string(kChannelMemory) + " " +
                       message_arg(st);
  if (st.transport.starts_with("sealed")) common += " platform-key=" + platform_key_hex;
  std::string tx = "send peer=" + st.to + " " + common;
  std::string rx = "receive peer=" + st.realm + " " + common;
  if (channel::host_visible(*channel::transport_from_name(st.transport))) {
    const std::uint64_t n = c.channel_buffers.size();
    c.channel_buffers.push_back(kChannelBufferIds + n);
    const std::string at = " buffer=" + std::to_string(kChannelBufferIds + n) + " base=" + hex(kChannelBufferIpa + n * kChannelMemory);
    tx += at;
    rx += at;
  } else {
    tx += " base=" + hex(kChannelProviderIpa);
    rx += " base=" + hex(kChannelConsumerIpa) + " k=" + std::to_string(next_k++);
  }
  const std::uint64_t bytes = st.bytes != 0 ? st.bytes : !st.hex.empty() ? st.hex.size() / 2 : st.text.size();
  c.sends.push_back({i, st.realm, st.to, st.transport, bytes,
                     "received " + name + ": " + std::to_string(bytes) + " bytes over " + st.transport + ", intact"});
  return {tx, rx};
}

}  // namespace

std::string step_event(std::size_t i) { return "s" + std::to_string(i); }

std::uint64_t token_ipa(std::size_t nth) { return (std::uint64_t{1} << 39U) + nth * kTokenBufferSize; }

CompiledScenario compile_scenario(const Scenario& s, const std::string& platform_key_hex) {
  CompiledScenario c;
  c.num_steps = s.steps.size();
  for (const ScenarioRealm& r : s.realms) {
    auto& args = c.realm_args[r.name];
    if (!r.scripted()) {
      args = r.args;
      continue;
    }
    args = {"publish"};
    for (const ScenarioRegion& g : s.regions) {
      if (g.provider == r.name) args.push_back("create " + g.name + " " + hex(g.base) + " " + hex(g.size));
    }
  }
  // k: the sharing number of each (region, consumer), counted per (provider, consumer) pair.
  std::map<std::pair<std::string, std::string>, std::uint64_t> next_k;
  std::map<std::pair<std::string, std::string>, std::uint64_t> k_of;
  const auto act = [&](std::size_t i, const std::string& who, std::vector<std::string> steps) {
    auto& args = c.realm_args[who];
    if (i > 0) args.push_back("wait " + step_event(i - 1));
    args.insert(args.end(), steps.begin(), steps.end());
    args.push_back("signal " + step_event(i));
  };
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    const ScenarioStep& st = s.steps[i];
    const ScenarioRegion* g = s.region(st.region);
    const std::string at = g != nullptr ? hex(g->base + st.offset) : "";
    // The steps that name a region were checked to name one that exists (scenario.cc).
    const auto region = [&]() -> const ScenarioRegion& {
      if (g == nullptr) throw std::logic_error("step " + std::to_string(i) + ": no region " + st.region);
      return *g;
    };
    if (st.action == "share") {
      const std::uint64_t k = next_k[{region().provider, st.consumer}]++;
      k_of[{region().name, st.consumer}] = k;
      act(i, region().provider, {"share " + region().name + " " + st.consumer + " " + st.perm});
    } else if (st.action == "attach") {
      const ScenarioRegion& r = region();
      // "<provider> <k> <base> <size>": the sharing and where the consumer maps it.
      const std::string sharing =
          r.provider + " " + std::to_string(k_of[{r.name, st.realm}]) + " " + hex(r.base) + " " + hex(r.size);
      act(i, st.realm, {"reserve " + sharing, "attach " + sharing});
    } else if (st.action == "write" || st.action == "expect") {
      act(i, st.realm, {st.action + " " + at + " " + st.text});
    } else if (st.action == "write-refused") {
      act(i, st.realm, {"abort-write " + at});
    } else if (st.action == "revoke") {
      act(i, region().provider, {"revoke " + st.consumer + " " + std::to_string(k_of[{region().name, st.consumer}])});
    } else if (st.action == "detach") {
      act(i, st.realm, {"detach " + region().provider + " " + std::to_string(k_of[{region().name, st.realm}])});
    } else if (st.action == "destroy") {
      act(i, region().provider, {"destroy " + region().name});
    } else if (st.action == "attest") {
      const std::size_t nth = c.tokens.size();
      c.tokens.push_back({st.realm, 100 + nth, st.out});
      act(i, st.realm,
          {"map-host " + std::to_string(100 + nth) + " " + hex(token_ipa(nth)) + " " + hex(kTokenBufferSize),
           "attest " + hex(token_ipa(nth))});
    } else if (st.action == "send") {
      // Both ends act in step i; the sender says it is done, once the receiver has answered.
      const auto [tx, rx] = channel_steps(c, i, st, next_k[{st.realm, st.to}], platform_key_hex);
      act(i, st.realm, {tx});
      auto& receiver = c.realm_args[st.to];
      if (i > 0) receiver.push_back("wait " + step_event(i - 1));
      receiver.push_back(rx);
    } else {
      c.host_actions.push_back({i, st.action});
    }
  }
  // Every scripted realm stays until the whole script is done, so what it shares stays in place.
  if (c.num_steps > 0) {
    for (const ScenarioRealm& r : s.realms) {
      if (r.scripted()) c.realm_args[r.name].push_back("wait " + step_event(c.num_steps - 1));
    }
  }
  return c;
}

}  // namespace caec::app
