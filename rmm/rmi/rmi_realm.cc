// RMI_REALM_CREATE / ACTIVATE / DESTROY and RMI_REC_AUX_COUNT (rmm-1.0.md §1.4, §3.2).
#include <cstring>
#include <new>

#include "rmm/core/external_locks.h"
#include "rmm/core/features.h"
#include "rmm/core/measure.h"
#include "rmm/rmi/rmi_conditions.h"
#include "rmm/rmi/rmi_handlers.h"
#include "rmm/core/stage2_tables.h"

namespace caec::rmm {

namespace {

constexpr std::size_t kMaxStart = abi::s2tt::kMaxStartTables;

// ---- REALM_CREATE ---------------------------------------------------------------------------
struct CreateCtx : RmiCtx<abi::rmi::RealmCreate, 1 + kMaxStart> {
  static constexpr std::size_t kRdSlot = 0;  // slots 1..16: the starting-level RTTs

  abi::RmiRealmParams p{};

  [[nodiscard]] bool num_start_in_range() const {
    return p.rtt_num_start >= 1 && p.rtt_num_start <= kMaxStart;
  }
  [[nodiscard]] Pa rtt(std::uint64_t i) const { return Pa{p.rtt_base} + i * kGranuleSize; }
  void lock_externals() {
    std::array<std::optional<Pa>, 1 + kMaxStart> pas{};
    pas[0] = args.rd;
    if (num_start_in_range()) {
      for (std::uint64_t i = 0; i < p.rtt_num_start; ++i) pas[1 + i] = rtt(i);
    }
    ext.lock(rmm.granules, pas);
  }
};
using C = CreateCtx;

bool params_unsupported(const abi::RmiRealmParams& p) {
  const auto& f = kFeatures;
  const bool lpa2 = (p.flags & abi::realm_flags::kLpa2) != 0;
  const bool sve = (p.flags & abi::realm_flags::kSve) != 0;
  const bool pmu = (p.flags & abi::realm_flags::kPmu) != 0;
  const bool hash_ok =
      (p.hash_algo == static_cast<std::uint8_t>(abi::RmiHashAlgorithm::kSha256) && f.sha256) ||
      (p.hash_algo == static_cast<std::uint8_t>(abi::RmiHashAlgorithm::kSha512) && f.sha512);
  return (lpa2 && !f.lpa2) || p.s2sz < abi::s2tt::kMinIpaBits || p.s2sz > f.s2sz ||
         (sve && (!f.sve || p.sve_vl > f.sve_vl)) || p.num_bps == 0 || p.num_bps > f.num_bps ||
         p.num_wps == 0 || p.num_wps > f.num_wps ||
         (pmu && (!f.pmu || p.pmu_num_ctrs > f.pmu_num_ctrs)) || !hash_ok;
}

constexpr auto kCreateConditions = concat(
    // Read once into RMM memory: the host cannot change what is validated afterwards.
    cond::ns_page<C, &C::Args::params, &C::p>("params_align", "params_bound", "params_pas"),
    std::to_array<RmiCondition<C>>({
    {"params_valid", cond::kInput,
     [](C& c) {
       return (c.p.flags & abi::realm_flags::kReservedMask) != 0 ||
              c.p.hash_algo > static_cast<std::uint8_t>(abi::RmiHashAlgorithm::kSha512);
     }},
    {"params_supp", cond::kInput, [](C& c) { return params_unsupported(c.p); }},
    {"alias", cond::kInput,
     [](C& c) {
       const std::uint64_t base = c.p.rtt_base;
       const std::uint64_t rd = c.args.rd.value();
       return rd >= base && rd - base < std::uint64_t{c.p.rtt_num_start} * kGranuleSize;
     }},
    }),
    cond::granule<C, &C::Args::rd, C::kRdSlot, GranuleState::kDelegated>("rd_align", "rd_bound", "rd_state"),
    std::to_array<RmiCondition<C>>({
    {"rtt_align", cond::kInput,
     [](C& c) {
       const Pa base{c.p.rtt_base};
       if (!base.is_granule_aligned()) return true;
       return c.num_start_in_range() && (c.p.rtt_base % (c.p.rtt_num_start * kGranuleSize)) != 0;
     }},
    {"rtt_num_level", cond::kInput,
     [](C& c) { return !rtt_config_is_valid(c.p.s2sz, RttLevel{c.p.rtt_level_start}, c.p.rtt_num_start); }},
    {"rtt_state", cond::kInput,
     [](C& c) {
       c.lock_externals();
       for (std::size_t i = 0; i < c.p.rtt_num_start; ++i) {
         if (!c.ext.has_state(1 + i, GranuleState::kDelegated)) return true;
       }
       return false;
     }},
    // Last, because it reserves the VMID when it passes.
    {"vmid_valid", cond::kInput, [](C& c) { return !c.rmm.vmids.reserve(Vmid{c.p.vmid}); }},
    }));
constexpr auto kCreateInfo = describe(kCreateConditions);

// ---- REALM_ACTIVATE / DESTROY / REC_AUX_COUNT ----------------------------------------------
struct RdArgs {
  Pa rd;
};
struct RdCtx : RmiCtx<RdArgs, 1> {
  static constexpr std::size_t kRdSlot = 0;
  std::array<LockedGranule, kMaxStart> start_rtts{};

