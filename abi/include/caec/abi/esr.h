// Exception syndrome encodings used in REC exits (RmiRecExit.esr / hpfar / far) and GIC list
// register fields used in RmiRecEnter/Exit (Arm ARM D17; GICv3 ICH_LR<n>_EL2).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "caec/abi/types.h"

namespace caec::abi::esr {

inline constexpr unsigned kEcShift = 26;
inline constexpr std::uint64_t kEcMask = 0x3FULL << kEcShift;
inline constexpr std::uint64_t kEcWfx = 0x01;
inline constexpr std::uint64_t kEcInstAbortLower = 0x20;
inline constexpr std::uint64_t kEcDataAbortLower = 0x24;
inline constexpr std::uint64_t kIl = 1ULL << 25U;  // never shown to the host (below)

// Data abort ISS (Arm ARM D17.2.40).
inline constexpr std::uint64_t kIsv = 1ULL << 24U;   // instruction syndrome valid (emulatable)
inline constexpr unsigned kSasShift = 22;             // access size: 1 << SAS bytes
inline constexpr std::uint64_t kSasMask = 3ULL << kSasShift;
inline constexpr std::uint64_t kSse = 1ULL << 21U;   // the load sign-extends
inline constexpr unsigned kSrtShift = 16;             // the register loaded or stored
inline constexpr std::uint64_t kSrtMask = 0x1FULL << kSrtShift;
inline constexpr std::uint64_t kSf = 1ULL << 15U;    // 64-bit register
inline constexpr std::uint64_t kAr = 1ULL << 14U;    // acquire/release
inline constexpr std::uint64_t kSetMask = 3ULL << 11U;  // synchronous error type
inline constexpr std::uint64_t kFnV = 1ULL << 10U;   // FAR not valid
inline constexpr std::uint64_t kEa = 1ULL << 9U;     // external abort type
inline constexpr std::uint64_t kCm = 1ULL << 8U;     // cache maintenance
inline constexpr std::uint64_t kS1ptw = 1ULL << 7U;  // stage-2 fault on a stage-1 walk
inline constexpr std::uint64_t kWnR = 1ULL << 6U;    // the access was a write
inline constexpr std::uint64_t kDfscMask = 0x3F;
inline constexpr std::uint64_t kDfscAddressSize = 0x00;   // + level
inline constexpr std::uint64_t kDfscTranslation = 0x04;   // + level
inline constexpr std::uint64_t kDfscPermission = 0x0C;    // + level
inline constexpr std::uint64_t kDfscSea = 0x10;

/// What of a data abort's ESR the RMM shows the host (DEN0137 RmiRecExit.esr, TF-RMM's
/// ESR_NONEMULATED_ABORT_MASK / ESR_EMULATED_ABORT_MASK): the class and the fault status
/// always; the access size, register width and direction only for an emulatable abort. The
/// register number, sign extension, IL and the rest stay with the RMM.
inline constexpr std::uint64_t kNonEmulatableAbortMask = kEcMask | kSetMask | kFnV | kEa | kDfscMask;
inline constexpr std::uint64_t kEmulatableAbortMask = kNonEmulatableAbortMask | kIsv | kSasMask | kSf | kWnR;
// WFx ISS: TI bit 0 (1 = WFE).
inline constexpr std::uint64_t kWfxTiWfe = 1ULL << 0U;

/// An address-size, translation or permission fault status: the class plus the level of the
/// lookup that failed (0-3; a walk only reports levels it reached).
[[nodiscard]] constexpr std::uint64_t dfsc_at(std::uint64_t fault_class, RttLevel level) {
  return fault_class + static_cast<std::uint64_t>(level.value());
}
[[nodiscard]] constexpr std::uint64_t ec(std::uint64_t esr) { return (esr & kEcMask) >> kEcShift; }
/// An ESR as the host sees it in a REC exit: the class and the ISS fields the RMM exposes
/// (IL is never among them).
[[nodiscard]] constexpr std::uint64_t make(std::uint64_t ec_value, std::uint64_t iss) {
  return (ec_value << kEcShift) | iss;
}
/// The data-abort ISS fields of an emulatable access (ISV, SAS, SF, WnR as the host sees them).
[[nodiscard]] constexpr std::uint64_t access_syndrome(unsigned size_log2, bool reg64, bool write) {
  return kIsv | (std::uint64_t{size_log2} << kSasShift) | (reg64 ? kSf : 0U) | (write ? kWnR : 0U);
}
/// The bits an access of 1 << size_log2 bytes moves (the part of a register it loads or stores).
[[nodiscard]] constexpr std::uint64_t access_value_mask(unsigned size_log2) {
  return size_log2 >= 3 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8U << size_log2)) - 1U;
}
[[nodiscard]] constexpr unsigned sas(std::uint64_t esr) {
  return static_cast<unsigned>((esr & kSasMask) >> kSasShift);
}
/// HPFAR_EL2.FIPA: IPA[47:12] in bits [43:4].
[[nodiscard]] constexpr std::uint64_t hpfar(std::uint64_t ipa) { return (ipa >> 8U) & ~0xFULL; }
[[nodiscard]] constexpr std::uint64_t ipa_from_hpfar(std::uint64_t hpfar_value) {
  return (hpfar_value & ~0xFULL) << 8U;
}

}  // namespace caec::abi::esr

