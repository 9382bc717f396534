// The CSM RSI commands of a provider (CREATE/SHARE/REVOKE/DESTROY) and a consumer
// (RESERVE/ATTACH/DETACH_AND_FREE), csm-abi.md §3, §4; CAEC_VERSION. INFO and
// REALM_MEASUREMENTS are in rsi_csm_info.cc.
// Each locks the realms it involves (caller and peer RDs in PA order), checks its failure
// conditions in the documented order and changes state; work over a whole region goes a chunk
// per lock hold (rmm/csm/csm_relations.h); every lock is released before the REC exit the command calls for.
#include "caec/abi/csm.h"
#include "rmm/csm/csm_relations.h"
#include "rmm/csm/csm_map.h"
#include "rmm/runtime/realm_exit.h"
#include "rmm/rsi/rsi_csm_ctx.h"

namespace caec::rmm {

namespace {

using namespace csm_cond;  // NOLINT(google-build-using-namespace): the conditions' vocabulary

RecExit csm_exit(abi::RmiRecExitReason reason, Ipa base, std::uint64_t size, CsmId id) {
  RecExit e = exit_record(reason);
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

using Create = PairCtx<abi::rsi::CsmCreate>;
using Share = PairCtx<abi::rsi::CsmShare>;
using Revoke = PairCtx<abi::rsi::CsmRevoke>;
using Destroy = PairCtx<abi::rsi::CsmDestroy>;
using Reserve = PairCtx<abi::rsi::CsmReserve>;
using Attach = PairCtx<abi::rsi::CsmAttach>;
using Detach = PairCtx<abi::rsi::CsmDetachAndFree>;

/// The caller's region `id`, if it may still be shared (not being destroyed).
AptEntry* own_region(Share& p, CsmId id) {
  AptEntry* r = p.apt().region(id);
  return r != nullptr && (r->flags & apt_flags::kDestroying) == 0 ? r : nullptr;
}

// ---- CREATE -----------------------------------------------------------------------------------
constexpr std::array<RsiCondition<Create>, 5> kCreateConditions{{
    realm_closing<Create>,
    {"range_align", kInput, [](Create& p) { return range_invalid(p.args().base.value(), p.args().size); }},
    {"range_bound", kInput,
     [](Create& p) { return range_unprotected(p.self(), p.args().base.value(), p.args().size); }},
    {"overlap", kState, [](Create& p) { return p.apt().overlaps(p.args().base, p.args().size); }},
    {"capacity", kCapacity, [](Create& p) { return p.apt().free_entries(1) < 1; }},
}};

// ---- SHARE ------------------------------------------------------------------------------------
constexpr std::array<RsiCondition<Share>, 5> kShareConditions{{
    realm_closing<Share>,
    {"not_provider", kInput, [](Share& p) { return own_region(p, p.args().csm_id) == nullptr; }},
    {"perm", kInput,
     [](Share& p) {
       return p.args().perm != static_cast<std::uint64_t>(abi::CsmPerm::kRo) &&
              p.args().perm != static_cast<std::uint64_t>(abi::CsmPerm::kRw);
     }},
    // A consumer must be able to take part in CSM until its teardown ends the sharing: live,
    // not being torn down, and holding an APT (a realm without one is destroyed without any
    // teardown, which would leave the sharing naming a dead realm).
    {"consumer", kInput,
     [](Share& p) {
       const RealmDescriptor* c = p.peer();
       return p.args().consumer == p.self().rid || c == nullptr || c->csm_closing || c->num_apt == 0;
     }},
    {"capacity", kCapacity,
     [](Share& p) {
       Apt apt = p.apt();
       const std::size_t need = apt.pair_counter(p.args().consumer) == nullptr ? 2 : 1;
       return apt.free_entries(need) < need;
     }},
}};

// ---- REVOKE / DESTROY -------------------------------------------------------------------------
// A revoke that did not finish (its REC was stopped at an IRQ exit between two tables) left the
// sharing draining: revoking it again finishes the job rather than failing.
constexpr std::array<RsiCondition<Revoke>, 2> kRevokeConditions{{
    realm_closing<Revoke>,
    {"no_sharing", kInput, [](Revoke& p) { return p.apt().any_sharing(p.args().consumer, p.args().k) == nullptr; }},
}};
// A region some DESTROY marked destroying (one stopped half way too) may be destroyed again:
// that finishes the job.
constexpr std::array<RsiCondition<Destroy>, 2> kDestroyConditions{{
    realm_closing<Destroy>,
    {"not_provider", kInput, [](Destroy& p) { return p.apt().region(p.args().csm_id) == nullptr; }},
}};

// ---- RESERVE ----------------------------------------------------------------------------------
constexpr std::array<RsiCondition<Reserve>, 8> kReserveConditions{{
    realm_closing<Reserve>,
    {"range_align", kInput, [](Reserve& p) { return range_invalid(p.args().base.value(), p.args().size); }},
    {"range_bound", kInput,
     [](Reserve& p) { return range_unprotected(p.self(), p.args().base.value(), p.args().size); }},
    {"no_sharing", kInput, [](Reserve& p) { return offered_region(p) == nullptr; }},
    {"size", kInput, [](Reserve& p) { return offered_region(p)->size != p.args().size; }},
    {"overlap", kState, [](Reserve& p) { return p.apt().overlaps(p.args().base, p.args().size); }},
    {"reserved", kState,
     [](Reserve& p) { return p.apt().reservation(p.args().provider, p.args().k) != nullptr; }},
    {"capacity", kCapacity, [](Reserve& p) { return p.apt().free_entries(1) < 1; }},
}};

// ---- ATTACH / DETACH --------------------------------------------------------------------------
template <class P>
AptEntry* my_reservation(P& p) { return p.apt().reservation(p.args().provider, p.args().k); }

constexpr std::array<RsiCondition<Attach>, 4> kAttachConditions{{
    realm_closing<Attach>,
    {"no_reservation", kInput, [](Attach& p) { return my_reservation(p) == nullptr; }},
    {"attached", kState, [](Attach& p) { return my_reservation(p)->is(ResState::kAttached); }},
    // Consent is checked again here: a revoke between RESERVE and ATTACH wins. The sharing must
    // be the one the reservation was made for (same region).
    {"sharing_gone", kState,
     [](Attach& p) {
       const AptEntry& res = *my_reservation(p);
       const AptEntry* region = offered_region(p);
       return !(res.is(ResState::kReserved) || res.is(ResState::kAttaching)) || res.draining() ||
              region == nullptr || region->csm_id != res.csm_id;
     }},
}};
constexpr std::array<RsiCondition<Detach>, 2> kDetachConditions{{
    realm_closing<Detach>,
    {"no_reservation", kInput, [](Detach& p) { return my_reservation(p) == nullptr; }},
}};

constexpr auto kCreateInfo = describe(kCreateConditions);
constexpr auto kShareInfo = describe(kShareConditions);
constexpr auto kRevokeInfo = describe(kRevokeConditions);
constexpr auto kDestroyInfo = describe(kDestroyConditions);
constexpr auto kReserveInfo = describe(kReserveConditions);
constexpr auto kAttachInfo = describe(kAttachConditions);
constexpr auto kDetachInfo = describe(kDetachConditions);

}  // namespace

RsiResult rsi_caec_version(RsiCall<abi::rsi::CaecVersion>& c) {
  const std::uint64_t req = c.args.requested;
  const bool ok = (req >> 16U) == (abi::kCaecAbiVersion >> 16U) && (req & 0xFFFFU) == 0 && (req >> 31U) == 0;
  return RsiResult::with(ok ? abi::RsiStatus::kSuccess : kInput,
                         abi::VersionOut{abi::kCaecAbiVersion, abi::kCaecAbiVersion});
}
std::span<const RsiConditionInfo> rsi_caec_version_conditions() { return {}; }

RsiResult rsi_csm_create(RsiCall<abi::rsi::CsmCreate>& c) {
  AptEntry region{};
  const RsiResult r = with_pair(c, std::nullopt, [&](Create& p) -> RsiResult {
    if (auto f = first_failure(kCreateConditions, p)) return *f;
    AptEntry* e = p.apt().alloc();
    *e = AptEntry{.kind = AptKind::kRegion,
                  .csm_id = CsmId{c.rmm.next_csm_id.fetch_add(1)},
                  .base = p.args().base,
                  .size = p.args().size};
    region = *e;
    return RsiResult::success(abi::rsi::CsmCreate::Out{e->csm_id});
  });
  if (r.x0 != 0) return r;
  // The host populates the range; the realm continues once it is entered again.
  return RsiResult::after(rec_exit(c.rmm, c.rec, csm_exit(abi::RmiRecExitReason::kCsmProvider,
                                                           region.base, region.size, region.csm_id)),
                         r);
}
std::span<const RsiConditionInfo> rsi_csm_create_conditions() { return kCreateInfo; }

RsiResult rsi_csm_share(RsiCall<abi::rsi::CsmShare>& c) {
  return with_pair(c, c.args.consumer, [&](Share& p) -> RsiResult {
    if (auto f = first_failure(kShareConditions, p)) return *f;
    Apt apt = p.apt();
    const Rid consumer = p.args().consumer;
    AptEntry* counter = apt.pair_counter(consumer);
    if (counter == nullptr) {
      counter = apt.alloc();
      *counter = AptEntry{.kind = AptKind::kPairCounter, .peer = consumer, .k = 0};
    }
    const std::uint64_t k = counter->k++;
    AptEntry* s = apt.alloc();
    *s = AptEntry{.kind = AptKind::kSharing,
                  .state = static_cast<std::uint8_t>(abi::SharingState::kOffered),
                  .perm = static_cast<abi::CsmPerm>(p.args().perm),  // checked by "perm"
                  .csm_id = p.args().csm_id,
                  .peer = consumer,
                  .k = k};
    return RsiResult::success(abi::rsi::CsmShare::Out{k});
  });
}
std::span<const RsiConditionInfo> rsi_csm_share_conditions() { return kShareInfo; }

RsiResult rsi_csm_revoke(RsiCall<abi::rsi::CsmRevoke>& c) {
  const Rid consumer = c.args.consumer;
  Rid self{};
  const RsiResult r = with_pair(c, consumer, [&](Revoke& p) -> RsiResult {
    if (auto f = first_failure(kRevokeConditions, p)) return *f;
    self = p.self().rid;
    return RsiResult::success();
  });
  if (r.x0 != 0) return r;
  // When it returns, no PE can reach the region through the consumer's stage 2 (csm-abi §3).
  if (end_sharing(c.rmm, self, consumer, c.args.k, ResState::kRevoked, &c.rec) == Reentry::kDestroyed) {
    return RsiResult::destroyed();
  }
  return r;
}
std::span<const RsiConditionInfo> rsi_csm_revoke_conditions() { return kRevokeInfo; }

RsiResult rsi_csm_destroy(RsiCall<abi::rsi::CsmDestroy>& c) {
  const CsmId id = c.args.csm_id;
  AptEntry gone{};
  Rid self{};
  const RsiResult r = with_pair(c, std::nullopt, [&](Destroy& p) -> RsiResult {
    if (auto f = first_failure(kDestroyConditions, p)) return *f;
    AptEntry* region = p.apt().region(id);
    region->flags |= apt_flags::kDestroying;  // no new sharing from now on
    gone = *region;
    self = p.self().rid;
    return RsiResult::success();
  });
  if (r.x0 != 0) return r;
  // A revoke per sharing, each with its own locks; then the region goes (contents kept).
  for (;;) {
    std::optional<std::pair<Rid, std::uint64_t>> sharing;
    const bool done = with_pair(c, std::nullopt, [&](Destroy& p) {
      Apt apt = p.apt();
      AptEntry* region = apt.region(id);
      if (region == nullptr) return true;  // the realm's teardown took it meanwhile
      if (const AptEntry* s = apt.find([&](const AptEntry& e) {
            return e.kind == AptKind::kSharing && e.csm_id == id;
          })) {
        sharing = {s->peer, s->k};
        return false;
      }
      Apt::release(*region);
      return true;
    });
    if (done) break;
    if (end_sharing(c.rmm, self, sharing->first, sharing->second, ResState::kRevoked, &c.rec) ==
        Reentry::kDestroyed) {
      return RsiResult::destroyed();
    }
  }
  return RsiResult::after(
      rec_exit(c.rmm, c.rec, csm_exit(abi::RmiRecExitReason::kCsmRemove, gone.base, gone.size, id)), r);
}
std::span<const RsiConditionInfo> rsi_csm_destroy_conditions() { return kDestroyInfo; }

RsiResult rsi_csm_reserve(RsiCall<abi::rsi::CsmReserve>& c) {
  AptEntry res{};
  const RsiResult r = with_pair(c, c.args.provider, [&](Reserve& p) -> RsiResult {
    if (auto f = first_failure(kReserveConditions, p)) return *f;
    const AptEntry& sharing = *offered(p);
    AptEntry* e = p.apt().alloc();
    *e = AptEntry{.kind = AptKind::kReservation,
                  .state = static_cast<std::uint8_t>(ResState::kReserved),
                  .perm = sharing.perm,
                  .csm_id = sharing.csm_id,
                  .base = p.args().base,
                  .size = p.args().size,
                  .peer = p.args().provider,
                  .k = p.args().k,
                  .serial = c.rmm.next_serial.fetch_add(1)};
    res = *e;
    return RsiResult::success(abi::rsi::CsmReserve::Out{e->csm_id});
  });
  if (r.x0 != 0) return r;
  // The host removes private memory from the range and builds its RTTs.
  return RsiResult::after(
      rec_exit(c.rmm, c.rec, csm_exit(abi::RmiRecExitReason::kCsmConsumer, res.base, res.size, res.csm_id)), r);
}
std::span<const RsiConditionInfo> rsi_csm_reserve_conditions() { return kReserveInfo; }

RsiResult rsi_csm_attach(RsiCall<abi::rsi::CsmAttach>& c) {
  // A level-3 table per lock hold: the first with the checks, the last marks the reservation
  // ATTACHED (a region of one table takes one lock hold). Between two, every lock is released.
  enum class Step : std::uint8_t { kFailed, kMapped, kNotReady, kOvertaken, kDone };
  AptEntry res{};
  ByteEnum<abi::CsmPerm> perm;
  std::uint64_t off = 0;
  for (bool first = true;;) {
    RsiResult failure(abi::RsiStatus::kSuccess);
    const Step step = with_pair(c, c.args.provider, [&](Attach& p) -> Step {
      AptEntry* mine = nullptr;
      if (first) {
        if (auto f = first_failure(kAttachConditions, p)) {
          failure = *f;
          return Step::kFailed;
        }
        mine = my_reservation(p);
        AptEntry& sharing = *offered(p);
        // From now on a provider DATA_CREATE in the region reaches this consumer too.
        mine->set(ResState::kAttaching);
        sharing.set(abi::SharingState::kAttached);
        res = *mine;
        perm = sharing.perm;
        first = false;
      } else {
        // A revoke, detach or teardown that came in between wins (it removes what was mapped).
        mine = p.apt().reservation_by_serial(res.serial);
        const AptEntry* region = offered_region(p);
        // Another REC's ATTACH of the same reservation finished it: so is this one.
        if (mine != nullptr && mine->is(ResState::kAttached) && !mine->draining()) return Step::kDone;
        if (mine == nullptr || !mine->is(ResState::kAttaching) || mine->draining() ||
            region == nullptr || region->csm_id != mine->csm_id) {
          return Step::kOvertaken;
        }
      }
      const std::uint64_t len = chunk_at(res.base + off, res.size - off);
      if (!consumer_chunk_ready(c.rmm, p.self(), res.base + off, len)) return Step::kNotReady;
      map_chunk(c.rmm, *p.peer(), *offered_region(p), p.self(), *mine, off, len);
      off += len;
      if (off < res.size) return Step::kMapped;
      mine->set(ResState::kAttached);
      return Step::kDone;
    });
    switch (step) {
      case Step::kFailed: return failure;
      case Step::kOvertaken: diag::record_failure("sharing_gone"); return RsiResult(kState);
      case Step::kDone: return RsiResult::success(abi::rsi::CsmAttach::Out{perm.get()});
      case Step::kMapped:  // the host may run now
        if (take_pending_irq(c.rmm, c.rec) == Reentry::kDestroyed) return RsiResult::destroyed();
        break;
      case Step::kNotReady:
        // Private granules or the level-3 RTT still in the way: the host prepares the range (the
        // realm never sees a failure because its host was slow), then this table is tried again.
        if (rec_exit(c.rmm, c.rec, csm_exit(abi::RmiRecExitReason::kCsmConsumer, res.base, res.size,
                                            res.csm_id)) == Reentry::kDestroyed) {
          return RsiResult::destroyed();
        }
        break;
    }
  }
}
std::span<const RsiConditionInfo> rsi_csm_attach_conditions() { return kAttachInfo; }

RsiResult rsi_csm_detach_and_free(RsiCall<abi::rsi::CsmDetachAndFree>& c) {
  AptEntry res{};
  Rid self{};
  bool maps = false;
  // The sharing becomes OFFERED again only where this call deleted the reservation, in the same
  // lock hold: a later reservation of the sharing (after another DETACH finished) is not ours.
  auto release = [&](Detach& p, AptEntry& mine) {
    Apt::release(mine);
    if (RealmDescriptor* provider = p.peer()) {
      AptEntry* s = Apt(c.rmm, *provider).sharing(self, res.k);
      if (s != nullptr && s->csm_id == res.csm_id) s->set(abi::SharingState::kOffered);
    }
  };
  const RsiResult r = with_pair(c, c.args.provider, [&](Detach& p) -> RsiResult {
    if (auto f = first_failure(kDetachConditions, p)) return *f;
    AptEntry& mine = *my_reservation(p);
    res = mine;
    self = p.self().rid;
    maps = mine.may_map();
    if (!maps) {
      release(p, mine);  // nothing mapped: checked and gone in one lock hold
    } else {
      mine.flags |= apt_flags::kDraining;  // ATTACH refuses it and nothing is mapped into it
    }
    return RsiResult::success();
  });
  if (r.x0 != 0) return r;
  if (maps) {
    if (drain_reservation(c.rmm, self, res.serial, &c.rec) == Reentry::kDestroyed) {
      return RsiResult::destroyed();
    }
    with_pair(c, res.peer, [&](Detach& p) {
      if (AptEntry* mine = p.apt().reservation_by_serial(res.serial)) release(p, *mine);
    });
  }
  return RsiResult::after(
      rec_exit(c.rmm, c.rec, csm_exit(abi::RmiRecExitReason::kCsmRemove, res.base, res.size, res.csm_id)), r);
}
std::span<const RsiConditionInfo> rsi_csm_detach_and_free_conditions() { return kDetachInfo; }

}  // namespace caec::rmm
