// Physical memory of the emulated machine: one memfd of N granules at a fixed base PA.
//
// The memfd is sparse, so a 1 GiB machine costs only the granules that are touched. Nothing
// outside machine/ gets a raw pointer from here: every world reaches memory through an accessor
// that checks the Granule Protection Table first (gpt.h, world_access.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "caec/abi/types.h"

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
  [[nodiscard]] bool contains(Pa pa) const { return pa >= base_ && pa < end(); }
  /// Granule number of `pa` (which must be inside memory).
  [[nodiscard]] std::uint64_t granule_index(Pa pa) const;
  [[nodiscard]] Pa granule_pa(std::uint64_t index) const { return base_ + index * kGranuleSize; }
  /// Offset of `pa` in the memfd, for mapping it into a window.
  [[nodiscard]] std::uint64_t file_offset(Pa pa) const { return pa - base_; }
  [[nodiscard]] int fd() const { return fd_; }

  /// The machine's own unrestricted view (the "physical bus"). Only machine/ code uses it,
  /// always after a GPT check.
  [[nodiscard]] std::byte* bus(Pa pa) const;

 private:
  Pa base_;
  std::uint64_t num_granules_;
  int fd_ = -1;
  std::byte* bus_ = nullptr;
};

}  // namespace caec::machine