namespace caec::abi::gic {
// ICH_LR<n>_EL2 fields (GICv3).
inline constexpr std::uint64_t kVintidMask = 0xFFFFFFFFULL;
inline constexpr unsigned kPriorityShift = 48;
inline constexpr std::uint64_t kGroup1 = 1ULL << 60U;
inline constexpr std::uint64_t kHw = 1ULL << 61U;
inline constexpr unsigned kStateShift = 62;
inline constexpr std::uint64_t kStateMask = 3ULL << kStateShift;
inline constexpr std::uint64_t kStatePending = 1ULL << kStateShift;
inline constexpr std::uint64_t kStateActive = 2ULL << kStateShift;

[[nodiscard]] constexpr std::uint64_t pending_lr(std::uint32_t vintid) {
  return kStatePending | kGroup1 | (std::uint64_t{0xA0} << kPriorityShift) | vintid;
}
inline constexpr std::uint64_t kLrEoi = 1ULL << 41U;  // ask for a maintenance interrupt at EOI

// ICH_HCR_EL2 fields.
inline constexpr std::uint64_t kHcrEn = 1ULL << 0U;
inline constexpr std::uint64_t kHcrUie = 1ULL << 1U;
inline constexpr std::uint64_t kHcrLrenpie = 1ULL << 2U;
inline constexpr std::uint64_t kHcrNpie = 1ULL << 3U;
inline constexpr std::uint64_t kHcrVgrp0eie = 1ULL << 4U;
inline constexpr std::uint64_t kHcrVgrp0die = 1ULL << 5U;
inline constexpr std::uint64_t kHcrVgrp1eie = 1ULL << 6U;
inline constexpr std::uint64_t kHcrVgrp1die = 1ULL << 7U;
inline constexpr unsigned kHcrEoiCountShift = 27;
// ICH_VMCR_EL2 fields.
inline constexpr std::uint64_t kVmcrVeng0 = 1ULL << 0U;
inline constexpr std::uint64_t kVmcrVeng1 = 1ULL << 1U;
inline constexpr unsigned kVmcrVpmrShift = 24;
// ICH_MISR_EL2: bit 0 is EOI; bits 1-7 (U, LRENP, NP, VGrp0E, VGrp0D, VGrp1E, VGrp1D) sit
// where ICH_HCR_EL2 holds the enable of each (UIE .. VGrp1DIE), so each is named by its enable.
inline constexpr std::uint64_t kMisrEoi = 1ULL << 0U;

/// ICH_MISR_EL2 as the GICv3 architecture derives it from ICH_HCR_EL2, the list registers and
/// ICH_VMCR_EL2: which maintenance interrupts are asserted (none while the virtual CPU
/// interface is disabled, HCR.En = 0).
template <std::size_t N>
[[nodiscard]] constexpr std::uint64_t maintenance_status(std::uint64_t hcr, const std::array<std::uint64_t, N>& lrs,
                                                         std::uint64_t vmcr) {
  if ((hcr & kHcrEn) == 0) return 0;
  std::size_t valid = 0;
  bool pending = false;
  bool eoi = false;
  for (const std::uint64_t lr : lrs) {
    const std::uint64_t state = lr & kStateMask;
    if (state != 0) ++valid;
    if (state == kStatePending) pending = true;
    if (state == 0 && (lr & kHw) == 0 && (lr & kLrEoi) != 0) eoi = true;
  }
  // The conditions that hold, at their HCR enable's position.
  std::uint64_t holds = 0;
  if (valid <= 1) holds |= kHcrUie;                           // underflow
  if (((hcr >> kHcrEoiCountShift) & 0x1FU) != 0) holds |= kHcrLrenpie;  // EOIs with no LR
  if (!pending) holds |= kHcrNpie;                            // no pending interrupt
  holds |= (vmcr & kVmcrVeng0) != 0 ? kHcrVgrp0eie : kHcrVgrp0die;
  holds |= (vmcr & kVmcrVeng1) != 0 ? kHcrVgrp1eie : kHcrVgrp1die;
  return (eoi ? kMisrEoi : 0U) | (holds & hcr & ~kHcrEn);
}

/// ICH_HCR_EL2 bits a host may set (rmm-1.0.md REC_ENTER rec_gicv3).
inline constexpr std::uint64_t kHcrAllowed = kHcrEn | kHcrUie | kHcrLrenpie | kHcrNpie | kHcrVgrp0eie |
                                            kHcrVgrp0die | kHcrVgrp1eie | kHcrVgrp1die | (1ULL << 13U) /*TDIR*/;
}  // namespace caec::abi::gic
