// RSI_IPA_STATE_SET / RSI_IPA_STATE_GET (rmm-1.0.md §2.1, §2.3): the realm asks to change
// RIPAS; the host carries it out with RMI_RTT_SET_RIPAS and may refuse.
#include "caec/abi/s2tt.h"
#include "rmm/csm/apt.h"
#include "rmm/runtime/realm_exit.h"
#include "rmm/rsi/rsi_command.h"
#include "rmm/core/stage2_tables.h"

namespace caec::rmm {

namespace {

constexpr auto kInput = abi::RsiStatus::kErrorInput;

using Set = RsiCall<abi::rsi::IpaStateSet>;
using Get = RsiCall<abi::rsi::IpaStateGet>;

/// [base, top) lies in the protected half of the caller's IPA space.
template <class C>
bool region_protected(C& c) {
  return c.with_realm([&](RealmDescriptor& r) { return c.args.top.value() <= r.ipa_size() / 2; });
}

/// base_align, top_align (GET: end_align), size_valid, rgn_bound: the range both commands check.
template <class C>
constexpr std::array<RsiCondition<C>, 4> range_conditions(const char* top_label) {
  return {{
      {"base_align", kInput, [](C& c) { return !c.args.base.is_granule_aligned(); }},
      {top_label, kInput, [](C& c) { return !c.args.top.is_granule_aligned(); }},
      {"size_valid", kInput, [](C& c) { return c.args.top <= c.args.base; }},
      {"rgn_bound", kInput, [](C& c) { return !region_protected(c); }},
  }};
}

constexpr auto kSetRange = range_conditions<Set>("top_align");
constexpr std::array<RsiCondition<Set>, 7> kSetConditions{{
    kSetRange[0], kSetRange[1], kSetRange[2], kSetRange[3],
    {"ripas_valid", kInput,
     [](Set& c) {
       return c.args.ripas != static_cast<std::uint64_t>(abi::Ripas::kEmpty) &&
              c.args.ripas != static_cast<std::uint64_t>(abi::Ripas::kRam);
     }},
    {"flags", kInput,
     [](Set& c) { return (c.args.flags & ~abi::ipa_state_set_flags::kChangeDestroyed) != 0; }},
    // CAEC: a region's memory changes state only through the CSM commands (csm-abi.md §5).
    {"csm_overlap", kInput,
     [](Set& c) {
       return c.with_realm([&](RealmDescriptor& r) {
         return Apt(c.rmm, r).overlaps(c.args.base, c.args.top - c.args.base);
       });
     }},
}};
constexpr auto kSetInfo = describe(kSetConditions);

constexpr auto kGetConditions = range_conditions<Get>("end_align");
constexpr auto kGetInfo = describe(kGetConditions);

}  // namespace

RsiResult rsi_ipa_state_set(Set& c) {
  if (auto f = first_failure(kSetConditions, c)) return *f;
  Rec& rec = c.rec;
  rec.ripas_pending = true;
  rec.ripas_addr = c.args.base;
  rec.ripas_top = c.args.top;
  rec.ripas_value = static_cast<abi::Ripas>(c.args.ripas);
  rec.ripas_destroyed = (c.args.flags & abi::ipa_state_set_flags::kChangeDestroyed) != 0;
  rec.ripas_reject = false;
  RecExit exit = exit_record(abi::RmiRecExitReason::kRipasChange);
  exit.ripas_base = rec.ripas_addr.value();
  exit.ripas_top = rec.ripas_top.value();
  exit.ripas_value = static_cast<std::uint8_t>(rec.ripas_value);
  if (rec_exit(c.rmm, rec, exit) == Reentry::kDestroyed) return RsiResult::destroyed();
  // RMI_RTT_SET_RIPAS advanced ripas_addr as far as the host went.
  const bool reject = rec.ripas_value == abi::Ripas::kRam && rec.ripas_addr != rec.ripas_top &&
                      rec.ripas_reject;
  const Ipa new_base = rec.ripas_addr;
  rec.ripas_pending = false;
  rec.ripas_addr = Ipa{};
  rec.ripas_top = Ipa{};
  return RsiResult::success(abi::rsi::IpaStateSet::Out{
      new_base, reject ? abi::RsiRipasResponse::kReject : abi::RsiRipasResponse::kAccept});
}
std::span<const RsiConditionInfo> rsi_ipa_state_set_conditions() { return kSetInfo; }

RsiResult rsi_ipa_state_get(Get& c) {
  if (auto f = first_failure(kGetConditions, c)) return *f;
  const Ipa base = c.args.base;
  const Ipa top = c.args.top;
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
    return RsiResult::success(abi::rsi::IpaStateGet::Out{std::min(end, top), first});
  });
}
std::span<const RsiConditionInfo> rsi_ipa_state_get_conditions() { return kGetInfo; }

}  // namespace caec::rmm