  void lock_externals() { ext.lock(rmm.granules, {args.rd}); }
  [[nodiscard]] RealmDescriptor& realm() { return realm_of(rmm, *ext.at(kRdSlot)); }
};
using R = RdCtx;

constexpr auto kActivateConditions = concat(cond::rd<R>, std::to_array<RmiCondition<R>>({
    {"realm_state", abi::RmiStatus::kErrorRealm,
     [](R& c) { return c.realm().state != RealmState::kNew; }},
}));
constexpr auto kActivateInfo = describe(kActivateConditions);

constexpr auto kDestroyConditions = concat(cond::rd<R>, std::to_array<RmiCondition<R>>({
    // Live: it has RECs (the RD's refcount) or APT granules (csm-abi.md §5), or a
    // starting-level RTT has a live entry.
    {"realm_live", abi::RmiStatus::kErrorRealm,
     [](R& c) {
       RealmDescriptor& realm = c.realm();
       bool live = c.ext.at(R::kRdSlot)->refcount() != 0 || realm.num_apt != 0;
       for (std::uint32_t i = 0; i < realm.rtt_num_start; ++i) {
         c.start_rtts[i] =
             c.rmm.granules.lock(realm.start_rtt(i), LockRequest::rtt(realm.rtt_level_start));
         live = live || c.start_rtts[i].refcount() != 0;
       }
       return live;
     }},
}));
constexpr auto kDestroyInfo = describe(kDestroyConditions);

constexpr auto kAuxCountConditions = cond::rd<R>;
constexpr auto kAuxCountInfo = describe(kAuxCountConditions);

}  // namespace

RmiResult rmi_realm_create(RmmContext& rmm, const abi::rmi::RealmCreate& args) {
  C c{{rmm, args}};
  if (auto f = first_failure(kCreateConditions, c)) return *f;

  LockedGranule& rd = *c.ext.at(C::kRdSlot);
  rmm.granules.transition(rmm.platform, rd, GranuleState::kRd);
  // cppcheck-suppress legacyUninitvar ; placement new value-initialises the descriptor
  auto* realm = new (rmm.platform.map_granule(rd.pa())) RealmDescriptor{};
  realm->state = RealmState::kNew;
  realm->hash_algo = static_cast<abi::RmiHashAlgorithm>(c.p.hash_algo);
  realm->ipa_width = c.p.s2sz;
  realm->rtt_level_start = RttLevel{c.p.rtt_level_start};
  realm->rtt_num_start = c.p.rtt_num_start;
  realm->rtt_base = Pa{c.p.rtt_base};
  realm->vmid = Vmid{c.p.vmid};
  realm->rec_index = 0;
  realm->rid = Rid{rmm.next_rid.fetch_add(1)};
  realm->rpv = c.p.rpv;
  realm->rim() = rim_init(c.p);
  rmm.realms.add(realm->rid, rd.pa());

  for (std::uint32_t i = 0; i < c.p.rtt_num_start; ++i) {
    LockedGranule& rtt = *c.ext.at(1 + i);
    rmm.granules.transition(rmm.platform, rtt, GranuleState::kRtt);
    init_start_rtt(rmm.platform, rtt, *realm, i);
  }
  return RmiResult::success();
}
std::span<const RmiConditionInfo> rmi_realm_create_conditions() { return kCreateInfo; }

RmiResult rmi_realm_activate(RmmContext& rmm, const abi::rmi::RealmActivate& args) {
  R c{{rmm, {args.rd}}};
  if (auto f = first_failure(kActivateConditions, c)) return *f;
  c.realm().state = RealmState::kActive;
  return RmiResult::success();
}
std::span<const RmiConditionInfo> rmi_realm_activate_conditions() { return kActivateInfo; }

RmiResult rmi_realm_destroy(RmmContext& rmm, const abi::rmi::RealmDestroy& args) {
  R c{{rmm, {args.rd}}};
  if (auto f = first_failure(kDestroyConditions, c)) return *f;
  const RealmDescriptor realm = c.realm();
  // Unprotected block mappings may remain in the starting tables (they do not make an RTT
  // live), so the whole VMID is invalidated before its tables are scrubbed.
  rmm.platform.tlbi_vmid(realm.vmid);
  rmm.platform.s2_release(realm.vmid);
  for (std::uint32_t i = 0; i < realm.rtt_num_start; ++i) {
    rmm.granules.transition(rmm.platform, c.start_rtts[i], GranuleState::kDelegated);
  }
  rmm.granules.transition(rmm.platform, *c.ext.at(R::kRdSlot), GranuleState::kDelegated);
  rmm.vmids.release(realm.vmid);
  rmm.realms.remove(realm.rid);
  return RmiResult::success();
}
std::span<const RmiConditionInfo> rmi_realm_destroy_conditions() { return kDestroyInfo; }

RmiResult rmi_rec_aux_count(RmmContext& rmm, const abi::rmi::RecAuxCount& args) {
  R c{{rmm, {args.rd}}};
  if (auto f = first_failure(kAuxCountConditions, c)) return *f;
  return RmiResult::success(abi::rmi::RecAuxCount::Out{kRecAuxCount});
}
std::span<const RmiConditionInfo> rmi_rec_aux_count_conditions() { return kAuxCountInfo; }

}  // namespace caec::rmm
