// RSI_VERSION, RSI_FEATURES, RSI_MEASUREMENT_READ/EXTEND, RSI_REALM_CONFIG (rmm-1.0.md §2.1).
#include <cstring>

#include "rmm/measurement.h"
#include "rmm/realm_buffer.h"
#include "rmm/rsi_command.h"

namespace caec::rmm {

namespace {

constexpr auto kInput = abi::RsiStatus::kErrorInput;

constexpr std::array<RsiCondition<RsiCtx>, 1> kReadConditions{{
    {"index_bound", kInput, [](RsiCtx& c) { return c.in.x[1] > 4; }},
}};
constexpr auto kReadInfo = describe(kReadConditions);

constexpr std::array<RsiCondition<RsiCtx>, 2> kExtendConditions{{
    {"index_bound", kInput, [](RsiCtx& c) { return c.in.x[1] < 1 || c.in.x[1] > 4; }},
    {"size_bound", kInput, [](RsiCtx& c) { return c.in.x[2] > abi::kMaxMeasurementBytes; }},
}};
constexpr auto kExtendInfo = describe(kExtendConditions);

constexpr std::array<RsiCondition<RsiCtx>, 3> kConfigConditions{{
    {"addr_align", kInput, [](RsiCtx& c) { return !Ipa{c.in.x[1]}.is_granule_aligned(); }},
    {"addr_bound", kInput,
     [](RsiCtx& c) {
       return !c.with_realm([&](RealmDescriptor& r) { return r.is_protected(Ipa{c.in.x[1]}); });
     }},
    {"buffer", kInput,
     [](RsiCtx& c) {
       return c.with_realm([&](RealmDescriptor& r) {
         return realm_buffer_refused(c.rmm, r, Ipa{c.in.x[1]}, sizeof(abi::RsiRealmConfig));
       });
     }},
}};
constexpr auto kConfigInfo = describe(kConfigConditions);

}  // namespace

// B2 semantics as for RMI_VERSION: RSI 1.0 is the only revision.
RsiResult rsi_version(RsiCtx& c) {
  const std::uint64_t req = c.in.x[1];
  const bool ok = (req >> 31U) == 0 && (req >> 16U) == 1 && (req & 0xFFFFU) == 0;
  RsiResult r = RsiResult::success({abi::kRsiVersion, abi::kRsiVersion});
  if (!ok) r.x0 = static_cast<std::uint64_t>(abi::RsiStatus::kErrorInput);
  return r;
}
std::span<const RsiConditionInfo> rsi_version_conditions() { return {}; }

RsiResult rsi_features(RsiCtx&) { return RsiResult::success({0}); }
std::span<const RsiConditionInfo> rsi_features_conditions() { return {}; }

RsiResult rsi_measurement_read(RsiCtx& c) {
  if (auto f = first_failure(kReadConditions, c)) return *f;
  const Measurement m = c.with_realm([&](RealmDescriptor& r) { return r.measurements[c.in.x[1]]; });
  RsiResult res = RsiResult::success();
  std::memcpy(res.out.data(), m.data(), m.size());  // X1..X8, little-endian
  return res;
}
std::span<const RsiConditionInfo> rsi_measurement_read_conditions() { return kReadInfo; }

RsiResult rsi_measurement_extend(RsiCtx& c) {
  if (auto f = first_failure(kExtendConditions, c)) return *f;
  std::array<std::uint8_t, 64> value{};
  std::memcpy(value.data(), &c.in.x[3], value.size());  // X3..X10
  c.with_realm([&](RealmDescriptor& r) {
    Measurement& rem = r.measurements[c.in.x[1]];
    rem = rem_extend(r.hash_algo, rem, std::span(value.data(), c.in.x[2]));
  });
  return RsiResult::success();
}
std::span<const RsiConditionInfo> rsi_measurement_extend_conditions() { return kExtendInfo; }

RsiResult rsi_realm_config(RsiCtx& c) {
  if (auto f = first_failure(kConfigConditions, c)) return *f;
  abi::RsiRealmConfig cfg{};
  c.with_realm([&](RealmDescriptor& r) {
    cfg.ipa_width = r.ipa_width;
    cfg.hash_algo = static_cast<std::uint8_t>(r.hash_algo);
    cfg.rpv = r.rpv;
    cfg.rid = static_cast<std::uint64_t>(r.rid);
  });
  const auto done = access_realm(c.rmm, c.rec, Ipa{c.in.x[1]}, sizeof cfg, RealmAccess::kWrite,
                                 [&](std::span<std::byte> p) { std::memcpy(p.data(), &cfg, sizeof cfg); });
  return done == BufferAccess::kDone ? RsiResult::success() : RsiResult(kInput);
}
std::span<const RsiConditionInfo> rsi_realm_config_conditions() { return kConfigInfo; }

}  // namespace caec::rmm
