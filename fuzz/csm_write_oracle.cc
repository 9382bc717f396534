#include "caec/abi/hex.h"
#include "fuzz/csm_write_oracle.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "caec/abi/s2tt.h"

namespace caec::fuzz {

namespace {

using rmm::AptKind;
using rmm::ResState;

bool attached(const rmm::AptEntry& res) { return res.is(ResState::kAttached) || res.is(ResState::kAttaching); }

const char* state_name(const rmm::AptEntry& res) {
  switch (static_cast<ResState>(res.state)) {
    case ResState::kReserved: return "RESERVED";
    case ResState::kAttached: return "ATTACHED";
    case ResState::kRevoked: return "REVOKED";
    case ResState::kDead: return "DEAD";
    case ResState::kAttaching: return "ATTACHING";
  }
  return "?";
}

bool contains(const std::vector<Pa>& v, Pa pa) { return std::find(v.begin(), v.end(), pa) != v.end(); }

}  // namespace

const rmm::AptEntry* RealmView::reservation_at(Ipa ipa) const {
  for (const auto& e : apt) {
    if (e.kind == AptKind::kReservation && e.covers(ipa)) return &e;
  }
  return nullptr;
}

Reach CsmWriteOracle::reach(const RealmView& v, Ipa ipa) const {
  Reach r;
  if (!v.live) return r;
  const rmm::AptEntry* res = v.reservation_at(ipa);
  const auto m = rmm_.mapping(v.rd, ipa);
  const std::optional<Pa> pa = m ? std::optional(m->pa + (ipa.align_down(kGranuleSize) - m->ipa)) : std::nullopt;
  const bool ram = m && m->ripas == abi::Ripas::kRam;
  if (ram && !m->foreign) {
    r.own = pa;
    r.writable = pa;
  }
  if (res != nullptr) {
    r.reservation = state_name(*res);
    r.may_read = m && m->foreign && attached(*res);
    r.may_write = r.may_read && !m->read_only;
    if (ram && r.may_write) r.writable = pa;
  }
  return r;
}

std::map<Pa, CsmWriteOracle::Place> CsmWriteOracle::regions(const Views& views) const {
  std::map<Pa, Place> out;
  for (const RealmView& v : views) {
    if (!v.live) continue;
    for (const auto& region : v.apt) {
      if (region.kind != AptKind::kRegion) continue;
      for (const auto& m : rmm_.mappings(v.rd, region.base, region.size)) {
        if (m.foreign) continue;
        const std::uint64_t size = abi::s2tt::entry_size(m.level);
        const std::uint64_t lo = std::max(m.ipa.value(), region.base.value());
        const std::uint64_t hi = std::min(m.ipa.value() + size, region.base.value() + region.size);
        for (std::uint64_t ipa = lo; ipa < hi; ipa += kGranuleSize) {
          out[m.pa + (ipa - m.ipa.value())] = {v.rid, region.csm_id, Ipa{ipa}};
        }
      }
    }
  }
  return out;
}

const std::byte* CsmWriteOracle::contents(Pa pa) const { return m_.realm_pas_granule(pa); }

std::array<std::vector<Pa>, 2> CsmWriteOracle::scratch_writable(const Views& views) const {
  std::array<std::vector<Pa>, 2> out;
  for (std::size_t i = 0; i < views.size(); ++i) {
    for (const Ipa s : scratch_[i]) {
      if (const auto pa = reach(views[i], s).writable) out[i].push_back(*pa);
    }
  }
  return out;
}

void CsmWriteOracle::reset(const Views& now) {
  watched_.clear();
  for (const auto& [pa, place] : regions(now)) {
    const std::byte* p = contents(pa);
    watched_.emplace(pa, Watched{place, std::vector<std::byte>(p, p + kGranuleSize)});
  }
  scratch_before_ = scratch_writable(now);
}

bool CsmWriteOracle::explained(Pa pa, const std::byte* was, const std::byte* now,
                               const std::array<std::vector<Pa>, 2>& scratch_now, const StepWrites& step,
                               const std::vector<Reach>& after) const {
  // Realm code of a realm that ran: its RECs' scratch pages, where it may write them.
  for (std::size_t i = 0; i < 2; ++i) {
    if (step.ran[i] && (contains(scratch_before_[i], pa) || contains(scratch_now[i], pa))) return true;
  }
  // The RMM on a realm's behalf: its own memory only (a provider's own region included).
  if (contains(step.rsi_buffers, pa)) return true;
  // A realm's 8-byte write: those bytes only, with that value.
  std::size_t lo = 0;
  while (lo < kGranuleSize && was[lo] == now[lo]) ++lo;
  std::size_t hi = kGranuleSize;
  while (hi > lo && was[hi - 1] == now[hi - 1]) --hi;
  for (std::size_t k = 0; k < step.accesses.size(); ++k) {
    const auto& a = step.accesses[k];
    if (!a.write || !a.done || (a.before.writable != pa && after[k].writable != pa)) continue;
    const std::size_t off = a.ipa.value() % kGranuleSize;
    const std::size_t n = std::min(sizeof a.value, kGranuleSize - off);
    if (lo >= off && hi <= off + n && std::memcmp(now + off, &a.value, n) == 0) return true;
  }
  return false;
}

std::vector<std::string> CsmWriteOracle::check(const Views& now, const StepWrites& step) {
  std::vector<std::string> bad;
  // Consent is judged on the state before the step or after it (a command may first finish an
  // ATTACH its REC was in the middle of), never on neither.
  std::vector<Reach> after;
  for (const auto& a : step.accesses) {
    after.push_back(reach(now[a.realm], a.ipa));
    const Reach& b = a.before;
    const Reach& n = after.back();
    if (!a.done || (a.write ? (b.may_write || n.may_write) : (b.may_read || n.may_read))) continue;
    bad.push_back("realm " + std::to_string(a.realm) + (a.write ? " wrote " : " read ") + hex_number(a.ipa.value()) +
                  " inside its reservation (" + (b.reservation != nullptr ? b.reservation : n.reservation) +
                  ") without an attached mapping that " + (a.write ? "permits writing" : "permits reading"));
  }
  const auto scratch_now = scratch_writable(now);
  std::map<Pa, Watched> next;
  for (const auto& [pa, place] : regions(now)) {
    const std::byte* bytes = contents(pa);
    const auto it = watched_.find(pa);
    if (it == watched_.end() || it->second.place.provider != place.provider || contains(step.destroyed, pa)) {
      next.emplace(pa, Watched{place, std::vector<std::byte>(bytes, bytes + kGranuleSize)});
      continue;
    }
    Watched w = std::move(it->second);
    if (snapshot_.written(pa) && std::memcmp(w.bytes.data(), bytes, kGranuleSize) != 0) {
      if (!explained(pa, w.bytes.data(), bytes, scratch_now, step, after)) {
        std::size_t lo = 0;
        while (w.bytes[lo] == bytes[lo]) ++lo;
        std::size_t hi = kGranuleSize;
        while (w.bytes[hi - 1] == bytes[hi - 1]) --hi;
        bad.push_back("region granule " + hex_number(pa.value()) + " (CSM id " +
                      std::to_string(static_cast<std::uint64_t>(place.csm_id)) + ", provider RID " +
                      std::to_string(static_cast<std::uint64_t>(place.provider)) + ", IPA " +
                      hex_number(place.ipa.value()) + ") changed in bytes [" + hex_number(lo) + ", " + hex_number(hi) +
                      "): no write of this step was permitted there");
      }
      std::memcpy(w.bytes.data(), bytes, kGranuleSize);
    }
    w.place = place;
    next.emplace(pa, std::move(w));
  }
  watched_ = std::move(next);
  scratch_before_ = scratch_now;
  return bad;
}

}  // namespace caec::fuzz
