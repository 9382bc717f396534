// The REC: a realm's virtual CPU (rmm-1.0.md §3.3), stored inside its REC granule.
//
// While a REC runs, only its own PE touches this state: REC_ENTER hands the PE to the realm
// and waits, and the realm side hands it back with an exit, so no lock is held across a run.
#pragma once

#include <array>
#include <cstdint>
#include <new>
#include <type_traits>

#include "caec/abi/pe_state.h"
#include "caec/abi/rmi.h"
#include "caec/abi/rsi.h"
#include "caec/abi/types.h"
#include "rmm/core/context.h"

namespace caec::rmm {

/// What the RMM reports at a REC exit, kept in the ABI's own layout so that the record is
/// defined once: REC_ENTER copies it to the host's run page and adds the GIC state then.
using RecExit = abi::RmiRecExit;
/// An exit record for `reason`, every other field zero.
[[nodiscard]] inline RecExit exit_record(abi::RmiRecExitReason reason) {
  RecExit e{};
  e.exit_reason = static_cast<std::uint64_t>(reason);
  return e;
}

enum class PsciPending : std::uint8_t { kNone, kCpuOn, kAffinityInfo };

struct Rec {
  Pa owner;                  // the RD
  std::uint64_t index;
  std::uint64_t mpidr;
  bool runnable;
  bool started;              // has a realm context (first REC_ENTER happened)
  bool ended;                // the realm context ran off its code
  RecStart start;            // where it starts (params, or PSCI CPU_ON)

  // PSCI request forwarded to the host, awaiting RMI_PSCI_COMPLETE.
  PsciPending psci;
  std::uint64_t psci_target_mpidr;
  std::uint64_t psci_entry;
  std::uint64_t psci_context;
  std::uint64_t psci_result;  // X0 the realm sees once the request completes

  // RSI_HOST_CALL in progress: where the RsiHostCall lives; results from the host's entry.
  bool host_call_pending;
  Ipa host_call_ipa;
  std::array<std::uint64_t, 31> entry_gprs;

  // RSI_IPA_STATE_SET in progress.
  bool ripas_pending;
  Ipa ripas_addr;
  Ipa ripas_top;
  abi::Ripas ripas_value;
  bool ripas_destroyed;      // the realm allows changing DESTROYED entries
  bool ripas_reject;         // the host's response on the last entry

  // The last exit was a data abort at an unprotected IPA (the host may inject an SEA).
  bool last_exit_unprotected_abort;
  bool inject_sea;
  // The last exit was an emulatable data abort of this access (syndrome_valid), which the host
  // may complete with REC_ENTER's emul_mmio and, for a load, the value in enter.gprs[0].
  abi::MemoryAccess mmio_access;
  bool emul_mmio;
  std::uint64_t emul_mmio_value;
  bool trap_wfi;
  bool trap_wfe;

  // Virtual interrupts: the host's list registers from the last entry.
  std::uint64_t gicv3_hcr;
  std::array<std::uint64_t, abi::kNumGicLrs> gicv3_lrs;

  // RSI_ATTESTATION_TOKEN_INIT/CONTINUE: the realm claims (after INIT) and then the whole CCA
  // token (once signed) live in the aux granules (rmm/rsi/token_buffer.h).
  bool attest_in_progress;
  bool token_signed;
  bool token_failed;           // the token cannot be produced (RSI_ERROR_UNKNOWN)
  std::uint32_t token_size;    // bytes in the aux buffer
  std::uint32_t token_copied;  // bytes of the signed token already given to the realm

  RecExit exit;
  /// Diagnostics: the label of the last RSI failure condition this REC hit (a string literal).
  const char* last_rsi_failure;
  std::uint32_t num_aux;
  std::array<Pa, abi::kMaxRecAux> aux;
};
static_assert(std::is_trivially_copyable_v<Rec>);
static_assert(sizeof(Rec) <= kGranuleSize);

/// The REC state inside a REC granule the caller holds locked.
[[nodiscard]] inline Rec& rec_of(RmmContext& rmm, const LockedGranule& rec) {
  return granule_object<Rec>(rmm.platform, rec, GranuleState::kRec);
}
/// The REC state of the REC this PE is running (REC_ENTER holds it: no other user, see above).
[[nodiscard]] inline Rec& running_rec(RmmContext& rmm, Pa rec) { return granule_object<Rec>(rmm.platform, rec); }

}  // namespace caec::rmm
