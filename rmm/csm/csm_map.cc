#include "rmm/csm/csm_map.h"

#include <algorithm>
#include <array>
#include <optional>

#include "rmm/port/rmm_check.h"
#include "rmm/core/stage2_tables.h"

namespace caec::rmm {

namespace s2 = abi::s2tt;

namespace {

/// The consumer's level-3 table holding `ipa`, or nullopt if the walk stops above level 3.
std::optional<RttWalk> consumer_leaf(RmmContext& rmm, RealmDescriptor& consumer, Ipa ipa,
                                     LockSite site = LockSite::here()) {
  RttWalk w = rtt_walk(rmm.platform, rmm.granules, consumer, ipa, s2::kMaxLevel, site);
  if (w.level() != s2::kMaxLevel) return std::nullopt;
  return w;
}

/// A provider entry that is the provider's own populated memory: what a consumer may map.
bool shareable(const RttEntry& e) {
  return e.hipas == Hipas::kAssigned && e.ripas == abi::Ripas::kRam && !e.foreign;
}

/// Maps `data` at entry `index` of the consumer's level-3 table (an UNASSIGNED entry).
void map_at(RmmContext& rmm, Rtt& rtt, std::uint64_t index, Pa data, bool read_only) {
  LockedGranule g = rmm.granules.lock(data, LockRequest::data());
  // The caller read `data` from the provider's RTT under the provider's RD lock, which it still
  // holds: an ASSIGNED entry always maps a DATA granule, and none can change meanwhile.
  RMM_CHECK(g.state() == GranuleState::kData);
  g.get();
  rtt.set(index, RttEntry{.hipas = Hipas::kAssigned,
                          .ripas = abi::Ripas::kRam,
                          .addr = data,
                          .foreign = true,
                          .read_only = read_only});
}

/// Removes the consumer mapping at entry `index` (a foreign ASSIGNED entry).
void unmap_at(RmmContext& rmm, Rtt& rtt, std::uint64_t index, Pa data, abi::Ripas after) {
  rtt.set(index, RttEntry{.hipas = Hipas::kUnassigned, .ripas = after});
  LockedGranule g = rmm.granules.lock(data, LockRequest::data());
  g.put();
}

}  // namespace

std::uint64_t chunk_at(Ipa ipa, std::uint64_t left) {
  return std::min(left, kCsmChunk - (ipa.value() % kCsmChunk));
}

void map_foreign_page(RmmContext& rmm, RealmDescriptor& consumer, Ipa ipa, Pa data, bool read_only) {
  auto w = consumer_leaf(rmm, consumer, ipa);
  if (!w || w->entry.hipas != Hipas::kUnassigned) return;
  map_at(rmm, w->rtt, w->index, data, read_only);
}

void unmap_foreign_page(RmmContext& rmm, RealmDescriptor& consumer, Ipa ipa, Pa data,
                        abi::Ripas after) {
  auto w = consumer_leaf(rmm, consumer, ipa);
  if (!w) return;
  const RttEntry& e = w->entry;
  if (e.hipas != Hipas::kAssigned || !e.foreign || e.addr != data) return;
  unmap_at(rmm, w->rtt, w->index, data, after);
}

void unmap_chunk(RmmContext& rmm, RealmDescriptor& consumer, Ipa base, std::uint64_t len,
                 abi::Ripas after) {
  // Consumer mappings exist only in level-3 tables (they are never folded), and a table that
  // holds one is live, so it cannot have been destroyed: no table, no mapping.
  auto w = consumer_leaf(rmm, consumer, base);
  if (!w) return;
  // Every entry first, then one TLBI for the chunk, and only then the references go: until the
  // invalidation completes a PE may still reach a granule, so it must stay pinned until then.
  std::array<Pa, s2::kEntriesPerTable> unmapped{};
  std::size_t n = 0;
  const std::uint64_t first = w->rtt.index_of(base);
  for (std::uint64_t i = first; i < first + len / kGranuleSize; ++i) {
    const RttEntry e = w->rtt.entry(i);
    if (e.hipas != Hipas::kAssigned || !e.foreign) continue;
    w->rtt.unmap_deferred(i, RttEntry{.hipas = Hipas::kUnassigned, .ripas = after});
    unmapped[n++] = e.addr;
  }
  w->rtt.flush_tlbi();
  for (std::size_t i = 0; i < n; ++i) rmm.granules.lock(unmapped[i], LockRequest::data()).put();
}

bool consumer_chunk_ready(RmmContext& rmm, RealmDescriptor& consumer, Ipa base, std::uint64_t len) {
  auto w = consumer_leaf(rmm, consumer, base);
  if (!w) return false;
  const std::uint64_t first = w->rtt.index_of(base);
  for (std::uint64_t i = first; i < first + len / kGranuleSize; ++i) {
    const RttEntry e = w->rtt.entry(i);
    if (e.hipas == Hipas::kAssigned && !e.foreign) return false;
  }
  return true;
}

void map_chunk(RmmContext& rmm, RealmDescriptor& provider, const AptEntry& region,
               RealmDescriptor& consumer, const AptEntry& res, std::uint64_t offset,
               std::uint64_t len) {
  const std::uint64_t pages = len / kGranuleSize;
  RMM_CHECK(pages <= s2::kEntriesPerTable);
  // First the provider's granules (its tables only), then the consumer's table.
  std::array<Pa, s2::kEntriesPerTable> data{};
  std::array<bool, s2::kEntriesPerTable> present{};
  std::array<abi::Ripas, s2::kEntriesPerTable> ripas{};
  for (std::uint64_t i = 0; i < pages;) {
    const Ipa pipa = region.base + offset + i * kGranuleSize;
    RttWalk w = rtt_walk(rmm.platform, rmm.granules, provider, pipa, s2::kMaxLevel);
    if (w.level() == s2::kMaxLevel) {
      // The rest of this level-3 table, entry by entry.
      for (std::uint64_t idx = w.index; idx < s2::kEntriesPerTable && i < pages; ++idx, ++i) {
        const RttEntry e = w.rtt.entry(idx);
        present[i] = shareable(e);
        data[i] = e.addr;
        ripas[i] = e.ripas;
      }
    } else {
      // A block (or an entry without a table) covering the rest of its range.
      const Ipa end = w.entry_ipa() + w.rtt.entry_size();
      for (Ipa p = pipa; i < pages && p < end; ++i, p = p + kGranuleSize) {
        present[i] = shareable(w.entry);
        data[i] = w.entry.addr + (p - w.entry_ipa());
        ripas[i] = w.entry.ripas;
      }
    }
  }
  auto w = consumer_leaf(rmm, consumer, res.base + offset);
  if (!w) return;  // the caller checked consumer_chunk_ready under the same locks
  const std::uint64_t first = w->rtt.index_of(res.base + offset);
  for (std::uint64_t i = 0; i < pages; ++i) {
    const RttEntry e = w->rtt.entry(first + i);
    if (e.hipas != Hipas::kUnassigned) continue;
    if (present[i]) {
      map_at(rmm, w->rtt, first + i, data[i], res.read_only());
    } else if (e.ripas != ripas[i]) {
      // The attached range mirrors the provider's RIPAS granule by granule (csm-abi.md §5): a
      // page the provider's host destroyed reads DESTROYED here too, whenever it was destroyed.
      w->rtt.set(first + i, RttEntry{.hipas = Hipas::kUnassigned, .ripas = ripas[i]});
    }
  }
}

}  // namespace caec::rmm
