#include "caec/abi/hex.h"
#include "inspect/csm_invariants.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include "caec/abi/s2tt.h"

namespace caec::inspect {

namespace {

using rmm::AptEntry;
using rmm::AptKind;
using rmm::ResState;

struct RealmView {
  Rid rid;
  Pa rd;
  std::vector<rmm::RmmIntrospection::Mapping> maps;
  std::vector<AptEntry> apt;
};

const AptEntry* find(const std::vector<AptEntry>& apt, auto pred) {
  for (const auto& e : apt) {
    if (pred(e)) return &e;
  }
  return nullptr;
}

/// The provider's and the consumer's records of one relation agree (docs/csm.md, entry states).
/// Draining entries may remain at a quiescent point: an RSI command that removes mappings
/// takes IRQ exits between tables, and its REC may be stopped there.
void consent_violations(const std::map<Rid, RealmView>& realms, std::vector<std::string>& bad) {
  for (const auto& entry : realms) {
    const Rid rid = entry.first;  // (not a structured binding: clang 14 cannot capture those)
    const RealmView& r = entry.second;
    const std::string who = "realm " + std::to_string(static_cast<std::uint64_t>(rid));
    for (const auto& e : r.apt) {
      if (e.kind == AptKind::kSharing && e.is(abi::SharingState::kAttached) && !e.draining()) {
        const auto c = realms.find(e.peer);
        const AptEntry* res = c == realms.end() ? nullptr : find(c->second.apt, [&](const AptEntry& x) {
          return x.kind == AptKind::kReservation && x.peer == rid && x.k == e.k;
        });
        if (res == nullptr || !(res->is(ResState::kAttached) || res->is(ResState::kAttaching))) {
          bad.push_back(who + ": sharing k=" + std::to_string(e.k) + " ATTACHED without an attached reservation");
        }
      }
      if (e.kind == AptKind::kReservation && (e.is(ResState::kAttached) || e.is(ResState::kAttaching))) {
        const auto p = realms.find(e.peer);
        const AptEntry* s = p == realms.end() ? nullptr : find(p->second.apt, [&](const AptEntry& x) {
          return x.kind == AptKind::kSharing && x.peer == rid && x.k == e.k;
        });
        if (s == nullptr || !s->is(abi::SharingState::kAttached) || s->csm_id != e.csm_id) {
          bad.push_back(who + ": reservation k=" + std::to_string(e.k) + " attached without its ATTACHED sharing");
        }
      }
    }
  }
}

/// (3), the part that holds whatever the host does (docs/csm.md "Private memory in a
/// reservation"): RESERVE accepts a range that still holds private DATA and asks the host to
/// remove it, so a RESERVED range may hold what was there before; but ATTACH maps nothing into
/// a level-3 table that holds any, so an ATTACHED reservation holds none and no level-3 table holds both
/// private DATA and shared granules of one reservation. (That none appears later is ReservationHistory's part.)
void private_data_in_reservation(const RealmView& r, const AptEntry& res, const rmm::RmmIntrospection::Mapping& mp,
                                 std::vector<std::string>& bad) {
  const std::string at = "realm " + std::to_string(static_cast<std::uint64_t>(r.rid)) + ": private DATA at " +
                         hex_number(mp.ipa.value());
  if (res.is(ResState::kAttached)) {
    bad.push_back(at + " inside an attached reservation");
    return;
  }
  // The level-3 tables (2 MiB each) the private mapping lies in.
  constexpr std::uint64_t kTable = abi::s2tt::kLeafTableSpan;
  const std::uint64_t lo = mp.ipa.value() / kTable * kTable;
  const std::uint64_t hi = (mp.ipa.value() + abi::s2tt::entry_size(mp.level) + kTable - 1) / kTable * kTable;
  const bool beside_shared = std::any_of(r.maps.begin(), r.maps.end(), [&](const auto& other) {
    return other.foreign && res.covers(other.ipa) && other.ipa.value() >= lo && other.ipa.value() < hi;
  });
  if (beside_shared) bad.push_back(at + " in a level-3 table of a reservation that maps shared granules");
}

/// An ATTACHED consumer maps every granule its provider has populated in the region (those
/// created after the attach reach it by propagation), unless the host took that mapping away
/// (a consumer DATA_DESTROY leaves RIPAS DESTROYED) or removed the level-3 table there
/// (docs/deviations.md).
void completeness_violations(rmm::RmmIntrospection& rmm, const std::map<Rid, RealmView>& realms,
                             std::vector<std::string>& bad) {
  for (const auto& entry : realms) {
    const Rid rid = entry.first;
    const RealmView& c = entry.second;
    for (const auto& res : c.apt) {
      if (res.kind != AptKind::kReservation || !res.is(ResState::kAttached) || res.draining()) continue;
      const auto p = realms.find(res.peer);
      if (p == realms.end()) continue;  // reported elsewhere
      const AptEntry* region = find(p->second.apt, [&](const AptEntry& e) {
        return e.kind == AptKind::kRegion && e.csm_id == res.csm_id;
      });
      if (region == nullptr) continue;
      for (const auto& pm : p->second.maps) {
        if (pm.foreign || pm.ripas != abi::Ripas::kRam) continue;
        const std::uint64_t size = abi::s2tt::entry_size(pm.level);
        for (std::uint64_t off = 0; off < size; off += kGranuleSize) {
          const Ipa pipa = pm.ipa + off;
          if (!region->covers(pipa)) continue;
          const Ipa cipa = res.base + (pipa - region->base);
          const auto leaf = rmm.leaf(c.rd, cipa);
          if (leaf.level != abi::s2tt::kMaxLevel) continue;
          if (!leaf.assigned && leaf.ripas == abi::Ripas::kDestroyed) continue;
          const bool mapped = std::any_of(c.maps.begin(), c.maps.end(), [&](const auto& cm) {
            return cm.foreign && cm.ipa == cipa && cm.pa == pm.pa + off;
          });
          if (!mapped) {
            bad.push_back("realm " + std::to_string(static_cast<std::uint64_t>(rid)) + ": attached at " +
                          hex_number(cipa.value()) + " but does not map the provider's granule " +
                          hex_number((pm.pa + off).value()));
          }
        }
      }
    }
  }
}

/// One look at the whole state: the realms and their mappings are read once, then each group
/// of invariants is a step over them.
class Look {
 public:
  Look(rmm::RmmIntrospection& rmm, const machine::Machine& m, PrivateDataInReservations* seen)
      : rmm_(rmm), m_(m), seen_(seen) {
    for (const auto& [rid, rd] : rmm.realms()) {
      if (realms_.contains(rid)) bad_.push_back("RID " + std::to_string(static_cast<std::uint64_t>(rid)) + " live twice");
      realms_[rid] = {rid, rd, rmm.mappings(rd), rmm.apt(rd)};
    }
  }

