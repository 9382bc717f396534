#include "rmm/introspect/introspect.h"

#include <algorithm>
#include <string>

#include "rmm/core/context.h"
#include "rmm/runtime/diag.h"
#include "rmm/core/rec.h"
#include "rmm/core/stage2_tables.h"

namespace caec::rmm {

RmmIntrospection::GranuleInfo RmmIntrospection::granule(Pa pa) const {
  LockedGranule g = rmm_.ctx_->granules.lock(pa, LockRequest::external());
  return {g.state(), g.refcount()};
}

std::optional<RealmDescriptor> RmmIntrospection::realm(Pa rd) const {
  LockedGranule g = rmm_.ctx_->granules.lock(rd, LockRequest::external());
  if (g.state() != GranuleState::kRd) return std::nullopt;
  return realm_of(*rmm_.ctx_, g);
}

std::vector<std::pair<Rid, Pa>> RmmIntrospection::realms() const {
  return by_rid_ ? realms_by_rid() : registry_walk();
}

std::vector<std::pair<Rid, Pa>> RmmIntrospection::registry_walk() const {
  std::vector<std::pair<Rid, Pa>> out;
  RealmRegistry::Walk walk(rmm_.ctx_->realms);
  while (const auto next = walk.next()) out.push_back(*next);
  return out;
}

std::vector<std::pair<Rid, Pa>> RmmIntrospection::realms_by_rid() const {
  std::vector<std::pair<Rid, Pa>> out;
  const std::uint64_t next = rmm_.ctx_->next_rid.load();
  for (std::uint64_t rid = 1; rid < next; ++rid) {
    if (const auto rd = rmm_.ctx_->realms.find(Rid{rid})) out.emplace_back(Rid{rid}, *rd);
  }
  return out;
}

std::string RmmIntrospection::registry_consistent() const {
  auto scanned = registry_walk();
  std::sort(scanned.begin(), scanned.end());
  if (scanned == realms_by_rid()) return {};
  std::string what = "registry slots hold";
  for (const auto& [rid, rd] : scanned) {
    what += " " + std::to_string(static_cast<std::uint64_t>(rid));
  }
  what += "; lookups find";
  for (const auto& [rid, rd] : realms_by_rid()) {
    what += " " + std::to_string(static_cast<std::uint64_t>(rid));
  }
  return what;
}

namespace {
/// The ASSIGNED entries of `table` (at `level`, translating from `base`) and its subtables that
/// overlap [lo, hi].
void collect(RmmContext& rmm, Pa table, RttLevel level, Ipa base, std::uint64_t lo, std::uint64_t hi,
             std::vector<RmmIntrospection::Mapping>& out) {
  // SAFETY: RTT granules hold 512 descriptors; read while the system is quiescent.
  const auto* slots = reinterpret_cast<const std::uint64_t*>(rmm.platform.map_granule(table));
  const std::uint64_t size = abi::s2tt::entry_size(level);
  const std::uint64_t span = size * abi::s2tt::kEntriesPerTable;
  if (hi < base.value() || (base.value() + span - 1 < lo)) return;
  const std::uint64_t first = lo <= base.value() ? 0 : (lo - base.value()) / size;
  const std::uint64_t last = hi - base.value() >= span ? abi::s2tt::kEntriesPerTable - 1 : (hi - base.value()) / size;
  for (std::uint64_t i = first; i <= last; ++i) {
    // Only valid descriptors and invalid ASSIGNED ones decode to TABLE or ASSIGNED (s2tt.cc):
    // skip the rest, most of every table, without decoding them.
    const std::uint64_t d = slots[i];
    if (!abi::s2tt::desc_is_valid(d) && (d & abi::s2tt::kHipasMask) != abi::s2tt::kHipasAssigned) continue;
    const Ipa ipa = base + i * size;
    const RttEntry e = decode_entry(d, level);
    if (e.hipas == Hipas::kTable) {
      collect(rmm, e.addr, level.child(), ipa, lo, hi, out);
    } else if (e.hipas == Hipas::kAssigned) {
      out.push_back({ipa, level, e.addr, e.ripas, e.foreign, e.read_only});
    }
  }
}
}  // namespace

std::vector<RmmIntrospection::Mapping> RmmIntrospection::mappings(Pa rd) const {
  return mappings(rd, Ipa{0}, UINT64_MAX);
}

std::vector<RmmIntrospection::Mapping> RmmIntrospection::mappings(Pa rd, Ipa base, std::uint64_t size) const {
  std::vector<Mapping> out;
  const auto realm = this->realm(rd);
  if (!realm || size == 0) return out;
  const std::uint64_t hi = size - 1 > UINT64_MAX - base.value() ? UINT64_MAX : base.value() + size - 1;
  for (std::uint32_t i = 0; i < realm->rtt_num_start; ++i) {
    collect(*rmm_.ctx_, realm->start_rtt(i), realm->rtt_level_start, start_rtt_base(*realm, i), base.value(), hi, out);
  }
  return out;
}

std::optional<RmmIntrospection::Mapping> RmmIntrospection::mapping(Pa rd, Ipa ipa) const {
  const auto found = mappings(rd, ipa.align_down(kGranuleSize), kGranuleSize);
  if (found.empty()) return std::nullopt;
  return found.front();
}

RmmIntrospection::Leaf RmmIntrospection::leaf(Pa rd, Ipa ipa) const {
  const auto realm = this->realm(rd);
  if (!realm || !realm->in_ipa_space(ipa)) return {};
  RttLevel level = realm->rtt_level_start;
  Pa table = realm->start_rtt(ipa.value() >> abi::s2tt::table_shift(level));
  for (;; level = level.child()) {
    // SAFETY: RTT granules hold 512 descriptors; read while the system is quiescent.
    const auto* slots = reinterpret_cast<const std::uint64_t*>(rmm_.ctx_->platform.map_granule(table));
    const RttEntry e = decode_entry(slots[abi::s2tt::entry_index(ipa.value(), level)], level);
    if (e.hipas != Hipas::kTable) return {level, e.hipas == Hipas::kAssigned, e.ripas};
    table = e.addr;
  }
}

std::vector<AptEntry> RmmIntrospection::apt(Pa rd) const {
  std::vector<AptEntry> out;
  LockedGranule g = rmm_.ctx_->granules.lock(rd, LockRequest::external());
  if (g.state() != GranuleState::kRd) return out;
  Apt(*rmm_.ctx_, realm_of(*rmm_.ctx_, g)).for_each([&](const AptEntry& e) { out.push_back(e); });
  return out;
}

std::string_view RmmIntrospection::last_rsi_failure(Pa rec) const {
  LockedGranule g = rmm_.ctx_->granules.lock(rec, LockRequest::external());
  if (g.state() != GranuleState::kRec) return {};
  const char* label = rec_of(*rmm_.ctx_, g).last_rsi_failure;
  return label == nullptr ? std::string_view{} : std::string_view(label);
}

// ---- Snapshot and restore ---------------------------------------------------------------------

RmmIntrospection::Snapshot RmmIntrospection::snapshot() const {
  RmmContext& rmm = *rmm_.ctx_;
  Snapshot s;
  s.granules.reserve(rmm.granules.size());
  for (std::uint64_t i = 0; i < rmm.granules.size(); ++i) {
    const LockedGranule g = rmm.granules.lock(rmm.granules.base() + i * kGranuleSize, LockRequest::external());
    s.granules.emplace_back(g.state(), g.refcount());
  }
  s.next_rid = rmm.next_rid.load();
  s.next_csm_id = rmm.next_csm_id.load();
  s.next_serial = rmm.next_serial.load();
  s.realms = registry_walk();
  std::sort(s.realms.begin(), s.realms.end());
  for (std::uint32_t v = 0; v <= UINT16_MAX; ++v) {
    if (vmid_in_use(static_cast<std::uint16_t>(v))) s.vmids.push_back(static_cast<std::uint16_t>(v));
  }
  return s;
}

bool RmmIntrospection::vmid_in_use(std::uint16_t vmid) const { return rmm_.ctx_->vmids.in_use(Vmid{vmid}); }

namespace {
/// Puts granule `i` back to DELEGATED, or UNDELEGATED where `want` is; true if it moved.
bool rewind_one(RmmContext& rmm, std::uint64_t i, std::pair<GranuleState, std::uint32_t> want) {
  LockedGranule g = rmm.granules.lock(rmm.granules.base() + i * kGranuleSize, LockRequest::external());
  const auto [state, refs] = want;
  if (g.state() == state && g.refcount() == refs) return false;
  g.drop_refs();
  if (g.state() == state) {  // same state, another count: no transition needed
    g.get(refs);
    return false;
  }
  if (g.state() != GranuleState::kDelegated && g.state() != GranuleState::kUndelegated) {
    rmm.granules.transition(rmm.platform, g, GranuleState::kDelegated);
  }
  if (state == GranuleState::kUndelegated && g.state() == GranuleState::kDelegated) {
    rmm.granules.transition(rmm.platform, g, GranuleState::kUndelegated);
  }
  return true;
}
}  // namespace

std::uint64_t RmmIntrospection::rewind_granules(const Snapshot& s) {
  RmmContext& rmm = *rmm_.ctx_;
  RMM_CHECK(s.granules.size() == rmm.granules.size());
  std::uint64_t moved = 0;
  for (std::uint64_t i = 0; i < s.granules.size(); ++i) moved += rewind_one(rmm, i, s.granules[i]) ? 1U : 0U;
  return moved;
}

std::uint64_t RmmIntrospection::rewind_granules(const Snapshot& s, std::span<const std::uint64_t> indices) {
  RmmContext& rmm = *rmm_.ctx_;
  RMM_CHECK(s.granules.size() == rmm.granules.size());
  std::uint64_t moved = 0;
  for (const std::uint64_t i : indices) {
    RMM_CHECK(i < s.granules.size());
    moved += rewind_one(rmm, i, s.granules[i]) ? 1U : 0U;
  }
  return moved;
}

void RmmIntrospection::restore(const Snapshot& s, std::span<const std::uint16_t> vmids) {
  RmmContext& rmm = *rmm_.ctx_;
  RMM_CHECK(s.granules.size() == rmm.granules.size());
  for (std::uint64_t i = 0; i < s.granules.size(); ++i) {
    const auto [state, refs] = s.granules[i];
    if (state == GranuleState::kUndelegated) continue;  // rewind_granules() put those back
    LockedGranule g = rmm.granules.lock(rmm.granules.base() + i * kGranuleSize, LockRequest::external());
    if (g.state() != state) {
      if (g.state() == GranuleState::kUndelegated) {
        rmm.granules.transition(rmm.platform, g, GranuleState::kDelegated);
      }
      if (state != GranuleState::kDelegated) rmm.granules.transition(rmm.platform, g, state);
    }
    if (g.refcount() != refs) {
      g.drop_refs();
      g.get(refs);
    }
  }
  // Registry: remove every live realm, then add the snapshot's in the order they were added
  // (RID order), which puts every entry in the slot it had (linear probing with backward-shift
  // deletion leaves no trace of a removed entry).
  // (An entry no lookup reaches would survive: registry_consistent() is how to rule it out.)
  for (const auto& [rid, rd] : realms_by_rid()) rmm.realms.remove(rid);
  for (const auto& [rid, rd] : s.realms) rmm.realms.add(rid, rd);
  rmm.next_rid.store(s.next_rid);
  rmm.next_csm_id.store(s.next_csm_id);
  rmm.next_serial.store(s.next_serial);
  for (const std::uint16_t v : vmids) {
    const bool want = std::binary_search(s.vmids.begin(), s.vmids.end(), v);
    if (vmid_in_use(v) != want) {
      if (want) {
        RMM_CHECK(rmm.vmids.reserve(Vmid{v}));
      } else {
        rmm.vmids.release(Vmid{v});
      }
    }
  }
}

std::span<const RsiCommand> RmmIntrospection::rsi_commands() { return rmm::rsi_commands(); }

std::string_view RmmIntrospection::last_failure() { return diag::last_failure(); }

std::span<const RmiCommand> RmmIntrospection::rmi_commands() { return rmm::rmi_commands(); }

}  // namespace caec::rmm
