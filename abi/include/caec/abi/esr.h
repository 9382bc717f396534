// Exception syndrome encodings used in REC exits (RmiRecExit.esr / hpfar / far) and GIC list
// register fields used in RmiRecEnter/Exit (Arm ARM D17; GICv3 ICH_LR<n>_EL2).
#pragma once

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
/// ICH_HCR_EL2 bits a host may set (rmm-1.0.md REC_ENTER rec_gicv3).
inline constexpr std::uint64_t kHcrAllowed = 0x1ULL /*En*/ | 0x2ULL /*UIE*/ | 0x4ULL /*LRENPIE*/ |
                                            0x8ULL /*NPIE*/ | 0x10ULL | 0x20ULL | 0x40ULL |
                                            0x80ULL /*VGrp*/ | (1ULL << 13U) /*TDIR*/;
}  // namespace caec::abi::gic