  std::vector<std::string> run() && {
    for (auto& entry : realms_) {
      RealmView& r = entry.second;
      note_reservations(r);
      for (const auto& mp : r.maps) mapping(r, mp);
      names(r);
    }
    consent_violations(realms_, bad_);
    completeness_violations(rmm_, realms_, bad_);
    refcounts();
    scrubbed();
    return std::move(bad_);
  }

 private:
  using Mapping = rmm::RmmIntrospection::Mapping;

  static std::string who(const RealmView& r) { return "realm " + std::to_string(static_cast<std::uint64_t>(r.rid)); }

  /// Every reservation is seen, even with nothing private inside (ReservationHistory).
  void note_reservations(const RealmView& r) {
    if (seen_ == nullptr) return;
    for (const auto& e : r.apt) {
      if (e.kind == AptKind::kReservation) (*seen_)[{r.rid, e.serial}];
    }
  }

  /// (1) every mapped granule is in the Realm PAS and is DATA; then (3) for a private mapping
  /// and (2, 8, 9) for a foreign one.
  void mapping(const RealmView& r, const Mapping& mp) {
    const std::uint64_t pages = abi::s2tt::entry_size(mp.level) / kGranuleSize;
    for (std::uint64_t i = 0; i < pages; ++i) {
      const Pa pa = mp.pa + i * kGranuleSize;
      if (m_.pas(pa) != machine::Pas::kRealm) bad_.push_back(who(r) + ": maps " + hex_number(pa.value()) + " outside the Realm PAS");
      if (rmm_.granule(pa).state != rmm::GranuleState::kData) bad_.push_back(who(r) + ": maps non-DATA " + hex_number(pa.value()));
      (mp.foreign ? foreign_refs_ : owners_)[pa]++;
    }
    const AptEntry* res = find(r.apt, [&](const AptEntry& e) {
      return e.kind == AptKind::kReservation && e.covers(mp.ipa);
    });
    if (!mp.foreign) {
      if (res != nullptr) {
        private_data_in_reservation(r, *res, mp, bad_);
        if (seen_ != nullptr) (*seen_)[{r.rid, res->serial}].insert(mp.ipa);
      }
      return;
    }
    foreign(r, mp, res);
  }

