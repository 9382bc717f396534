#include "machine/tlb.h"

#include <limits>

namespace caec::machine {

void Tlb::subscribe(std::uint16_t vmid, Listener listener) {
  std::lock_guard lock(mutex_);
  listeners_[vmid] = std::move(listener);
}

void Tlb::unsubscribe(std::uint16_t vmid) {
  std::lock_guard lock(mutex_);
  listeners_.erase(vmid);
}

void Tlb::invalidate_ipa(std::uint16_t vmid, Ipa base, std::uint64_t size) {
  invalidations_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  if (auto it = listeners_.find(vmid); it != listeners_.end()) it->second(base, size);
}

void Tlb::invalidate_vmid(std::uint16_t vmid) {
  invalidate_ipa(vmid, Ipa{0}, std::numeric_limits<std::uint64_t>::max());
}

}  // namespace caec::machine
