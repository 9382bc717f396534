// Stage-2 translation table descriptors as the RMM writes them into RTT granules, 4 KiB
// granule, no LPA2 (rmm-1.0.md §3.5). Valid descriptors are what the (emulated) MMU walks;
// invalid ones carry the RMM's software state (HIPAS, RIPAS) in ignored bits.
#pragma once

#include <cstdint>

#include "caec/abi/types.h"

namespace caec::abi::s2tt {

inline constexpr unsigned kEntriesPerTable = 512;
inline constexpr unsigned kBitsPerLevel = 9;
inline constexpr RttLevel kMinLevel{0};  // no LPA2, so level -1 does not exist
inline constexpr RttLevel kMaxLevel{3};  // the level of 4 KiB pages
inline constexpr unsigned kMaxPaBits = 48;
inline constexpr unsigned kMinIpaBits = 32;
inline constexpr unsigned kMaxIpaBits = 48;
inline constexpr unsigned kMaxStartTables = 16;

/// log2 of the IPA range one entry at `level` maps (L3 4 KiB, L2 2 MiB, L1 1 GiB, L0 512 GiB).
[[nodiscard]] constexpr unsigned entry_shift(RttLevel level) {
  return kGranuleShift + kBitsPerLevel * static_cast<unsigned>(kMaxLevel.value() - level.value());
}
[[nodiscard]] constexpr std::uint64_t entry_size(RttLevel level) {
  return std::uint64_t{1} << entry_shift(level);
}
/// The IPA range one level-3 table maps (2 MiB): what a level-2 block maps.
inline constexpr std::uint64_t kLeafTableSpan = entry_size(kMaxLevel.parent());
/// log2 of the IPA range a single (non-concatenated) table at `level` covers.
[[nodiscard]] constexpr unsigned table_shift(RttLevel level) {
  return entry_shift(level) + kBitsPerLevel;
}
/// Index of `ipa`'s entry in a table at `level` (for the start level, within the concatenation).
[[nodiscard]] constexpr std::uint64_t entry_index(std::uint64_t ipa, RttLevel level) {
  return (ipa >> entry_shift(level)) & (kEntriesPerTable - 1);
}

// ---- Descriptor fields -------------------------------------------------------------------
inline constexpr std::uint64_t kTypeMask = 0x3;
inline constexpr std::uint64_t kTypeInvalid = 0x0;
inline constexpr std::uint64_t kTypeBlock = 0x1;   // levels 1-2
inline constexpr std::uint64_t kTypeTable = 0x3;   // levels 0-2
inline constexpr std::uint64_t kTypePage = 0x3;    // level 3
inline constexpr std::uint64_t kOaMask = 0x0000FFFFFFFFF000ULL;  // OA[47:12]

// Valid descriptors (block/page).
inline constexpr unsigned kMemAttrShift = 2;        // MemAttr[5:2]
inline constexpr std::uint64_t kMemAttrMask = 0xFULL << kMemAttrShift;
inline constexpr std::uint64_t kMemAttrNsMask = 0x7ULL << kMemAttrShift;  // host-set MemAttr[2:0]
inline constexpr std::uint64_t kMemAttrNormalWb = 0x6ULL << kMemAttrShift;  // FWB Normal WB
inline constexpr std::uint64_t kMemAttrNsReserved = 0x4ULL << kMemAttrShift;
inline constexpr unsigned kS2apShift = 6;           // S2AP[7:6]
inline constexpr std::uint64_t kS2apMask = 0x3ULL << kS2apShift;
inline constexpr std::uint64_t kS2apRo = 0x1ULL << kS2apShift;
inline constexpr std::uint64_t kS2apWo = 0x2ULL << kS2apShift;
inline constexpr std::uint64_t kS2apRw = 0x3ULL << kS2apShift;
inline constexpr std::uint64_t kShInner = 0x3ULL << 8U;    // SH[9:8]
inline constexpr std::uint64_t kShMask = 0x3ULL << 8U;
inline constexpr std::uint64_t kAf = 1ULL << 10U;
inline constexpr std::uint64_t kXnShift = 53;              // XN[54:53]
inline constexpr std::uint64_t kXnMask = 0x3ULL << kXnShift;
inline constexpr std::uint64_t kXnNoExecute = 0x2ULL << kXnShift;
inline constexpr std::uint64_t kNs = 1ULL << 55U;          // output address in the NS PAS
/// Software bit (stage-2 descriptor bits [58:55] are reserved for software; 55 is NS): the
/// entry maps another realm's DATA granule through a CSM reservation (a consumer mapping).
/// RMI_RTT_READ_ENTRY reports it in `desc`, with S2AP read-only for RO sharings.
inline constexpr std::uint64_t kCsmForeign = 1ULL << 56U;
/// Software bit: a consumer mapping of a read-only sharing. Valid descriptors also carry S2AP
/// RO; invalid ones have no S2AP (bits [6:5] hold the RIPAS there), so this bit is the record.
inline constexpr std::uint64_t kCsmReadOnly = 1ULL << 57U;

// Invalid descriptors: the RMM's software state.
inline constexpr unsigned kHipasShift = 2;          // HIPAS[4:2]
inline constexpr std::uint64_t kHipasMask = 0x7ULL << kHipasShift;
inline constexpr std::uint64_t kHipasUnassigned = 0x0ULL << kHipasShift;
inline constexpr std::uint64_t kHipasAssigned = 0x1ULL << kHipasShift;
inline constexpr unsigned kRipasShift = 5;          // RIPAS[6:5]
inline constexpr std::uint64_t kRipasMask = 0x3ULL << kRipasShift;

/// Attributes the host may set in RMI_RTT_MAP_UNPROTECTED's desc (rmm-1.0.md §1.4).
inline constexpr std::uint64_t kHostNsAttrMask = kOaMask | kMemAttrNsMask | kS2apMask;

/// Attributes of a valid protected mapping (ASSIGNED + RIPAS RAM) before the OA and type.
inline constexpr std::uint64_t kProtectedAttrs = kMemAttrNormalWb | kS2apRw | kShInner | kAf;
/// Attributes the RMM adds to a host-provided ASSIGNED_NS descriptor.
inline constexpr std::uint64_t kUnprotectedAttrs = kShInner | kAf | kXnNoExecute | kNs;

[[nodiscard]] constexpr std::uint64_t desc_type(std::uint64_t d) { return d & kTypeMask; }
[[nodiscard]] constexpr bool desc_is_valid(std::uint64_t d) { return (d & 1U) != 0; }
[[nodiscard]] constexpr bool desc_is_table(std::uint64_t d, RttLevel level) {
  return level < kMaxLevel && desc_type(d) == kTypeTable;
}
/// A valid leaf (block at levels 1-2, page at level 3).
[[nodiscard]] constexpr bool desc_is_leaf(std::uint64_t d, RttLevel level) {
  return level == kMaxLevel ? desc_type(d) == kTypePage : desc_type(d) == kTypeBlock;
}
[[nodiscard]] constexpr Pa desc_oa(std::uint64_t d) { return Pa{d & kOaMask}; }
[[nodiscard]] constexpr std::uint64_t leaf_type(RttLevel level) {
  return level == kMaxLevel ? kTypePage : kTypeBlock;
}

}  // namespace caec::abi::s2tt
