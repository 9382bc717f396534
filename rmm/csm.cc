#include "rmm/csm.h"

#include "caec/abi/s2tt.h"
#include "rmm/s2tt.h"

namespace caec::rmm {

namespace s2 = abi::s2tt;

namespace {

constexpr std::uint64_t kChunk = s2::entry_size(2);  // one level-3 table

/// Calls fn(rtt, index) for every level-3 entry of [base, base+size) that has an RTT; chunks
/// whose walk stops above level 3 are passed to `missing` instead (if given).
template <class Fn, class Missing>
void for_each_page(RmmContext& rmm, RealmDescriptor& realm, Ipa base, std::uint64_t size, Fn&& fn,
                   Missing&& missing) {
  const Ipa end = base + size;
  for (Ipa chunk = base; chunk < end;) {
    const Ipa chunk_end = std::min(chunk.align_down(kChunk) + kChunk, end);
    RttWalk w = rtt_walk(rmm.platform, rmm.granules, realm, chunk, s2::kMaxLevel);
    if (w.level() < s2::kMaxLevel) {
      if (!missing(chunk, chunk_end)) return;
    } else {
      for (Ipa p = chunk; p < chunk_end; p = p + kGranuleSize) fn(w.rtt, w.rtt.index_of(p), p);
    }
    chunk = chunk_end;
  }
}

}  // namespace

bool AttachedSet::operator==(const AttachedSet& o) const {
  if (count != o.count || region_base != o.region_base) return false;
  for (std::size_t i = 0; i < count; ++i) {
    if (consumers[i].rid != o.consumers[i].rid || consumers[i].k != o.consumers[i].k ||
        consumers[i].read_only != o.consumers[i].read_only) {
      return false;
    }
  }
  return true;
}

bool consumer_range_ready(RmmContext& rmm, RealmDescriptor& consumer, Ipa base,
                          std::uint64_t size) {
  bool ready = true;
  for_each_page(
      rmm, consumer, base, size,
      [&](Rtt& rtt, std::uint64_t i, Ipa) {
        const RttEntry e = rtt.entry(i);
        if (e.hipas == Hipas::kAssigned && !e.foreign) ready = false;
      },
      [&](Ipa, Ipa) { return ready = false; });
  return ready;
}

void map_foreign_page(RmmContext& rmm, RealmDescriptor& consumer, Ipa ipa, LockedGranule& data,
                      bool read_only) {
  RMM_CHECK(data.state() == GranuleState::kData);
  RttWalk w = rtt_walk(rmm.platform, rmm.granules, consumer, ipa, s2::kMaxLevel);
  if (w.level() != s2::kMaxLevel || w.entry.hipas != Hipas::kUnassigned) return;
  data.get();
  w.rtt.set(w.index, RttEntry{.hipas = Hipas::kAssigned,
                              .ripas = abi::Ripas::kRam,
                              .addr = data.pa(),
                              .foreign = true,
                              .read_only = read_only});
}

void unmap_foreign_page(RmmContext& rmm, RealmDescriptor& consumer, Ipa ipa, LockedGranule& data,
                        abi::Ripas after) {
  RttWalk w = rtt_walk(rmm.platform, rmm.granules, consumer, ipa, s2::kMaxLevel);
  const RttEntry& e = w.entry;
  if (w.level() != s2::kMaxLevel || e.hipas != Hipas::kAssigned || !e.foreign ||
      e.addr != data.pa()) {
    return;
  }
  w.rtt.set(w.index, RttEntry{.hipas = Hipas::kUnassigned, .ripas = after});
  data.put();
}

void map_region(RmmContext& rmm, RealmDescriptor& provider, const AptEntry& region,
                RealmDescriptor& consumer, Ipa consumer_base, bool read_only) {
  for (std::uint64_t off = 0; off < region.size; off += kGranuleSize) {
    Pa granule;
    {
      RttWalk w = rtt_walk(rmm.platform, rmm.granules, provider, region.base + off, s2::kMaxLevel);
      const RttEntry& e = w.entry;
      if (e.hipas != Hipas::kAssigned || e.ripas != abi::Ripas::kRam || e.foreign) continue;
      granule = e.addr + ((region.base + off) - w.entry_ipa());
    }
    LockedGranule data = rmm.granules.lock(granule);
    map_foreign_page(rmm, consumer, consumer_base + off, data, read_only);
  }
}

void unmap_range(RmmContext& rmm, RealmDescriptor& consumer, Ipa base, std::uint64_t size,
                 abi::Ripas after) {
  for_each_page(
      rmm, consumer, base, size,
      [&](Rtt& rtt, std::uint64_t i, Ipa) {
        const RttEntry e = rtt.entry(i);
        if (e.hipas != Hipas::kAssigned || !e.foreign) return;
        rtt.set(i, RttEntry{.hipas = Hipas::kUnassigned, .ripas = after});
        LockedGranule data = rmm.granules.lock(e.addr);
        data.put();
      },
      [](Ipa, Ipa) { return true; });
}

AttachedSet attached_consumers(RmmContext& rmm, RealmDescriptor& provider, Ipa ipa) {
  AttachedSet set;
  Apt apt(rmm, provider);
  const AptEntry* region = apt.region_at(ipa);
  if (region == nullptr) return set;
  set.region_base = region->base;
  apt.for_each([&](const AptEntry& e) {
    if (e.kind != AptKind::kSharing || e.csm_id != region->csm_id ||
        e.state != static_cast<std::uint8_t>(abi::SharingState::kAttached)) {
      return;
    }
    RMM_CHECK(set.count < set.consumers.size());
    set.consumers[set.count++] = {e.peer, e.k, e.perm == static_cast<std::uint8_t>(abi::CsmPerm::kRo)};
  });
  return set;
}

AttachedSet peek_attached_consumers(RmmContext& rmm, Pa rd, Ipa ipa) {
  if (!rd.is_granule_aligned() || !rmm.granules.contains(rd)) return {};
  LockedGranule g = rmm.granules.lock(rd);
  if (g.state() != GranuleState::kRd) return {};
  return attached_consumers(rmm, realm_of(rmm, g), ipa);
}

void sever(RmmContext& rmm, RealmDescriptor& self, RealmDescriptor& peer) {
  // One direction at a time: what `provider` shares with `consumer`.
  // Whichever side goes away, the other's records of the relation end DEAD or deleted.
  const auto dead = ResState::kDead;
  auto sever_one_way = [&](RealmDescriptor& provider, RealmDescriptor& consumer) {
    Apt papt(rmm, provider);
    Apt capt(rmm, consumer);
    papt.for_each([&](AptEntry& sharing) {
      if (sharing.kind != AptKind::kSharing || sharing.peer != consumer.rid) return;
      if (AptEntry* res = capt.reservation(provider.rid, sharing.k)) {
        if (res->state == static_cast<std::uint8_t>(ResState::kAttached)) {
          unmap_range(rmm, consumer, res->base, res->size, abi::Ripas::kEmpty);
        }
        res->state = static_cast<std::uint8_t>(dead);
      }
      Apt::release(sharing);
    });
    // Reservations naming the provider that no longer match a sharing.
    capt.for_each([&](AptEntry& res) {
      if (res.kind != AptKind::kReservation || res.peer != provider.rid) return;
      if (res.state == static_cast<std::uint8_t>(ResState::kAttached)) {
        unmap_range(rmm, consumer, res.base, res.size, abi::Ripas::kEmpty);
      }
      res.state = static_cast<std::uint8_t>(dead);
    });
    papt.for_each([&](AptEntry& e) {
      if (e.kind == AptKind::kPairCounter && e.peer == consumer.rid) Apt::release(e);
    });
  };
  sever_one_way(self, peer);
  sever_one_way(peer, self);
}

}  // namespace caec::rmm
