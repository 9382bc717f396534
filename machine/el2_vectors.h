// The R-EL2 exception vectors of the realm world: the one way into the RMM image. EL3 forwards
// the host's RMI calls to it, and a PE running realm code enters it when the realm traps (SMC,
// WFI) or takes a stage-2 abort the walk could not satisfy. The RMM image installs one table at
// boot (Machine::install_el2_vectors), as firmware sets VBAR_EL2 once.
#pragma once

#include "caec/abi/pe_state.h"
#include "caec/abi/smc.h"
#include "caec/abi/types.h"
#include "machine/stage2.h"

namespace caec::machine {

class Vcpu;

class El2Vectors {
 public:
  /// An RMI call from the Non-secure world, forwarded by EL3; results in `regs`.
  virtual void rmi(abi::SmcRegs& regs) = 0;
  /// SMC #0 from realm EL1 (RSI, PSCI) on `v`'s PE; results in `regs`.
  virtual void realm_smc(Vcpu& v, abi::SmcRegs& regs) = 0;
  /// WFI (or, `wfe`, WFE) from realm EL1 on `v`'s PE.
  virtual void realm_wfx(Vcpu& v, bool wfe) = 0;
  /// HVC from realm EL1 on `v`'s PE: true if the realm takes an Unknown exception for it.
  [[nodiscard]] virtual bool realm_hvc(Vcpu& v) = 0;
  /// A stage-2 data abort of `access` on `v`'s PE: retry it, inject an SEA, or (an emulatable
  /// access the host emulated) complete it with a value.
  [[nodiscard]] virtual abi::AbortResolution stage2_abort(Vcpu& v, Ipa ipa, const abi::MemoryAccess& access,
                                                          S2Outcome outcome) = 0;

 protected:
  El2Vectors() = default;
  El2Vectors(const El2Vectors&) = default;
  El2Vectors& operator=(const El2Vectors&) = default;
  ~El2Vectors() = default;  // not owned through this interface
};

}  // namespace caec::machine
