#include "rmm/vmid.h"

#include "rmm/rmm_check.h"

namespace caec::rmm {

bool VmidAllocator::reserve(std::uint16_t vmid) {
  std::lock_guard lock(mutex_);
  if (used_.test(vmid)) return false;
  used_.set(vmid);
  return true;
}

void VmidAllocator::release(std::uint16_t vmid) {
  std::lock_guard lock(mutex_);
  RMM_CHECK(used_.test(vmid));
  used_.reset(vmid);
}

}  // namespace caec::rmm
