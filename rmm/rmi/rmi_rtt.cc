// RMI_RTT_CREATE / DESTROY / FOLD / READ_ENTRY / MAP_UNPROTECTED / UNMAP_UNPROTECTED
// (rmm-1.0.md §1.4, §3.4). RTT_INIT_RIPAS is in rmi_ripas.cc.
#include "rmm/rmi/rmi_handlers.h"
#include "rmm/rmi/rtt_ctx.h"

namespace caec::rmm {

namespace {

namespace s2 = abi::s2tt;
using T = RttCtx;

/// The children an entry unfolds into: state and RIPAS copied, addresses contiguous.
RttEntry unfold_child(const RttEntry& parent, std::uint64_t i, RttLevel child_level) {
  RttEntry child = parent;
  if (parent.hipas == Hipas::kAssigned || parent.hipas == Hipas::kAssignedNs) {
    child.addr = parent.addr + i * s2::entry_size(child_level);
  }
  return child;
}

/// RTT_FOLD's homogeneity test; returns the folded parent entry if `child` can be folded.
std::optional<RttEntry> fold(const Rtt& child) {
  const RttEntry first = child.entry(0);
  const bool mappings = first.hipas == Hipas::kAssigned || first.hipas == Hipas::kAssignedNs;
  // Consumer-side CSM mappings are never folded: each stands for one sharing's consent on one
  // granule, and a block would hide that (docs/deviations.md).
  if (first.hipas == Hipas::kTable || first.foreign) return std::nullopt;
  if (mappings && (child.level() < RttLevel{2} || !first.addr.is_aligned(s2::entry_size(child.level().parent())))) {
    return std::nullopt;
  }
  for (std::uint64_t i = 1; i < s2::kEntriesPerTable; ++i) {
    const RttEntry expect = mappings ? unfold_child(first, i, child.level()) : first;
    if (child.entry(i) != expect) return std::nullopt;
  }
  return first;
}

LockedGranule lock_child(T& c, LockSite site = LockSite::here()) {
  return c.rmm.granules.lock(c.walk->entry.addr, LockRequest::rtt(c.level(), site));
}

// ---- RTT_CREATE -----------------------------------------------------------------------------
constexpr auto kCreateConditions = concat(
    cond::rd<T>,
    std::to_array<RmiCondition<T>>({cond::table_level_bound, cond::parent_ipa_align, cond::ipa_bound}),
    cond::granule<T, &T::Args::gran, T::kGranSlot, GranuleState::kDelegated>("rtt_align", "rtt_bound", "rtt_state"),
    std::to_array<RmiCondition<T>>({
        {"rtt_bound2", cond::kInput, [](T& c) { return c.args.gran.value() >= (1ULL << s2::kMaxPaBits); }},
        cond::parent_walk,
        {"rtte_state", abi::RmiStatus::kErrorRtt,
         [](T& c) { return c.walk->entry.hipas == Hipas::kTable; }, cond::walk_level<T>},
    }));
constexpr auto kCreateInfo = describe(kCreateConditions);

// ---- RTT_DESTROY / RTT_FOLD -----------------------------------------------------------------
/// Both find the table at (ipa, level) under its parent entry, then ask `label` of the table
/// itself, which fails with RMI_ERROR_RTT at the table's level.
constexpr auto table_conditions(std::string_view label, bool (*fails)(T&)) {
  return concat(cond::rd<T>, std::to_array<RmiCondition<T>>({
      cond::table_level_bound, cond::parent_ipa_align, cond::ipa_bound,
      cond::parent_walk,
      cond::rtte_is_not<Hipas::kTable>,
      {label, abi::RmiStatus::kErrorRtt, fails, [](const T& c) { return cond::error_index(c.level()); }},
  }));
}

constexpr auto kDestroyConditions = table_conditions("rtt_live", [](T& c) {
  c.fail_top = c.args.ipa.value();
  return lock_child(c).refcount() != 0;
});
constexpr auto kDestroyInfo = describe(kDestroyConditions);

constexpr auto kFoldConditions = table_conditions("rtt_homo", [](T& c) {
  Rtt child(c.rmm.platform, lock_child(c), c.level(), c.walk->entry_ipa(), c.realm().vmid);
  return !fold(child).has_value();
});
constexpr auto kFoldInfo = describe(kFoldConditions);

// ---- RTT_READ_ENTRY -------------------------------------------------------------------------
constexpr auto kReadEntryConditions = concat(cond::rd<T>, std::to_array<RmiCondition<T>>({
    {"level_bound", cond::kInput,
     [](T& c) { return c.args.level < c.start_level() || c.args.level > s2::kMaxLevel; }},
    cond::ipa_align, cond::ipa_bound,
}));
constexpr auto kReadEntryInfo = describe(kReadEntryConditions);

// ---- RTT_MAP_UNPROTECTED / RTT_UNMAP_UNPROTECTED ----------------------------------------------
/// RttLevelIsBlockOrPage, and reachable from the realm's starting level.
constexpr RmiCondition<T> kBlockOrPageLevel{"level_bound", cond::kInput, [](T& c) {
  return c.args.level < std::max(RttLevel{1}, c.start_level()) || c.args.level > s2::kMaxLevel;
}};
constexpr RmiCondition<T> kUnprotectedIpaBound{"ipa_bound", cond::kInput, [](T& c) {
  return !c.realm().in_ipa_space(c.args.ipa) || c.realm().is_protected(c.args.ipa);
}};

// addr_bound (desc address >= 2^48 without LPA2) cannot be reached: attr_valid already
// rejects any bit above the 48-bit OA field (docs/deviations.md).
constexpr auto kMapConditions = concat(
    std::to_array<RmiCondition<T>>({
        {"attr_valid", cond::kInput,
         [](T& c) {
           const std::uint64_t d = c.args.desc;
           return (d & ~s2::kHostNsAttrMask) != 0 || (d & s2::kMemAttrNsMask) == s2::kMemAttrNsReserved;
         }},
    }),
    cond::rd<T>,
    std::to_array<RmiCondition<T>>({
        kBlockOrPageLevel,
        {"addr_align", cond::kInput,
         [](T& c) { return !s2::desc_oa(c.args.desc).is_aligned(s2::entry_size(c.level())); }},
        cond::ipa_align, kUnprotectedIpaBound,
        cond::entry_walk,
        cond::rtte_is_not<Hipas::kUnassignedNs>,
    }));
constexpr auto kMapInfo = describe(kMapConditions);

constexpr auto kUnmapConditions = concat(cond::rd<T>, std::to_array<RmiCondition<T>>({
    kBlockOrPageLevel, cond::ipa_align, kUnprotectedIpaBound,
    cond::entry_walk,
    cond::rtte_is_not<Hipas::kAssignedNs>,
}));
constexpr auto kUnmapInfo = describe(kUnmapConditions);


}  // namespace

RmiResult rmi_rtt_create(RmmContext& rmm, const abi::rmi::RttCreate& args) {
  T c(rmm, args);
  if (auto f = first_failure(kCreateConditions, c)) return *f;
  LockedGranule& granule = *c.ext.at(T::kGranSlot);
  rmm.granules.transition(rmm.platform, granule, GranuleState::kRtt);
  const Pa child_pa = granule.pa();
  Rtt child(rmm.platform, std::move(granule), c.level(), c.walk->entry_ipa(), c.realm().vmid);
  // Fill the child completely before it becomes reachable from the parent.
  for (std::uint64_t i = 0; i < s2::kEntriesPerTable; ++i) {
    child.set(i, unfold_child(c.walk->entry, i, c.level()));
  }
  c.walk->rtt.set(c.walk->index, RttEntry{.hipas = Hipas::kTable, .addr = child_pa});
  return RmiResult::success();
}
std::span<const RmiConditionInfo> rmi_rtt_create_conditions() { return kCreateInfo; }

RmiResult rmi_rtt_destroy(RmmContext& rmm, const abi::rmi::RttDestroy& args) {
  T c(rmm, args);
  if (auto f = first_failure(kDestroyConditions, c)) return {*f, abi::rmi::RttDestroy::Out{.rtt = Pa{}, .top = Ipa{c.fail_top}}};
  LockedGranule child = lock_child(c);
  const bool prot = c.realm().is_protected(c.args.ipa);
  // The parent's BBM invalidates every translation the child held (ASSIGNED_NS included).
  c.walk->rtt.set(c.walk->index, prot ? RttEntry{.hipas = Hipas::kUnassigned,
                                                  .ripas = abi::Ripas::kDestroyed}
                                       : RttEntry{.hipas = Hipas::kUnassignedNs});
  rmm.granules.transition(rmm.platform, child, GranuleState::kDelegated);
  return RmiResult::success(abi::rmi::RttDestroy::Out{child.pa(), Ipa{c.walk_top(c.args.ipa)}});
}
std::span<const RmiConditionInfo> rmi_rtt_destroy_conditions() { return kDestroyInfo; }

RmiResult rmi_rtt_fold(RmmContext& rmm, const abi::rmi::RttFold& args) {
  T c(rmm, args);
  if (auto f = first_failure(kFoldConditions, c)) return *f;
  Rtt child(rmm.platform, lock_child(c), c.level(), c.walk->entry_ipa(), c.realm().vmid);
  const RttEntry folded = *fold(child);
  c.walk->rtt.set(c.walk->index, folded);
  // The child's entries now live in the parent's block entry: its references moved there.
  child.granule().drop_refs();
  const Pa child_pa = child.granule().pa();
  rmm.granules.transition(rmm.platform, child.granule(), GranuleState::kDelegated);
  return RmiResult::success(abi::rmi::RttFold::Out{child_pa});
}
std::span<const RmiConditionInfo> rmi_rtt_fold_conditions() { return kFoldInfo; }

RmiResult rmi_rtt_read_entry(RmmContext& rmm, const abi::rmi::RttReadEntry& args) {
  T c(rmm, args);
  if (auto f = first_failure(kReadEntryConditions, c)) return *f;
  const bool prot = c.realm().is_protected(c.args.ipa);
  (void)c.walk_to(c.args.ipa, c.level());
  const RttEntry& e = c.walk->entry;
  const std::uint64_t raw = c.walk->rtt.raw(c.walk->index);
  abi::RmiRttEntryState state = abi::RmiRttEntryState::kUnassigned;
  std::uint64_t desc = 0;
  switch (e.hipas) {
    case Hipas::kUnassigned:
    case Hipas::kUnassignedNs: break;
    case Hipas::kAssigned:
    case Hipas::kTable:
      state = e.hipas == Hipas::kTable ? abi::RmiRttEntryState::kTable
                                       : abi::RmiRttEntryState::kAssigned;
      desc = e.addr.value();
      // A consumer's CSM mapping is marked so the host can tell it from private DATA.
      if (e.foreign) desc |= s2::kCsmForeign | (e.read_only ? s2::kS2apRo : s2::kS2apRw);
      break;
    case Hipas::kAssignedNs:
      state = abi::RmiRttEntryState::kAssigned;
      desc = raw & s2::kHostNsAttrMask;
      break;
  }
  const auto ripas = prot && e.hipas != Hipas::kTable ? e.ripas : abi::Ripas::kEmpty;
  return RmiResult::success(abi::rmi::RttReadEntry::Out{c.walk->level(), state, desc, ripas});
}
std::span<const RmiConditionInfo> rmi_rtt_read_entry_conditions() { return kReadEntryInfo; }

RmiResult rmi_rtt_map_unprotected(RmmContext& rmm, const abi::rmi::RttMapUnprotected& args) {
  T c(rmm, args);
  if (auto f = first_failure(kMapConditions, c)) return *f;
  c.walk->rtt.set(c.walk->index, RttEntry{.hipas = Hipas::kAssignedNs,
                                          .addr = s2::desc_oa(c.args.desc),
                                          .ns_attrs = c.args.desc & ~s2::kOaMask});
  return RmiResult::success();
}
std::span<const RmiConditionInfo> rmi_rtt_map_unprotected_conditions() { return kMapInfo; }

RmiResult rmi_rtt_unmap_unprotected(RmmContext& rmm, const abi::rmi::RttUnmapUnprotected& args) {
  T c(rmm, args);
  if (auto f = first_failure(kUnmapConditions, c)) return {*f, abi::rmi::TopOut{Ipa{c.fail_top}}};
  c.walk->rtt.set(c.walk->index, RttEntry{.hipas = Hipas::kUnassignedNs});
  return RmiResult::success(abi::rmi::TopOut{Ipa{c.walk_top(c.args.ipa)}});
}
std::span<const RmiConditionInfo> rmi_rtt_unmap_unprotected_conditions() { return kUnmapInfo; }

}  // namespace caec::rmm
