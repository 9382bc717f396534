#include "rmm/core/stage2_tables.h"

#include <algorithm>
#include <atomic>
#include <new>
#include <utility>

#include "rmm/port/rmm_check.h"

namespace caec::rmm {

namespace s2 = abi::s2tt;

std::uint64_t encode_entry(const RttEntry& e, RttLevel level) {
  const std::uint64_t ripas = std::uint64_t{static_cast<std::uint8_t>(e.ripas)} << s2::kRipasShift;
  switch (e.hipas) {
    case Hipas::kUnassigned: return s2::kHipasUnassigned | ripas;
    case Hipas::kAssigned: {
      // Only a consumer (foreign) mapping can be read-only; the RIPAS of invalid descriptors
      // shares bits with S2AP, so read-only is recorded in its own software bit.
      const bool ro = e.foreign && e.read_only;
      const std::uint64_t csm = (e.foreign ? s2::kCsmForeign : 0U) | (ro ? s2::kCsmReadOnly : 0U);
      if (e.ripas == abi::Ripas::kRam) {
        const std::uint64_t attrs =
            ro ? (s2::kProtectedAttrs & ~s2::kS2apMask) | s2::kS2apRo : s2::kProtectedAttrs;
        return e.addr.value() | attrs | csm | s2::leaf_type(level);
      }
      return e.addr.value() | s2::kHipasAssigned | ripas | csm;
    }
    case Hipas::kUnassignedNs: return s2::kNs;
    case Hipas::kAssignedNs:
      return e.addr.value() | (e.ns_attrs & (s2::kMemAttrNsMask | s2::kS2apMask)) |
             s2::kUnprotectedAttrs | s2::leaf_type(level);
    case Hipas::kTable: return e.addr.value() | s2::kTypeTable;
  }
  RMM_CHECK(false);
}

RttEntry decode_entry(std::uint64_t d, RttLevel level) {
  RttEntry e;
  if (s2::desc_is_valid(d)) {
    e.addr = s2::desc_oa(d);
    if (s2::desc_is_table(d, level)) {
      e.hipas = Hipas::kTable;
    } else if ((d & s2::kNs) != 0) {
      e.hipas = Hipas::kAssignedNs;
      e.ns_attrs = d & (s2::kMemAttrNsMask | s2::kS2apMask);
    } else {
      e.hipas = Hipas::kAssigned;
      e.ripas = abi::Ripas::kRam;
      e.foreign = (d & s2::kCsmForeign) != 0;
      e.read_only = e.foreign && (d & s2::kCsmReadOnly) != 0;
    }
    return e;
  }
  if ((d & s2::kNs) != 0) {
    e.hipas = Hipas::kUnassignedNs;
    return e;
  }
  e.ripas = static_cast<abi::Ripas>((d & s2::kRipasMask) >> s2::kRipasShift);
  if ((d & s2::kHipasMask) == s2::kHipasAssigned) {
    e.hipas = Hipas::kAssigned;
    e.addr = s2::desc_oa(d);
    e.foreign = (d & s2::kCsmForeign) != 0;
    e.read_only = e.foreign && (d & s2::kCsmReadOnly) != 0;
  }
  return e;
}

Rtt::Rtt(Platform& platform, LockedGranule granule, RttLevel level, Ipa base, Vmid vmid)
    : platform_(&platform), granule_(std::move(granule)), level_(level), base_(base), vmid_(vmid) {
  RMM_CHECK(granule_ && granule_.state() == GranuleState::kRtt);
}

std::uint64_t* Rtt::slots() const {
  // An RTT granule is exactly 512 naturally aligned 64-bit descriptors.
  return granule_object<std::array<std::uint64_t, s2::kEntriesPerTable>>(*platform_, granule_, GranuleState::kRtt).data();
}

std::uint64_t Rtt::raw(std::uint64_t index) const {
  RMM_CHECK(index < s2::kEntriesPerTable);
  // The (emulated) MMU walks concurrently, so descriptors are accessed atomically.
  return std::atomic_ref<std::uint64_t>(slots()[index]).load(std::memory_order_acquire);
}

Rtt::~Rtt() { flush_tlbi(); }

Rtt::Rtt(Rtt&& other) noexcept
    : platform_(other.platform_),
      granule_(std::move(other.granule_)),
      level_(other.level_),
      base_(other.base_),
      vmid_(other.vmid_),
      pending_first_(std::exchange(other.pending_first_, 0)),
      pending_end_(std::exchange(other.pending_end_, 0)) {}

Rtt& Rtt::operator=(Rtt&& other) noexcept {
  if (this == &other) return *this;
  flush_tlbi();  // before this table's lock goes with the old granule
  platform_ = other.platform_;
  granule_ = std::move(other.granule_);
  level_ = other.level_;
  base_ = other.base_;
  vmid_ = other.vmid_;
  pending_first_ = std::exchange(other.pending_first_, 0);
  pending_end_ = std::exchange(other.pending_end_, 0);
  return *this;
}

void Rtt::store(std::uint64_t index, std::uint64_t old_desc, std::uint64_t new_desc, const RttEntry& e) {
  std::atomic_ref<std::uint64_t>(slots()[index]).store(new_desc, std::memory_order_release);
  const bool old_pins = decode_entry(old_desc, level_).pins_rtt();
  if (e.pins_rtt() && !old_pins) granule_.get();
  if (!e.pins_rtt() && old_pins) granule_.put();
}

void Rtt::set(std::uint64_t index, const RttEntry& e) {
  const std::uint64_t old_desc = raw(index);
  const std::uint64_t new_desc = encode_entry(e, level_);
  if (old_desc == new_desc) return;
  if (s2::desc_is_valid(old_desc)) {
    // Break-before-make: the old translation is gone from every TLB before the new one exists.
    std::atomic_ref<std::uint64_t>(slots()[index])
        .store(s2::desc_is_valid(new_desc) ? 0 : new_desc, std::memory_order_release);
    platform_->tlbi_ipa(vmid_, entry_ipa(index), entry_size());
  }
  store(index, old_desc, new_desc, e);
}

void Rtt::unmap_deferred(std::uint64_t index, const RttEntry& e) {
  const std::uint64_t old_desc = raw(index);
  const std::uint64_t new_desc = encode_entry(e, level_);
  // Only an unmap may wait for its TLBI: a new valid descriptor needs the old one gone first.
  RMM_CHECK(!s2::desc_is_valid(new_desc));
  if (old_desc == new_desc) return;
  store(index, old_desc, new_desc, e);
  if (!s2::desc_is_valid(old_desc)) return;
  if (pending_end_ == pending_first_) {
    pending_first_ = index;
    pending_end_ = index + 1;
  } else {
    pending_first_ = std::min(pending_first_, index);
    pending_end_ = std::max(pending_end_, index + 1);
  }
}

void Rtt::flush_tlbi() {
  if (pending_end_ == pending_first_) return;
  platform_->tlbi_ipa(vmid_, entry_ipa(pending_first_), (pending_end_ - pending_first_) * entry_size());
  pending_first_ = pending_end_ = 0;
}

Ipa Rtt::skip_non_live(std::uint64_t index) const {
  for (std::uint64_t i = index; i < s2::kEntriesPerTable; ++i) {
    if (entry(i).is_live()) return entry_ipa(i);
  }
  return end();
}

Ipa start_rtt_base(const RealmDescriptor& realm, std::uint64_t i) {
  return Ipa{i << s2::table_shift(realm.rtt_level_start)};
}

RttWalk rtt_walk(Platform& platform, GranuleTable& granules, const RealmDescriptor& realm,
                 Ipa ipa, RttLevel target_level, LockSite site) {
  RMM_CHECK(realm.in_ipa_space(ipa));
  const RttLevel start = realm.rtt_level_start;
  const std::uint64_t table = ipa.value() >> s2::table_shift(start);
  RMM_CHECK(table < realm.rtt_num_start);
  Rtt rtt(platform, granules.lock(realm.start_rtt(table), LockRequest::rtt(start, site)), start,
          start_rtt_base(realm, table), realm.vmid);
  for (;;) {
    const std::uint64_t index = rtt.index_of(ipa);
    const RttEntry e = rtt.entry(index);
    if (rtt.level() >= target_level || e.hipas != Hipas::kTable) return {std::move(rtt), index, e};
    const Ipa child_base = rtt.entry_ipa(index);
    // Hand over hand: the child is locked before the parent is released.
    LockedGranule child = granules.lock(e.addr, LockRequest::rtt(rtt.level().child(), site));
    rtt = Rtt(platform, std::move(child), rtt.level().child(), child_base, realm.vmid);
  }
}

void init_start_rtt(Platform& platform, LockedGranule& granule, const RealmDescriptor& realm,
                    std::uint64_t i) {
  // A freshly transitioned RTT granule (zeroed by the DELEGATED invariant, i.e. all entries
  // UNASSIGNED/EMPTY already).
  auto& slots = granule_object<std::array<std::uint64_t, s2::kEntriesPerTable>>(platform, granule, GranuleState::kRtt);
  const RttLevel level = realm.rtt_level_start;
  const Ipa base = start_rtt_base(realm, i);
  for (std::uint64_t e = 0; e < s2::kEntriesPerTable; ++e) {
    const Ipa ipa = base + e * s2::entry_size(level);
    if (realm.in_ipa_space(ipa) && !realm.is_protected(ipa)) slots[e] = s2::kNs;
  }
}

bool rtt_config_is_valid(unsigned ipa_width, RttLevel level, std::uint64_t num_start) {
  if (level < s2::kMinLevel || level > s2::kMaxLevel) return false;
  if (ipa_width < s2::kMinIpaBits || ipa_width > s2::kMaxIpaBits) return false;
  // The start level must resolve something (else a deeper start level is the right one)...
  if (level < s2::kMaxLevel && ipa_width <= s2::table_shift(level.child())) return false;
  // ...and at most 16 concatenated tables may resolve the bits above one table.
  const unsigned one_table = s2::table_shift(level);
  const unsigned extra = ipa_width > one_table ? ipa_width - one_table : 0;
  if (extra > 4) return false;
  return num_start == (std::uint64_t{1} << extra);
}

}  // namespace caec::rmm
