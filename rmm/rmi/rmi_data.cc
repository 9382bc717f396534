// RMI_DATA_CREATE / DATA_CREATE_UNKNOWN / DATA_DESTROY (rmm-1.0.md §1.4, §4).
#include <cstring>

#include "caec/abi/csm.h"
#include "rmm/csm/apt.h"
#include "rmm/csm/csm_relations.h"
#include "rmm/core/measure.h"
#include "rmm/rmi/rmi_handlers.h"
#include "rmm/rmi/rtt_ctx.h"

namespace caec::rmm {

namespace {

namespace s2 = abi::s2tt;
using T = RttCtx;

/// DATA_CREATE reads its source page once into RMM memory (at `src_pas`), so what is measured
/// and copied is exactly what was checked, whatever the host does to the page meanwhile.
struct DataCtx : RttCtx {
  using RttCtx::RttCtx;
  std::array<std::byte, kGranuleSize> page{};
};
using D = DataCtx;

constexpr auto kData = &T::Args::gran;

template <class Ctx>
constexpr auto data_conditions() {
  return concat(cond::granule<Ctx, kData, T::kGranSlot, GranuleState::kDelegated>("data_align", "data_bound", "data_state"),
                std::to_array<RmiCondition<Ctx>>({
                    {"data_bound2", cond::kInput,
                     [](Ctx& c) { return c.args.gran.value() >= (1ULL << s2::kMaxPaBits); }},
                }));
}

/// rtt_walk, rtte_state, then (CAEC) csm_reservation: a consumer never gains private granules
/// inside a CSM reservation (csm-abi.md §4).
template <class Ctx>
constexpr std::array<RmiCondition<Ctx>, 3> walk_to_unassigned_page() {
  return {{
      {"rtt_walk", abi::RmiStatus::kErrorRtt,
       [](Ctx& c) { return c.walk_to(c.args.ipa, s2::kMaxLevel); }, cond::walk_level<Ctx>},
      {"rtte_state", abi::RmiStatus::kErrorRtt,
       [](Ctx& c) { return c.walk->entry.hipas != Hipas::kUnassigned; }, cond::walk_level<Ctx>},
      {"csm_reservation", abi::RmiStatus::kErrorCsm,
       [](Ctx& c) { return Apt(c.rmm, c.realm()).reservation_at(c.args.ipa) != nullptr; },
       [](const Ctx&) { return static_cast<std::uint8_t>(abi::CsmErrorReason::kInsideReservation); }},
  }};
}

// No csm_reservation here: DATA_CREATE needs a NEW realm, and only a running (ACTIVE) realm can
// hold a reservation, so the condition could never fire (docs/deviations.md).
constexpr auto kCreateWalk = walk_to_unassigned_page<D>();
constexpr auto kCreateConditions = concat(
    // Reserved flag bits first, as TF-RMM does (any reserved encoding is RMI_ERROR_INPUT).
    std::to_array<RmiCondition<D>>({
        {"flags_valid", cond::kInput,
         [](D& c) { return (c.args.flags & abi::data_flags::kReservedMask) != 0; }},
    }),
    cond::ns_page<D, &T::Args::src, &D::page>("src_align", "src_bound", "src_pas"),
    data_conditions<D>(),
    cond::rd<D>,
    std::to_array<RmiCondition<D>>({
        {"ipa_align", cond::kInput, [](D& c) { return !c.args.ipa.is_granule_aligned(); }},
        {"ipa_bound", cond::kInput, [](D& c) { return !c.realm().is_protected(c.args.ipa); }},
        {"realm_state", abi::RmiStatus::kErrorRealm,
         [](D& c) { return c.realm().state != RealmState::kNew; }},
        kCreateWalk[0], kCreateWalk[1],
    }));
constexpr auto kCreateInfo = describe(kCreateConditions);

constexpr auto kUnknownConditions = concat(
    data_conditions<T>(), cond::rd<T>,
    std::to_array<RmiCondition<T>>({
        {"ipa_align", cond::kInput, [](T& c) { return !c.args.ipa.is_granule_aligned(); }},
        cond::protected_ipa_bound,
    }),
    walk_to_unassigned_page<T>());
constexpr auto kUnknownInfo = describe(kUnknownConditions);

constexpr auto kDestroyConditions = concat(cond::rd<T>, std::to_array<RmiCondition<T>>({
    {"ipa_align", cond::kInput, [](T& c) { return !c.args.ipa.is_granule_aligned(); }},
    cond::protected_ipa_bound,
    {"rtt_walk", abi::RmiStatus::kErrorRtt,
     [](T& c) {
       const bool short_walk = c.walk_to(c.args.ipa, s2::kMaxLevel);
       c.fail_top = c.walk_top(c.args.ipa);
       return short_walk;
     },
     cond::walk_level<T>},
    cond::rtte_is_not<Hipas::kAssigned>,
}));
constexpr auto kDestroyInfo = describe(kDestroyConditions);

/// Makes the locked DELEGATED granule DATA and maps it at the walked entry; then, with every
/// lock of the command released (the granule is DATA now, a later lock class than the RD it
/// was locked with), maps it into the consumers of a region it falls in (csm-abi.md §5).
RmiResult assign(T& c, abi::Ripas ripas) {
  LockedGranule& data = *c.ext.at(T::kGranSlot);
  c.rmm.granules.transition(c.rmm.platform, data, GranuleState::kData);
  c.walk->rtt.set(c.walk->index,
                  RttEntry{.hipas = Hipas::kAssigned, .ripas = ripas, .addr = data.pa()});
  const Rid provider = c.realm().rid;
  const Pa pa = data.pa();
  c.walk.reset();
  c.ext = {};
  if (ripas == abi::Ripas::kRam) share_new_granule(c.rmm, provider, c.args.ipa, pa);
  return RmiResult::success();
}

}  // namespace

RmiResult rmi_data_create(RmmContext& rmm, const abi::rmi::DataCreate& args) {
  D c(rmm, args);
  if (auto f = first_failure(kCreateConditions, c)) return *f;
  std::memcpy(rmm.platform.map_granule(c.args.gran), c.page.data(), kGranuleSize);
  RealmDescriptor& realm = c.realm();
  realm.rim() = rim_extend_data(realm.hash_algo, realm.rim(), c.args.ipa, c.args.flags, c.page);
  return assign(c, abi::Ripas::kRam);
}
std::span<const RmiConditionInfo> rmi_data_create_conditions() { return kCreateInfo; }

RmiResult rmi_data_create_unknown(RmmContext& rmm, const abi::rmi::DataCreateUnknown& args) {
  T c(rmm, args);
  if (auto f = first_failure(kUnknownConditions, c)) return *f;
  // Contents "unknown" to the realm: zero, by the DELEGATED invariant. RIPAS is unchanged.
  return assign(c, c.walk->entry.ripas);
}
std::span<const RmiConditionInfo> rmi_data_create_unknown_conditions() { return kUnknownInfo; }

RmiResult rmi_data_destroy(RmmContext& rmm, const abi::rmi::DataDestroy& args) {
  T c(rmm, args);
  if (auto f = first_failure(kDestroyConditions, c)) return {*f, abi::rmi::DataDestroy::Out{.data = Pa{}, .top = Ipa{c.fail_top}}};
  const RttEntry e = c.walk->entry;
  // RAM becomes DESTROYED so the realm learns its memory was taken; EMPTY and DESTROYED stay.
  const auto ripas = e.ripas == abi::Ripas::kRam ? abi::Ripas::kDestroyed : e.ripas;
  c.walk->rtt.set(c.walk->index, RttEntry{.hipas = Hipas::kUnassigned, .ripas = ripas});
  const std::uint64_t top = c.walk_top(c.args.ipa);
  if (e.foreign) {
    // A consumer's CSM mapping: only this mapping goes; the provider's granule stays DATA.
    LockedGranule data = rmm.granules.lock(e.addr, LockRequest::data());
    data.put();
    return RmiResult::success(abi::rmi::DataDestroy::Out{e.addr, Ipa{top}});
  }
  // A provider's granule: every consumer loses it (their entries mirror DESTROYED) before it is
  // scrubbed. That visits the consumers one at a time, with this command's locks released.
  const Rid provider = c.realm().rid;
  std::optional<AptEntry> region;
  if (const AptEntry* r = Apt(rmm, c.realm()).region_at(c.args.ipa)) region = *r;
  c.walk.reset();
  c.ext = {};
  if (region) withdraw_granule(rmm, provider, region->csm_id, region->base, c.args.ipa, e.addr);
  LockedGranule data = rmm.granules.lock(e.addr, LockRequest::data());
  rmm.granules.transition(rmm.platform, data, GranuleState::kDelegated);
  return RmiResult::success(abi::rmi::DataDestroy::Out{e.addr, Ipa{top}});
}
std::span<const RmiConditionInfo> rmi_data_destroy_conditions() { return kDestroyInfo; }

}  // namespace caec::rmm
