// The SMC calling convention (SMCCC 1.2): FID in X0, up to 17 arguments X1..X17, results in
// X0..X17. This is the only interface between the untrusted worlds and the RMM.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

namespace caec::abi {

struct SmcRegs {
  std::array<std::uint64_t, 18> x{};

  [[nodiscard]] constexpr std::uint32_t fid() const { return static_cast<std::uint32_t>(x[0]); }

  /// The registers of a call: X0 = fid, X1.. = args, the rest zero (SBZ).
  [[nodiscard]] static constexpr SmcRegs call(std::uint32_t fid,
                                              std::initializer_list<std::uint64_t> args) {
    SmcRegs r;
    r.x[0] = fid;
    std::size_t i = 1;
    for (auto a : args) r.x[i++] = a;
    return r;
  }
};

/// SMCCC "unknown function" / "not supported" (-1).
inline constexpr std::uint64_t kSmcUnknown = ~std::uint64_t{0};

/// SMCCC fast call, SMC64, owner field bits[29:24], function number bits[15:0].
[[nodiscard]] constexpr std::uint32_t smc64_fast_fid(std::uint32_t owner, std::uint32_t fnum) {
  return 0xC0000000U | (owner << 24U) | fnum;
}
inline constexpr std::uint32_t kOwnerStandardSecure = 4;   // Arm's RMI/RSI/PSCI range
inline constexpr std::uint32_t kOwnerVendorHyp = 6;        // caec's RSI extension range
inline constexpr std::uint32_t kOwnerVendorSecure = 7;     // caec's RMI extension range

/// SMCCC_VERSION (SMC32, answered by EL3 for the host and by the RMM for realms) and the
/// version both report: SMCCC 1.2, the one RMM 1.0 requires.
inline constexpr std::uint32_t kSmcccVersionFid = 0x80000000U;
inline constexpr std::uint64_t kSmcccVersion12 = 0x10002;

/// SMCCC bit 16: "SVE state need not be preserved" hint. The RMM strips it before dispatch.
inline constexpr std::uint32_t kSmcSveHint = 1U << 16;

}  // namespace caec::abi
