// Measurement descriptors hashed into the RIM (rmm-1.0.md §4). All fields little-endian,
// unused bytes zero. RIM := H(descriptor) where the descriptor embeds the previous RIM.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "caec/abi/rmi.h"

namespace caec::abi {

enum class MeasurementDescType : std::uint8_t { kData = 0x0, kRec = 0x1, kRipas = 0x2 };
inline constexpr std::uint64_t kMeasurementDescLen = 0x100;

struct RmmMeasurementDescriptorData {
  std::uint8_t desc_type;               // 0x00
  std::uint8_t reserved0[7];
  std::uint64_t len;                    // 0x08
  std::array<std::uint8_t, 64> rim;     // 0x10
  std::uint64_t ipa;                    // 0x50
  std::uint64_t flags;                  // 0x58
  std::array<std::uint8_t, 64> content; // 0x60
  std::uint8_t reserved1[0x100 - 0xA0];
};
static_assert(sizeof(RmmMeasurementDescriptorData) == 0x100);
static_assert(offsetof(RmmMeasurementDescriptorData, len) == 0x08);
static_assert(offsetof(RmmMeasurementDescriptorData, rim) == 0x10);
static_assert(offsetof(RmmMeasurementDescriptorData, ipa) == 0x50);
static_assert(offsetof(RmmMeasurementDescriptorData, flags) == 0x58);
static_assert(offsetof(RmmMeasurementDescriptorData, content) == 0x60);

struct RmmMeasurementDescriptorRec {
  std::uint8_t desc_type;               // 0x00
  std::uint8_t reserved0[7];
  std::uint64_t len;                    // 0x08
  std::array<std::uint8_t, 64> rim;     // 0x10
  std::array<std::uint8_t, 64> content; // 0x50
  std::uint8_t reserved1[0x100 - 0x90];
};
static_assert(sizeof(RmmMeasurementDescriptorRec) == 0x100);
static_assert(offsetof(RmmMeasurementDescriptorRec, rim) == 0x10);
static_assert(offsetof(RmmMeasurementDescriptorRec, content) == 0x50);

struct RmmMeasurementDescriptorRipas {
  std::uint8_t desc_type;               // 0x00
  std::uint8_t reserved0[7];
  std::uint64_t len;                    // 0x08
  std::array<std::uint8_t, 64> rim;     // 0x10
  std::uint64_t base;                   // 0x50
  std::uint64_t top;                    // 0x58
  std::uint8_t reserved1[0x100 - 0x60];
};
static_assert(sizeof(RmmMeasurementDescriptorRipas) == 0x100);
static_assert(offsetof(RmmMeasurementDescriptorRipas, base) == 0x50);
static_assert(offsetof(RmmMeasurementDescriptorRipas, top) == 0x58);

using MeasurementValue = std::array<std::uint8_t, 64>;

// Builders for what gets hashed. The RMM (which extends the RIM) and verifier-side tools
// (which predict it) hash the same bytes, so the layouts are written once, here.

/// RIM initial value input: the zero-filled params with only the measured fields.
[[nodiscard]] inline RmiRealmParams measured_realm_params(const RmiRealmParams& p) {
  RmiRealmParams m{};
  m.flags = p.flags;
  m.s2sz = p.s2sz;
  m.sve_vl = p.sve_vl;
  m.num_bps = p.num_bps;
  m.num_wps = p.num_wps;
  m.pmu_num_ctrs = p.pmu_num_ctrs;
  m.hash_algo = p.hash_algo;
  return m;
}

/// REC content input: the zero-filled params with only flags, pc and gprs.
[[nodiscard]] inline RmiRecParams measured_rec_params(const RmiRecParams& p) {
  RmiRecParams m{};
  m.flags = p.flags;
  m.pc = p.pc;
  m.gprs = p.gprs;
  return m;
}

[[nodiscard]] inline RmmMeasurementDescriptorData data_descriptor(
    const MeasurementValue& rim, std::uint64_t ipa, std::uint64_t flags,
    const MeasurementValue& content) {
  RmmMeasurementDescriptorData d{};
  d.desc_type = static_cast<std::uint8_t>(MeasurementDescType::kData);
  d.len = kMeasurementDescLen;
  d.rim = rim;
  d.ipa = ipa;
  d.flags = flags;
  d.content = content;
  return d;
}

[[nodiscard]] inline RmmMeasurementDescriptorRec rec_descriptor(const MeasurementValue& rim,
                                                                const MeasurementValue& content) {
  RmmMeasurementDescriptorRec d{};
  d.desc_type = static_cast<std::uint8_t>(MeasurementDescType::kRec);
  d.len = kMeasurementDescLen;
  d.rim = rim;
  d.content = content;
  return d;
}

[[nodiscard]] inline RmmMeasurementDescriptorRipas ripas_descriptor(const MeasurementValue& rim,
                                                                    std::uint64_t base,
                                                                    std::uint64_t top) {
  RmmMeasurementDescriptorRipas d{};
  d.desc_type = static_cast<std::uint8_t>(MeasurementDescType::kRipas);
  d.len = kMeasurementDescLen;
  d.rim = rim;
  d.base = base;
  d.top = top;
  return d;
}

}  // namespace caec::abi
