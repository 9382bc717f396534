// RMI_CAEC_VERSION, RMI_APT_CREATE, RMI_APT_DESTROY (csm-abi.md §2, §5).
#include "caec/abi/csm.h"
#include "rmm/csm/apt.h"
#include "rmm/csm/csm_relations.h"
#include "rmm/core/external_locks.h"
#include "rmm/rmi/rmi_conditions.h"
#include "rmm/rmi/rmi_handlers.h"

namespace caec::rmm {

namespace {

struct AptArgs {
  Pa rd;
  Pa apt;
};
struct AptCtx : RmiCtx<AptArgs, 2> {
  static constexpr std::size_t kRdSlot = 0;
  static constexpr std::size_t kAptSlot = 1;

  bool apt_is_external = false;  // DELEGATED (APT_CREATE) vs APT state, locked after the RD
  LockedGranule apt_lock{};

  void lock_externals() {
    ext.lock(rmm.granules, {args.rd, apt_is_external ? std::optional(args.apt) : std::nullopt});
  }
  [[nodiscard]] RealmDescriptor& realm() { return realm_of(rmm, *ext.at(kRdSlot)); }
};
using A = AptCtx;

constexpr auto kCreateConditions = concat(
    cond::rd<A>,
    cond::granule<A, &A::Args::apt, A::kAptSlot, GranuleState::kDelegated>("apt_align", "apt_bound", "apt_state"),
    std::to_array<RmiCondition<A>>({
        {"realm_state", abi::RmiStatus::kErrorRealm,
         [](A& c) {
           const RealmDescriptor& r = c.realm();
           return r.state == RealmState::kSystemOff || r.csm_closing || r.csm_torn_down;
         }},
    }));
constexpr auto kCreateInfo = describe(kCreateConditions);

constexpr auto kDestroyConditions = concat(cond::rd<A>, cond::address<A, &A::Args::apt>("apt_align", "apt_bound"), std::to_array<RmiCondition<A>>({
    {"apt_state", cond::kInput,
     [](A& c) {
       if (!Apt(c.rmm, c.realm()).contains_granule(c.args.apt)) return true;
       c.apt_lock = c.rmm.granules.lock(c.args.apt, LockRequest::apt());  // after the RD
       return c.apt_lock.state() != GranuleState::kApt;
     }},
    // Only at teardown: the realm is off, or has no RECs left.
    {"realm_running", abi::RmiStatus::kErrorRealm,
     [](A& c) {
       return c.realm().state != RealmState::kSystemOff && c.ext.at(A::kRdSlot)->refcount() != 0;
     }},
}));
constexpr auto kDestroyInfo = describe(kDestroyConditions);

}  // namespace

RmiResult rmi_caec_version(RmmContext&, const abi::rmi::CaecVersion& args) {
  const std::uint64_t req = args.requested;
  const bool ok = (req >> 31U) == 0 && (req >> 16U) == (abi::kCaecAbiVersion >> 16U) &&
                  (req & 0xFFFFU) == 0;
  return {abi::RmiReturn{ok ? abi::RmiStatus::kSuccess : abi::RmiStatus::kErrorInput, 0},
          abi::VersionOut{abi::kCaecAbiVersion, abi::kCaecAbiVersion}};
}
std::span<const RmiConditionInfo> rmi_caec_version_conditions() { return {}; }

RmiResult rmi_apt_create(RmmContext& rmm, const abi::rmi::AptCreate& args) {
  A c{{rmm, {args.rd, args.apt}}, true};
  if (auto f = first_failure(kCreateConditions, c)) return *f;
  LockedGranule& apt = *c.ext.at(A::kAptSlot);
  rmm.granules.transition(rmm.platform, apt, GranuleState::kApt);  // zero = all entries free
  Apt(rmm, c.realm()).append_granule(apt.pa());
  return RmiResult::success();
}
std::span<const RmiConditionInfo> rmi_apt_create_conditions() { return kCreateInfo; }

RmiResult rmi_apt_destroy(RmmContext& rmm, const abi::rmi::AptDestroy& args) {
  for (;;) {
    Rid tear_down{};
    {
      A c{{rmm, {args.rd, args.apt}}, false};
      if (auto f = first_failure(kDestroyConditions, c)) return *f;
      RealmDescriptor& realm = c.realm();
      if (realm.csm_torn_down) {
        Apt(rmm, realm).remove_granule(c.args.apt);
        rmm.granules.transition(rmm.platform, c.apt_lock, GranuleState::kDelegated);
        return RmiResult::success();
      }
      tear_down = realm.rid;
    }
    // First APT_DESTROY of the realm: end its CSM relations with no lock of this command held
    // (the teardown pins the realm by RID at every step), then check everything again.
    tear_down_csm(rmm, args.rd, tear_down);
  }
}
std::span<const RmiConditionInfo> rmi_apt_destroy_conditions() { return kDestroyInfo; }

}  // namespace caec::rmm
