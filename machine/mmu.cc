#include "machine/mmu.h"

namespace caec::machine {

Stage2& Mmu::configure(Vmid vmid, const S2Config& config) {
  std::lock_guard lock(mutex_);
  auto& slot = contexts_[vmid];
  if (!slot || slot->config() != config) {
    slot.reset();
    slot = std::make_unique<Stage2>(mem_, gpt_, sink_, vmid, config, max_mappings_,
                                    max_half_window_);
  }
  return *slot;
}

void Mmu::release(Vmid vmid) {
  std::lock_guard lock(mutex_);
  contexts_.erase(vmid);
}

void Mmu::release_all() {
  std::map<Vmid, std::unique_ptr<Stage2>> doomed;
  std::lock_guard lock(mutex_);
  doomed.swap(contexts_);
}

Stage2* Mmu::find(Vmid vmid) {
  std::lock_guard lock(mutex_);
  auto it = contexts_.find(vmid);
  return it == contexts_.end() ? nullptr : it->second.get();
}

void Mmu::invalidate_ipa(Vmid vmid, Ipa base, std::uint64_t size) {
  invalidations_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(mutex_);
    if (auto it = contexts_.find(vmid); it != contexts_.end()) it->second->invalidate(base, size);
  }
  if (observer_) observer_(vmid);
}

void Mmu::invalidate_vmid(Vmid vmid) {
  invalidations_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  if (auto it = contexts_.find(vmid); it != contexts_.end()) it->second->invalidate_all();
}

void Mmu::invalidate_pa(Pa pa) {
  std::lock_guard lock(mutex_);
  for (auto& [vmid, s2] : contexts_) s2->invalidate_pa(pa);
}

}  // namespace caec::machine
