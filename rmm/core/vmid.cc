#include "rmm/core/vmid.h"

namespace caec::rmm {

namespace {
constexpr std::uint64_t bit(std::uint16_t vmid) { return std::uint64_t{1} << (vmid % 64U); }
}  // namespace

bool VmidAllocator::reserve(std::uint16_t vmid) {
  SpinGuard guard(lock_);
  std::uint64_t& word = used_[vmid / kBitsPerWord];
  if ((word & bit(vmid)) != 0) return false;
  word |= bit(vmid);
  return true;
}

void VmidAllocator::release(std::uint16_t vmid) {
  SpinGuard guard(lock_);
  std::uint64_t& word = used_[vmid / kBitsPerWord];
  RMM_CHECK((word & bit(vmid)) != 0);
  word &= ~bit(vmid);
}

bool VmidAllocator::in_use(std::uint16_t vmid) const {
  SpinGuard guard(lock_);
  return (used_[vmid / kBitsPerWord] & bit(vmid)) != 0;
}

}  // namespace caec::rmm
