// Turns a scenario's script into what each realm runs: csm-script steps (channel-script steps for
// realms that send or receive), ordered across realms by host-relayed events ("s<i>" is raised
// when step i is done), plus the steps the host itself performs (inspection, saving tokens).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "apps/caec/scenario/scenario.h"

namespace caec::app {

struct HostAction {
  std::size_t step = 0;    // runs once step-1 is done, then raises step's event
  std::string action;      // "inspect"
};

struct TokenOutput {
  std::string realm;
  std::uint64_t buffer = 0;  // host buffer id the realm stores the token in
  std::string file;
};

/// A `send` step: its channel and what the receiver prints once the message arrived intact.
struct ChannelSend {
  std::size_t step = 0;
  std::string from, to, transport;
  std::uint64_t bytes = 0;
  std::string intact_line;
};

/// CompiledScenario::arg_steps of an argument that serves no one step (setting up, staying).
inline constexpr std::size_t kSetup = SIZE_MAX;

struct CompiledScenario {
  std::map<std::string, std::vector<std::string>> realm_args;  // full argument list per realm
  /// For each scripted realm's argument, the index of the step it serves (or kSetup), so a
  /// failing argument can be reported as the scenario's steps[i].
  std::map<std::string, std::vector<std::size_t>> arg_steps;
  std::vector<HostAction> host_actions;
  std::vector<TokenOutput> tokens;
  std::vector<ChannelSend> sends;
  /// Host buffers (kChannelMemory bytes each) the host-visible `send` channels run over.
  std::vector<std::uint64_t> channel_buffers;
  /// The id of the first of them (after the token buffers' ids).
  std::uint64_t first_channel_buffer = 0;
  std::size_t num_steps = 0;
};

/// The event that says step `i` is done.
[[nodiscard]] std::string step_event(std::size_t i);
/// The host buffer tokens are stored in, and where realms map it.
inline constexpr std::uint64_t kTokenBufferSize = 0x4000;
[[nodiscard]] std::uint64_t token_ipa(std::size_t nth);

/// Where `send` channels live, one at a time per realm (each is torn down before its step
/// ends): over CSM the sender's region and the receiver's reservation sit in two windows just
/// below the scenario's regions (which start at 0x200000), so they never meet them; host-visible
/// channels get a buffer each, mapped at its own unprotected IPA.
/// 256 KiB: two rings of 128 KiB (one each way), each with room for several of the largest
/// messages (kMaxSendBytes).
inline constexpr std::uint64_t kChannelMemory = 0x40000;
inline constexpr std::uint64_t kChannelProviderIpa = 0x180000;
inline constexpr std::uint64_t kChannelConsumerIpa = 0x1c0000;

/// How far into each half of its IPA space a realm of `s` reaches: its RAM above kRamBase; the
/// host buffers of tokens and host-visible channels low in the unprotected half. The machine
/// need reserve no more host address space per realm than this (runner.cc).
[[nodiscard]] std::uint64_t ipa_reach(const Scenario& s);

/// `platform_key_hex`: the machine's platform key (a P-384 point in hex), which the sealed
/// transports' attested key exchange checks the peer's token against.
[[nodiscard]] CompiledScenario compile_scenario(const Scenario& s, const std::string& platform_key_hex);

/// Throws ScenarioError naming the step and the realm where a scripted realm's arguments would
/// outgrow its manifest, one measured granule (caec/abi/realm_image.h): checked before the
/// machine boots, so a long script fails as an input error rather than at launch.
void check_manifests(const Scenario& s);

}  // namespace caec::app
