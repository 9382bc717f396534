// RMI_GRANULE_DELEGATE / RMI_GRANULE_UNDELEGATE (rmm-1.0.md §1.4).
#include "caec/abi/el3.h"
#include "rmm/core/external_locks.h"
#include "rmm/rmi/rmi_conditions.h"
#include "rmm/rmi/rmi_handlers.h"

namespace caec::rmm {

namespace {

struct GranuleCtx {
  struct Args {
    Pa addr;
  };
  static constexpr std::size_t kGranSlot = 0;

  RmmContext& rmm;
  Args args;
  ExternalLocks<1> ext{};

  void lock_externals() { ext.lock(rmm.granules, {args.addr}); }
};
using G = GranuleCtx;

constexpr std::array<RmiCondition<G>, 4> kDelegateConditions{{
    cond::align<G, &G::Args::addr>("gran_align"),
    cond::bound<G, &G::Args::addr>("gran_bound"),
    cond::state<G, G::kGranSlot, GranuleState::kUndelegated>("gran_state"),
    // The RMM cannot read the GPT: EL3 refusing the move (the granule is not in the NS PAS,
    // e.g. Secure memory) is how it learns the GPT entry is not GPT_NS.
    {"gran_gpt", cond::kInput,
     [](G& c) {
       return c.rmm.platform.el3_call(abi::El3Fid::kGtsiDelegate, c.args.addr) !=
              abi::El3Status::kOk;
     }},
}};
constexpr auto kDelegateInfo = describe(kDelegateConditions);

constexpr std::array<RmiCondition<G>, 4> kUndelegateConditions{{
    cond::align<G, &G::Args::addr>("gran_align"),
    cond::bound<G, &G::Args::addr>("gran_bound"),
    cond::state<G, G::kGranSlot, GranuleState::kDelegated>("gran_state"),
    // CAEC (docs/deviations.md): EL3 refusing to take the granule back (E_RMM_AGAIN, NOMEM)
    // leaves it in the Realm PAS, DELEGATED and zero, so the host may simply try again. TF-RMM
    // panics here; stopping every realm for a refusal that changed nothing is not needed.
    {"gran_gpt", cond::kInput,
     [](G& c) {
       return c.rmm.platform.el3_call(abi::El3Fid::kGtsiUndelegate, c.args.addr) !=
              abi::El3Status::kOk;
     }},
}};
constexpr auto kUndelegateInfo = describe(kUndelegateConditions);

}  // namespace

RmiResult rmi_granule_delegate(RmmContext& rmm, const abi::rmi::GranuleDelegate& args) {
  G c{rmm, {args.addr}};
  if (auto f = first_failure(kDelegateConditions, c)) return *f;
  // EL3 moved the granule to the Realm PAS; the transition scrubs it.
  rmm.granules.transition(rmm.platform, *c.ext.at(G::kGranSlot), GranuleState::kDelegated);
  return RmiResult::success();
}
std::span<const RmiConditionInfo> rmi_granule_delegate_conditions() { return kDelegateInfo; }

RmiResult rmi_granule_undelegate(RmmContext& rmm, const abi::rmi::GranuleUndelegate& args) {
  G c{rmm, {args.addr}};
  if (auto f = first_failure(kUndelegateConditions, c)) return *f;
  // EL3 moved the granule to the NS PAS. A DELEGATED granule is already zero (granule.h), so
  // nothing leaks.
  rmm.granules.transition(rmm.platform, *c.ext.at(G::kGranSlot), GranuleState::kUndelegated);
  return RmiResult::success();
}
std::span<const RmiConditionInfo> rmi_granule_undelegate_conditions() { return kUndelegateInfo; }

}  // namespace caec::rmm
