// Stage-2 TLB maintenance as the RMM issues it (TLBI by IPA range, TLBI by VMID).
//
// Whatever caches stage-2 translations for a VMID (the realm's stage-2 window) subscribes
// here; an invalidation returns only once every subscriber has dropped the affected entries,
// which is the guarantee a DSB after TLBI gives on hardware.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

#include "caec/abi/types.h"

namespace caec::machine {

class Tlb {
 public:
  /// Called with (base, size) to drop cached translations of [base, base+size).
  using Listener = std::function<void(Ipa base, std::uint64_t size)>;

  void subscribe(std::uint16_t vmid, Listener listener);
  void unsubscribe(std::uint16_t vmid);

  void invalidate_ipa(std::uint16_t vmid, Ipa base, std::uint64_t size);
  void invalidate_vmid(std::uint16_t vmid);

  [[nodiscard]] std::uint64_t invalidations() const { return invalidations_.load(); }

 private:
  std::mutex mutex_;
  std::map<std::uint16_t, Listener> listeners_;
  std::atomic<std::uint64_t> invalidations_{0};
};

}  // namespace caec::machine
