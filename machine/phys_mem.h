// Physical memory of the emulated machine: one memfd of N granules at a fixed base PA.
//
// The memfd is sparse, so a 1 GiB machine costs only the granules that are touched. Nothing
// outside machine/ gets a raw pointer from here: every world reaches memory through an accessor
// that checks the Granule Protection Table first (gpt.h, world_access.h).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "caec/abi/types.h"
#include "machine/fatal.h"
#include "machine/granule_index.h"

namespace caec::machine {

class PhysMem {
 public:
  PhysMem(Pa base, std::uint64_t num_granules);
  ~PhysMem();
  PhysMem(const PhysMem&) = delete;
  PhysMem& operator=(const PhysMem&) = delete;

  [[nodiscard]] Pa base() const { return base_; }
  [[nodiscard]] Pa end() const { return base_ + num_granules_ * kGranuleSize; }
  [[nodiscard]] std::uint64_t num_granules() const { return num_granules_; }
  /// One past the last granule: `for (GranuleIndex i; i < mem.end_index(); ++i)` visits all.
  [[nodiscard]] GranuleIndex end_index() const { return GranuleIndex{num_granules_}; }
  [[nodiscard]] bool contains(Pa pa) const { return pa >= base_ && pa < end(); }
  /// Granule number of `pa` (which must be inside memory). Inline: inspection code calls it
  /// for every granule after every step.
  [[nodiscard]] GranuleIndex granule_index(Pa pa) const {
    MACHINE_CHECK(contains(pa), "PA outside DRAM");
    return GranuleIndex{(pa - base_) >> kGranuleShift};
  }
  [[nodiscard]] Pa granule_pa(GranuleIndex index) const { return base_ + index.value() * kGranuleSize; }
  /// Offset of `pa` in the memfd, for mapping it into a window.
  [[nodiscard]] std::uint64_t file_offset(Pa pa) const { return pa - base_; }
  [[nodiscard]] int fd() const { return fd_; }

  /// The machine's own unrestricted view (the "physical bus"). Only machine/ code uses it,
  /// always after a GPT check.
  [[nodiscard]] std::byte* bus(Pa pa) const;

  // ---- Write tracking (machine/snapshot.h) ----
  // While a snapshot exists, every path that can write DRAM marks the granules it may write:
  // the RMM's granule mappings (platform/), the host view's writes, and stage-2 fills that
  // grant a realm write access (a realm writes only through a fill made after the last TLB
  // invalidation). A mark may be spurious (a mapping used only for reading), never missing.
  // Marking is async-signal-safe (stage-2 fills run in the fault handler).

  /// Marks [pa, pa + size) as possibly written (granules outside DRAM are ignored).
  void note_write(Pa pa, std::uint64_t size) const;
  /// Whether granule `index` was marked since tracking started or the marks were last taken.
  [[nodiscard]] bool written(GranuleIndex index) const;
  /// Starts or stops tracking (stopping forgets every mark).
  void track_writes(bool on);
  /// Calls `fn(index)` for every marked granule and clears its mark.
  template <class Fn>
  void take_written(Fn&& fn) const {
    for (std::uint64_t w = 0; w < written_words(); ++w) {
      std::uint64_t bits = written_[w].exchange(0, std::memory_order_acq_rel);
      while (bits != 0) {
        const auto bit = static_cast<std::uint64_t>(__builtin_ctzll(bits));
        bits &= bits - 1;
        fn(GranuleIndex{w * 64 + bit});
      }
    }
  }

 private:
  [[nodiscard]] std::uint64_t written_words() const { return (num_granules_ + 63) / 64; }

  Pa base_;
  std::uint64_t num_granules_;
  int fd_ = -1;
  std::byte* bus_ = nullptr;
  std::atomic<bool> tracking_{false};
  std::unique_ptr<std::atomic<std::uint64_t>[]> written_;
};

}  // namespace caec::machine
