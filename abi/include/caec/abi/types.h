// Strong address and index types shared by every layer.
//
// A physical address (Pa) and an intermediate physical address (Ipa) are different spaces;
// mixing them up is the classic stage-2 bug, so they are distinct types and only the code that
// translates between spaces (the RTT walk, the machine's memory map) converts one to the other.
#pragma once

#include <compare>
#include <cstdint>

namespace caec {

inline constexpr unsigned kGranuleShift = 12;
inline constexpr std::uint64_t kGranuleSize = std::uint64_t{1} << kGranuleShift;

template <class Tag>
class Address {
 public:
  constexpr Address() = default;
  constexpr explicit Address(std::uint64_t v) : value_(v) {}

  [[nodiscard]] constexpr std::uint64_t value() const { return value_; }
  [[nodiscard]] constexpr bool is_aligned(std::uint64_t alignment) const {
    return (value_ & (alignment - 1)) == 0;
  }
  [[nodiscard]] constexpr bool is_granule_aligned() const { return is_aligned(kGranuleSize); }
  [[nodiscard]] constexpr Address align_down(std::uint64_t alignment) const {
    return Address{value_ & ~(alignment - 1)};
  }
  [[nodiscard]] constexpr Address operator+(std::uint64_t offset) const {
    return Address{value_ + offset};
  }
  [[nodiscard]] constexpr std::uint64_t operator-(Address other) const {
    return value_ - other.value_;
  }
  constexpr auto operator<=>(const Address&) const = default;

 private:
  std::uint64_t value_ = 0;
};

struct PaTag;
struct IpaTag;
/// Physical address (output of stage 2, index into the machine's memory).
using Pa = Address<PaTag>;
/// Intermediate physical address (a realm's view; input of stage 2).
using Ipa = Address<IpaTag>;

/// Realm identifier assigned by the RMM (CAEC extension, csm-abi.md §1). Never 0, never reused.
enum class Rid : std::uint64_t { kNone = 0 };
/// CSM region identifier (csm-abi.md §1). RMM-global, monotonic, never reused.
enum class CsmId : std::uint64_t { kNone = 0 };

/// A stage-2 translation table level: 0 (the root, 512 GiB entries) to 3 (4 KiB pages); -1
/// exists only with LPA2, which caec does not offer. Like an address, a level holds whatever its
/// writer put there, a hostile register value included: it is as wide as a register, so the
/// RMM's level_bound checks see every bit the host sent. Only checked levels reach a walk.
class RttLevel {
 public:
  constexpr RttLevel() = default;
  constexpr explicit RttLevel(std::int64_t v) : value_(v) {}

  [[nodiscard]] constexpr std::int64_t value() const { return value_; }
  /// The level of the tables this level's TABLE entries point to (one step towards the leaves).
  [[nodiscard]] constexpr RttLevel child() const { return RttLevel{value_ + 1}; }
  /// The level of the table whose entry points to a table at this level.
  [[nodiscard]] constexpr RttLevel parent() const { return RttLevel{value_ - 1}; }
  constexpr auto operator<=>(const RttLevel&) const = default;

 private:
  std::int64_t value_ = 0;
};

}  // namespace caec
