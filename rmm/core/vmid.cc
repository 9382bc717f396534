#include "rmm/core/vmid.h"

namespace caec::rmm {

namespace {
constexpr std::size_t word_of(Vmid vmid) { return static_cast<std::uint16_t>(vmid) / 64U; }
constexpr std::uint64_t bit(Vmid vmid) { return std::uint64_t{1} << (static_cast<std::uint16_t>(vmid) % 64U); }
}  // namespace

bool VmidAllocator::reserve(Vmid vmid) {
  SpinGuard guard(lock_);
  std::uint64_t& word = used_[word_of(vmid)];
  if ((word & bit(vmid)) != 0) return false;
  word |= bit(vmid);
  return true;
}

void VmidAllocator::release(Vmid vmid) {
  SpinGuard guard(lock_);
  std::uint64_t& word = used_[word_of(vmid)];
  RMM_CHECK((word & bit(vmid)) != 0);
  word &= ~bit(vmid);
}

bool VmidAllocator::in_use(Vmid vmid) const {
  SpinGuard guard(lock_);
  return (used_[word_of(vmid)] & bit(vmid)) != 0;
}

}  // namespace caec::rmm
