#include "caec/abi/hex.h"
#include "apps/caec/scenario/compile.h"

#include <algorithm>
#include <stdexcept>

#include "apps/caec/scenario/json_fields.h"
#include "attest/rim_calculator.h"
#include "caec/abi/realm_image.h"
#include "channel/connect.h"

namespace caec::app {

namespace {


/// The message operand of channel-script's send and receive steps: text travels as its bytes.
std::string message_arg(const ScenarioStep& st) {
  if (st.bytes != 0) return "bytes=" + std::to_string(st.bytes);
  if (!st.hex.empty()) return "hex=" + st.hex;
  // SAFETY: any char's object representation is a byte.
  return "hex=" + hex_bytes({reinterpret_cast<const std::uint8_t*>(st.text.data()), st.text.size()});
}

/// Where the n-th host-visible channel's buffer sits (the realms map its unprotected alias).
constexpr std::uint64_t kChannelBufferIpa = 0x1000000;
/// Host buffer ids: the tokens' from 100, one per attest step, then the channels' right after
/// them (CompiledScenario::first_channel_buffer), so no number of steps makes two ids meet.
constexpr std::uint64_t kTokenBufferIds = 100;

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
    c.channel_buffers.push_back(c.first_channel_buffer + n);
    const std::string at = " buffer=" + std::to_string(c.first_channel_buffer + n) +
                           " base=" + hex_number(kChannelBufferIpa + n * kChannelMemory);
    tx += at;
    rx += at;
  } else {
    tx += " base=" + hex_number(kChannelProviderIpa);
    rx += " base=" + hex_number(kChannelConsumerIpa) + " k=" + std::to_string(next_k++);
  }
  const std::uint64_t bytes = st.bytes != 0 ? st.bytes : !st.hex.empty() ? st.hex.size() / 2 : st.text.size();
  c.sends.push_back({i, st.realm, st.to, st.transport, bytes,
                     "received " + name + ": " + std::to_string(bytes) + " bytes over " + st.transport + ", intact"});
  return {tx, rx};
}

}  // namespace

std::uint64_t ipa_reach(const Scenario& s) {
  const auto count = [&](const char* action) {
    return static_cast<std::uint64_t>(
        std::count_if(s.steps.begin(), s.steps.end(), [&](const ScenarioStep& st) { return st.action == action; }));
  };
  // token_ipa() and channel_steps() place these buffers, one per step, from the half's start.
  std::uint64_t reach =
      std::max(kChannelBufferIpa + count("send") * kChannelMemory, count("attest") * kTokenBufferSize);
  for (const ScenarioRealm& r : s.realms) reach = std::max(reach, abi::kRamBase.value() + (r.memory_mib << 20U));
  return reach;
}

std::string step_event(std::size_t i) { return "s" + std::to_string(i); }

std::uint64_t token_ipa(std::size_t nth) { return (std::uint64_t{1} << 39U) + nth * kTokenBufferSize; }

CompiledScenario compile_scenario(const Scenario& s, const std::string& platform_key_hex) {
  CompiledScenario c;
  c.num_steps = s.steps.size();
  c.first_channel_buffer = kTokenBufferIds + static_cast<std::uint64_t>(std::count_if(
                                                 s.steps.begin(), s.steps.end(),
                                                 [](const ScenarioStep& st) { return st.action == "attest"; }));
  // Every argument of a scripted realm is recorded with the step it serves.
  const auto add = [&](const std::string& who, std::size_t step, const std::string& arg) {
    c.realm_args[who].push_back(arg);
    c.arg_steps[who].push_back(step);
  };
  for (const ScenarioRealm& r : s.realms) {
    if (!r.scripted()) {
      c.realm_args[r.name] = r.args;
      continue;
    }
    add(r.name, kSetup, "publish");
    for (const ScenarioRegion& g : s.regions) {
      if (g.provider == r.name) add(r.name, kSetup, "create " + g.name + " " + hex_number(g.base) + " " + hex_number(g.size));
    }
  }
  // k: the sharing number of each (region, consumer), counted per (provider, consumer) pair.
  std::map<std::pair<std::string, std::string>, std::uint64_t> next_k;
  std::map<std::pair<std::string, std::string>, std::uint64_t> k_of;
  const auto act = [&](std::size_t i, const std::string& who, const std::vector<std::string>& steps) {
    if (i > 0) add(who, i, "wait " + step_event(i - 1));
    for (const std::string& step : steps) add(who, i, step);
    add(who, i, "signal " + step_event(i));
  };
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    const ScenarioStep& st = s.steps[i];
    const ScenarioRegion* g = s.region(st.region);
    const std::string at = g != nullptr ? hex_number(g->base + st.offset) : "";
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
          r.provider + " " + std::to_string(k_of[{r.name, st.realm}]) + " " + hex_number(r.base) + " " + hex_number(r.size);
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
      c.tokens.push_back({st.realm, kTokenBufferIds + nth, st.out});
      act(i, st.realm,
          {"map-host " + std::to_string(kTokenBufferIds + nth) + " " + hex_number(token_ipa(nth)) + " " + hex_number(kTokenBufferSize),
           "attest " + hex_number(token_ipa(nth))});
    } else if (st.action == "send") {
      // Both ends act in step i; the sender says it is done, once the receiver has answered.
      const auto [tx, rx] = channel_steps(c, i, st, next_k[{st.realm, st.to}], platform_key_hex);
      act(i, st.realm, {tx});
      if (i > 0) add(st.to, i, "wait " + step_event(i - 1));
      add(st.to, i, rx);
    } else {
      c.host_actions.push_back({i, st.action});
    }
  }
  // Every scripted realm stays until the whole script is done, so what it shares stays in place.
  if (c.num_steps > 0) {
    for (const ScenarioRealm& r : s.realms) {
      if (r.scripted()) add(r.name, kSetup, "wait " + step_event(c.num_steps - 1));
    }
  }
  return c;
}

void check_manifests(const Scenario& s) {
  // The platform key's length is all that matters here: a P-384 point is 97 bytes.
  const CompiledScenario c = compile_scenario(s, std::string(2 * 97, '0'));
  for (std::size_t n = 0; n < s.realms.size(); ++n) {
    const ScenarioRealm& r = s.realms[n];
    abi::Manifest m{r.program, 1, {}};
    const auto& args = c.realm_args.at(r.name);
    for (std::size_t i = 0; i < args.size(); ++i) {
      m.args.push_back(args[i]);
      try {
        (void)abi::encode_manifest(m);
      } catch (const std::invalid_argument& e) {
        if (!r.scripted()) throw ScenarioError("realms[" + std::to_string(n) + "].args: " + e.what());
        const std::size_t step = c.arg_steps.at(r.name)[i];
        const std::string where = step == kSetup ? "regions" : "steps[" + std::to_string(step) + "]";
        throw ScenarioError(where + ": realm \"" + r.name + "\" runs " + r.program +
                            " with the script as its measured arguments, and here they outgrow its manifest (" +
                            e.what() +
                            "); spread the steps over more realms, or send generated \"bytes\" rather than text "
                            "(docs/scenarios.md, \"Limits\")");
      }
    }
  }
}

}  // namespace caec::app
