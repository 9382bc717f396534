#include "host/rec_exit_check.h"

#include "caec/abi/esr.h"
#include "caec/abi/hex.h"

namespace caec::host {

namespace esr = abi::esr;

std::optional<std::string> data_abort_exit_defect(const abi::RmiRecExit& exit, std::uint64_t unprotected_base) {
  const std::uint64_t e = exit.esr;
  if (esr::ec(e) != esr::kEcDataAbortLower && esr::ec(e) != esr::kEcInstAbortLower) {
    return "ESR " + hex_number(e) + " is not a data or instruction abort";
  }
  // An instruction abort shows what a non-emulatable data abort does (its ISS bit 24 is RES0).
  const bool emulatable = esr::ec(e) == esr::kEcDataAbortLower && (e & esr::kIsv) != 0;
  const std::uint64_t shown = emulatable ? esr::kEmulatableAbortMask : esr::kNonEmulatableAbortMask;
  if ((e & ~shown) != 0) return "ESR " + hex_number(e) + " shows bits " + hex_number(e & ~shown) + " the RMM hides";
  if ((e & (esr::kSetMask | esr::kFnV | esr::kEa)) != 0) return "ESR " + hex_number(e) + " reports an external abort";
  const std::uint64_t fault_class = e & esr::kDfscMask & ~0x3ULL;
  if (fault_class != esr::kDfscTranslation && fault_class != esr::kDfscPermission) {
    return "ESR " + hex_number(e) + ": DFSC is not a translation or permission fault";
  }
  if ((exit.hpfar & 0xFU) != 0 || exit.hpfar >> 44U != 0) return "HPFAR " + hex_number(exit.hpfar) + " is malformed";
  const std::uint64_t ipa = esr::ipa_from_hpfar(exit.hpfar);
  if (emulatable && ipa < unprotected_base) return "an abort at protected IPA " + hex_number(ipa) + " is emulatable";
  if (emulatable ? exit.far >= kGranuleSize : exit.far != 0) {
    return "FAR " + hex_number(exit.far) + (emulatable ? " is more than an offset" : " of a non-emulatable abort");
  }
  // Only an emulatable store shows a register: the value written, within the access size.
  std::uint64_t value_bits = 0;
  if (emulatable && (e & esr::kWnR) != 0) value_bits = esr::access_value_mask(esr::sas(e));
  for (std::size_t i = 0; i < exit.gprs.size(); ++i) {
    if ((exit.gprs[i] & ~(i == 0 ? value_bits : 0U)) != 0) {
      return "gprs[" + std::to_string(i) + "] = " + hex_number(exit.gprs[i]);
    }
  }
  if (exit.ripas_base != 0 || exit.ripas_top != 0 || exit.ripas_value != 0 || exit.imm != 0 ||
      exit.pmu_ovf_status != 0) {
    return "a RIPAS, host-call or PMU field is set";
  }
  return std::nullopt;
}

}  // namespace caec::host
