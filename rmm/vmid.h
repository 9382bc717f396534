// VMIDs are unique system-wide among live realms (REALM_CREATE vmid_valid).
#pragma once

#include <bitset>
#include <cstdint>
#include <mutex>

namespace caec::rmm {

class VmidAllocator {
 public:
  /// Reserves `vmid`; false if it is already in use.
  [[nodiscard]] bool reserve(std::uint16_t vmid);
  void release(std::uint16_t vmid);

 private:
  std::mutex mutex_;
  std::bitset<65536> used_;
};

}  // namespace caec::rmm
