// RMI_GRANULE_DELEGATE / RMI_GRANULE_UNDELEGATE (rmm-1.0.md §1.4).
#include "caec/abi/el3.h"
#include "rmm/core/external_locks.h"
#include "rmm/rmi/rmi_conditions.h"
#include "rmm/rmi/rmi_handlers.h"

namespace caec::rmm {

namespace {

struct GranuleArgs {
  Pa addr;
};
struct GranuleCtx : RmiCtx<GranuleArgs, 1> {
  static constexpr std::size_t kGranSlot = 0;

  void lock_externals() { ext.lock(rmm.granules, {args.addr}); }
};
using G = GranuleCtx;

/// The granule is aligned, tracked and in state `kFrom`, and EL3 makes the PAS change `kMove`.
/// The RMM cannot read the GPT: EL3 refusing to delegate (the granule is not in the NS PAS,
/// e.g. Secure memory) is how it learns the GPT entry is not GPT_NS. CAEC (docs/deviations.md):
/// EL3 refusing to undelegate (E_RMM_AGAIN, NOMEM) leaves the granule in the Realm PAS,
/// DELEGATED and zero, so the host may simply try again; TF-RMM panics there, but stopping
/// every realm for a refusal that changed nothing is not needed.
template <GranuleState kFrom, abi::El3Fid kMove>
constexpr auto kMoveConditions = concat(
    cond::granule<G, &G::Args::addr, G::kGranSlot, kFrom>("gran_align", "gran_bound", "gran_state"),
    std::to_array<RmiCondition<G>>({
        {"gran_gpt", cond::kInput,
         [](G& c) { return c.rmm.platform.el3_call(kMove, c.args.addr) != abi::El3Status::kOk; }},
    }));
constexpr auto& kDelegateConditions = kMoveConditions<GranuleState::kUndelegated, abi::El3Fid::kGtsiDelegate>;
constexpr auto kDelegateInfo = describe(kDelegateConditions);
constexpr auto& kUndelegateConditions = kMoveConditions<GranuleState::kDelegated, abi::El3Fid::kGtsiUndelegate>;
constexpr auto kUndelegateInfo = describe(kUndelegateConditions);

/// The last condition had EL3 move the granule; its state follows. Into the Realm PAS the
/// transition scrubs it; out of it, a DELEGATED granule is already zero (granule.h), so
/// nothing leaks.
template <const auto& kConditions>
RmiResult move(RmmContext& rmm, Pa addr, GranuleState to) {
  G c{{rmm, {addr}}};
  if (auto f = first_failure(kConditions, c)) return *f;
  rmm.granules.transition(rmm.platform, *c.ext.at(G::kGranSlot), to);
  return RmiResult::success();
}

}  // namespace

RmiResult rmi_granule_delegate(RmmContext& rmm, const abi::rmi::GranuleDelegate& args) {
  return move<kDelegateConditions>(rmm, args.addr, GranuleState::kDelegated);
}
std::span<const RmiConditionInfo> rmi_granule_delegate_conditions() { return kDelegateInfo; }

RmiResult rmi_granule_undelegate(RmmContext& rmm, const abi::rmi::GranuleUndelegate& args) {
  return move<kUndelegateConditions>(rmm, args.addr, GranuleState::kUndelegated);
}
std::span<const RmiConditionInfo> rmi_granule_undelegate_conditions() { return kUndelegateInfo; }

}  // namespace caec::rmm
