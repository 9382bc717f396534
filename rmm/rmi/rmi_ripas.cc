// RMI_RTT_INIT_RIPAS (rmm-1.0.md §1.4): the host declares realm RAM while the realm is NEW;
// every RTT entry it covers is measured into the RIM.
#include "caec/abi/csm.h"
#include "rmm/csm/apt.h"
#include "rmm/core/measure.h"
#include "rmm/core/rec.h"
#include "rmm/rmi/rmi_handlers.h"
#include "rmm/rmi/rtt_ctx.h"

namespace caec::rmm {

namespace {

namespace s2 = abi::s2tt;
using T = RttCtx;

/// walk_top: from base, the entries of the walked RTT that are UNASSIGNED with RIPAS EMPTY or
/// RAM, capped at top and aligned down to the entry size. Stopping at any other entry (not only
/// at TABLE entries, as the spec's pseudocode does) is TF-RMM's safer reading.
Ipa init_ripas_walk_top(const T& c) {
  const Rtt& rtt = c.walk->rtt;
  std::uint64_t i = c.walk->index;
  for (; i < s2::kEntriesPerTable; ++i) {
    const RttEntry e = rtt.entry(i);
    if (e.hipas != Hipas::kUnassigned || e.ripas == abi::Ripas::kDestroyed) break;
    if (rtt.entry_ipa(i) + rtt.entry_size() > c.args.top) break;
  }
  return rtt.entry_ipa(i);
}

constexpr auto kConditions = concat(cond::rd<T>, std::to_array<RmiCondition<T>>({
    {"size_valid", cond::kInput, [](T& c) { return c.args.top <= c.args.ipa; }},
    {"top_bound", cond::kInput,
     [](T& c) { return c.args.top.value() > c.realm().ipa_size() / 2; }},
    {"realm_state", abi::RmiStatus::kErrorRealm,
     [](T& c) { return c.realm().state != RealmState::kNew; }},
    {"base_align", abi::RmiStatus::kErrorRtt,
     [](T& c) {
       (void)c.walk_to(c.args.ipa, s2::kMaxLevel);
       return !c.args.ipa.is_aligned(c.walk->rtt.entry_size());
     },
     cond::walk_level<T>},
    {"rtte_state", abi::RmiStatus::kErrorRtt,
     [](T& c) { return c.walk->entry.hipas != Hipas::kUnassigned; }, cond::walk_level<T>},
    {"top_gran_align", cond::kInput, [](T& c) { return !c.args.top.is_granule_aligned(); }},
    {"no_progress", abi::RmiStatus::kErrorRtt,
     [](T& c) { return init_ripas_walk_top(c) == c.args.ipa; }, cond::walk_level<T>},
}));
constexpr auto kInfo = describe(kConditions);

// ---- RTT_SET_RIPAS ----------------------------------------------------------------------------
// The host carries out a realm's RSI_IPA_STATE_SET on the REC that asked (args.gran = rec).

Rec& rec_of(T& c) { return rec_of(c.rmm, *c.ext.at(T::kGranSlot)); }

/// walk_top: entries from base up to top (whole entries), stopping at TABLE entries and, unless
/// the realm allowed it, at DESTROYED entries.
Ipa set_ripas_walk_top(const T& c, const Rec& rec) {
  const Rtt& rtt = c.walk->rtt;
  std::uint64_t i = c.walk->index;
  for (; i < s2::kEntriesPerTable; ++i) {
    const RttEntry e = rtt.entry(i);
    if (e.hipas == Hipas::kTable) break;
    if (e.ripas == abi::Ripas::kDestroyed && !rec.ripas_destroyed) break;
    if (rtt.entry_ipa(i) + rtt.entry_size() > c.args.top) break;
  }
  return rtt.entry_ipa(i);
}

constexpr auto kSetConditions = concat(
    cond::rd<T>, cond::granule<T, &T::Args::gran, T::kGranSlot, GranuleState::kRec>("rec_align", "rec_bound", "rec_gran_state"),
    std::to_array<RmiCondition<T>>({
    {"rec_state", abi::RmiStatus::kErrorRec,
     [](T& c) { return c.ext.at(T::kGranSlot)->refcount() != 0; }},
    {"rec_owner", abi::RmiStatus::kErrorRec, [](T& c) { return rec_of(c).owner != c.args.rd; }},
    {"size_valid", cond::kInput, [](T& c) { return c.args.top <= c.args.ipa; }},
    {"base_bound", cond::kInput,
     [](T& c) { return !rec_of(c).ripas_pending || c.args.ipa != rec_of(c).ripas_addr; }},
    {"top_bound", cond::kInput, [](T& c) { return c.args.top > rec_of(c).ripas_top; }},
    {"base_align", abi::RmiStatus::kErrorRtt,
     [](T& c) {
       (void)c.walk_to(c.args.ipa, s2::kMaxLevel);
       return !c.args.ipa.is_aligned(c.walk->rtt.entry_size()) &&
              c.walk->entry.ripas != rec_of(c).ripas_value;
     },
     cond::walk_level<T>},
    {"top_gran_align", cond::kInput, [](T& c) { return !c.args.top.is_granule_aligned(); }},
    {"no_progress", abi::RmiStatus::kErrorRtt,
     [](T& c) {
       return set_ripas_walk_top(c, rec_of(c)) == c.args.ipa &&
              c.walk->entry.ripas != rec_of(c).ripas_value;
     },
     cond::walk_level<T>},
    // CAEC: RSI_IPA_STATE_SET refused a range over a CSM region or reservation, but another REC
    // of the realm may have made one there since: the memory of a region changes state only
    // through the CSM commands (csm-abi.md §5).
    {"csm_range", abi::RmiStatus::kErrorCsm,
     [](T& c) { return Apt(c.rmm, c.realm()).overlaps(c.args.ipa, c.args.top - c.args.ipa); },
     [](const T&) { return static_cast<std::uint8_t>(abi::CsmErrorReason::kCsmRange); }},
}));
constexpr auto kSetInfo = describe(kSetConditions);

}  // namespace

RmiResult rmi_rtt_set_ripas(RmmContext& rmm, const abi::rmi::RttSetRipas& args) {
  T c(rmm, args);
  if (auto f = first_failure(kSetConditions, c)) return *f;
  Rec& rec = rec_of(c);
  Rtt& rtt = c.walk->rtt;
  Ipa top = set_ripas_walk_top(c, rec);
  // The first entry stopped the walk (it is below base when base is not aligned to it): its
  // RIPAS already matches (else base_align / no_progress), so the host is done up to its end.
  if (top <= c.args.ipa) top = std::min(c.args.top, rtt.entry_ipa(c.walk->index) + rtt.entry_size());
  // Only the RIPAS changes: an ASSIGNED entry keeps its granule, and going RAM -> EMPTY makes
  // its descriptor invalid (Rtt::set invalidates the TLB).
  for (std::uint64_t i = c.walk->index; i < s2::kEntriesPerTable && rtt.entry_ipa(i) < top; ++i) {
    RttEntry e = rtt.entry(i);
    e.ripas = rec.ripas_value;
    rtt.set(i, e);
  }
  rec.ripas_addr = top;
  return RmiResult::success(abi::rmi::TopOut{top});
}
std::span<const RmiConditionInfo> rmi_rtt_set_ripas_conditions() { return kSetInfo; }

RmiResult rmi_rtt_init_ripas(RmmContext& rmm, const abi::rmi::RttInitRipas& args) {
  T c(rmm, args);
  if (auto f = first_failure(kConditions, c)) return *f;
  RealmDescriptor& realm = c.realm();
  Rtt& rtt = c.walk->rtt;
  const Ipa top = init_ripas_walk_top(c);
  for (std::uint64_t i = c.walk->index; rtt.entry_ipa(i) < top; ++i) {
    rtt.set(i, RttEntry{.hipas = Hipas::kUnassigned, .ripas = abi::Ripas::kRam});
    realm.rim() = rim_extend_ripas(realm.hash_algo, realm.rim(), rtt.entry_ipa(i),
                                   rtt.entry_ipa(i) + rtt.entry_size());
  }
  return RmiResult::success(abi::rmi::TopOut{top});
}
std::span<const RmiConditionInfo> rmi_rtt_init_ripas_conditions() { return kInfo; }

}  // namespace caec::rmm
