#include "machine/host_mapping_count.h"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace caec::machine {

namespace {

constexpr std::uint64_t kBits = 64;

std::uint64_t* reserve_zeroed(std::size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::runtime_error("stage-2 window: cannot reserve its mapping count");
  return static_cast<std::uint64_t*>(p);
}

/// Bits [lo, hi) of a word, 0 <= lo < hi <= 64.
std::uint64_t bits(std::uint64_t lo, std::uint64_t hi) {
  const std::uint64_t upper = hi == kBits ? ~std::uint64_t{0} : (std::uint64_t{1} << hi) - 1;
  return upper & ~((std::uint64_t{1} << lo) - 1);
}

}  // namespace

HostMappingCount::HostMappingCount(std::uint64_t pages)
    : pages_(pages),
      starts_bytes_((pages + kBits - 1) / kBits * sizeof(std::uint64_t)),
      summary_bytes_((pages + kBits * kBits - 1) / (kBits * kBits) * sizeof(std::uint64_t)) {
  // One reservation for both (a mapping of the process's own budget, not two), a word more so
  // that an empty window still reserves something.
  starts_ = reserve_zeroed(starts_bytes_ + summary_bytes_ + sizeof(std::uint64_t));
  summary_ = starts_ + starts_bytes_ / sizeof(std::uint64_t);
}

HostMappingCount::~HostMappingCount() { munmap(starts_, starts_bytes_ + summary_bytes_ + sizeof(std::uint64_t)); }

bool HostMappingCount::set(std::uint64_t page) {
  const std::uint64_t w = page / kBits;
  const std::uint64_t bit = std::uint64_t{1} << (page % kBits);
  if ((starts_[w] & bit) != 0) return false;
  starts_[w] |= bit;
  summary_[w / kBits] |= std::uint64_t{1} << (w % kBits);
  return true;
}

bool HostMappingCount::clear(std::uint64_t page) {
  return clear_word(page / kBits, std::uint64_t{1} << (page % kBits)) != 0;
}

std::uint64_t HostMappingCount::clear_word(std::uint64_t word, std::uint64_t mask) {
  const std::uint64_t hit = starts_[word] & mask;
  starts_[word] &= ~mask;
  if (starts_[word] == 0) summary_[word / kBits] &= ~(std::uint64_t{1} << (word % kBits));
  return static_cast<std::uint64_t>(std::popcount(hit));
}

std::uint64_t HostMappingCount::clear_range(std::uint64_t first, std::uint64_t end) {
  end = std::min(end, pages_);
  if (first >= end) return 0;
  const std::uint64_t first_word = first / kBits;
  const std::uint64_t last_word = (end - 1) / kBits;
  std::uint64_t cleared = 0;
  // Visit only words whose summary bit is set: an unmap of a whole 512 GiB window half scans
  // 4 KiB of summary, not 16 MiB of bitmap.
  for (std::uint64_t s = first_word / kBits; s <= last_word / kBits; ++s) {
    const std::uint64_t lo = s == first_word / kBits ? first_word % kBits : 0;
    const std::uint64_t hi = s == last_word / kBits ? last_word % kBits + 1 : kBits;
    std::uint64_t words = summary_[s] & bits(lo, hi);
    while (words != 0) {
      const std::uint64_t w = s * kBits + static_cast<std::uint64_t>(std::countr_zero(words));
      words &= words - 1;
      const std::uint64_t from = w == first_word ? first % kBits : 0;
      const std::uint64_t to = w == last_word ? (end - 1) % kBits + 1 : kBits;
      cleared += clear_word(w, bits(from, to));
    }
  }
  return cleared;
}

std::int64_t HostMappingCount::mapped(std::uint64_t first, std::uint64_t end, bool joins_left,
                                      bool joins_right) {
  if (first >= end || end > pages_) return 0;
  std::int64_t delta = 0;
  if (!joins_left && set(first)) ++delta;
  if (joins_right && end < pages_ && clear(end)) --delta;
  count_ = static_cast<std::uint64_t>(static_cast<std::int64_t>(count_) + delta);
  return delta;
}

std::int64_t HostMappingCount::unmapped(std::uint64_t first, std::uint64_t end, bool end_mapped) {
  end = std::min(end, pages_);
  if (first >= end) return 0;
  std::int64_t delta = -static_cast<std::int64_t>(clear_range(first, end));
  // The mapping that ran on past the range now starts where the range ends.
  if (end_mapped && end < pages_ && set(end)) ++delta;
  count_ = static_cast<std::uint64_t>(static_cast<std::int64_t>(count_) + delta);
  return delta;
}

}  // namespace caec::machine
