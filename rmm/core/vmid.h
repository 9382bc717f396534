// VMIDs are unique system-wide among live realms (REALM_CREATE vmid_valid).
#pragma once

#include <array>
#include <cstdint>

#include "caec/abi/pe_state.h"
#include "rmm/core/spinlock.h"

namespace caec::rmm {

using abi::Vmid;

class VmidAllocator {
 public:
  /// Reserves `vmid`; false if it is already in use.
  [[nodiscard]] bool reserve(Vmid vmid);
  void release(Vmid vmid);
  [[nodiscard]] bool in_use(Vmid vmid) const;

 private:
  static constexpr std::size_t kBitsPerWord = 64;
  mutable SpinLock lock_;
  std::array<std::uint64_t, 65536 / kBitsPerWord> used_{};  // bit v: VMID v is in use
};

}  // namespace caec::rmm
