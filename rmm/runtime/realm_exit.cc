#include "rmm/runtime/realm_exit.h"

#include "caec/abi/esr.h"

namespace caec::rmm {

Reentry rec_exit(RmmContext& rmm, Rec& rec, const RecExit& exit) {
  rec.exit = exit;
  return rmm.platform.realm_yield() ? Reentry::kEntered : Reentry::kDestroyed;
}

Reentry take_pending_irq(RmmContext& rmm, Rec& rec) {
  if (!rmm.platform.realm_take_irq()) return Reentry::kNoExit;
  return rec_exit(rmm, rec, exit_record(abi::RmiRecExitReason::kIrq));
}

RecExit data_abort_exit(Ipa ipa, bool write, std::uint64_t dfsc) {
  RecExit e = exit_record(abi::RmiRecExitReason::kSync);
  // Not emulatable (ISV = 0): the emulator cannot decode the faulting instruction, so FAR
  // carries nothing and the host learns only the IPA (hpfar) and the direction.
  e.esr = abi::esr::make(abi::esr::kEcDataAbortLower, (write ? abi::esr::kWnR : 0U) | dfsc);
  e.hpfar = abi::esr::hpfar(ipa.value());
  return e;
}

}  // namespace caec::rmm