  /// (2, 8, 9) a foreign mapping: inside an ATTACHED reservation whose sharing exists, at the
  /// provider's granule for that offset, with at most the granted permission.
  void foreign(const RealmView& r, const Mapping& mp, const AptEntry* res) {
    // ATTACHING: an ATTACH that maps a table at a time waits at its host between tables;
    // draining: a revoke or detach is removing the mappings (its REC may be stopped at an IRQ
    // exit between two tables).
    if (res == nullptr || !(res->is(ResState::kAttached) || res->is(ResState::kAttaching) || res->draining())) {
      bad_.push_back(who(r) + ": foreign mapping at " + hex_number(mp.ipa.value()) + " outside an attached reservation");
      return;
    }
    const auto pit = realms_.find(res->peer);
    if (pit == realms_.end()) {
      bad_.push_back(who(r) + ": foreign mapping from a dead provider");
      return;
    }
    const RealmView& p = pit->second;
    const AptEntry* sharing = find(p.apt, [&](const AptEntry& e) {
      return e.kind == AptKind::kSharing && e.peer == r.rid && e.k == res->k;
    });
    const AptEntry* region = find(p.apt, [&](const AptEntry& e) {
      return e.kind == AptKind::kRegion && e.csm_id == res->csm_id;
    });
    if (sharing == nullptr || region == nullptr) {
      bad_.push_back(who(r) + ": foreign mapping without the provider's sharing");
      return;
    }
    if (sharing->read_only() && !mp.read_only) {
      bad_.push_back(who(r) + ": writable mapping of a read-only sharing at " + hex_number(mp.ipa.value()));
    }
    const Ipa pipa = region->base + (mp.ipa - res->base);
    bool same = false;
    for (const auto& pm : p.maps) {
      const std::uint64_t size = abi::s2tt::entry_size(pm.level);
      if (!pm.foreign && pipa >= pm.ipa && pipa - pm.ipa < size) same = pm.pa + (pipa - pm.ipa) == mp.pa;
    }
    if (!same) bad_.push_back(who(r) + ": foreign mapping at " + hex_number(mp.ipa.value()) + " is not the provider's granule");
  }

  /// (7) sharings name live realms; reservations name live providers unless DEAD. Pair
  /// counters too (CAEC: teardown releases them; one that outlives its consumer is an APT
  /// entry lost for good).
  void names(const RealmView& r) {
    for (const auto& e : r.apt) {
      if (e.kind == AptKind::kSharing && !realms_.contains(e.peer)) bad_.push_back(who(r) + ": sharing names a dead realm");
      if (e.kind == AptKind::kPairCounter && !realms_.contains(e.peer)) {
        bad_.push_back(who(r) + ": pair counter names a dead realm");
      }
      if (e.kind == AptKind::kReservation && !e.is(ResState::kDead) && !realms_.contains(e.peer)) {
        bad_.push_back(who(r) + ": reservation names a dead provider but is not DEAD");
      }
    }
  }

