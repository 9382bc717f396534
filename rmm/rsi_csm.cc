// The CSM RSI commands (csm-abi.md §3, §4, §7): provider CREATE/SHARE/REVOKE/DESTROY,
// consumer RESERVE/ATTACH/DETACH_AND_FREE, INFO, REALM_MEASUREMENTS, CAEC_VERSION.
// Each locks the realms it involves first (caller and peer RDs in PA order), checks its
// failure conditions in the documented order, changes state, releases every lock, and only
// then makes the REC exit the command calls for.
#include <cstring>

#include "caec/abi/csm.h"
#include "rmm/csm.h"
#include "rmm/realm_exit.h"
#include "rmm/rsi_command.h"

namespace caec::rmm {

namespace {

constexpr auto kInput = abi::RsiStatus::kErrorInput;
constexpr auto kState = abi::RsiStatus::kErrorState;
constexpr auto kCapacity = abi::RsiStatus::kErrorCapacity;

RecExit csm_exit(abi::RmiRecExitReason reason, Ipa base, std::uint64_t size, CsmId id) {
  RecExit e{.reason = reason};
  e.csm_base = base.value();
  e.csm_top = (base + size).value();
  e.csm_id = static_cast<std::uint64_t>(id);
  return e;
}

bool range_invalid(std::uint64_t base, std::uint64_t size) {
  return !Ipa{base}.is_granule_aligned() || !Ipa{size}.is_granule_aligned() || size == 0 ||
         base + size < base;
}
bool range_unprotected(const RealmDescriptor& r, std::uint64_t base, std::uint64_t size) {
  return base + size > r.ipa_size() / 2;
}

/// The context of a CSM command over the caller and one peer (slot 1).
struct PairCtx {
  RsiCtx& c;
  RealmLocks<2>& locks;
  [[nodiscard]] RealmDescriptor& self() { return locks.self(); }
  [[nodiscard]] RealmDescriptor* peer() { return locks.peer(1); }
  [[nodiscard]] Apt apt() { return Apt(c.rmm, self()); }
  [[nodiscard]] std::uint64_t x(std::size_t i) const { return c.in.x[i]; }
};
using P = PairCtx;

// ---- CREATE -----------------------------------------------------------------------------------
constexpr std::array<RsiCondition<P>, 4> kCreateConditions{{
    {"range_align", kInput, [](P& p) { return range_invalid(p.x(1), p.x(2)); }},
    {"range_bound", kInput, [](P& p) { return range_unprotected(p.self(), p.x(1), p.x(2)); }},
    {"overlap", kState, [](P& p) { return p.apt().overlaps(Ipa{p.x(1)}, p.x(2)); }},
    {"capacity", kCapacity, [](P& p) { return p.apt().free_entries() < 1; }},
}};

// ---- SHARE ------------------------------------------------------------------------------------
constexpr std::array<RsiCondition<P>, 4> kShareConditions{{
    {"not_provider", kInput, [](P& p) { return p.apt().region(CsmId{p.x(1)}) == nullptr; }},
    {"perm", kInput,
     [](P& p) {
       return p.x(3) != static_cast<std::uint64_t>(abi::CsmPerm::kRo) &&
              p.x(3) != static_cast<std::uint64_t>(abi::CsmPerm::kRw);
     }},
    // Not live includes a realm whose teardown has begun (RealmDescriptor::csm_closing).
    {"consumer", kInput,
     [](P& p) { return Rid{p.x(2)} == p.self().rid || p.peer() == nullptr || p.peer()->csm_closing; }},
    {"capacity", kCapacity,
     [](P& p) {
       Apt apt = p.apt();
       const std::size_t need = apt.pair_counter(Rid{p.x(2)}) == nullptr ? 2 : 1;
       return apt.free_entries() < need || apt.sharings_of(CsmId{p.x(1)}) >= kMaxSharingsPerRegion;
     }},
}};

// ---- REVOKE -----------------------------------------------------------------------------------
constexpr std::array<RsiCondition<P>, 1> kRevokeConditions{{
    {"no_sharing", kInput, [](P& p) { return p.apt().sharing(Rid{p.x(1)}, p.x(2)) == nullptr; }},
}};

// ---- RESERVE ----------------------------------------------------------------------------------
AptEntry* offered(P& p) {
  RealmDescriptor* provider = p.peer();
  if (provider == nullptr) return nullptr;
  return Apt(p.c.rmm, *provider).sharing(p.self().rid, p.x(2));
}
constexpr std::array<RsiCondition<P>, 7> kReserveConditions{{
    {"range_align", kInput, [](P& p) { return range_invalid(p.x(3), p.x(4)); }},
    {"range_bound", kInput, [](P& p) { return range_unprotected(p.self(), p.x(3), p.x(4)); }},
    {"no_sharing", kInput, [](P& p) { return offered(p) == nullptr; }},
    {"size", kInput,
     [](P& p) { return Apt(p.c.rmm, *p.peer()).region(offered(p)->csm_id)->size != p.x(4); }},
    {"overlap", kState, [](P& p) { return p.apt().overlaps(Ipa{p.x(3)}, p.x(4)); }},
    {"reserved", kState,
     [](P& p) { return p.apt().reservation(Rid{p.x(1)}, p.x(2)) != nullptr; }},
    {"capacity", kCapacity, [](P& p) { return p.apt().free_entries() < 1; }},
}};

// ---- ATTACH / DETACH --------------------------------------------------------------------------
constexpr std::array<RsiCondition<P>, 3> kAttachConditions{{
    {"no_reservation", kInput,
     [](P& p) { return p.apt().reservation(Rid{p.x(1)}, p.x(2)) == nullptr; }},
    {"attached", kState,
     [](P& p) {
       return p.apt().reservation(Rid{p.x(1)}, p.x(2))->state ==
              static_cast<std::uint8_t>(ResState::kAttached);
     }},
    // Consent is checked again here: a revoke between RESERVE and ATTACH wins.
    {"sharing_gone", kState,
     [](P& p) {
       const AptEntry* res = p.apt().reservation(Rid{p.x(1)}, p.x(2));
       return res->state != static_cast<std::uint8_t>(ResState::kReserved) || offered(p) == nullptr;
     }},
}};
constexpr std::array<RsiCondition<P>, 1> kDetachConditions{{
    {"no_reservation", kInput,
     [](P& p) { return p.apt().reservation(Rid{p.x(1)}, p.x(2)) == nullptr; }},
}};

// ---- INFO / REALM_MEASUREMENTS ---------------------------------------------------------------
/// The region `csm_id` as the caller may see it: its own, or one it holds a reservation in.
struct InfoView {
  RealmDescriptor* provider;
  AptEntry* region;
};
InfoView info_view(P& p) {
  const CsmId id{p.x(1)};
  if (AptEntry* r = p.apt().region(id)) return {&p.self(), r};
  RealmDescriptor* provider = p.peer();
  if (provider == nullptr) return {nullptr, nullptr};
  return {provider, Apt(p.c.rmm, *provider).region(id)};
}
constexpr std::array<RsiCondition<P>, 3> kInfoConditions{{
    {"addr_align", kInput, [](P& p) { return !Ipa{p.x(2)}.is_granule_aligned(); }},
    {"addr_bound", kInput, [](P& p) { return !p.self().is_protected(Ipa{p.x(2)}); }},
    {"not_participant", kInput, [](P& p) { return info_view(p).region == nullptr; }},
}};
constexpr std::array<RsiCondition<P>, 3> kMeasurementsConditions{{
    {"addr_align", kInput, [](P& p) { return !Ipa{p.x(2)}.is_granule_aligned(); }},
    {"addr_bound", kInput, [](P& p) { return !p.self().is_protected(Ipa{p.x(2)}); }},
    {"rid", kInput, [](P& p) { return Rid{p.x(1)} != p.self().rid && p.peer() == nullptr; }},
}};

constexpr auto kCreateInfo = describe(kCreateConditions);
constexpr auto kShareInfo = describe(kShareConditions);
constexpr auto kRevokeInfo = describe(kRevokeConditions);
constexpr auto kReserveInfo = describe(kReserveConditions);
constexpr auto kAttachInfo = describe(kAttachConditions);
constexpr auto kDetachInfo = describe(kDetachConditions);
constexpr auto kInfoInfo = describe(kInfoConditions);
constexpr auto kMeasurementsInfo = describe(kMeasurementsConditions);

/// The caller's RID, read under its RD lock.
Rid caller_rid(RsiCtx& c) { return c.with_realm([](RealmDescriptor& r) { return r.rid; }); }

/// Runs `body` with the caller and the peer named by RID locked; the CSM region of the provider
/// found through a reservation of the caller is resolved the same way.
template <class Body>
RsiResult with_pair(RsiCtx& c, std::optional<Rid> peer, Body&& body) {
  RealmLocks<2> locks(c.rmm, c.rec.owner, {std::nullopt, peer});
  P p{c, locks};
  return body(p);
}

/// Revokes `sharing` (an entry of `provider`'s APT) from `consumer` (nullptr if gone).
void revoke(RmmContext& rmm, RealmDescriptor& provider, AptEntry& sharing,
            RealmDescriptor* consumer) {
  if (consumer != nullptr) {
    if (AptEntry* res = Apt(rmm, *consumer).reservation(provider.rid, sharing.k)) {
      if (res->state == static_cast<std::uint8_t>(ResState::kAttached)) {
        unmap_range(rmm, *consumer, res->base, res->size, abi::Ripas::kEmpty);
      }
      res->state = static_cast<std::uint8_t>(ResState::kRevoked);
    }
  }
  Apt::release(sharing);
}

}  // namespace

RsiResult rsi_caec_version(RsiCtx& c) {
  const std::uint64_t req = c.in.x[1];
  RsiResult r = RsiResult::success({abi::kCaecAbiVersion, abi::kCaecAbiVersion});
  if ((req >> 16U) != (abi::kCaecAbiVersion >> 16U) || (req & 0xFFFFU) > 0 || (req >> 31U) != 0) {
    r.x0 = static_cast<std::uint64_t>(kInput);
  }
  return r;
}
std::span<const RsiConditionInfo> rsi_caec_version_conditions() { return {}; }

RsiResult rsi_csm_create(RsiCtx& c) {
  AptEntry region{};
  const RsiResult r = with_pair(c, std::nullopt, [&](P& p) -> RsiResult {
    if (auto f = first_failure(kCreateConditions, p)) return *f;
    AptEntry* e = p.apt().alloc();
    *e = AptEntry{.kind = AptKind::kRegion,
                  .csm_id = CsmId{c.rmm.next_csm_id.fetch_add(1)},
                  .base = Ipa{p.x(1)},
                  .size = p.x(2)};
    region = *e;
    return RsiResult::success({static_cast<std::uint64_t>(e->csm_id)});
  });
  if (r.x0 != 0) return r;
  // The host populates the range; the realm continues once it is entered again.
  rec_exit(c.rmm, c.rec, csm_exit(abi::RmiRecExitReason::kCsmProvider, region.base, region.size,
                                  region.csm_id));
  return r;
}
std::span<const RsiConditionInfo> rsi_csm_create_conditions() { return kCreateInfo; }

RsiResult rsi_csm_share(RsiCtx& c) {
  return with_pair(c, Rid{c.in.x[2]}, [&](P& p) -> RsiResult {
    if (auto f = first_failure(kShareConditions, p)) return *f;
    Apt apt = p.apt();
    const Rid consumer{p.x(2)};
    AptEntry* counter = apt.pair_counter(consumer);
    if (counter == nullptr) {
      counter = apt.alloc();
      *counter = AptEntry{.kind = AptKind::kPairCounter, .peer = consumer, .k = 0};
    }
    const std::uint64_t k = counter->k++;
    AptEntry* s = apt.alloc();
    *s = AptEntry{.kind = AptKind::kSharing,
                  .state = static_cast<std::uint8_t>(abi::SharingState::kOffered),
                  .perm = static_cast<std::uint8_t>(p.x(3)),
                  .csm_id = CsmId{p.x(1)},
                  .peer = consumer,
                  .k = k};
    return RsiResult::success({k});
  });
}
std::span<const RsiConditionInfo> rsi_csm_share_conditions() { return kShareInfo; }

RsiResult rsi_csm_revoke(RsiCtx& c) {
  return with_pair(c, Rid{c.in.x[1]}, [&](P& p) -> RsiResult {
    if (auto f = first_failure(kRevokeConditions, p)) return *f;
    revoke(c.rmm, p.self(), *p.apt().sharing(Rid{p.x(1)}, p.x(2)), p.peer());
    return RsiResult::success();
  });
}
std::span<const RsiConditionInfo> rsi_csm_revoke_conditions() { return kRevokeInfo; }

RsiResult rsi_csm_destroy(RsiCtx& c) {
  const CsmId id{c.in.x[1]};
  AptEntry gone{};
  // The consumers to lock are read first, then locked with the caller; if the set changed in
  // between (another REC of the realm shared meanwhile), it is read again.
  for (bool done = false; !done;) {
    std::array<std::optional<Rid>, 1 + kMaxSharingsPerRegion> peers{};
    std::size_t n = 1;
    c.with_realm([&](RealmDescriptor& self) {
      Apt(c.rmm, self).for_each([&](const AptEntry& e) {
        if (e.kind == AptKind::kSharing && e.csm_id == id && n < peers.size()) peers[n++] = e.peer;
      });
    });
    RealmLocks<1 + kMaxSharingsPerRegion> locks(c.rmm, c.rec.owner, peers);
    Apt apt(c.rmm, locks.self());
    AptEntry* region = apt.region(id);
    if (region == nullptr) {
      diag::record_failure("not_provider");
      return kInput;
    }
    if (apt.sharings_of(id) != n - 1) continue;
    for (std::size_t i = 1; i < n; ++i) {
      AptEntry* s = apt.find([&](const AptEntry& e) {
        return e.kind == AptKind::kSharing && e.csm_id == id && e.peer == *peers[i];
      });
      if (s != nullptr) revoke(c.rmm, locks.self(), *s, locks.peer(i));
    }
    gone = *region;
    Apt::release(*region);
    done = true;
  }
  diag::record_failure({});
  rec_exit(c.rmm, c.rec, csm_exit(abi::RmiRecExitReason::kCsmRemove, gone.base, gone.size, id));
  return RsiResult::success();
}
std::span<const RsiConditionInfo> rsi_csm_destroy_conditions() {
  static constexpr std::array<RsiConditionInfo, 1> kInfo{{{"not_provider", kInput}}};
  return kInfo;
}

RsiResult rsi_csm_reserve(RsiCtx& c) {
  AptEntry res{};
  const RsiResult r = with_pair(c, Rid{c.in.x[1]}, [&](P& p) -> RsiResult {
    if (auto f = first_failure(kReserveConditions, p)) return *f;
    const AptEntry& sharing = *offered(p);
    AptEntry* e = p.apt().alloc();
    *e = AptEntry{.kind = AptKind::kReservation,
                  .state = static_cast<std::uint8_t>(ResState::kReserved),
                  .perm = sharing.perm,
                  .csm_id = sharing.csm_id,
                  .base = Ipa{p.x(3)},
                  .size = p.x(4),
                  .peer = Rid{p.x(1)},
                  .k = p.x(2)};
    res = *e;
    return RsiResult::success({static_cast<std::uint64_t>(e->csm_id)});
  });
  if (r.x0 != 0) return r;
  // The host removes private memory from the range and builds its RTTs.
  rec_exit(c.rmm, c.rec, csm_exit(abi::RmiRecExitReason::kCsmConsumer, res.base, res.size, res.csm_id));
  return r;
}
std::span<const RsiConditionInfo> rsi_csm_reserve_conditions() { return kReserveInfo; }

RsiResult rsi_csm_attach(RsiCtx& c) {
  for (;;) {
    AptEntry res{};
    bool ready = false;
    const RsiResult r = with_pair(c, Rid{c.in.x[1]}, [&](P& p) -> RsiResult {
      if (auto f = first_failure(kAttachConditions, p)) return *f;
      AptEntry& mine = *p.apt().reservation(Rid{p.x(1)}, p.x(2));
      res = mine;
      ready = consumer_range_ready(c.rmm, p.self(), mine.base, mine.size);
      if (!ready) return RsiResult::success();
      AptEntry& sharing = *offered(p);
      const AptEntry& region = *Apt(c.rmm, *p.peer()).region(sharing.csm_id);
      const bool ro = sharing.perm == static_cast<std::uint8_t>(abi::CsmPerm::kRo);
      map_region(c.rmm, *p.peer(), region, p.self(), mine.base, ro);
      mine.state = static_cast<std::uint8_t>(ResState::kAttached);
      sharing.state = static_cast<std::uint8_t>(abi::SharingState::kAttached);
      return RsiResult::success({sharing.perm});
    });
    if (r.x0 != 0 || ready) return r;
    // Private granules or RTTs still in the way: the host prepares the range, then we retry.
    rec_exit(c.rmm, c.rec, csm_exit(abi::RmiRecExitReason::kCsmConsumer, res.base, res.size, res.csm_id));
  }
}
std::span<const RsiConditionInfo> rsi_csm_attach_conditions() { return kAttachInfo; }

RsiResult rsi_csm_detach_and_free(RsiCtx& c) {
  AptEntry res{};
  const RsiResult r = with_pair(c, Rid{c.in.x[1]}, [&](P& p) -> RsiResult {
    if (auto f = first_failure(kDetachConditions, p)) return *f;
    AptEntry& mine = *p.apt().reservation(Rid{p.x(1)}, p.x(2));
    res = mine;
    if (mine.state == static_cast<std::uint8_t>(ResState::kAttached)) {
      unmap_range(c.rmm, p.self(), mine.base, mine.size, abi::Ripas::kEmpty);
    }
    if (AptEntry* sharing = offered(p)) {
      sharing->state = static_cast<std::uint8_t>(abi::SharingState::kOffered);
    }
    Apt::release(mine);
    return RsiResult::success();
  });
  if (r.x0 != 0) return r;
  rec_exit(c.rmm, c.rec, csm_exit(abi::RmiRecExitReason::kCsmRemove, res.base, res.size, res.csm_id));
  return r;
}
std::span<const RsiConditionInfo> rsi_csm_detach_and_free_conditions() { return kDetachInfo; }

RsiResult rsi_csm_info(RsiCtx& c) {
  // Which provider to look at: the caller's own region, or the provider of a reservation.
  std::optional<Rid> provider;
  c.with_realm([&](RealmDescriptor& self) {
    if (const AptEntry* res = Apt(c.rmm, self).find([&](const AptEntry& e) {
          return e.kind == AptKind::kReservation && e.csm_id == CsmId{c.in.x[1]};
        })) {
      provider = res->peer;
    }
  });
  abi::RsiCsmInfo info{};
  const RsiResult r = with_pair(c, provider, [&](P& p) -> RsiResult {
    if (auto f = first_failure(kInfoConditions, p)) return *f;
    const InfoView v = info_view(p);
    info.csm_id = static_cast<std::uint64_t>(v.region->csm_id);
    info.size = v.region->size;
    info.provider_rid = static_cast<std::uint64_t>(v.provider->rid);
    Apt(c.rmm, *v.provider).for_each([&](const AptEntry& e) {
      if (e.kind != AptKind::kSharing || e.csm_id != v.region->csm_id) return;
      if (info.num_sharings == info.sharings.size()) return;
      info.sharings[info.num_sharings++] = {static_cast<std::uint64_t>(e.peer), e.k, e.perm, e.state};
    });
    return RsiResult::success();
  });
  if (r.x0 != 0) return r;
  const auto done = with_realm_buffer(c.rmm, c.rec, Ipa{c.in.x[2]},
                                      [&](std::byte* out) { std::memcpy(out, &info, sizeof info); });
  return done == BufferAccess::kDone ? r : RsiResult(kInput);
}
std::span<const RsiConditionInfo> rsi_csm_info_conditions() { return kInfoInfo; }

RsiResult rsi_realm_measurements(RsiCtx& c) {
  abi::RsiRealmMeasurements out{};
  const Rid target{c.in.x[1]};
  const bool self = target == caller_rid(c);
  const RsiResult r = with_pair(c, self ? std::nullopt : std::optional(target), [&](P& p) -> RsiResult {
    if (auto f = first_failure(kMeasurementsConditions, p)) return *f;
    // The "rid" condition refused a missing peer; the check stays for any path that changes it.
    const RealmDescriptor* realm = self ? &p.self() : p.peer();
    if (realm == nullptr) return RsiResult(kInput);
    out.rid = static_cast<std::uint64_t>(realm->rid);
    out.state = static_cast<std::uint64_t>(realm->state);
    out.hash_algo = static_cast<std::uint64_t>(realm->hash_algo);
    out.measurements = realm->measurements;
    out.rpv = realm->rpv;
    return RsiResult::success();
  });
  if (r.x0 != 0) return r;
  const auto done = with_realm_buffer(c.rmm, c.rec, Ipa{c.in.x[2]},
                                      [&](std::byte* o) { std::memcpy(o, &out, sizeof out); });
  return done == BufferAccess::kDone ? r : RsiResult(kInput);
}
std::span<const RsiConditionInfo> rsi_realm_measurements_conditions() { return kMeasurementsInfo; }

}  // namespace caec::rmm
