// The number of a DRAM granule (0 = the granule at the DRAM base): what the GPT and the
// write-tracking marks are indexed by. Its own type, so a PA, a count or a table slot cannot be
// passed where a granule number is meant; only PhysMem converts between it and a PA.
#pragma once

#include <compare>
#include <cstdint>

namespace caec::machine {

class GranuleIndex {
 public:
  constexpr GranuleIndex() = default;
  constexpr explicit GranuleIndex(std::uint64_t v) : value_(v) {}

  [[nodiscard]] constexpr std::uint64_t value() const { return value_; }
  constexpr GranuleIndex& operator++() {
    ++value_;
    return *this;
  }
  constexpr auto operator<=>(const GranuleIndex&) const = default;

 private:
  std::uint64_t value_ = 0;
};

}  // namespace caec::machine
