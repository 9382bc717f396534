// Realm Management Interface (host -> RMM), RMM 1.0 (DEN0137 1.0-rel0), rmm-1.0.md §1.
// Every layout below is pinned by static_assert; the RMM, the host, the realm SDK and the tests
// share these definitions and nothing else.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "caec/abi/smc.h"

namespace caec::abi {

// ---- Function identifiers (rmm-1.0.md §1.3) ----------------------------------------------
enum class RmiFid : std::uint32_t {
  kVersion = 0xC4000150,
  kGranuleDelegate = 0xC4000151,
  kGranuleUndelegate = 0xC4000152,
  kDataCreate = 0xC4000153,
  kDataCreateUnknown = 0xC4000154,
  kDataDestroy = 0xC4000155,
  kRealmActivate = 0xC4000157,
  kRealmCreate = 0xC4000158,
  kRealmDestroy = 0xC4000159,
  kRecCreate = 0xC400015A,
  kRecDestroy = 0xC400015B,
  kRecEnter = 0xC400015C,
  kRttCreate = 0xC400015D,
  kRttDestroy = 0xC400015E,
  kRttMapUnprotected = 0xC400015F,
  kRttReadEntry = 0xC4000161,
  kRttUnmapUnprotected = 0xC4000162,
  kPsciComplete = 0xC4000164,
  kFeatures = 0xC4000165,
  kRttFold = 0xC4000166,
  kRecAuxCount = 0xC4000167,
  kRttInitRipas = 0xC4000168,
  kRttSetRipas = 0xC4000169,
};
inline constexpr std::uint32_t kRmiFnumFirst = 0x150;
inline constexpr std::uint32_t kRmiFnumLast = 0x16F;

// ---- Return codes (rmm-1.0.md §1.1) --------------------------------------------------------
enum class RmiStatus : std::uint8_t {
  kSuccess = 0,
  kErrorInput = 1,
  kErrorRealm = 2,
  kErrorRec = 3,
  kErrorRtt = 4,
  kErrorCsm = 0x40,  // CAEC extension (csm-abi.md §2); index = CsmErrorReason
};

/// RmiCommandReturnCode: status bits[7:0], index bits[15:8], bits[63:16] MBZ.
struct RmiReturn {
  RmiStatus status = RmiStatus::kSuccess;
  std::uint8_t index = 0;

