// The ports through which the RMM reaches hardware — the same ones a real RMM has.
//
// The RMM never includes machine/ (it does not know it is emulated): platform/ implements this
// interface over the emulated machine, and a port to real hardware would implement it over
// slot buffers, TLBI instructions and SMCs to EL3.
#pragma once

#include <cstddef>
#include <array>
#include <cstdint>
#include <span>

#include "caec/abi/el3.h"
#include "caec/abi/pe_state.h"
#include "caec/abi/smc.h"
#include "caec/abi/types.h"

namespace caec::rmm {

/// What the RMM programs before it runs one of a realm's RECs, and where that REC starts.
using abi::S2Config;
using abi::RecStart;
using abi::Vmid;

/// How R-EL2 code that ran on a realm's PE (an RSI call, a WFI, a stage-2 abort) hands the PE
/// back. The RMM never unwinds its own frames (no exceptions, no longjmp through them): it
/// returns one of these, and the context-switch code acts on it.
struct RealmReturn {
  enum class Kind : std::uint8_t {
    kResume,     // return to the realm (after the SMC, or retry the faulting access)
    kSea,        // stage-2 abort only: the realm takes a synchronous external abort
    kDestroyed,  // the REC was destroyed while it waited at an exit: drop its context
    kRestart,    // PSCI CPU_ON of a REC that had turned off: start over at `start`
    kEmulated,   // stage-2 abort only: the host emulated the access; a load's register gets
                 // `value`, and the realm continues after the access
    kUndefined,  // the instruction is undefined for the realm: it takes an Unknown exception
  };
  Kind kind = Kind::kResume;
  RecStart start{};
  std::uint64_t value = 0;
};

/// The DRAM bank EL3 hands over in the boot manifest: the granules the RMM may track.
struct DramBank {
  Pa base;
  std::uint64_t num_granules = 0;
};

/// The rest of the boot manifest EL3 hands over.
struct BootOptions {
  /// Emit CCA tokens as the draft-ffm-00 tag-399 collection instead of the tag-907 CMW one.
  bool legacy_token_format = false;
};

class Platform {
 public:
  virtual ~Platform() = default;

  [[nodiscard]] virtual DramBank dram() const = 0;

  [[nodiscard]] virtual BootOptions boot_options() const = 0;

  /// RMM -> EL3 call (GTSI_DELEGATE / GTSI_UNDELEGATE take a PA).
  [[nodiscard]] virtual abi::El3Status el3_call(abi::El3Fid fid, Pa pa) = 0;
  /// RMM -> EL3 call with full registers (the attestation calls); X0 is the status on return.
  virtual void el3_smc(abi::SmcRegs& regs) = 0;
  /// The buffer shared with EL3 for the attestation calls (their buffer argument 0 is its
  /// start).
  [[nodiscard]] virtual std::span<std::byte> el3_shared_buffer() = 0;

  /// The RMM's mapping of a granule it owns, through the Realm PAS (TF-RMM's slot buffer).
  [[nodiscard]] virtual std::byte* map_granule(Pa pa) = 0;

  /// Recoverable accesses to Non-secure memory; false means a Granule Protection Fault.
  [[nodiscard]] virtual bool ns_read(Pa pa, std::span<std::byte> out) = 0;
  [[nodiscard]] virtual bool ns_write(Pa pa, std::span<const std::byte> in) = 0;

  /// Stage-2 TLB maintenance; returns after completion (TLBI + DSB).
  virtual void tlbi_ipa(Vmid vmid, Ipa base, std::uint64_t size) = 0;
  virtual void tlbi_vmid(Vmid vmid) = 0;

  // ---- World switch (the RMM's context-switch code on a real PE) ----
  /// Runs REC `rec` (of realm `vmid`, translated by `s2`) on this PE until R-EL2 code on the
  /// realm side calls realm_yield(). `start` is used when the REC has no context yet. Returns
  /// false if the realm context ended without making an exit (it ran off its code).
  [[nodiscard]] virtual bool realm_run(Pa rec, Vmid vmid, const S2Config& s2,
                                       const RecStart& start) = 0;
  /// On the realm side: make the REC exit; returns true when it is entered again, false when
  /// its context was destroyed meanwhile (the caller then returns, see RealmReturn).
  [[nodiscard]] virtual bool realm_yield() = 0;
  /// On the realm side: consume a pending physical IRQ for this PE.
  [[nodiscard]] virtual bool realm_take_irq() = 0;
  /// On the realm side: sleep until a physical IRQ (untrapped WFI).
  virtual void realm_wait_for_irq() = 0;
  /// REC `rec`'s registers R-EL2 saves at a REC exit (EL1 timers, ICH_VMCR_EL2) as its PE
  /// holds them (all zero before its first run). Called while the REC is not running.
  [[nodiscard]] virtual abi::RealmSysregs realm_sysregs(Pa rec) = 0;
  /// Destroys REC `rec`'s context (REC_DESTROY).
  virtual void realm_release(Pa rec) = 0;
  /// Drops realm `vmid`'s translation context (REALM_DESTROY).
  virtual void s2_release(Vmid vmid) = 0;
};

}  // namespace caec::rmm
