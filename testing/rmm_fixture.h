// Test fixture: a booted emulated system with a host, reached only through real SMCs.
// Tests inspect RMM internals through the read-only introspection library.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string_view>

#include "caec/abi/rmi.h"
#include "caec/abi/s2tt.h"
#include "host/host.h"
#include "host/realm_builder.h"
#include "host/vmm.h"
#include "platform/emulated_platform.h"
#include "rmm/introspect/introspect.h"

namespace caec::testing {

// The vocabulary of the RMI tests.
namespace s2 = abi::s2tt;
using abi::Ripas;
using abi::RmiRttEntryState;
using rmm::GranuleState;

/// A small machine: tests boot one per process, so it is kept cheap.
[[nodiscard]] machine::MachineConfig small_machine();
/// A small machine whose DRAM straddles 2^48, so a delegable granule can lie above the 48-bit
/// PA limit (for the *_bound2 conditions).
[[nodiscard]] machine::MachineConfig dram_across_2_48();

class RmmTest : public ::testing::Test {
 public:
  /// What host::Vmm::launch needs to run `program` with `recs` RECs and `ram_mib` MiB of RAM.
  [[nodiscard]] static host::LaunchSpec program_spec(const std::string& program,
                                                     std::vector<std::string> args = {},
                                                     unsigned recs = 1, std::uint16_t vmid = 1,
                                                     std::uint64_t ram_mib = 4);

 protected:
  explicit RmmTest(const machine::MachineConfig& config = small_machine());

  [[nodiscard]] host::RmiClient& rmi() { return host_.rmi(); }
  [[nodiscard]] rmm::RmmIntrospection& rmm() { return introspect_; }
  [[nodiscard]] machine::Machine& machine() { return system_.machine(); }

  /// A fresh granule delegated to the Realm PAS.
  [[nodiscard]] Pa delegated(std::uint64_t count = 1, std::uint64_t align = kGranuleSize);
  /// A fresh Non-secure granule of the host's, filled with `bytes` (zero-padded).
  [[nodiscard]] Pa ns_page(std::span<const std::byte> bytes = {});
  /// A granule-aligned PA outside DRAM.
  [[nodiscard]] Pa outside_dram() const;
  /// The granule at PA 2^48, delegated (the machine must come from dram_across_2_48()).
  [[nodiscard]] Pa delegated_above_2_48();
  /// A granule of the firmware's Secure carve-out.
  [[nodiscard]] Pa secure_granule() const;

  /// Default realm parameters for `rtt_base` (40-bit IPA, start level 1, 2 tables).
  [[nodiscard]] static abi::RmiRealmParams realm_params(Pa rtt_base, std::uint16_t vmid = 1);
  [[nodiscard]] rmm::GranuleState state(Pa pa) { return introspect_.granule(pa).state; }
  /// The machine's platform key as the P-384 point a realm's owner provisions (hex).
  [[nodiscard]] std::string platform_key_hex();
  /// A realm's RIM as the RMM holds it (hex, hash-size bytes).
  [[nodiscard]] std::string rim_hex(const host::VmRealm& r);

  /// A NEW realm built with the reference host (40-bit IPA unless `spec` says otherwise).
  [[nodiscard]] host::HostRealm make_realm(const host::RealmSpec& spec = {});
  [[nodiscard]] host::RealmBuilder& builder() { return builder_; }

  platform::System system_;
  host::Host host_;
  host::RealmBuilder builder_;
  rmm::RmmIntrospection introspect_;
};

/// The command failed with `status` (and `index`), decided by the condition named `label`.
[[nodiscard]] ::testing::AssertionResult fails_with(abi::RmiReturn ret, abi::RmiStatus status,
                                                    std::uint8_t index, std::string_view label);
/// The command succeeded.
[[nodiscard]] ::testing::AssertionResult rmi_ok(abi::RmiReturn ret);

#define EXPECT_FAILS_WITH(ret, st, idx, lbl) \
  EXPECT_TRUE(::caec::testing::fails_with((ret), (st), (idx), (lbl)))
#define EXPECT_RMI_OK(ret) EXPECT_TRUE(::caec::testing::rmi_ok(ret))

inline constexpr auto kInput = abi::RmiStatus::kErrorInput;

/// The tests of a granule argument's three conditions, <label>_align, <label>_bound and
/// <label>_state, which the condition-coverage rule asks for by name (Suite.rejects_rd_align,
/// ...): the command, written with that argument as `param`, fails with each for `good` + 8, a
/// PA outside DRAM and `bad_state` (a granule in the wrong state). `param` is its own name so
/// that it never shadows a fixture member.
#define RMI_GRANULE_CONDITION_TESTS(Suite, label, param, good, bad_state, ...)          \
  TEST_F(Suite, rejects_##label##_align) {                                              \
    EXPECT_FAILS_WITH([&](Pa param) { return __VA_ARGS__; }((good) + 8), kInput, 0,     \
                      #label "_align");                                                 \
  }                                                                                     \
  TEST_F(Suite, rejects_##label##_bound) {                                              \
    EXPECT_FAILS_WITH([&](Pa param) { return __VA_ARGS__; }(outside_dram()), kInput, 0, \
                      #label "_bound");                                                 \
  }                                                                                     \
  TEST_F(Suite, rejects_##label##_state) {                                              \
    EXPECT_FAILS_WITH([&](Pa param) { return __VA_ARGS__; }(bad_state), kInput, 0,      \
                      #label "_state");                                                 \
  }

/// rd_align, rd_bound and rd_state, the first three conditions of most RMI commands, with the
/// RD argument written as `rd` and `not_rd` a granule that is not an RD.
#define RMI_RD_CONDITION_TESTS(Suite, good, not_rd, ...) \
  RMI_GRANULE_CONDITION_TESTS(Suite, rd, rd, good, not_rd, __VA_ARGS__)
inline constexpr auto kRealm = abi::RmiStatus::kErrorRealm;
inline constexpr auto kRtt = abi::RmiStatus::kErrorRtt;

}  // namespace caec::testing