  [[nodiscard]] constexpr std::uint64_t pack() const {
    return static_cast<std::uint64_t>(status) | (std::uint64_t{index} << 8U);
  }
  [[nodiscard]] static constexpr RmiReturn unpack(std::uint64_t x0) {
    return {static_cast<RmiStatus>(x0 & 0xFFU), static_cast<std::uint8_t>((x0 >> 8U) & 0xFFU)};
  }
  [[nodiscard]] constexpr bool ok() const { return status == RmiStatus::kSuccess; }
  constexpr bool operator==(const RmiReturn&) const = default;
};

/// RmiInterfaceVersion: minor bits[15:0], major bits[30:16].
[[nodiscard]] constexpr std::uint64_t make_version(std::uint32_t major, std::uint32_t minor) {
  return (std::uint64_t{major} << 16U) | minor;
}
inline constexpr std::uint64_t kRmiVersion = make_version(1, 0);

// ---- RmiFeatureRegister0 (rmm-1.0.md §1.4 FEATURES) ---------------------------------------
namespace feat0 {
inline constexpr unsigned kS2szShift = 0, kS2szWidth = 8;
inline constexpr unsigned kLpa2Shift = 8;
inline constexpr unsigned kSveEnShift = 9;
inline constexpr unsigned kSveVlShift = 10, kSveVlWidth = 4;
inline constexpr unsigned kNumBpsShift = 14, kNumBpsWidth = 6;
inline constexpr unsigned kNumWpsShift = 20, kNumWpsWidth = 6;
inline constexpr unsigned kPmuEnShift = 26;
inline constexpr unsigned kPmuNumCtrsShift = 27, kPmuNumCtrsWidth = 5;
inline constexpr unsigned kHashSha256Shift = 32;
inline constexpr unsigned kHashSha512Shift = 33;
inline constexpr unsigned kGicv3NumLrsShift = 34, kGicv3NumLrsWidth = 4;
inline constexpr unsigned kMaxRecsOrderShift = 38, kMaxRecsOrderWidth = 4;
}  // namespace feat0

// ---- Enumerations ------------------------------------------------------------------------
enum class RmiHashAlgorithm : std::uint8_t { kSha256 = 0, kSha512 = 1 };
enum class RmiRttEntryState : std::uint8_t { kUnassigned = 0, kAssigned = 1, kTable = 2 };
enum class RmiRecExitReason : std::uint64_t {
  kSync = 0,
  kIrq = 1,
  kFiq = 2,
  kPsci = 3,
  kRipasChange = 4,
  kHostCall = 5,
  kSError = 6,
  // CAEC extension (csm-abi.md §2), away from Arm's 0-10.
  kCsmProvider = 0x40,
  kCsmConsumer = 0x41,
  kCsmRemove = 0x42,
};

namespace realm_flags {
inline constexpr std::uint64_t kLpa2 = 1U << 0U;
inline constexpr std::uint64_t kSve = 1U << 1U;
inline constexpr std::uint64_t kPmu = 1U << 2U;
inline constexpr std::uint64_t kReservedMask = ~std::uint64_t{0x7};
}  // namespace realm_flags

namespace data_flags {
inline constexpr std::uint64_t kMeasure = 1U << 0U;
inline constexpr std::uint64_t kReservedMask = ~std::uint64_t{0x1};
}  // namespace data_flags

namespace rec_flags {
inline constexpr std::uint64_t kRunnable = 1U << 0U;
inline constexpr std::uint64_t kReservedMask = ~std::uint64_t{0x1};
}  // namespace rec_flags

namespace rec_enter_flags {
inline constexpr std::uint64_t kEmulMmio = 1U << 0U;
inline constexpr std::uint64_t kInjectSea = 1U << 1U;
inline constexpr std::uint64_t kTrapWfi = 1U << 2U;
inline constexpr std::uint64_t kTrapWfe = 1U << 3U;
inline constexpr std::uint64_t kRipasResponseReject = 1U << 4U;
}  // namespace rec_enter_flags

// ---- In-memory structures (rmm-1.0.md §1.5) ----------------------------------------------
// Offsets are those of the spec; the gaps are reserved (SBZ) bytes.

struct RmiRealmParams {
  std::uint64_t flags;                 // 0x000
  std::uint8_t s2sz;                   // 0x008
  std::uint8_t reserved0[7];
  std::uint8_t sve_vl;                 // 0x010
  std::uint8_t reserved1[7];
  std::uint8_t num_bps;                // 0x018
  std::uint8_t reserved2[7];
  std::uint8_t num_wps;                // 0x020
  std::uint8_t reserved3[7];
  std::uint8_t pmu_num_ctrs;           // 0x028
  std::uint8_t reserved4[7];
  std::uint8_t hash_algo;              // 0x030
  std::uint8_t reserved5[0x400 - 0x31];
  std::array<std::uint8_t, 64> rpv;    // 0x400
  std::uint8_t reserved6[0x800 - 0x440];
  std::uint16_t vmid;                  // 0x800
  std::uint8_t reserved7[6];
  std::uint64_t rtt_base;              // 0x808
  std::int64_t rtt_level_start;        // 0x810
  std::uint32_t rtt_num_start;         // 0x818
  std::uint8_t reserved8[0x1000 - 0x81C];
};
static_assert(sizeof(RmiRealmParams) == 0x1000);
static_assert(offsetof(RmiRealmParams, s2sz) == 0x8);
static_assert(offsetof(RmiRealmParams, sve_vl) == 0x10);
static_assert(offsetof(RmiRealmParams, num_bps) == 0x18);
static_assert(offsetof(RmiRealmParams, num_wps) == 0x20);
static_assert(offsetof(RmiRealmParams, pmu_num_ctrs) == 0x28);
static_assert(offsetof(RmiRealmParams, hash_algo) == 0x30);
static_assert(offsetof(RmiRealmParams, rpv) == 0x400);
static_assert(offsetof(RmiRealmParams, vmid) == 0x800);
static_assert(offsetof(RmiRealmParams, rtt_base) == 0x808);
static_assert(offsetof(RmiRealmParams, rtt_level_start) == 0x810);
static_assert(offsetof(RmiRealmParams, rtt_num_start) == 0x818);

inline constexpr unsigned kMaxRecAux = 16;

struct RmiRecParams {
  std::uint64_t flags;                         // 0x000
  std::uint8_t reserved0[0x100 - 0x8];
  std::uint64_t mpidr;                         // 0x100
  std::uint8_t reserved1[0x200 - 0x108];
  std::uint64_t pc;                            // 0x200
  std::uint8_t reserved2[0x300 - 0x208];
  std::array<std::uint64_t, 8> gprs;           // 0x300
  std::uint8_t reserved3[0x800 - 0x340];
  std::uint64_t num_aux;                       // 0x800
  std::array<std::uint64_t, kMaxRecAux> aux;   // 0x808
  std::uint8_t reserved4[0x1000 - 0x888];
};
static_assert(sizeof(RmiRecParams) == 0x1000);
static_assert(offsetof(RmiRecParams, mpidr) == 0x100);
static_assert(offsetof(RmiRecParams, pc) == 0x200);
static_assert(offsetof(RmiRecParams, gprs) == 0x300);
static_assert(offsetof(RmiRecParams, num_aux) == 0x800);
static_assert(offsetof(RmiRecParams, aux) == 0x808);

/// RmiRecMpidr: aff0[3:0], [7:4] SBZ, aff1[15:8], aff2[23:16], aff3[31:24].
[[nodiscard]] constexpr std::uint64_t rec_index_from_mpidr(std::uint64_t mpidr) {
  constexpr std::uint64_t kAff1 = 16, kAff2 = kAff1 * 256, kAff3 = kAff2 * 256;  // RECs per step
  return (mpidr & 0xFU) + kAff1 * ((mpidr >> 8U) & 0xFFU) + kAff2 * ((mpidr >> 16U) & 0xFFU) +
         kAff3 * ((mpidr >> 24U) & 0xFFU);
}
[[nodiscard]] constexpr std::uint64_t mpidr_from_rec_index(std::uint64_t index) {
  return (index & 0xFU) | (((index >> 4U) & 0xFFU) << 8U) | (((index >> 12U) & 0xFFU) << 16U) |
         (((index >> 20U) & 0xFFU) << 24U);
}
inline constexpr std::uint64_t kMpidrValidMask = 0xFFFFFF0FULL;

inline constexpr unsigned kNumGicLrs = 16;

struct RmiRecEnter {
  std::uint64_t flags;                              // 0x000
  std::uint8_t reserved0[0x200 - 0x8];
  std::array<std::uint64_t, 31> gprs;               // 0x200
  std::uint8_t reserved1[0x300 - 0x2F8];
  std::uint64_t gicv3_hcr;                          // 0x300
  std::array<std::uint64_t, kNumGicLrs> gicv3_lrs;  // 0x308
  std::uint8_t reserved2[0x800 - 0x388];
};
static_assert(sizeof(RmiRecEnter) == 0x800);
static_assert(offsetof(RmiRecEnter, gprs) == 0x200);
static_assert(offsetof(RmiRecEnter, gicv3_hcr) == 0x300);
static_assert(offsetof(RmiRecEnter, gicv3_lrs) == 0x308);

struct RmiRecExit {
  std::uint64_t exit_reason;                        // 0x000
  std::uint8_t reserved0[0x100 - 0x8];
  std::uint64_t esr;                                // 0x100
  std::uint64_t far;                                // 0x108
  std::uint64_t hpfar;                              // 0x110
  std::uint8_t reserved1[0x200 - 0x118];
  std::array<std::uint64_t, 31> gprs;               // 0x200
  std::uint8_t reserved2[0x300 - 0x2F8];
  std::uint64_t gicv3_hcr;                          // 0x300
  std::array<std::uint64_t, kNumGicLrs> gicv3_lrs;  // 0x308
  std::uint64_t gicv3_misr;                         // 0x388
  std::uint64_t gicv3_vmcr;                         // 0x390
  std::uint8_t reserved3[0x400 - 0x398];
  std::uint64_t cntp_ctl;                           // 0x400
  std::uint64_t cntp_cval;                          // 0x408
  std::uint64_t cntv_ctl;                           // 0x410
  std::uint64_t cntv_cval;                          // 0x418
  std::uint8_t reserved4[0x500 - 0x420];
  std::uint64_t ripas_base;                         // 0x500
  std::uint64_t ripas_top;                          // 0x508
  std::uint8_t ripas_value;                         // 0x510
  std::uint8_t reserved5[0x600 - 0x511];
  std::uint16_t imm;                                // 0x600
  std::uint8_t reserved6[0x700 - 0x602];
  std::uint64_t pmu_ovf_status;                     // 0x700
  std::uint8_t reserved7[0x780 - 0x708];
  // CAEC extension (csm-abi.md §2): set only for the three CSM exits.
  std::uint64_t csm_base;                           // 0x780
  std::uint64_t csm_top;                            // 0x788
  std::uint64_t csm_id;                             // 0x790
  std::uint8_t reserved8[0x800 - 0x798];
};
static_assert(sizeof(RmiRecExit) == 0x800);
static_assert(offsetof(RmiRecExit, esr) == 0x100);
static_assert(offsetof(RmiRecExit, far) == 0x108);
static_assert(offsetof(RmiRecExit, hpfar) == 0x110);
static_assert(offsetof(RmiRecExit, gprs) == 0x200);
static_assert(offsetof(RmiRecExit, gicv3_hcr) == 0x300);
static_assert(offsetof(RmiRecExit, gicv3_lrs) == 0x308);
static_assert(offsetof(RmiRecExit, gicv3_misr) == 0x388);
static_assert(offsetof(RmiRecExit, gicv3_vmcr) == 0x390);
static_assert(offsetof(RmiRecExit, cntp_ctl) == 0x400);
static_assert(offsetof(RmiRecExit, cntv_cval) == 0x418);
static_assert(offsetof(RmiRecExit, ripas_base) == 0x500);
static_assert(offsetof(RmiRecExit, ripas_top) == 0x508);
static_assert(offsetof(RmiRecExit, ripas_value) == 0x510);
static_assert(offsetof(RmiRecExit, imm) == 0x600);
static_assert(offsetof(RmiRecExit, pmu_ovf_status) == 0x700);
static_assert(offsetof(RmiRecExit, csm_base) == 0x780);
static_assert(offsetof(RmiRecExit, csm_top) == 0x788);
static_assert(offsetof(RmiRecExit, csm_id) == 0x790);

struct RmiRecRun {
  RmiRecEnter enter;  // 0x000
  RmiRecExit exit;    // 0x800
};
static_assert(sizeof(RmiRecRun) == 0x1000);
static_assert(offsetof(RmiRecRun, exit) == 0x800);

}  // namespace caec::abi
