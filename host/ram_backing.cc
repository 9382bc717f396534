#include "host/ram_backing.h"

namespace caec::host {

RamBacking::~RamBacking() { (void)trim(); }

std::optional<Pa> RamBacking::take(Pa owner, Ipa ipa) {
  std::lock_guard lock(mutex_);
  const Ipa block = ipa.align_down(kBlockSize);
  const auto key = std::pair{owner, block};
  auto it = blocks_.find(key);
  if (it == blocks_.end()) {
    Block b;
    b.base = pool_.allocate(kGranulesPerBlock, kBlockSize);
    if (b.base) b.held.set();
    it = blocks_.emplace(key, b).first;
  }
  Block& b = it->second;
  const std::uint64_t index = (ipa - block) / kGranuleSize;
  if (!b.base || !b.held.test(index)) return std::nullopt;
  b.held.reset(index);
  return *b.base + index * kGranuleSize;
}

std::uint64_t RamBacking::free_held(Block& b) {
  std::uint64_t freed = 0;
  for (std::uint64_t i = 0; i < kGranulesPerBlock; ++i) {
    if (!b.held.test(i)) continue;
    pool_.free(*b.base + i * kGranuleSize);
    ++freed;
  }
  b.held.reset();
  return freed;
}

void RamBacking::release(Pa owner) {
  std::lock_guard lock(mutex_);
  for (auto it = blocks_.begin(); it != blocks_.end();) {
    if (it->first.first != owner) {
      ++it;
      continue;
    }
    (void)free_held(it->second);
    it = blocks_.erase(it);
  }
}

std::uint64_t RamBacking::trim() {
  std::lock_guard lock(mutex_);
  std::uint64_t freed = 0;
  for (auto& [key, b] : blocks_) freed += free_held(b);
  return freed;
}

std::uint64_t RamBacking::held() const {
  std::lock_guard lock(mutex_);
  std::uint64_t n = 0;
  for (const auto& [key, b] : blocks_) n += b.held.count();
  return n;
}

RamBacking::State RamBacking::state() const {
  std::lock_guard lock(mutex_);
  State s;
  s.blocks_ = blocks_;
  return s;
}

void RamBacking::restore(const State& s) {
  std::lock_guard lock(mutex_);
  blocks_ = s.blocks_;
}

}  // namespace caec::host
