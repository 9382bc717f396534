// RSI_VERSION, RSI_FEATURES, RSI_MEASUREMENT_READ/EXTEND, RSI_REALM_CONFIG (rmm-1.0.md §2.1).
#include <cstring>

#include "rmm/core/measure.h"
#include "rmm/runtime/realm_buffer.h"
#include "rmm/rsi/rsi_command.h"
#include "rmm/rsi/rsi_conditions.h"

namespace caec::rmm {

namespace {

constexpr auto kInput = abi::RsiStatus::kErrorInput;

using Read = RsiCall<abi::rsi::MeasurementRead>;
using Extend = RsiCall<abi::rsi::MeasurementExtend>;
using Config = RsiCall<abi::rsi::RealmConfig>;

constexpr std::array<RsiCondition<Read>, 1> kReadConditions{{
    {"index_bound", kInput, [](Read& c) { return c.args.index > 4; }},
}};
constexpr auto kReadInfo = describe(kReadConditions);

constexpr std::array<RsiCondition<Extend>, 2> kExtendConditions{{
    {"index_bound", kInput, [](Extend& c) { return c.args.index < 1 || c.args.index > 4; }},
    {"size_bound", kInput, [](Extend& c) { return c.args.size > abi::kMaxMeasurementBytes; }},
}};
constexpr auto kExtendInfo = describe(kExtendConditions);

constexpr std::array<RsiCondition<Config>, 3> kConfigConditions{{
    rsi_cond::addr_align<Config>,
    rsi_cond::addr_bound<Config>,
    rsi_cond::buffer<Config, sizeof(abi::RsiRealmConfig)>,
}};
constexpr auto kConfigInfo = describe(kConfigConditions);

}  // namespace

// B2 semantics as for RMI_VERSION: RSI 1.0 is the only revision.
RsiResult rsi_version(RsiCall<abi::rsi::Version>& c) {
  const std::uint64_t req = c.args.requested;
  const bool ok = (req >> 31U) == 0 && (req >> 16U) == 1 && (req & 0xFFFFU) == 0;
  return RsiResult::with(ok ? abi::RsiStatus::kSuccess : kInput,
                         abi::VersionOut{abi::kRsiVersion, abi::kRsiVersion});
}
std::span<const RsiConditionInfo> rsi_version_conditions() { return {}; }

RsiResult rsi_features(RsiCall<abi::rsi::Features>&) { return RsiResult::success(abi::rsi::Features::Out{0}); }
std::span<const RsiConditionInfo> rsi_features_conditions() { return {}; }

RsiResult rsi_measurement_read(Read& c) {
  if (auto f = first_failure(kReadConditions, c)) return *f;
  const Measurement m = c.with_realm([&](RealmDescriptor& r) { return r.measurements[c.args.index]; });
  abi::rsi::MeasurementRead::Out out;
  std::memcpy(out.value.data(), m.data(), m.size());  // X1..X8, little-endian
  return RsiResult::success(out);
}
std::span<const RsiConditionInfo> rsi_measurement_read_conditions() { return kReadInfo; }

RsiResult rsi_measurement_extend(Extend& c) {
  if (auto f = first_failure(kExtendConditions, c)) return *f;
  std::array<std::uint8_t, 64> value{};
  std::memcpy(value.data(), c.args.value.data(), value.size());  // X3..X10, little-endian
  c.with_realm([&](RealmDescriptor& r) {
    Measurement& rem = r.measurements[c.args.index];
    rem = rem_extend(r.hash_algo, rem, std::span(value.data(), c.args.size));
  });
  return RsiResult::success();
}
std::span<const RsiConditionInfo> rsi_measurement_extend_conditions() { return kExtendInfo; }

RsiResult rsi_realm_config(Config& c) {
  if (auto f = first_failure(kConfigConditions, c)) return *f;
  abi::RsiRealmConfig cfg{};
  c.with_realm([&](RealmDescriptor& r) {
    cfg.ipa_width = r.ipa_width;
    cfg.hash_algo = static_cast<std::uint8_t>(r.hash_algo);
    cfg.rpv = r.rpv;
    cfg.rid = static_cast<std::uint64_t>(r.rid);
  });
  const auto done = access_realm(c.rmm, c.rec, c.args.addr, sizeof cfg,
                                 [&](std::span<std::byte> p) { std::memcpy(p.data(), &cfg, sizeof cfg); });
  return RsiResult::after(done, RsiResult::success());
}
std::span<const RsiConditionInfo> rsi_realm_config_conditions() { return kConfigInfo; }

}  // namespace caec::rmm
