// A snapshot of a whole booted system (machine, RMM, host, VMM) and putting it back, so that a
// fuzzer can run each input on the same system as it was after boot instead of booting one per
// input (fuzz/rmi_stream_fuzzer.cc; docs/hardening.md).
//
// Preconditions. Take it while no REC has a context (no realm thread exists: before the first REC_ENTER, or
// after every REC was released), with nothing running. restore() first destroys every REC
// context (the platform ends their realm threads), then puts back the RMM's granule table
// around the GPT (machine/snapshot.h, rmm/introspect/introspect.h), DRAM written since, EL3's state, the
// host's allocator and the VMM's records. The next REC_ENTER starts a fresh realm thread at the
// REC's entry point, as after a boot. A restored system is indistinguishable from the one the
// snapshot was taken of for anything that runs on it, with two exceptions callers must respect:
//  * the VMIDs: the RMM's allocator cannot be read cheaply, so restore() needs every VMID a
//    REALM_CREATE named since (note_vmid());
//  * realm threads torn down while parked inside a stage-2 fault handler leak what
//    realm::boot() allocated (docs/architecture.md, "Known limitations").
// restore() looks only at the granules that are in the Realm PAS now or held by the RMM at the
// snapshot: it relies on the RMM holding nothing outside the Realm PAS (inspect::pas_violations()
// empty), which the fuzzer checks before every restore.
#pragma once

#include <cstdint>
#include <set>
#include <vector>

#include "host/host.h"
#include "host/vmm.h"
#include "machine/snapshot.h"
#include "platform/emulated_platform.h"
#include "rmm/introspect/introspect.h"

namespace caec::testing {

class SystemSnapshot {
 public:
  SystemSnapshot(platform::System& system, host::Host& host, host::Vmm& vmm);

  /// A REALM_CREATE named `vmid` (successfully or not): restore() must look at it.
  void note_vmid(std::uint16_t vmid) { vmids_.insert(vmid); }
  /// The VMIDs noted since the last restore.
  [[nodiscard]] const std::set<std::uint16_t>& noted_vmids() const { return vmids_; }

  /// Puts everything back as it was when the snapshot was taken.
  void restore();

  [[nodiscard]] const machine::MachineSnapshot& machine() const { return machine_; }

  /// What the last restore() did.
  struct Stats {
    std::uint64_t pas_changed = 0;      // GPT entries put back
    std::uint64_t granules_moved = 0;   // RMM granule states rewound
    std::uint64_t granules_copied = 0;  // DRAM granules copied back
  };
  [[nodiscard]] const Stats& last_restore() const { return stats_; }

 private:
  platform::System& system_;
  host::Host& host_;
  host::Vmm& vmm_;
  rmm::RmmIntrospection rmm_;
  machine::MachineSnapshot machine_;
  rmm::RmmIntrospection::Snapshot rmm_state_;
  host::Host::State host_state_;
  host::Vmm::State vmm_state_;
  std::vector<std::uint64_t> held_;  // granules the RMM holds at the snapshot (any state but UNDELEGATED)
  std::set<std::uint16_t> vmids_;
  Stats stats_;
};

}  // namespace caec::testing
