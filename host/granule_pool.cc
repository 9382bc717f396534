#include "host/granule_pool.h"

#include <stdexcept>

namespace caec::host {

GranulePool::GranulePool(Pa base, std::uint64_t num_granules)
    : base_(base), used_(num_granules, false), free_(num_granules) {}

std::optional<Pa> GranulePool::allocate(std::uint64_t count, std::uint64_t align) {
  std::lock_guard lock(mutex_);
  const std::uint64_t n = used_.size();
  if (count == 0 || count > free_) return std::nullopt;
  // Next fit: start where the last allocation ended, wrap around once.
  for (std::uint64_t pass = 0, start = next_; pass < 2; ++pass, start = 0) {
    for (std::uint64_t i = start; i + count <= n; ++i) {
      if (!(base_ + i * kGranuleSize).is_aligned(align)) continue;
      std::uint64_t j = 0;
      while (j < count && !used_[i + j]) ++j;
      if (j < count) {
        i += j;
        continue;
      }
      for (j = 0; j < count; ++j) used_[i + j] = true;
      free_ -= count;
      next_ = i + count;
      return base_ + i * kGranuleSize;
    }
  }
  return std::nullopt;
}

bool GranulePool::allocate_at(Pa pa) {
  std::lock_guard lock(mutex_);
  if (pa < base_ || !pa.is_granule_aligned()) return false;
  const std::uint64_t i = (pa - base_) >> kGranuleShift;
  if (i >= used_.size() || used_[i]) return false;
  used_[i] = true;
  --free_;
  return true;
}

void GranulePool::free(Pa pa, std::uint64_t count) {
  std::lock_guard lock(mutex_);
  const std::uint64_t first = (pa - base_) >> kGranuleShift;
  for (std::uint64_t i = first; i < first + count; ++i) {
    if (i >= used_.size() || !used_[i]) throw std::logic_error("freeing a granule not allocated");
    used_[i] = false;
  }
  free_ += count;
}

std::uint64_t GranulePool::free_granules() const {
  std::lock_guard lock(mutex_);
  return free_;
}

GranulePool::State GranulePool::state() const {
  std::lock_guard lock(mutex_);
  return {used_, next_, free_};
}

void GranulePool::restore(const State& s) {
  std::lock_guard lock(mutex_);
  if (s.used.size() != used_.size()) throw std::logic_error("restoring another pool's state");
  used_ = s.used;
  next_ = s.next;
  free_ = s.free;
}

}  // namespace caec::host
