// The register images that cross the seam between the RMM and the PE it runs realms on: what
// R-EL2 programs into VTTBR_EL2/VTCR_EL2 before it enters a REC, the class of a stage-2 fault
// the PE reports to it, and the registers a REC starts with. Architecture, not emulator: the RMM writes them and the machine's PE reads them, so
// both name these one definitions (the RMM still never includes machine/).
#pragma once

#include <array>
#include <cstdint>

#include "caec/abi/types.h"

namespace caec::abi {

/// VTTBR_EL2.VMID: which realm's translations the TLB holds (unique among live realms).
enum class Vmid : std::uint16_t {};

/// VTTBR/VTCR of a realm: the base of its starting-level tables, the starting level, how many
/// concatenated tables it starts with, and the IPA width (T0SZ).
struct S2Config {
  Pa rtt_base;
  RttLevel start_level;
  std::uint32_t num_start = 1;
  unsigned ipa_width = 40;
  bool operator==(const S2Config&) const = default;
};

/// Why a stage-2 access failed: what the PE reports to R-EL2 (the fault status code's class).
enum class S2Fault : std::uint8_t {
  kNone,
  kTranslation,  // no valid descriptor at the level reached
  kPermission,   // valid, but the access is not permitted
  kAddressSize,  // beyond the IPA space
  kGpf,          // the output (or a table) failed the granule protection check
};

/// What the PE records about an access that took a stage-2 abort: an instruction fetch, or a
/// load or store with its direction and, for a single general-purpose-register load or store
/// of 1, 2, 4 or 8 naturally aligned bytes, the instruction syndrome (ESR_EL2.ISS ISV, SAS,
/// SSE, SRT, SF) and the register a store writes from, saved at exception entry. Any other data
/// access (a pair, a vector register, an unaligned or a compiler-chosen access) has no valid
/// syndrome and cannot be emulated.
struct MemoryAccess {
  bool fetch = false;  // an instruction fetch (an instruction abort); the rest is for data
  bool write = false;
  bool syndrome_valid = false;  // ISV
  std::uint8_t size_log2 = 0;   // SAS: 1 << size_log2 bytes
  bool sign_extend = false;     // SSE: a load that sign-extends
  std::uint8_t reg = 0;         // SRT: the register loaded or stored (0-30)
  bool reg64 = false;           // SF: the register is an X register (else W)
  std::uint64_t store_value = 0;  // a store: the register's value
};

/// How R-EL2 resolved a data abort: retry the access, inject a synchronous external abort,
/// or the access was emulated (a load's register gets `value`; the PC steps past it).
struct AbortResolution {
  enum class Kind : std::uint8_t { kRetry, kSea, kEmulated };
  Kind kind = Kind::kRetry;
  std::uint64_t value = 0;
};

/// The generic timer as a REC sees it: one counter (CNTVCT_EL0 = CNTPCT_EL0, no virtual
/// offset) counting at kCounterHz, and the EL1 virtual and physical timers, which the realm
/// programs without trapping.
inline constexpr std::uint64_t kCounterHz = 100'000'000;
namespace timer_ctl {
inline constexpr std::uint64_t kEnable = 1U << 0U;
inline constexpr std::uint64_t kImask = 1U << 1U;
inline constexpr std::uint64_t kIstatus = 1U << 2U;  // read-only: the timer condition holds
}  // namespace timer_ctl
/// The registers of a REC's PE that R-EL2 saves at every REC exit and reports to the host
/// (RmiRecExit.cnt*, gicv3_vmcr): its EL1 timers and its GIC virtual CPU interface state
/// (ICH_VMCR_EL2: the ICV_PMR/BPR/CTLR/IGRPEN values realm EL1 wrote). All 0 at reset.
struct RealmSysregs {
  std::uint64_t cntv_ctl = 0;
  std::uint64_t cntv_cval = 0;
  std::uint64_t cntp_ctl = 0;
  std::uint64_t cntp_cval = 0;
  std::uint64_t ich_vmcr = 0;
};
/// CNT*_CTL as read at counter value `now`: ISTATUS set while enabled and `now` >= `cval`.
[[nodiscard]] constexpr std::uint64_t timer_ctl_at(std::uint64_t ctl, std::uint64_t cval, std::uint64_t now) {
  ctl &= timer_ctl::kEnable | timer_ctl::kImask;
  return (ctl & timer_ctl::kEnable) != 0 && now >= cval ? ctl | timer_ctl::kIstatus : ctl;
}
/// The timer's interrupt is asserted: enabled, not masked, condition met.
[[nodiscard]] constexpr bool timer_asserted(std::uint64_t ctl, std::uint64_t cval, std::uint64_t now) {
  return (timer_ctl_at(ctl, cval, now) & (timer_ctl::kImask | timer_ctl::kIstatus)) == timer_ctl::kIstatus;
}

/// Register state a REC starts executing with: from RmiRecParams, or from PSCI CPU_ON.
struct RecStart {
  std::uint64_t pc = 0;
  std::array<std::uint64_t, 8> gprs{};
  std::uint64_t index = 0;  // the REC's index (from its MPIDR)
};

}  // namespace caec::abi
