// Where the reference host finds the granules for realm RAM it populates on demand.
//
// The first touch of a 2 MiB block of a realm's IPA space reserves a 2 MiB-aligned run of
// granules for the whole block (as KVM backs guest RAM with transparent huge pages); each
// later fault in the block takes its granule from the run, at the same offset. Realms that
// fault in memory at the same time then still get physically contiguous RAM, and that matters
// twice: the emulated TLB fills whole runs of contiguous leaves (one host mapping per run, not
// per page), and the host view's protections change in 2 MiB steps, not in alternating
// granules (each alternation costs the process a mapping, and Linux allows 65,530).
//
// A reservation is a cache, not a commitment: granules reserved and not yet taken go back to
// the pool when the realm is destroyed, or at once when the host runs short (trim()).
#pragma once

#include <bitset>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "caec/abi/types.h"
#include "host/granule_pool.h"

namespace caec::host {

class RamBacking {
 public:
  static constexpr std::uint64_t kBlockSize = std::uint64_t{2} << 20U;
  static constexpr std::uint64_t kGranulesPerBlock = kBlockSize / kGranuleSize;

  explicit RamBacking(GranulePool& pool) : pool_(pool) {}
  RamBacking(const RamBacking&) = delete;
  RamBacking& operator=(const RamBacking&) = delete;
  ~RamBacking();

  /// The granule that backs `ipa` of the realm whose RD is `owner`: taken from the run reserved
  /// for its block (reserving one on the block's first touch, if the pool has a free aligned
  /// run). Nullopt when there is none for this IPA: no run was free, it was trimmed, or its
  /// granule was taken before. The caller owns what it gets, and frees it to the pool itself.
  [[nodiscard]] std::optional<Pa> take(Pa owner, Ipa ipa);
  /// Returns to the pool every granule reserved for `owner` and not taken.
  void release(Pa owner);
  /// Returns to the pool every granule reserved and not taken, of every realm (the host is
  /// short of memory); later faults in those blocks fall back to single granules.
  std::uint64_t trim();
  /// Granules reserved and not taken.
  [[nodiscard]] std::uint64_t held() const;

 private:
  struct Block {
    std::optional<Pa> base;                  // none: no aligned run was free at first touch
    std::bitset<kGranulesPerBlock> held{};   // reserved and not yet taken
  };

 public:
  /// The reservations, to put them back later (testing/system_snapshot.h). The pool's own
  /// state goes with them (GranulePool::State).
  class State {
    friend class RamBacking;
    std::map<std::pair<Pa, Ipa>, Block> blocks_;
  };
  [[nodiscard]] State state() const;
  void restore(const State& s);

 private:
  std::uint64_t free_held(Block& b);  // caller holds mutex_

  GranulePool& pool_;
  mutable std::mutex mutex_;
  std::map<std::pair<Pa, Ipa>, Block> blocks_;  // (RD, block IPA)
};

}  // namespace caec::host
