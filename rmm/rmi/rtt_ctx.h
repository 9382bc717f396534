// Shared context and failure conditions of the commands that walk a realm's RTTs
// (RTT_*, DATA_*): rd + optional granule argument, an IPA, a level, and the walk result.
#pragma once

#include <optional>

#include "caec/abi/rmi_commands.h"
#include "caec/abi/s2tt.h"
#include "rmm/core/external_locks.h"
#include "rmm/rmi/rmi_conditions.h"
#include "rmm/core/stage2_tables.h"

namespace caec::rmm {

/// The union of the walking commands' arguments, named as RttCtx's conditions use them.
struct RttArgs {
  Pa rd;
  Pa gran;  // the RTT or DATA granule the command names, if any
  Ipa ipa;
  RttLevel level = abi::s2tt::kMaxLevel;
  std::uint64_t desc = 0;   // MAP_UNPROTECTED
  Pa src;                   // DATA_CREATE
  std::uint64_t flags = 0;  // DATA_CREATE
  Ipa top;                  // INIT_RIPAS
};

struct RttCtx : RmiCtx<RttArgs, 2> {
  static constexpr std::size_t kRdSlot = 0;
  static constexpr std::size_t kGranSlot = 1;

  /// From the command's view (abi/rmi_commands.h): the fields it has, by name. A command that
  /// names a granule (RTT_CREATE's rtt, DATA_CREATE*'s data, RTT_SET_RIPAS's rec) locks it with
  /// the RD; INIT_RIPAS and SET_RIPAS walk from `base`.
  template <class View>
  // cppcheck-suppress uninitDerivedMemberVar ; the base RmiCtx is initialised by RmiCtx{r, {}}
  RttCtx(RmmContext& r, const View& a) : RmiCtx{r, {}} {
    args.rd = a.rd;
    if constexpr (requires { a.rtt; }) {
      args.gran = a.rtt;
      names_granule = true;
    }
    if constexpr (requires { a.data; }) {
      args.gran = a.data;
      names_granule = true;
    }
    if constexpr (requires { a.rec; }) {
      args.gran = a.rec;
      names_granule = true;
    }
    if constexpr (requires { a.ipa; }) args.ipa = a.ipa;
    if constexpr (requires { a.base; }) args.ipa = a.base;
    if constexpr (requires { a.top; }) args.top = a.top;
    if constexpr (requires { a.level; }) args.level = a.level;
    if constexpr (requires { a.desc; }) args.desc = a.desc;
    if constexpr (requires { a.src; }) args.src = a.src;
    if constexpr (requires { a.flags; }) args.flags = a.flags;
  }

  bool names_granule = false;
  std::optional<RttWalk> walk;
  /// The `top` output a failing command still reports (0 when no walk happened).
  std::uint64_t fail_top = 0;

  void lock_externals() {
    ext.lock(rmm.granules, {args.rd, names_granule ? std::optional(args.gran) : std::nullopt});
  }
  [[nodiscard]] RealmDescriptor& realm() { return realm_of(rmm, *ext.at(kRdSlot)); }
  [[nodiscard]] RttLevel level() const { return args.level; }
  [[nodiscard]] RttLevel start_level() { return realm().rtt_level_start; }

  /// Walks to `target` and records the walk; true if it stopped above `target`.
  bool walk_to(Ipa ipa, RttLevel target) {
    walk.emplace(rtt_walk(rmm.platform, rmm.granules, realm(), ipa, target));
    return walk->level() < target;
  }
  /// RttSkipNonLiveEntries from the walk's entry, never below `ipa`.
  [[nodiscard]] std::uint64_t walk_top(Ipa ipa) const {
    const Ipa top = walk->rtt.skip_non_live(walk->index);
    return std::max(top, ipa).value();
  }
};

namespace cond {

using T = RttCtx;

/// RMI_ERROR_RTT's index: a level the RMM checked, so 0-3.
[[nodiscard]] constexpr std::uint8_t error_index(RttLevel level) { return static_cast<std::uint8_t>(level.value()); }

template <class Ctx>
[[nodiscard]] std::uint8_t walk_level(const Ctx& c) {
  return error_index(c.walk->level());
}

/// level_bound for commands that create, destroy or fold a table: start+1 <= level <= 3.
inline constexpr RmiCondition<T> table_level_bound{"level_bound", kInput, [](T& c) {
  return c.args.level <= c.start_level() || c.args.level > abi::s2tt::kMaxLevel;
}};
/// ipa_align for table commands: aligned to the entry of the parent (level - 1).
inline constexpr RmiCondition<T> parent_ipa_align{"ipa_align", kInput, [](T& c) {
  return !c.args.ipa.is_aligned(abi::s2tt::entry_size(c.level().parent()));
}};
/// ipa_align for entry commands: aligned to an entry at `level`.
inline constexpr RmiCondition<T> ipa_align{"ipa_align", kInput, [](T& c) {
  return !c.args.ipa.is_aligned(abi::s2tt::entry_size(c.level()));
}};
/// ipa_bound: outside the realm's IPA space.
inline constexpr RmiCondition<T> ipa_bound{"ipa_bound", kInput,
                                           [](T& c) { return !c.realm().in_ipa_space(c.args.ipa); }};
/// ipa_bound for protected-only commands (DATA_*): not a protected IPA.
inline constexpr RmiCondition<T> protected_ipa_bound{"ipa_bound", kInput,
                                                     [](T& c) { return !c.realm().is_protected(c.args.ipa); }};
/// rtt_walk to level - 1 (the parent of a table); records top for the failure reply.
inline constexpr RmiCondition<T> parent_walk{"rtt_walk", abi::RmiStatus::kErrorRtt,
  [](T& c) {
    const bool short_walk = c.walk_to(c.args.ipa, c.level().parent());
    c.fail_top = c.walk_top(c.args.ipa);
    return short_walk;
  },
  walk_level<T>};
/// rtt_walk to `level` itself.
inline constexpr RmiCondition<T> entry_walk{"rtt_walk", abi::RmiStatus::kErrorRtt,
  [](T& c) {
    const bool short_walk = c.walk_to(c.args.ipa, c.level());
    c.fail_top = c.walk_top(c.args.ipa);
    return short_walk;
  },
  walk_level<T>};

/// rtte_state: the walked entry is not in state `H`.
template <Hipas H>
inline constexpr RmiCondition<T> rtte_is_not{"rtte_state", abi::RmiStatus::kErrorRtt,
  [](T& c) { return c.walk->entry.hipas != H; }, walk_level<T>};

}  // namespace cond
}  // namespace caec::rmm
