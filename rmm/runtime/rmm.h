// The Realm Management Monitor: caec's trusted firmware at R-EL2.
//
// Its only inputs are SMCs: the EL3 monitor forwards the host's RMI calls to handle_rmi().
// Everything else about the RMM is internal; tests inspect it through rmm/introspect/introspect.h, which
// production code does not link.
#pragma once

#include <cstdint>
#include <span>

#include "caec/abi/smc.h"
#include "rmm/port/platform.h"

namespace caec::rmm {

struct RmmContext;

/// Why the stage-2 walk failed, as the PE reports it in the syndrome.
using AbortKind = abi::S2Fault;  // (never kNone: there is an abort)
class RmmIntrospection;

class Rmm {
 public:
  /// The RMM's own memory for a platform with DRAM `bank`: its global state and an entry per
  /// granule (TF-RMM's static granule array, sized here by the boot manifest).
  [[nodiscard]] static std::size_t memory_needed(DramBank bank);

  /// Cold boot on the given platform (reads the DRAM layout, sets up the granule table) in
  /// `memory` (memory_needed() bytes, aligned for any type, reserved for the RMM by EL3 and
  /// outliving it). The RMM allocates nothing else, ever.
  Rmm(Platform& platform, std::span<std::byte> memory);
  ~Rmm();
  Rmm(const Rmm&) = delete;
  Rmm& operator=(const Rmm&) = delete;

  /// RMI entry: X0 holds the FID on entry and the return code on exit.
  void handle_rmi(abi::SmcRegs& regs);

  /// RSI/PSCI entry: an SMC from realm EL1, on the PE running REC `rec`. `regs` holds the
  /// results when the return is kResume.
  [[nodiscard]] RealmReturn handle_rsi(Pa rec, abi::SmcRegs& regs);

  /// WFI (WFE if `wfe`) executed by REC `rec`: exits to the host if it traps that
  /// instruction; else a WFI waits for an IRQ and a WFE completes.
  [[nodiscard]] RealmReturn handle_wfx(Pa rec, bool wfe);

  /// HVC executed by REC `rec`: RMM 1.0 offers realms no hypervisor call, so it is undefined
  /// (kUndefined: the realm takes an Unknown exception; the host sees nothing).
  [[nodiscard]] RealmReturn handle_hvc(Pa rec);

  /// A stage-2 data abort of `access` on the PE running REC `rec`: kResume retries the access,
  /// kSea makes the realm take a synchronous external abort, kEmulated completes it with the
  /// host's emulation (a load's register value).
  [[nodiscard]] RealmReturn handle_abort(Pa rec, Ipa ipa, const abi::MemoryAccess& access, AbortKind kind);

 private:
  friend class RmmIntrospection;
  RmmContext* ctx_;  // at the start of the memory it was given
};

}  // namespace caec::rmm
