// RMI_REC_CREATE / RMI_REC_DESTROY / RMI_PSCI_COMPLETE (rmm-1.0.md §1.4, §3.3).
#include <new>

#include "rmm/core/features.h"
#include "rmm/core/measure.h"
#include "rmm/core/rec_locks.h"
#include "rmm/rmi/rmi_conditions.h"
#include "rmm/rmi/rmi_handlers.h"

namespace caec::rmm {

namespace {

constexpr std::size_t kMaxAux = abi::kMaxRecAux;

// ---- REC_CREATE -----------------------------------------------------------------------------
struct CreateCtx : RmiCtx<abi::rmi::RecCreate, 2 + kMaxAux> {
  static constexpr std::size_t kRecSlot = 0;
  static constexpr std::size_t kRdSlot = 1;  // slots 2..: the auxiliary granules

  abi::RmiRecParams p{};

  [[nodiscard]] Pa aux(std::size_t i) const { return Pa{p.aux[i]}; }
  void lock_externals() {
    std::array<std::optional<Pa>, 2 + kMaxAux> pas{};
    pas[kRecSlot] = args.rec;
    pas[kRdSlot] = args.rd;
    if (p.num_aux <= kMaxAux) {
      for (std::size_t i = 0; i < p.num_aux; ++i) pas[2 + i] = aux(i);
    }
    ext.lock(rmm.granules, pas);
  }
  [[nodiscard]] RealmDescriptor& realm() { return realm_of(rmm, *ext.at(kRdSlot)); }
};
using C = CreateCtx;

constexpr auto kCreateConditions = concat(
    cond::ns_page<C, &C::Args::params, &C::p>("params_align", "params_bound", "params_pas"),
    cond::granule<C, &C::Args::rec, C::kRecSlot, GranuleState::kDelegated>("rec_align", "rec_bound", "rec_state"),
    cond::rd<C>,
    std::to_array<RmiCondition<C>>({
    {"realm_state", abi::RmiStatus::kErrorRealm,
     [](C& c) { return c.realm().state != RealmState::kNew; }},
    {"num_recs", abi::RmiStatus::kErrorRealm,
     [](C& c) { return c.ext.at(C::kRdSlot)->refcount() >= kFeatures.max_recs(); }},
    {"mpidr_index", cond::kInput,
     [](C& c) {
       return (c.p.mpidr & ~abi::kMpidrValidMask) != 0 ||
              abi::rec_index_from_mpidr(c.p.mpidr) != c.realm().rec_index;
     }},
    {"num_aux", cond::kInput, [](C& c) { return c.p.num_aux != kRecAuxCount; }},
    {"aux_align", cond::kInput,
     [](C& c) {
       for (std::size_t i = 0; i < c.p.num_aux; ++i) {
         if (!c.aux(i).is_granule_aligned()) return true;
       }
       return false;
     }},
    {"aux_alias", cond::kInput,
     [](C& c) {
       for (std::size_t i = 0; i < c.p.num_aux; ++i) {
         if (c.aux(i) == c.args.rec) return true;
         for (std::size_t j = i + 1; j < c.p.num_aux; ++j) {
           if (c.aux(i) == c.aux(j)) return true;
         }
       }
       return false;
     }},
    {"aux_state", cond::kInput,
     [](C& c) {
       for (std::size_t i = 0; i < c.p.num_aux; ++i) {
         if (!c.ext.has_state(2 + i, GranuleState::kDelegated)) return true;
       }
       return false;
     }},
}));
constexpr auto kCreateInfo = describe(kCreateConditions);

// ---- REC_DESTROY ----------------------------------------------------------------------------
struct DestroyCtx : RmiCtx<abi::rmi::RecDestroy, 2> {
  static constexpr std::size_t kRecSlot = 0;
  static constexpr std::size_t kRdSlot = 1;

  void lock_externals() {
    if (!ext.locked()) lock_rec_with_owner(rmm, ext, args.rec, {});
  }
};
using D = DestroyCtx;

constexpr auto kDestroyConditions = concat(
    cond::granule<D, &D::Args::rec, D::kRecSlot, GranuleState::kRec>("rec_align", "rec_bound", "rec_gran_state"),
    std::to_array<RmiCondition<D>>({
        {"rec_state", abi::RmiStatus::kErrorRec,
         [](D& c) { return c.ext.at(D::kRecSlot)->refcount() != 0; }},
    }));
constexpr auto kDestroyInfo = describe(kDestroyConditions);

// ---- PSCI_COMPLETE --------------------------------------------------------------------------
struct CompleteCtx : RmiCtx<abi::rmi::PsciComplete, 2> {
  static constexpr std::size_t kCallingSlot = 0;
  static constexpr std::size_t kTargetSlot = 1;

