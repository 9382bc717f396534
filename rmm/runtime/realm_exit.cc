#include "rmm/runtime/realm_exit.h"

#include "caec/abi/esr.h"
#include "rmm/core/granule.h"

namespace caec::rmm {

Reentry rec_exit(RmmContext& rmm, Rec& rec, const RecExit& exit) {
  rec.exit = exit;
  check_no_granule_lock_held_at_exit();
  return rmm.platform.realm_yield() ? Reentry::kEntered : Reentry::kDestroyed;
}

Reentry take_pending_irq(RmmContext& rmm, Rec& rec) {
  if (!rmm.platform.realm_take_irq()) return Reentry::kNoExit;
  return rec_exit(rmm, rec, exit_record(abi::RmiRecExitReason::kIrq));
}

RecExit data_abort_exit(Ipa ipa, std::uint64_t dfsc) {
  RecExit e = exit_record(abi::RmiRecExitReason::kSync);
  e.esr = abi::esr::make(abi::esr::kEcDataAbortLower, dfsc & abi::esr::kDfscMask);
  e.hpfar = abi::esr::hpfar(ipa.align_down(kGranuleSize).value());
  return e;
}

RecExit instruction_abort_exit(Ipa ipa, std::uint64_t ifsc) {
  RecExit e = data_abort_exit(ipa, ifsc);
  e.esr = abi::esr::make(abi::esr::kEcInstAbortLower, ifsc & abi::esr::kDfscMask);
  return e;
}

RecExit emulatable_abort_exit(Ipa ipa, const abi::MemoryAccess& access, std::uint64_t dfsc) {
  RecExit e = data_abort_exit(ipa, dfsc);
  e.esr |= abi::esr::access_syndrome(access.size_log2, access.reg64, access.write);
  // FAR_EL2 holds the realm's virtual address: only its offset within the granule goes out.
  e.far = ipa.value() & (kGranuleSize - 1U);
  // The value a store writes, as the register holds it (XZR, register 31, reads as zero).
  if (access.write && access.reg != 31) e.gprs[0] = access.store_value & abi::esr::access_value_mask(access.size_log2);
  return e;
}

std::uint64_t emulated_load_value(const abi::MemoryAccess& access, std::uint64_t host_value) {
  const std::uint64_t mask = abi::esr::access_value_mask(access.size_log2);
  std::uint64_t v = host_value & mask;
  const std::uint64_t sign_bit = (mask >> 1U) + 1U;
  if (access.sign_extend && (v & sign_bit) != 0) v |= ~mask;
  if (!access.reg64) v &= 0xFFFF'FFFFU;
  return v;
}

}  // namespace caec::rmm
