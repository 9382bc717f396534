// The commands' typed views (abi/rmi_commands.h, abi/rsi_commands.h) against the spec's command
// tables, and the RMM's command tables against the views: one register layout per command, the
// same for the host, the realm SDK and the RMM.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <tuple>

#include "caec/abi/rmi_commands.h"
#include "caec/abi/rsi_commands.h"
#include "rmm/introspect/introspect.h"
#include "testing/rmm_fixture.h"

namespace caec::testing {
namespace {

struct Counts {
  std::size_t args;
  std::size_t results;
};

// rmm-1.0.md §1.3 (RMI), §2 (RSI) and csm-abi.md §2 (CAEC): inputs and outputs per command,
// transcribed from the spec's tables (not from the views).
const std::map<std::string_view, Counts> kSpec{
    {"RMI_VERSION", {1, 2}},           {"RMI_GRANULE_DELEGATE", {1, 0}},
    {"RMI_GRANULE_UNDELEGATE", {1, 0}}, {"RMI_DATA_CREATE", {5, 0}},
    {"RMI_DATA_CREATE_UNKNOWN", {3, 0}}, {"RMI_DATA_DESTROY", {2, 2}},
    {"RMI_REALM_ACTIVATE", {1, 0}},    {"RMI_REALM_CREATE", {2, 0}},
    {"RMI_REALM_DESTROY", {1, 0}},     {"RMI_REC_CREATE", {3, 0}},
    {"RMI_REC_DESTROY", {1, 0}},       {"RMI_REC_ENTER", {2, 0}},
    {"RMI_RTT_CREATE", {4, 0}},        {"RMI_RTT_DESTROY", {3, 2}},
    {"RMI_RTT_MAP_UNPROTECTED", {4, 0}}, {"RMI_RTT_READ_ENTRY", {3, 4}},
    {"RMI_RTT_UNMAP_UNPROTECTED", {3, 1}}, {"RMI_PSCI_COMPLETE", {3, 0}},
    {"RMI_FEATURES", {1, 1}},          {"RMI_RTT_FOLD", {3, 1}},
    {"RMI_REC_AUX_COUNT", {1, 1}},     {"RMI_RTT_INIT_RIPAS", {3, 1}},
    {"RMI_RTT_SET_RIPAS", {4, 1}},     {"RMI_CAEC_VERSION", {1, 2}},
    {"RMI_APT_CREATE", {2, 0}},        {"RMI_APT_DESTROY", {2, 0}},
    {"RSI_VERSION", {1, 2}},           {"RSI_FEATURES", {1, 1}},
    {"RSI_MEASUREMENT_READ", {1, 8}},  {"RSI_MEASUREMENT_EXTEND", {10, 0}},
    {"RSI_ATTESTATION_TOKEN_INIT", {8, 1}}, {"RSI_ATTESTATION_TOKEN_CONTINUE", {3, 1}},
    {"RSI_REALM_CONFIG", {1, 0}},      {"RSI_IPA_STATE_SET", {4, 2}},
    {"RSI_IPA_STATE_GET", {2, 2}},     {"RSI_HOST_CALL", {1, 0}},
    {"RSI_CAEC_VERSION", {1, 2}},      {"RSI_CSM_CREATE", {2, 1}},
    {"RSI_CSM_SHARE", {3, 1}},         {"RSI_CSM_REVOKE", {2, 0}},
    {"RSI_CSM_DESTROY", {1, 0}},       {"RSI_CSM_RESERVE", {4, 1}},
    {"RSI_CSM_ATTACH", {2, 1}},        {"RSI_CSM_DETACH_AND_FREE", {2, 0}},
    {"RSI_CSM_INFO", {5, 1}},          {"RSI_REALM_MEASUREMENTS", {2, 0}},
};

template <class Tuple, class Fn>
void for_each_type(Fn&& fn) {
  std::apply([&](auto... v) { (fn(v), ...); }, Tuple{});
}

/// Every register of a view round-trips: what the caller encodes is what the handler decodes,
/// bit for bit, and nothing lands outside the view's registers.
template <class View>
void expect_round_trip(std::mt19937_64& rng) {
  abi::SmcRegs in;
  for (std::size_t i = 1; i <= abi::kNumRegs<View>; ++i) in.x[i] = rng();
  const View v = abi::decode_args<View>(in);
  const abi::SmcRegs out = abi::call_regs(v);
  EXPECT_EQ(out.x[0], static_cast<std::uint32_t>(View::kFid)) << View::kName;
  for (std::size_t i = 1; i < out.x.size(); ++i) {
    EXPECT_EQ(out.x[i], i <= abi::kNumRegs<View> ? in.x[i] : 0U) << View::kName << " X" << i;
  }
}

TEST(AbiCommands, every_view_has_the_spec_register_counts_and_round_trips_every_bit) {
  std::mt19937_64 rng(7);
  std::size_t seen = 0;
  auto check = [&](auto view) {
    using View = decltype(view);
    ++seen;
    const auto it = kSpec.find(View::kName);
    ASSERT_NE(it, kSpec.end()) << View::kName << " is not in the spec table";
    EXPECT_EQ(abi::kNumRegs<View>, it->second.args) << View::kName;
    EXPECT_EQ(abi::kNumRegs<typename View::Out>, it->second.results) << View::kName;
    expect_round_trip<View>(rng);
  };
  for_each_type<abi::rmi::Commands>(check);
  for_each_type<abi::rsi::Commands>(check);
  EXPECT_EQ(seen, kSpec.size());
}

/// Every view of `Views` has the row of `table` with its FID, and the row's name and register
/// counts are the view's.
template <class Views, class Row>
void expect_rows_from_views(std::span<const Row> table) {
  for_each_type<Views>([&](auto view) {
    using View = decltype(view);
    const Row* row = nullptr;
    for (const auto& c : table) {
      if (c.fid == static_cast<std::uint32_t>(View::kFid)) row = &c;
    }
    ASSERT_NE(row, nullptr) << View::kName;
    EXPECT_EQ(row->name, View::kName);
    EXPECT_EQ(row->num_args, abi::kNumRegs<View>) << View::kName;
    EXPECT_EQ(row->num_results, abi::kNumRegs<typename View::Out>) << View::kName;
  });
}

TEST(AbiCommands, the_rmm_tables_take_fid_name_and_counts_from_the_views) {
  expect_rows_from_views<abi::rmi::Commands>(rmm::RmmIntrospection::rmi_commands());
  expect_rows_from_views<abi::rsi::Commands>(rmm::RmmIntrospection::rsi_commands());
  expect_rows_from_views<abi::psci::Commands>(rmm::RmmIntrospection::rsi_commands());
  EXPECT_EQ(rmm::RmmIntrospection::rmi_commands().size(), std::tuple_size_v<abi::rmi::Commands>);
}

TEST(AbiCommands, psci_features_answers_for_the_psci_family_only) {
  // The family column, not the shape of a row, decides: every PSCI and SMCCC row is a PSCI
  // function, no RSI or CAEC row is.
  for (const auto& c : rmm::RmmIntrospection::rsi_commands()) {
    const bool psci = c.name.starts_with("PSCI_") || c.name == "SMCCC_VERSION";
    EXPECT_EQ(psci, c.family == rmm::CommandFamily::kPsci || c.family == rmm::CommandFamily::kSmccc) << c.name;
  }
}

class AbiCommandsOnTheRmm : public RmmTest {};

TEST_F(AbiCommandsOnTheRmm, a_level_wider_than_its_low_bits_is_refused_not_truncated) {
  // RTT_READ_ENTRY's level is an Int64: 0x1'0000'0003 is not level 3. The RMM sees the whole
  // register through the view (register-wide fields), so level_bound refuses it.
  const host::HostRealm realm = make_realm();
  const auto ok = rmi().rtt_read_entry(realm.rd, Ipa{0}, RttLevel{3});
  ASSERT_TRUE(ok.ret.ok()) << host::describe(ok.ret);
  const auto wide = rmi().call(abi::rmi::RttReadEntry{realm.rd, Ipa{0}, RttLevel{0x1'0000'0003}});
  EXPECT_EQ(wide.ret.status, abi::RmiStatus::kErrorInput) << host::describe(wide.ret);
}

}  // namespace
}  // namespace caec::testing
