#include "rmm/csm/csm_relations.h"

#include <optional>

#include "caec/abi/s2tt.h"
#include "rmm/csm/csm_map.h"
#include "rmm/runtime/realm_exit.h"
#include "rmm/core/realm_locks.h"
#include "rmm/core/stage2_tables.h"

namespace caec::rmm {

namespace {

constexpr auto kDraining = apt_flags::kDraining;

/// The provider still maps `data` at `ipa` as populated memory (ASSIGNED, RIPAS RAM).
bool provider_maps(RmmContext& rmm, RealmDescriptor& provider, Ipa ipa, Pa data) {
  RttWalk w = rtt_walk(rmm.platform, rmm.granules, provider, ipa, abi::s2tt::kMaxLevel);
  const RttEntry& e = w.entry;
  return e.hipas == Hipas::kAssigned && e.ripas == abi::Ripas::kRam && !e.foreign &&
         e.addr + (ipa - w.entry_ipa()) == data;
}

/// The next sharing of region `id` of `provider` at or after APT position `pos` that `pick`
/// accepts, read under the provider's lock alone; moves `pos` past it. Positions are stable,
/// so an iteration that releases the lock between steps visits every sharing that exists
/// throughout (rmm/csm/apt.h).
template <class Pick>
std::optional<std::pair<Rid, std::uint64_t>> next_sharing(RmmContext& rmm, Rid provider, CsmId id,
                                                          std::uint64_t& pos, Pick&& pick) {
  RealmLocks<1> locks(rmm, {RealmRef::named(provider)});
  RealmDescriptor* p = locks.realm(0);
  if (p == nullptr) return std::nullopt;
  std::uint64_t at = 0;
  const AptEntry* s = Apt(rmm, *p).find_from(
      pos, [&](const AptEntry& e) { return e.kind == AptKind::kSharing && e.csm_id == id && pick(e); },
      &at);
  if (s == nullptr) return std::nullopt;
  pos = at + 1;
  return std::pair{s->peer, s->k};
}

/// Ends one relation left between `self` (being torn down, RD `rd`) and `peer`; false when
/// none is left (the other records the two hold of each other are then ended too).
bool sever_one(RmmContext& rmm, Pa rd, Rid self, Rid peer, bool& self_gone) {
  struct Relation {
    Rid provider;
    Rid consumer;
    std::uint64_t k;
  };
  std::optional<Relation> rel;
  {
    RealmLocks<2> locks(rmm, {RealmRef::at(rd, self), RealmRef::named(peer)});
    RealmDescriptor* s = locks.realm(0);
    RealmDescriptor* p = locks.realm(1);
    self_gone = s == nullptr;
    if (s == nullptr || p == nullptr) return false;
    Apt sapt(rmm, *s);
    Apt papt(rmm, *p);
    auto names = [](Rid who) {
      return [who](const AptEntry& e) { return e.kind == AptKind::kSharing && e.peer == who; };
    };
    if (const AptEntry* mine = sapt.find(names(peer))) {
      rel = Relation{self, peer, mine->k};
    } else if (const AptEntry* f = papt.find(names(self))) {
      rel = Relation{peer, self, f->k};
    } else {
      // No sharing left between them: a reservation without its sharing holds no mapping
      // (a draining one always has its sharing), so the rest is bookkeeping.
      auto end_records = [](Apt& apt, Rid other) {
        apt.for_each([&](AptEntry& e) {
          if (e.peer != other) return;
          if (e.kind == AptKind::kPairCounter) Apt::release(e);
          if (e.kind == AptKind::kReservation) e.set(ResState::kDead);
        });
      };
      end_records(sapt, peer);
      end_records(papt, self);
      return false;
    }
  }
  end_sharing(rmm, rel->provider, rel->consumer, rel->k, ResState::kDead);
  return true;
}

}  // namespace

Reentry drain_reservation(RmmContext& rmm, Rid consumer, std::uint64_t serial, Rec* caller) {
  Reentry exited = Reentry::kNoExit;
  for (std::uint64_t off = 0;;) {
    {
      RealmLocks<1> locks(rmm, {RealmRef::named(consumer)});
      RealmDescriptor* c = locks.realm(0);
      if (c == nullptr) return exited;
      const AptEntry* res = Apt(rmm, *c).reservation_by_serial(serial);
      if (res == nullptr || off >= res->size) return exited;
      const Ipa at = res->base + off;
      const std::uint64_t len = chunk_at(at, res->size - off);
      unmap_chunk(rmm, *c, at, len, abi::Ripas::kEmpty);
      off += len;
    }
    if (caller == nullptr) continue;
    switch (take_pending_irq(rmm, *caller)) {  // no lock is held here
      case Reentry::kNoExit: break;
      case Reentry::kEntered: exited = Reentry::kEntered; break;
      case Reentry::kDestroyed: return Reentry::kDestroyed;
    }
  }
}

Reentry end_sharing(RmmContext& rmm, Rid provider, Rid consumer, std::uint64_t k, ResState end,
                    Rec* caller) {
  std::optional<std::uint64_t> serial;
  {
    RealmLocks<2> locks(rmm, {RealmRef::named(provider), RealmRef::named(consumer)});
    RealmDescriptor* p = locks.realm(0);
    if (p == nullptr) return Reentry::kNoExit;  // its teardown ended every sharing it had
    AptEntry* s = Apt(rmm, *p).any_sharing(consumer, k);
    if (s == nullptr) return Reentry::kNoExit;  // ended by another PE
    // From here on no RSI command sees the sharing, and nothing maps into the reservation.
    s->flags |= kDraining;
    if (RealmDescriptor* c = locks.realm(1)) {
      if (AptEntry* res = Apt(rmm, *c).reservation(provider, k)) {
        if (res->may_map()) {
          res->flags |= kDraining;
          serial = res->serial;
        }
        if (!res->is(ResState::kDead)) res->set(end);
      }
    }
  }
  const Reentry drained = serial ? drain_reservation(rmm, consumer, *serial, caller) : Reentry::kNoExit;
  if (drained == Reentry::kDestroyed) return drained;  // the realm's teardown finishes the work
  // The consumer maps nothing of the region any more: the sharing may go.
  RealmLocks<2> locks(rmm, {RealmRef::named(provider), RealmRef::named(consumer)});
  if (RealmDescriptor* p = locks.realm(0)) {
    if (AptEntry* s = Apt(rmm, *p).any_sharing(consumer, k)) Apt::release(*s);
  }
  if (RealmDescriptor* c = locks.realm(1); c != nullptr && serial) {
    if (AptEntry* res = Apt(rmm, *c).reservation_by_serial(*serial)) {
      res->flags = static_cast<std::uint8_t>(res->flags & ~kDraining);
    }
  }
  return drained;
}

void share_new_granule(RmmContext& rmm, Rid provider, Ipa ipa, Pa data) {
  CsmId id{};
  Ipa region_base;
  {
    RealmLocks<1> locks(rmm, {RealmRef::named(provider)});
    RealmDescriptor* p = locks.realm(0);
    if (p == nullptr) return;
    const AptEntry* region = Apt(rmm, *p).region_at(ipa);
    if (region == nullptr) return;
    id = region->csm_id;
    region_base = region->base;
  }
  for (std::uint64_t pos = 0;;) {
    const auto next = next_sharing(rmm, provider, id, pos, [](const AptEntry& e) {
      return e.live_sharing() && e.is(abi::SharingState::kAttached);
    });
    if (!next) return;
    const auto [consumer, k] = *next;
    RealmLocks<2> locks(rmm, {RealmRef::named(provider), RealmRef::named(consumer)});
    RealmDescriptor* p = locks.realm(0);
    RealmDescriptor* c = locks.realm(1);
    if (p == nullptr) return;
    // Everything is checked again under both locks: the granule may have been destroyed, or the
    // sharing ended, since the provider's lock was released.
    if (!provider_maps(rmm, *p, ipa, data)) return;  // destroyed meanwhile: nobody gets it now
    if (c == nullptr) continue;
    const AptEntry* s = Apt(rmm, *p).sharing(consumer, k);
    const AptEntry* res = Apt(rmm, *c).reservation(provider, k);
    if (s == nullptr || s->csm_id != id || res == nullptr || res->csm_id != id || res->draining() ||
        !(res->is(ResState::kAttaching) || res->is(ResState::kAttached))) {
      continue;
    }
    map_foreign_page(rmm, *c, res->base + (ipa - region_base), data, res->read_only());
  }
}

void withdraw_granule(RmmContext& rmm, Rid provider, CsmId id, Ipa region_base, Ipa ipa, Pa data) {
  for (std::uint64_t pos = 0;;) {
    // Every sharing of the region, draining ones included: their consumers may still map it.
    const auto next = next_sharing(rmm, provider, id, pos, [](const AptEntry&) { return true; });
    if (!next) return;
    const auto [consumer, k] = *next;
    RealmLocks<2> locks(rmm, {RealmRef::named(provider), RealmRef::named(consumer)});
    RealmDescriptor* c = locks.realm(1);
    if (c == nullptr) continue;
    const AptEntry* res = Apt(rmm, *c).reservation(provider, k);
    if (res == nullptr || res->csm_id != id || !res->may_map()) continue;
    unmap_foreign_page(rmm, *c, res->base + (ipa - region_base), data, abi::Ripas::kDestroyed);
  }
}

void tear_down_csm(RmmContext& rmm, Pa rd, Rid rid) {
  {
    RealmLocks<1> locks(rmm, {RealmRef::at(rd, rid)});
    RealmDescriptor* self = locks.realm(0);
    if (self == nullptr) return;
    self->csm_closing = true;
  }
  RealmRegistry::Walk peers(rmm.realms);
  while (const auto next = peers.next()) {
    const Rid peer = next->first;
    if (peer == rid) continue;
    bool self_gone = false;
    while (sever_one(rmm, rd, rid, peer, self_gone)) {
    }
    if (self_gone) return;
  }
  RealmLocks<1> locks(rmm, {RealmRef::at(rd, rid)});
  RealmDescriptor* self = locks.realm(0);
  if (self == nullptr) return;
  Apt(rmm, *self).for_each([](AptEntry& e) { Apt::release(e); });
  self->csm_torn_down = true;
}

}  // namespace caec::rmm
