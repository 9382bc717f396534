#include "machine/stage2.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>

#include "caec/abi/s2tt.h"
#include "machine/fatal.h"
#include "machine/fault_handler.h"

namespace caec::machine {

namespace s2 = abi::s2tt;

namespace {

void* reserve(std::uint64_t size) {
  void* p = mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::runtime_error("stage-2 window: cannot reserve address space");
  return p;
}

/// The host protection that stands for a descriptor's S2AP, for an access of kind `write`;
/// PROT_NONE when the descriptor does not permit it (a permission fault). x86 page tables
/// cannot express write-only, so a write to a write-only page maps it read-write: a read after
/// that write then succeeds where hardware would fault (docs/deviations.md).
int prot_of(std::uint64_t desc, bool write) {
  const std::uint64_t s2ap = desc & s2::kS2apMask;
  if (s2ap == s2::kS2apRw) return PROT_READ | PROT_WRITE;
  if (s2ap == s2::kS2apRo) return write ? PROT_NONE : PROT_READ;
  if (s2ap == s2::kS2apWo) return write ? PROT_READ | PROT_WRITE : PROT_NONE;
  return PROT_NONE;
}

/// Attributes that must be equal for two leaves to share one host mapping.
constexpr std::uint64_t kRunAttrs = s2::kTypeMask | s2::kS2apMask | s2::kNs | s2::kMemAttrMask;

/// The end of [base, base + size), saturated (size may be "everything": UINT64_MAX).
std::uint64_t range_end(Ipa base, std::uint64_t size) {
  return size > UINT64_MAX - base.value() ? UINT64_MAX : base.value() + size;
}

/// Stage-2 mappings of every window in the process.
std::atomic<std::uint64_t> g_mappings{0};

}  // namespace

Stage2::Stage2(const PhysMem& mem, const Gpt& gpt, AbortSink& sink, Vmid vmid,
               const S2Config& config, std::uint64_t max_mappings, std::uint64_t max_half_window)
    : mem_(mem), gpt_(gpt), sink_(sink), vmid_(vmid), config_(config), max_mappings_(max_mappings) {
  const std::uint64_t half = std::uint64_t{1} << (config.ipa_width - 1);
  const std::uint64_t size = std::min(half, max_half_window);
  for (std::size_t i = 0; i < 2; ++i) {
    Half& h = halves_[i];
    h.size = size;
    h.first = Ipa{i == 0 ? 0 : half};
    h.base = static_cast<std::byte*>(reserve(size));
    h.mappings = std::make_unique<HostMappingCount>(size / kGranuleSize);
    const auto begin = reinterpret_cast<std::uintptr_t>(h.base);
    h.fault_slot = register_fault_region({begin, begin + size, &Stage2::on_fault, this, "stage-2"});
  }
}

Stage2::~Stage2() {
  for (Half& h : halves_) {
    g_mappings.fetch_sub(h.mappings->count(), std::memory_order_relaxed);
    unregister_fault_region(h.fault_slot);
    munmap(h.base, h.size);
  }
}

const Stage2::Half* Stage2::half_of(Ipa ipa) const {
  for (const Half& h : halves_) {
    if (ipa >= h.first && ipa - h.first < h.size) return &h;
  }
  return nullptr;
}

std::byte* Stage2::pointer(Ipa ipa) const {
  const Half* h = half_of(ipa);
  return h == nullptr ? nullptr : h->base + (ipa - h->first);
}

bool Stage2::contains(std::uintptr_t addr) const {
  for (const Half& h : halves_) {
    const auto b = reinterpret_cast<std::uintptr_t>(h.base);
    if (addr >= b && addr - b < h.size) return true;
  }
  return false;
}

Ipa Stage2::ipa_of(std::uintptr_t addr) const {
  for (const Half& h : halves_) {
    const auto b = reinterpret_cast<std::uintptr_t>(h.base);
    if (addr >= b && addr - b < h.size) return h.first + (addr - b);
  }
  fatal(__FILE__, __LINE__, "address outside the stage-2 window");
}

std::uint64_t Stage2::read_desc(Pa table, std::uint64_t index) const {
  // SAFETY: the table granule passed the GPC (Realm PAS) in walk(); descriptors are 8-byte
  // aligned and written atomically by the RMM.
  auto* slot = reinterpret_cast<std::uint64_t*>(mem_.bus(table)) + index;
  return std::atomic_ref<std::uint64_t>(*slot).load(std::memory_order_acquire);
}

S2Outcome Stage2::walk(Ipa ipa, bool write, bool fetch, Ipa& map_ipa, Pa& map_pa, std::uint64_t& map_size,
                       int& prot) const {
  const auto& c = config_;
  if (ipa.value() >= (std::uint64_t{1} << c.ipa_width))
    return {S2Fault::kAddressSize, c.start_level};
  RttLevel level = c.start_level;
  const std::uint64_t first = ipa.value() >> s2::table_shift(level);
  if (first >= c.num_start) return {S2Fault::kAddressSize, level};
  Pa table = c.rtt_base + first * kGranuleSize;
  for (;;) {
    if (!mem_.contains(table) || gpt_.pas(mem_.granule_index(table)) != Pas::kRealm) {
      return {S2Fault::kGpf, level};
    }
    const std::uint64_t index = s2::entry_index(ipa.value(), level);
    const std::uint64_t d = read_desc(table, index);
    if (!s2::desc_is_valid(d)) return {S2Fault::kTranslation, level};
    if (s2::desc_is_table(d, level)) {
      table = s2::desc_oa(d);
      level = level.child();
      continue;
    }
    if (!s2::desc_is_leaf(d, level)) return {S2Fault::kTranslation, level};
    prot = prot_of(d, write);
    if (prot == PROT_NONE || (fetch && (d & s2::kXnMask) != 0)) return {S2Fault::kPermission, level};
    const Pas want = (d & s2::kNs) != 0 ? Pas::kNonSecure : Pas::kRealm;
    auto granule_ok = [&](Pa pa) {
      return mem_.contains(pa) && gpt_.pas(mem_.granule_index(pa)) == want;
    };
    // The run to map: a block leaf (up to 2 MiB of it), or the run of adjacent level-3 leaves
    // with contiguous outputs and equal attributes (NS included), up to one table's 2 MiB. A
    // TLB fill costs a host fault here, against a hardware walk of ~100 ns, so filling whole
    // runs keeps that artifact out of every data path, NS memory's as much as realm memory's.
    const std::uint64_t esize = s2::entry_size(level);
    const Ipa entry_ipa = ipa.align_down(esize);
    const Pa entry_pa = s2::desc_oa(d);
    if (level < s2::kMaxLevel) {
      const std::uint64_t chunk = std::min<std::uint64_t>(esize, 2ULL << 20U);
      map_ipa = ipa.align_down(chunk);
      map_pa = entry_pa + (map_ipa - entry_ipa);
      map_size = chunk;
    } else {
      // Unsigned arithmetic is modular, so entry_pa + (i - index) * 4K is right for i < index.
      auto joins = [&](std::uint64_t i) {
        const std::uint64_t n = read_desc(table, i);
        const Pa expect{entry_pa.value() + (i - index) * kGranuleSize};
        return ((n ^ d) & kRunAttrs) == 0 && s2::desc_oa(n) == expect && granule_ok(expect);
      };
      std::uint64_t lo = index;
      std::uint64_t hi = index;
      while (lo > 0 && joins(lo - 1)) --lo;
      while (hi + 1 < s2::kEntriesPerTable && joins(hi + 1)) ++hi;
      map_ipa = ipa.align_down(s2::entry_size(level.parent())) + lo * kGranuleSize;
      map_pa = Pa{entry_pa.value() - (index - lo) * kGranuleSize};
      map_size = (hi - lo + 1) * kGranuleSize;
    }
    // Every granule mapped must pass the GPC; if one in a block does not, map only the page
    // that faulted (or report the GPF if it is that page).
    for (std::uint64_t off = 0; off < map_size; off += kGranuleSize) {
      if (granule_ok(map_pa + off)) continue;
      const Ipa page = ipa.align_down(kGranuleSize);
      const Pa page_pa = entry_pa + (page - entry_ipa);
      if (!granule_ok(page_pa)) return {S2Fault::kGpf, level};
      map_ipa = page;
      map_pa = page_pa;
      map_size = kGranuleSize;
      break;
    }
    return {S2Fault::kNone, level};
  }
}

S2Outcome Stage2::fill(Ipa ipa, bool write, bool fetch) {
  std::lock_guard lock(mutex_);
  Ipa map_ipa;
  Pa map_pa;
  std::uint64_t map_size = 0;
  int prot = PROT_NONE;
  const S2Outcome out = walk(ipa, write, fetch, map_ipa, map_pa, map_size, prot);
  if (out.fault != S2Fault::kNone) return out;
  const Half* h = half_of(ipa);
  if (h == nullptr) return {S2Fault::kAddressSize, out.level};
  // Clip the run to the window half.
  if (map_ipa < h->first) {
    map_size -= h->first - map_ipa;
    map_pa = map_pa + (h->first - map_ipa);
    map_ipa = h->first;
  }
  map_size = std::min(map_size, h->size - (map_ipa - h->first));
  if (g_mappings.load(std::memory_order_relaxed) >= max_mappings_) {
    unmap(Ipa{0}, UINT64_MAX);  // drop this window's whole TLB
    flushes_.fetch_add(1, std::memory_order_relaxed);
    ns_count_ = 0;
  }
  const Joins joins = keep_mapped_neighbours(*h, ipa, map_ipa, map_pa, map_size);
  const std::uint64_t first_page = (map_ipa - h->first) / kGranuleSize;
  const std::uint64_t end_page = first_page + map_size / kGranuleSize;
  // Pages remapped over (a permission change without invalidation) leave the count first.
  count_mappings(h->mappings->unmapped(first_page, end_page, joins.right));
  count_mappings(h->mappings->mapped(first_page, end_page, joins.left, joins.right));
  void* at = h->base + (map_ipa - h->first);
  // MAP_POPULATE: the host's page tables for the run are built now, as part of this TLB fill.
  // Otherwise the realm's first write to each page of the run would take a host minor fault
  // (~2 µs) that hardware has no counterpart for, and data paths that stream through fresh
  // memory (a ring's first lap) would measure the host kernel.
  void* p = mmap(at, map_size, prot, MAP_SHARED | MAP_FIXED | MAP_POPULATE, mem_.fd(),
                 static_cast<off_t>(mem_.file_offset(map_pa)));
  MACHINE_CHECK(p == at, "stage-2 fill: mmap failed");
  if ((prot & PROT_WRITE) != 0) mem_.note_write(map_pa, map_size);  // the realm may write it now
  if (gpt_.pas(mem_.granule_index(map_pa)) == Pas::kNonSecure) {
    if (ns_count_ == ns_.size()) {
      for (std::size_t i = 0; i < ns_count_; ++i) unmap(ns_[i].ipa, ns_[i].size);
      ns_count_ = 0;
    }
    ns_[ns_count_++] = {map_ipa, map_pa, map_size};
  }
  return out;
}

Stage2::Joins Stage2::keep_mapped_neighbours(const Half& h, Ipa ipa, Ipa& map_ipa, Pa& map_pa,
                                             std::uint64_t& map_size) const {
  // Pages of the run this window maps already keep their mapping: remapping them would throw
  // away (and MAP_POPULATE rebuild) their host page tables at every fault, and a run that
  // grows a page per fault, as RAM populated on demand does, would cost O(n^2). A page of the
  // window is mapped iff mincore() finds it resident: the reservation's anonymous PROT_NONE
  // pages never are, DRAM pages mapped here are (those are written when created). A resident
  // page is a translation no invalidation removed, so it is still the right one; a page wrongly
  // reported absent is merely mapped again. A mapped page left in the run is a neighbour the
  // new mapping joins: same descriptor attributes, adjacent output.
  std::array<unsigned char, s2::kEntriesPerTable> resident{};
  const std::uint64_t pages = map_size / kGranuleSize;
  if (pages <= 1 || pages > resident.size()) return {};
  if (mincore(h.base + (map_ipa - h.first), map_size, resident.data()) != 0) return {};
  const std::uint64_t fault = (ipa.align_down(kGranuleSize) - map_ipa) / kGranuleSize;
  std::uint64_t lo = fault;
  std::uint64_t hi = fault;
  while (lo > 0 && (resident[lo - 1] & 1U) == 0) --lo;
  while (hi + 1 < pages && (resident[hi + 1] & 1U) == 0) ++hi;
  map_ipa = map_ipa + lo * kGranuleSize;
  map_pa = map_pa + lo * kGranuleSize;
  map_size = (hi - lo + 1) * kGranuleSize;
  return {.left = lo > 0, .right = hi + 1 < pages};
}

void Stage2::count_mappings(std::int64_t delta) {
  g_mappings.fetch_add(static_cast<std::uint64_t>(delta), std::memory_order_relaxed);  // modular
}

void Stage2::unmap(Ipa base, std::uint64_t size) {
  for (const Half& h : halves_) {
    const Ipa lo = std::max(base, h.first);
    const std::uint64_t end = std::min(range_end(base, size), h.first.value() + h.size);
    if (lo.value() >= end) continue;
    void* at = h.base + (lo - h.first);
    const std::uint64_t bytes = end - lo.value();
    // The range may cut a host mapping in two: then the page after it starts one.
    unsigned char after = 0;
    if (end < h.first.value() + h.size && mincore(static_cast<std::byte*>(at) + bytes, kGranuleSize, &after) != 0) {
      after = 0;
    }
    void* p = mmap(at, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
    MACHINE_CHECK(p == at, "stage-2 invalidate: mmap failed");
    const std::uint64_t first_page = (lo - h.first) / kGranuleSize;
    count_mappings(h.mappings->unmapped(first_page, first_page + bytes / kGranuleSize, (after & 1U) != 0));
  }
}

template <typename Pred>
void Stage2::drop_ns_runs(Pred hit, Ipa unmapped_base, std::uint64_t unmapped_end) {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < ns_count_; ++i) {
    if (hit(ns_[i])) {
      const bool unmapped = ns_[i].ipa >= unmapped_base && range_end(ns_[i].ipa, ns_[i].size) <= unmapped_end;
      if (!unmapped) unmap(ns_[i].ipa, ns_[i].size);
    } else {
      ns_[kept++] = ns_[i];
    }
  }
  ns_count_ = kept;
}

void Stage2::invalidate(Ipa base, std::uint64_t size) {
  std::lock_guard lock(mutex_);
  unmap(base, size);
  // An NS run the range cuts goes whole: what is left of it would be a mapping that
  // invalidate_pa no longer tracks. Runs inside the range are already unmapped.
  const std::uint64_t end = range_end(base, size);
  drop_ns_runs([&](const NsMapping& m) { return m.ipa.value() < end && base.value() < m.ipa.value() + m.size; },
               base, end);
}

void Stage2::invalidate_all() { invalidate(Ipa{0}, UINT64_MAX); }

void Stage2::invalidate_pa(Pa pa) {
  std::lock_guard lock(mutex_);
  drop_ns_runs([&](const NsMapping& m) { return pa >= m.pa && pa - m.pa < m.size; });
}

bool Stage2::on_fault(void* self, std::uintptr_t addr, bool is_write) {
  auto* s2 = static_cast<Stage2*>(self);
  const Ipa ipa = s2->ipa_of(addr);
  const S2Outcome out = s2->fill(ipa, is_write);
  if (out.fault == S2Fault::kNone) return true;
  return s2->sink_.stage2_abort(*s2, ipa, is_write, out);
}

}  // namespace caec::machine