  /// (2) owned at most once; (5) refcount = foreign mappings.
  void refcounts() {
    for (const auto& [pa, n] : owners_) {
      if (n > 1) bad_.push_back("granule " + hex_number(pa.value()) + " mapped by its owner " + std::to_string(n) + " times");
    }
    std::set<Pa> data;
    for (const auto& [pa, n] : owners_) data.insert(pa);
    for (const auto& [pa, n] : foreign_refs_) data.insert(pa);
    for (Pa pa : data) {
      const auto g = rmm_.granule(pa);
      const auto it = foreign_refs_.find(pa);
      const auto expected = static_cast<std::uint32_t>(it == foreign_refs_.end() ? 0 : it->second);
      if (g.refcount != expected) {
        bad_.push_back("granule " + hex_number(pa.value()) + " refcount " + std::to_string(g.refcount) + " but " +
                       std::to_string(expected) + " foreign mappings");
      }
    }
  }

  /// (6) every DELEGATED granule is zero.
  void scrubbed() {
    const auto& mem = m_.memory();
    for (machine::GranuleIndex i; i < mem.end_index(); ++i) {
      const Pa pa = mem.granule_pa(i);
      if (m_.pas(pa) != machine::Pas::kRealm || rmm_.granule(pa).state != rmm::GranuleState::kDelegated) continue;
      const std::byte* p = m_.realm_pas_granule(pa);
      if (std::any_of(p, p + kGranuleSize, [](std::byte b) { return b != std::byte{0}; })) {
        bad_.push_back("DELEGATED granule " + hex_number(pa.value()) + " is not zero");
      }
    }
  }

  rmm::RmmIntrospection& rmm_;
  const machine::Machine& m_;
  PrivateDataInReservations* seen_;
  std::vector<std::string> bad_;
  std::map<Rid, RealmView> realms_;
  std::map<Pa, int> owners_;        // non-foreign mappings per granule (4 KiB pages)
  std::map<Pa, int> foreign_refs_;  // foreign mappings per granule
};

std::vector<std::string> violations(rmm::RmmIntrospection& rmm, const machine::Machine& m,
                                    PrivateDataInReservations* seen) {
  return Look(rmm, m, seen).run();
}

}  // namespace

std::vector<std::string> csm_invariant_violations(rmm::RmmIntrospection& rmm, const machine::Machine& m) {
  return violations(rmm, m, nullptr);
}

std::vector<std::string> ReservationHistory::observe(const PrivateDataInReservations& now) {
  std::vector<std::string> bad;
  PrivateDataInReservations next;
  for (const auto& [id, ipas] : now) {
    const auto before = first_seen_.find(id);
    if (before == first_seen_.end()) {
      next.emplace(id, ipas);  // first seen: whatever was there when the consumer reserved
      continue;
    }
    for (const Ipa ipa : ipas) {
      if (!before->second.contains(ipa)) {
        bad.push_back("realm " + std::to_string(static_cast<std::uint64_t>(id.consumer)) + ": private DATA at " +
                      hex_number(ipa.value()) + " appeared inside reservation #" + std::to_string(id.serial));
      }
    }
    // What the host removed stays removed: the baseline shrinks with the range.
    std::set<Ipa> kept;
    std::set_intersection(before->second.begin(), before->second.end(), ipas.begin(), ipas.end(),
                          std::inserter(kept, kept.end()));
    next.emplace(id, std::move(kept));
  }
  first_seen_ = std::move(next);  // reservations that are gone are forgotten (serials are not reused)
  return bad;
}

std::vector<std::string> CsmInvariantChecker::violations(rmm::RmmIntrospection& rmm, const machine::Machine& m) {
  PrivateDataInReservations now;
  std::vector<std::string> bad = inspect::violations(rmm, m, &now);
  for (auto& line : history_.observe(now)) bad.push_back(std::move(line));
  return bad;
}

}  // namespace caec::inspect