  void lock_externals() { ext.lock(rmm.granules, {args.calling_rec, args.target_rec}); }
  [[nodiscard]] Rec& calling() { return rec_of(rmm, *ext.at(kCallingSlot)); }
  [[nodiscard]] Rec& target() { return rec_of(rmm, *ext.at(kTargetSlot)); }
};
using P = CompleteCtx;

/// PsciReturnCodePermitted: SUCCESS always; DENIED only for a CPU_ON whose target is off.
bool status_permitted(P& c) {
  const auto status = static_cast<std::int64_t>(c.args.status);
  if (status == static_cast<std::int64_t>(abi::PsciStatus::kSuccess)) return true;
  return status == static_cast<std::int64_t>(abi::PsciStatus::kDenied) &&
         c.calling().psci == PsciPending::kCpuOn && !c.target().runnable;
}

constexpr auto kCompleteConditions = concat(
    std::to_array<RmiCondition<P>>({
        {"alias", cond::kInput, [](P& c) { return c.args.calling_rec == c.args.target_rec; }},
    }),
    cond::address<P, &P::Args::calling_rec>("calling_align", "calling_bound"),
    std::to_array<RmiCondition<P>>({
        // As TF-RMM: a calling REC that is RUNNING (its PSCI exit still completing) is refused.
        {"calling_state", cond::kInput,
         [](P& c) {
           c.lock_externals();
           return !c.ext.has_state(P::kCallingSlot, GranuleState::kRec) ||
                  c.ext.at(P::kCallingSlot)->refcount() != 0;
         }},
    }),
    cond::granule<P, &P::Args::target_rec, P::kTargetSlot, GranuleState::kRec>("target_align", "target_bound",
                                                                                  "target_state"),
    std::to_array<RmiCondition<P>>({
        {"pending", cond::kInput, [](P& c) { return c.calling().psci == PsciPending::kNone; }},
        {"owner", cond::kInput, [](P& c) { return c.calling().owner != c.target().owner; }},
        {"target", cond::kInput,
         [](P& c) { return c.target().mpidr != c.calling().psci_target_mpidr; }},
        {"status", cond::kInput, [](P& c) { return !status_permitted(c); }},
    }));
constexpr auto kCompleteInfo = describe(kCompleteConditions);

}  // namespace

RmiResult rmi_rec_create(RmmContext& rmm, const abi::rmi::RecCreate& args) {
  C c{{rmm, args}};
  if (auto f = first_failure(kCreateConditions, c)) return *f;
  RealmDescriptor& realm = c.realm();
  LockedGranule& rec_g = *c.ext.at(C::kRecSlot);
  rmm.granules.transition(rmm.platform, rec_g, GranuleState::kRec);
  // cppcheck-suppress legacyUninitvar ; placement new value-initialises the REC
  auto* rec = new (rmm.platform.map_granule(rec_g.pa())) Rec{};
  rec->owner = c.args.rd;
  rec->index = realm.rec_index;
  rec->mpidr = c.p.mpidr;
  rec->runnable = (c.p.flags & abi::rec_flags::kRunnable) != 0;
  rec->start.pc = c.p.pc;
  rec->start.gprs = c.p.gprs;
  rec->start.index = realm.rec_index;
  rec->num_aux = static_cast<std::uint32_t>(c.p.num_aux);
  for (std::size_t i = 0; i < c.p.num_aux; ++i) {
    rec->aux[i] = c.aux(i);
    rmm.granules.transition(rmm.platform, *c.ext.at(2 + i), GranuleState::kRecAux);
  }
  ++realm.rec_index;
  c.ext.at(C::kRdSlot)->get();
  if (rec->runnable) realm.rim() = rim_extend_rec(realm.hash_algo, realm.rim(), c.p);
  return RmiResult::success();
}
std::span<const RmiConditionInfo> rmi_rec_create_conditions() { return kCreateInfo; }

RmiResult rmi_rec_destroy(RmmContext& rmm, const abi::rmi::RecDestroy& args) {
  D c{{rmm, args}};
  if (auto f = first_failure(kDestroyConditions, c)) return *f;
  const Rec rec = rec_of(rmm, *c.ext.at(D::kRecSlot));
  // The REC's execution context goes first: nothing may run on state about to be scrubbed.
  rmm.platform.realm_release(c.args.rec);
  for (std::size_t i = 0; i < rec.num_aux; ++i) {
    LockedGranule aux = rmm.granules.lock(rec.aux[i], LockRequest::rec_aux());
    rmm.granules.transition(rmm.platform, aux, GranuleState::kDelegated);
  }
  rmm.granules.transition(rmm.platform, *c.ext.at(D::kRecSlot), GranuleState::kDelegated);
  c.ext.at(D::kRdSlot)->put();
  return RmiResult::success();
}
std::span<const RmiConditionInfo> rmi_rec_destroy_conditions() { return kDestroyInfo; }

RmiResult rmi_psci_complete(RmmContext& rmm, const abi::rmi::PsciComplete& args) {
  P c{{rmm, args}};
  if (auto f = first_failure(kCompleteConditions, c)) return *f;
  Rec& calling = c.calling();
  Rec& target = c.target();
  const auto status = static_cast<std::int64_t>(c.args.status);
  // A target still RUNNING (its exit not yet complete on another host thread) counts as on,
  // and is not modified under its PE's feet.
  const bool target_on = target.runnable || c.ext.at(P::kTargetSlot)->refcount() != 0;
  if (status != static_cast<std::int64_t>(abi::PsciStatus::kSuccess)) {
    calling.psci_result = c.args.status;
  } else if (calling.psci == PsciPending::kAffinityInfo) {
    calling.psci_result = target_on ? 0U : 1U;  // ON : OFF
  } else if (target_on) {
    calling.psci_result = static_cast<std::uint64_t>(abi::PsciStatus::kAlreadyOn);
  } else {
    target.runnable = true;
    target.start = RecStart{.pc = calling.psci_entry, .gprs = {}, .index = target.index};
    target.start.gprs[0] = calling.psci_context;
    calling.psci_result = static_cast<std::uint64_t>(abi::PsciStatus::kSuccess);
  }
  calling.psci = PsciPending::kNone;
  return RmiResult::success();
}
std::span<const RmiConditionInfo> rmi_psci_complete_conditions() { return kCompleteInfo; }

}  // namespace caec::rmm
