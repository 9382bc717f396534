// How many host mappings (Linux VMAs) one half of a stage-2 window holds.
//
// The emulated TLB is host mmap()s, and Linux caps a process at vm.max_map_count mappings.
// What counts is mappings, not fills: the kernel merges a fill with a neighbour that maps
// the adjacent file offsets with the same protection, so RAM that a realm touches page by page
// (a fill per page, each next to the last) is one mapping, not thousands. Counting fills made
// the budget run out after a few hundred MiB of such RAM and dropped whole TLBs for nothing
// (docs/evaluation.md, "the emulated TLB's budget").
//
// The count is kept as a bitmap of the pages where a mapping starts: a fill that joins its
// left neighbour starts nothing, one that joins its right neighbour ends that neighbour's
// start; an unmap removes the starts inside its range and, when it cuts a mapping in two,
// starts the part after it. Storage is reserved address space (untouched pages cost nothing)
// plus a summary bit per bitmap word, so a range scan skips empty stretches: the handler of a
// stage-2 fault updates it in signal context, so nothing here allocates after construction.
#pragma once

#include <cstddef>
#include <cstdint>

namespace caec::machine {

class HostMappingCount {
 public:
  /// Bookkeeping for `pages` pages (page numbers 0 .. pages-1).
  explicit HostMappingCount(std::uint64_t pages);
  ~HostMappingCount();
  HostMappingCount(const HostMappingCount&) = delete;
  HostMappingCount& operator=(const HostMappingCount&) = delete;

  /// Pages [first, end) were mapped. `joins_left`: page first-1 is mapped with the adjacent
  /// file offset and the same protection (the kernel merges the two); `joins_right` likewise
  /// for page `end`. Returns the change in the count.
  std::int64_t mapped(std::uint64_t first, std::uint64_t end, bool joins_left, bool joins_right);
  /// Pages [first, end) were unmapped; `end_mapped`: page `end` is still mapped (then it may
  /// start a mapping now). Returns the change in the count.
  std::int64_t unmapped(std::uint64_t first, std::uint64_t end, bool end_mapped);

  [[nodiscard]] std::uint64_t count() const { return count_; }

 private:
  bool set(std::uint64_t page);    // returns true if the bit was clear
  bool clear(std::uint64_t page);  // returns true if the bit was set
  /// Clears every start in [first, end) and returns how many there were.
  std::uint64_t clear_range(std::uint64_t first, std::uint64_t end);
  std::uint64_t clear_word(std::uint64_t word, std::uint64_t mask);

  std::uint64_t pages_;
  std::uint64_t* starts_ = nullptr;   // bit p: a mapping starts at page p
  std::uint64_t* summary_ = nullptr;  // bit w: starts_[w] != 0
  std::size_t starts_bytes_ = 0;
  std::size_t summary_bytes_ = 0;
  std::uint64_t count_ = 0;
};

}  // namespace caec::machine
