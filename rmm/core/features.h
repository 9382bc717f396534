// What this RMM supports: one source for RMI_FEATURES and for REALM_CREATE's params_supp.
#pragma once

#include <cstdint>

#include "caec/abi/rmi.h"
#include "caec/abi/s2tt.h"

namespace caec::rmm {

struct RmmFeatures {
  std::uint8_t s2sz = abi::s2tt::kMaxIpaBits;
  bool lpa2 = false;
  bool sve = false;           // the emulated PEs have no SVE
  std::uint8_t sve_vl = 0;
  std::uint8_t num_bps = 6;
  std::uint8_t num_wps = 4;
  bool pmu = false;           // no PMU is emulated
  std::uint8_t pmu_num_ctrs = 0;
  bool sha256 = true;
  bool sha512 = true;
  std::uint8_t gicv3_num_lrs = 16;
  std::uint8_t max_recs_order = 10;

  [[nodiscard]] constexpr std::uint64_t register0() const {
    using namespace abi::feat0;
    auto field = [](std::uint64_t v, unsigned shift) { return v << shift; };
    return field(s2sz, kS2szShift) | field(lpa2, kLpa2Shift) | field(sve, kSveEnShift) |
           field(sve_vl, kSveVlShift) | field(num_bps - 1U, kNumBpsShift) |
           field(num_wps - 1U, kNumWpsShift) | field(pmu, kPmuEnShift) |
           field(pmu_num_ctrs, kPmuNumCtrsShift) | field(sha256, kHashSha256Shift) |
           field(sha512, kHashSha512Shift) | field(gicv3_num_lrs - 1U, kGicv3NumLrsShift) |
           field(max_recs_order, kMaxRecsOrderShift);
  }
  [[nodiscard]] constexpr std::uint64_t max_recs() const {
    return (std::uint64_t{1} << max_recs_order) - 1;
  }
};

inline constexpr RmmFeatures kFeatures{};

/// REC_AUX_COUNT: auxiliary granules per REC, constant for every realm. They hold the REC's
/// attestation token buffer (8 KiB), so two suffice; the spec allows up to 16.
inline constexpr std::uint64_t kRecAuxCount = 2;

}  // namespace caec::rmm
