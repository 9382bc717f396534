// RSI_IPA_STATE_SET / RSI_IPA_STATE_GET (rmm-1.0.md §2.1, §2.3): the realm asks to change
// RIPAS; the host carries it out with RMI_RTT_SET_RIPAS and may refuse.
#include "caec/abi/s2tt.h"
#include "rmm/apt.h"
#include "rmm/realm_exit.h"
#include "rmm/rsi_command.h"
#include "rmm/s2tt.h"

namespace caec::rmm {

namespace {

constexpr auto kInput = abi::RsiStatus::kErrorInput;

bool region_protected(RsiCtx& c) {
  return c.with_realm([&](RealmDescriptor& r) { return c.in.x[2] <= r.ipa_size() / 2; });
}

constexpr std::array<RsiCondition<RsiCtx>, 7> kSetConditions{{
    {"base_align", kInput, [](RsiCtx& c) { return !Ipa{c.in.x[1]}.is_granule_aligned(); }},
    {"top_align", kInput, [](RsiCtx& c) { return !Ipa{c.in.x[2]}.is_granule_aligned(); }},
    {"size_valid", kInput, [](RsiCtx& c) { return c.in.x[2] <= c.in.x[1]; }},
    {"rgn_bound", kInput, [](RsiCtx& c) { return !region_protected(c); }},
    {"ripas_valid", kInput,
     [](RsiCtx& c) {
       return c.in.x[3] != static_cast<std::uint64_t>(abi::Ripas::kEmpty) &&
              c.in.x[3] != static_cast<std::uint64_t>(abi::Ripas::kRam);
     }},
    {"flags", kInput,
     [](RsiCtx& c) { return (c.in.x[4] & ~abi::ipa_state_set_flags::kChangeDestroyed) != 0; }},
    // CAEC: a region's memory changes state only through the CSM commands (csm-abi.md §5).
    {"csm_overlap", kInput,
     [](RsiCtx& c) {
       return c.with_realm([&](RealmDescriptor& r) {
         return Apt(c.rmm, r).overlaps(Ipa{c.in.x[1]}, c.in.x[2] - c.in.x[1]);
       });
     }},
}};
constexpr auto kSetInfo = describe(kSetConditions);

constexpr std::array<RsiCondition<RsiCtx>, 4> kGetConditions{{
    {"base_align", kInput, [](RsiCtx& c) { return !Ipa{c.in.x[1]}.is_granule_aligned(); }},
    {"end_align", kInput, [](RsiCtx& c) { return !Ipa{c.in.x[2]}.is_granule_aligned(); }},
    {"size_valid", kInput, [](RsiCtx& c) { return c.in.x[2] <= c.in.x[1]; }},
    {"rgn_bound", kInput, [](RsiCtx& c) { return !region_protected(c); }},
}};
constexpr auto kGetInfo = describe(kGetConditions);

}  // namespace

RsiResult rsi_ipa_state_set(RsiCtx& c) {
  if (auto f = first_failure(kSetConditions, c)) return *f;
  Rec& rec = c.rec;
  rec.ripas_pending = true;
  rec.ripas_addr = Ipa{c.in.x[1]};
  rec.ripas_top = Ipa{c.in.x[2]};
  rec.ripas_value = static_cast<abi::Ripas>(c.in.x[3]);
  rec.ripas_destroyed = (c.in.x[4] & abi::ipa_state_set_flags::kChangeDestroyed) != 0;
  rec.ripas_reject = false;
  RecExit exit{.reason = abi::RmiRecExitReason::kRipasChange};
  exit.ripas_base = rec.ripas_addr.value();
  exit.ripas_top = rec.ripas_top.value();
  exit.ripas_value = static_cast<std::uint8_t>(rec.ripas_value);
  rec_exit(c.rmm, rec, exit);
  // RMI_RTT_SET_RIPAS advanced ripas_addr as far as the host went.
  const bool reject = rec.ripas_value == abi::Ripas::kRam && rec.ripas_addr != rec.ripas_top &&
                      rec.ripas_reject;
  const std::uint64_t new_base = rec.ripas_addr.value();
  rec.ripas_pending = false;
  rec.ripas_addr = Ipa{};
  rec.ripas_top = Ipa{};
  return RsiResult::success(
      {new_base, static_cast<std::uint64_t>(reject ? abi::RsiRipasResponse::kReject
                                                   : abi::RsiRipasResponse::kAccept)});
}
std::span<const RsiConditionInfo> rsi_ipa_state_set_conditions() { return kSetInfo; }

RsiResult rsi_ipa_state_get(RsiCtx& c) {
  if (auto f = first_failure(kGetConditions, c)) return *f;
  const Ipa base{c.in.x[1]};
  const Ipa top{c.in.x[2]};
  // One walk, and the entries of the table it reached: work bounded by one table under the RD
  // lock (as TF-RMM); a realm that wants more asks again from the returned top.
  return c.with_realm([&](RealmDescriptor& realm) {
    RttWalk w = rtt_walk(c.rmm.platform, c.rmm.granules, realm, base, abi::s2tt::kMaxLevel);
    const abi::Ripas first = w.entry.ripas;
    std::uint64_t i = w.index + 1;
    while (i < abi::s2tt::kEntriesPerTable && w.rtt.entry_ipa(i) < top &&
           w.rtt.entry(i).hipas != Hipas::kTable && w.rtt.entry(i).ripas == first) {
      ++i;
    }
    const Ipa end = w.rtt.entry_ipa(i);
    return RsiResult::success({std::min(end, top).value(), static_cast<std::uint64_t>(first)});
  });
}
std::span<const RsiConditionInfo> rsi_ipa_state_get_conditions() { return kGetInfo; }

}  // namespace caec::rmm
