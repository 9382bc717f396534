// The CSM RSI commands of a provider (CREATE/SHARE/REVOKE/DESTROY) and a consumer
// (RESERVE/ATTACH/DETACH_AND_FREE), csm-abi.md §3, §4; CAEC_VERSION. INFO and
// REALM_MEASUREMENTS are in rsi_csm_info.cc.
// Each locks the realms it involves (caller and peer RDs in PA order), checks its failure
// conditions in the documented order and changes state; work over a whole region goes a chunk
// per lock hold (rmm/csm.h); every lock is released before the REC exit the command calls for.
#include "caec/abi/csm.h"
#include "rmm/csm.h"
#include "rmm/csm_map.h"
#include "rmm/realm_exit.h"
#include "rmm/rsi_csm_ctx.h"

namespace caec::rmm {

namespace {

using namespace csm_cond;  // NOLINT(google-build-using-namespace): the conditions' vocabulary

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

/// The caller's region `id`, if it may still be shared (not being destroyed).
AptEntry* own_region(P& p, CsmId id) {
  AptEntry* r = p.apt().region(id);
  return r != nullptr && (r->flags & apt_flags::kDestroying) == 0 ? r : nullptr;
}

// ---- CREATE -----------------------------------------------------------------------------------
constexpr std::array<RsiCondition<P>, 5> kCreateConditions{{
    realm_closing,
    {"range_align", kInput, [](P& p) { return range_invalid(p.x(1), p.x(2)); }},
    {"range_bound", kInput, [](P& p) { return range_unprotected(p.self(), p.x(1), p.x(2)); }},
    {"overlap", kState, [](P& p) { return p.apt().overlaps(Ipa{p.x(1)}, p.x(2)); }},
    {"capacity", kCapacity, [](P& p) { return p.apt().free_entries(1) < 1; }},
}};

// ---- SHARE ------------------------------------------------------------------------------------
constexpr std::array<RsiCondition<P>, 5> kShareConditions{{
    realm_closing,
    {"not_provider", kInput, [](P& p) { return own_region(p, CsmId{p.x(1)}) == nullptr; }},
    {"perm", kInput,
     [](P& p) {
       return p.x(3) != static_cast<std::uint64_t>(abi::CsmPerm::kRo) &&
              p.x(3) != static_cast<std::uint64_t>(abi::CsmPerm::kRw);
     }},
    // A consumer must be able to take part in CSM until its teardown ends the sharing: live,
    // not being torn down, and holding an APT (a realm without one is destroyed without any
    // teardown, which would leave the sharing naming a dead realm).
    {"consumer", kInput,
     [](P& p) {
       const RealmDescriptor* c = p.peer();
       return Rid{p.x(2)} == p.self().rid || c == nullptr || c->csm_closing || c->num_apt == 0;
     }},
    {"capacity", kCapacity,
     [](P& p) {
       Apt apt = p.apt();
       const std::size_t need = apt.pair_counter(Rid{p.x(2)}) == nullptr ? 2 : 1;
       return apt.free_entries(need) < need;
     }},
}};

// ---- REVOKE / DESTROY -------------------------------------------------------------------------
// A revoke that did not finish (its REC was stopped at an IRQ exit between two tables) left the
// sharing draining: revoking it again finishes the job rather than failing.
constexpr std::array<RsiCondition<P>, 2> kRevokeConditions{{
    realm_closing,
    {"no_sharing", kInput, [](P& p) { return p.apt().any_sharing(Rid{p.x(1)}, p.x(2)) == nullptr; }},
}};
// A region some DESTROY marked destroying (one stopped half way too) may be destroyed again:
// that finishes the job.
constexpr std::array<RsiCondition<P>, 2> kDestroyConditions{{
    realm_closing,
    {"not_provider", kInput, [](P& p) { return p.apt().region(CsmId{p.x(1)}) == nullptr; }},
}};

// ---- RESERVE ----------------------------------------------------------------------------------
constexpr std::array<RsiCondition<P>, 8> kReserveConditions{{
    realm_closing,
    {"range_align", kInput, [](P& p) { return range_invalid(p.x(3), p.x(4)); }},
    {"range_bound", kInput, [](P& p) { return range_unprotected(p.self(), p.x(3), p.x(4)); }},
    {"no_sharing", kInput, [](P& p) { return offered_region(p) == nullptr; }},
    {"size", kInput, [](P& p) { return offered_region(p)->size != p.x(4); }},
    {"overlap", kState, [](P& p) { return p.apt().overlaps(Ipa{p.x(3)}, p.x(4)); }},
    {"reserved", kState, [](P& p) { return p.apt().reservation(Rid{p.x(1)}, p.x(2)) != nullptr; }},
    {"capacity", kCapacity, [](P& p) { return p.apt().free_entries(1) < 1; }},
}};

// ---- ATTACH / DETACH --------------------------------------------------------------------------
AptEntry* my_reservation(P& p) { return p.apt().reservation(Rid{p.x(1)}, p.x(2)); }

constexpr std::array<RsiCondition<P>, 4> kAttachConditions{{
    realm_closing,
    {"no_reservation", kInput, [](P& p) { return my_reservation(p) == nullptr; }},
    {"attached", kState, [](P& p) { return my_reservation(p)->is(ResState::kAttached); }},
    // Consent is checked again here: a revoke between RESERVE and ATTACH wins. The sharing must
    // be the one the reservation was made for (same region).
    {"sharing_gone", kState,
     [](P& p) {
       const AptEntry& res = *my_reservation(p);
       const AptEntry* region = offered_region(p);
       return !(res.is(ResState::kReserved) || res.is(ResState::kAttaching)) || res.draining() ||
              region == nullptr || region->csm_id != res.csm_id;
     }},
}};
constexpr std::array<RsiCondition<P>, 2> kDetachConditions{{
    realm_closing,
    {"no_reservation", kInput, [](P& p) { return my_reservation(p) == nullptr; }},
}};

constexpr auto kCreateInfo = describe(kCreateConditions);
constexpr auto kShareInfo = describe(kShareConditions);
constexpr auto kRevokeInfo = describe(kRevokeConditions);
constexpr auto kDestroyInfo = describe(kDestroyConditions);
constexpr auto kReserveInfo = describe(kReserveConditions);
constexpr auto kAttachInfo = describe(kAttachConditions);
constexpr auto kDetachInfo = describe(kDetachConditions);

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
  const Rid consumer{c.in.x[1]};
  Rid self{};
  const RsiResult r = with_pair(c, consumer, [&](P& p) -> RsiResult {
    if (auto f = first_failure(kRevokeConditions, p)) return *f;
    self = p.self().rid;
    return RsiResult::success();
  });
  if (r.x0 != 0) return r;
  // When it returns, no PE can reach the region through the consumer's stage 2 (csm-abi §3).
  end_sharing(c.rmm, self, consumer, c.in.x[2], ResState::kRevoked, &c.rec);
  return r;
}
std::span<const RsiConditionInfo> rsi_csm_revoke_conditions() { return kRevokeInfo; }

RsiResult rsi_csm_destroy(RsiCtx& c) {
  const CsmId id{c.in.x[1]};
  AptEntry gone{};
  Rid self{};
  const RsiResult r = with_pair(c, std::nullopt, [&](P& p) -> RsiResult {
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
    const bool done = with_pair(c, std::nullopt, [&](P& p) {
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
    end_sharing(c.rmm, self, sharing->first, sharing->second, ResState::kRevoked, &c.rec);
  }
  rec_exit(c.rmm, c.rec, csm_exit(abi::RmiRecExitReason::kCsmRemove, gone.base, gone.size, id));
  return r;
}
std::span<const RsiConditionInfo> rsi_csm_destroy_conditions() { return kDestroyInfo; }

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
                  .k = p.x(2),
                  .serial = c.rmm.next_serial.fetch_add(1)};
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
  // A level-3 table per lock hold: the first with the checks, the last marks the reservation
  // ATTACHED (a region of one table takes one lock hold). Between two, every lock is released.
  enum class Step : std::uint8_t { kFailed, kMapped, kNotReady, kOvertaken, kDone };
  AptEntry res{};
  std::uint8_t perm = 0;
  std::uint64_t off = 0;
  for (bool first = true;;) {
    RsiResult failure(abi::RsiStatus::kSuccess);
    const Step step = with_pair(c, Rid{c.in.x[1]}, [&](P& p) -> Step {
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
      case Step::kDone: return RsiResult::success({perm});
      case Step::kMapped: (void)take_pending_irq(c.rmm, c.rec); break;  // the host may run now
      case Step::kNotReady:
        // Private granules or the level-3 RTT still in the way: the host prepares the range (the
        // realm never sees a failure because its host was slow), then this table is tried again.
        rec_exit(c.rmm, c.rec, csm_exit(abi::RmiRecExitReason::kCsmConsumer, res.base, res.size, res.csm_id));
        break;
    }
  }
}
std::span<const RsiConditionInfo> rsi_csm_attach_conditions() { return kAttachInfo; }

RsiResult rsi_csm_detach_and_free(RsiCtx& c) {
  AptEntry res{};
  Rid self{};
  bool maps = false;
  // The sharing becomes OFFERED again only where this call deleted the reservation, in the same
  // lock hold: a later reservation of the sharing (after another DETACH finished) is not ours.
  auto release = [&](P& p, AptEntry& mine) {
    Apt::release(mine);
    if (RealmDescriptor* provider = p.peer()) {
      AptEntry* s = Apt(c.rmm, *provider).sharing(self, res.k);
      if (s != nullptr && s->csm_id == res.csm_id) s->set(abi::SharingState::kOffered);
    }
  };
  const RsiResult r = with_pair(c, Rid{c.in.x[1]}, [&](P& p) -> RsiResult {
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
    drain_reservation(c.rmm, self, res.serial, &c.rec);
    with_pair(c, res.peer, [&](P& p) {
      if (AptEntry* mine = p.apt().reservation_by_serial(res.serial)) release(p, *mine);
    });
  }
  rec_exit(c.rmm, c.rec, csm_exit(abi::RmiRecExitReason::kCsmRemove, res.base, res.size, res.csm_id));
  return r;
}
std::span<const RsiConditionInfo> rsi_csm_detach_and_free_conditions() { return kDetachInfo; }

}  // namespace caec::rmm
