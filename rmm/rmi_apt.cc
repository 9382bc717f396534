// RMI_CAEC_VERSION, RMI_APT_CREATE, RMI_APT_DESTROY (csm-abi.md §2, §5).
#include "caec/abi/csm.h"
#include "rmm/apt.h"
#include "rmm/csm.h"
#include "rmm/external_locks.h"
#include "rmm/rmi_conditions.h"
#include "rmm/rmi_handlers.h"

namespace caec::rmm {

namespace {

struct AptCtx {
  struct Args {
    Pa rd;
    Pa apt;
  };
  static constexpr std::size_t kRdSlot = 0;
  static constexpr std::size_t kAptSlot = 1;

  RmmContext& rmm;
  Args args;
  bool apt_is_external;  // DELEGATED (APT_CREATE) vs APT state, locked after the RD
  ExternalLocks<2> ext{};
  LockedGranule apt_lock{};

  void lock_externals() {
    ext.lock(rmm.granules, {args.rd, apt_is_external ? std::optional(args.apt) : std::nullopt});
  }
  [[nodiscard]] RealmDescriptor& realm() { return realm_of(rmm, *ext.at(kRdSlot)); }
  [[nodiscard]] bool listed() {
    const RealmDescriptor& r = realm();
    for (std::uint32_t i = 0; i < r.num_apt; ++i) {
      if (r.apt[i] == args.apt) return true;
    }
    return false;
  }
};
using A = AptCtx;

constexpr auto kCsm = abi::RmiStatus::kErrorCsm;

constexpr std::array<RmiCondition<A>, 8> kCreateConditions{{
    cond::rd_align<A>, cond::rd_bound<A>, cond::rd_state<A>,
    cond::align<A, &A::Args::apt>("apt_align"),
    cond::bound<A, &A::Args::apt>("apt_bound"),
    cond::state<A, A::kAptSlot, GranuleState::kDelegated>("apt_state"),
    {"realm_state", abi::RmiStatus::kErrorRealm,
     [](A& c) { return c.realm().state == RealmState::kSystemOff || c.realm().csm_torn_down; }},
    {"apt_full", kCsm, [](A& c) { return c.realm().num_apt == kMaxAptGranules; },
     [](const A&) { return std::uint8_t{2}; }},
}};
constexpr auto kCreateInfo = describe(kCreateConditions);

constexpr std::array<RmiCondition<A>, 7> kDestroyConditions{{
    cond::rd_align<A>, cond::rd_bound<A>, cond::rd_state<A>,
    cond::align<A, &A::Args::apt>("apt_align"),
    cond::bound<A, &A::Args::apt>("apt_bound"),
    {"apt_state", cond::kInput,
     [](A& c) {
       if (!c.listed()) return true;
       c.apt_lock = c.rmm.granules.lock(c.args.apt);  // an internal granule: after the RD
       return c.apt_lock.state() != GranuleState::kApt;
     }},
    // Only at teardown: the realm is off, or has no RECs left (the RD's references then are
    // exactly its APT granules).
    {"realm_running", abi::RmiStatus::kErrorRealm,
     [](A& c) {
       return c.realm().state != RealmState::kSystemOff &&
              c.ext.at(A::kRdSlot)->refcount() != c.realm().num_apt;
     }},
}};
constexpr auto kDestroyInfo = describe(kDestroyConditions);

/// Severs the realm's CSM relations with every live realm, one peer at a time (each pair
/// locked in PA order), then empties its APT. After this it takes part in no CSM command.
/// It is closed first: a peer already severed (or created after the snapshot) could otherwise
/// offer it a new sharing, which would name a dead realm once it is destroyed.
void tear_down_csm(RmmContext& rmm, Pa rd, Rid rid) {
  {
    RealmLocks<1> self(rmm, rd, {});
    self.self().csm_closing = true;
  }
  for (const auto& [peer, peer_rd] : rmm.realms.snapshot()) {
    if (peer == rid) continue;
    RealmLocks<2> locks(rmm, rd, {std::nullopt, peer});
    if (RealmDescriptor* p = locks.peer(1)) sever(rmm, locks.self(), *p);
  }
  RealmLocks<1> self(rmm, rd, {});
  Apt(rmm, self.self()).for_each([](AptEntry& e) { Apt::release(e); });
  self.self().csm_torn_down = true;
}

}  // namespace

RmiResult rmi_caec_version(RmmContext&, const abi::SmcRegs& regs) {
  const std::uint64_t req = regs.x[1];
  const bool ok = (req >> 31U) == 0 && (req >> 16U) == (abi::kCaecAbiVersion >> 16U) &&
                  (req & 0xFFFFU) == 0;
  return {abi::RmiReturn{ok ? abi::RmiStatus::kSuccess : abi::RmiStatus::kErrorInput, 0},
          {abi::kCaecAbiVersion, abi::kCaecAbiVersion}};
}
std::span<const RmiConditionInfo> rmi_caec_version_conditions() { return {}; }

RmiResult rmi_apt_create(RmmContext& rmm, const abi::SmcRegs& regs) {
  A c{rmm, {Pa{regs.x[1]}, Pa{regs.x[2]}}, true};
  if (auto f = first_failure(kCreateConditions, c)) return *f;
  LockedGranule& apt = *c.ext.at(A::kAptSlot);
  rmm.granules.transition(rmm.platform, apt, GranuleState::kApt);  // zero = all entries free
  RealmDescriptor& realm = c.realm();
  realm.apt[realm.num_apt++] = apt.pa();
  c.ext.at(A::kRdSlot)->get();  // an APT holds the RD, like a REC
  return RmiResult::success();
}
std::span<const RmiConditionInfo> rmi_apt_create_conditions() { return kCreateInfo; }

RmiResult rmi_apt_destroy(RmmContext& rmm, const abi::SmcRegs& regs) {
  for (;;) {
    Rid tear_down{};
    {
      A c{rmm, {Pa{regs.x[1]}, Pa{regs.x[2]}}, false};
      if (auto f = first_failure(kDestroyConditions, c)) return *f;
      RealmDescriptor& realm = c.realm();
      if (realm.csm_torn_down) {
        for (std::uint32_t i = 0; i < realm.num_apt; ++i) {
          if (realm.apt[i] != c.args.apt) continue;
          realm.apt[i] = realm.apt[--realm.num_apt];
          realm.apt[realm.num_apt] = Pa{};
          break;
        }
        rmm.granules.transition(rmm.platform, c.apt_lock, GranuleState::kDelegated);
        c.ext.at(A::kRdSlot)->put();
        return RmiResult::success();
      }
      tear_down = realm.rid;
    }
    // First APT_DESTROY of the realm: sever its CSM relations (locking realms pairwise, so no
    // lock of this command is held), then check again.
    tear_down_csm(rmm, Pa{regs.x[1]}, tear_down);
  }
}
std::span<const RmiConditionInfo> rmi_apt_destroy_conditions() { return kDestroyInfo; }

}  // namespace caec::rmm
