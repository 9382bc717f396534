#include "machine/snapshot.h"

#include <cstring>

#include "machine/fatal.h"

namespace caec::machine {

MachineSnapshot::MachineSnapshot(Machine& m) : m_(m) {
  PhysMem& mem = m_.mem_;
  MACHINE_CHECK(!m_.el3_.gtsi_faults().armed(), "snapshot with GTSI faults armed");
  const std::uint64_t bytes = mem.num_granules() * kGranuleSize;
  dram_ = std::make_unique<std::byte[]>(bytes);
  std::memcpy(dram_.get(), mem.bus(mem.base()), bytes);
  gpt_.resize(mem.num_granules());
  for (std::uint64_t i = 0; i < gpt_.size(); ++i) {
    gpt_[i] = m_.gpt_.entries_[i].load(std::memory_order_acquire);
  }
  El3Monitor& el3 = m_.el3_;
  el3_shared_ = el3.shared_;
  plat_token_ = el3.plat_token_;
  plat_token_sent_ = el3.plat_token_sent_;
  invalidations_ = m_.mmu_.invalidations_.load();
  mem.track_writes(true);
}

MachineSnapshot::~MachineSnapshot() { m_.mem_.track_writes(false); }

std::uint64_t MachineSnapshot::restore_pas() {
  const PhysMem& mem = m_.mem_;
  std::uint64_t changed = 0;
  for (std::uint64_t i = 0; i < gpt_.size(); ++i) {
    const std::uint32_t now = m_.gpt_.entries_[i].load(std::memory_order_acquire);
    if (now == gpt_[i]) continue;
    ++changed;
    m_.gpt_.entries_[i].store(gpt_[i], std::memory_order_release);
    const bool ns_now = static_cast<Pas>(now & 0xFFU) == Pas::kNonSecure;
    const bool ns_then = static_cast<Pas>(gpt_[i] & 0xFFU) == Pas::kNonSecure;
    if (ns_now && !ns_then) m_.host_view_.revoke(mem.granule_pa(GranuleIndex{i}));
    if (!ns_now && ns_then) m_.host_view_.restore(mem.granule_pa(GranuleIndex{i}));
  }
  return changed;
}

std::uint64_t MachineSnapshot::restore_memory() {
  m_.mmu_.release_all();
  const PhysMem& mem = m_.mem_;
  std::uint64_t copied = 0;
  mem.take_written([&](GranuleIndex i) {
    std::memcpy(mem.bus(mem.granule_pa(i)), dram_.get() + i.value() * kGranuleSize, kGranuleSize);
    ++copied;
  });
  El3Monitor& el3 = m_.el3_;
  MACHINE_CHECK(!el3.gtsi_faults().armed(), "restore with GTSI faults armed");
  el3.shared_ = el3_shared_;
  el3.plat_token_ = plat_token_;
  el3.plat_token_sent_ = plat_token_sent_;
  m_.mmu_.invalidations_.store(invalidations_);
  return copied;
}

bool MachineSnapshot::written(Pa pa) const {
  return m_.mem_.written(m_.mem_.granule_index(pa));
}

const std::byte* MachineSnapshot::saved(Pa pa) const {
  return dram_.get() + m_.mem_.granule_index(pa).value() * kGranuleSize;
}

}  // namespace caec::machine
