// A snapshot of the emulated machine, and putting it back: what a fuzzer needs to run thousands
// of inputs on one booted machine instead of booting one per input (fuzz/rmi_stream_fuzzer.cc,
// through testing/system_snapshot.h, which adds the RMM and the host).
//
// What is kept: DRAM (a copy of every granule), the GPT with its generation counts (and so the
// host view's protections), and EL3's own state (its shared buffer, the platform token being
// handed out, the SMC counter). TLB state is not kept: restoring drops every stage-2 context,
// as a machine that has just booted has none, and the next REC_ENTER configures a fresh one.
//
// Restoring DRAM costs only the granules written since: while a snapshot exists PhysMem tracks
// writes (phys_mem.h), and restore_memory() copies back the marked granules and clears the marks.
//
// Preconditions (not checked beyond what is cheap): nothing runs on the machine while a snapshot
// is taken or restored, and no Vcpu exists when restore_memory() runs (the platform destroys
// every REC context first: their realm threads may hold stage-2 windows). The GTSI fault plan
// is not part of the snapshot (it must not be armed).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "attest/token/ec_key.h"
#include "caec/abi/types.h"
#include "machine/el3_monitor.h"
#include "machine/machine.h"

namespace caec::machine {

class MachineSnapshot {
 public:
  /// Takes the snapshot and starts tracking writes.
  explicit MachineSnapshot(Machine& m);
  ~MachineSnapshot();  // stops tracking writes
  MachineSnapshot(const MachineSnapshot&) = delete;
  MachineSnapshot& operator=(const MachineSnapshot&) = delete;

  /// Puts every GPT entry back (PAS and generation) and the host view's protection with it.
  /// Returns how many entries had changed.
  std::uint64_t restore_pas();
  /// Puts back the DRAM granules written since the snapshot (or the last restore), drops every
  /// stage-2 context, and puts EL3's state back. Returns how many granules it copied.
  std::uint64_t restore_memory();

  /// Whether the granule at `pa` may have been written since the snapshot or the last restore.
  [[nodiscard]] bool written(Pa pa) const;
  /// The granule's contents at the snapshot.
  [[nodiscard]] const std::byte* saved(Pa pa) const;

 private:
  Machine& m_;
  std::unique_ptr<std::byte[]> dram_;
  std::vector<std::uint32_t> gpt_;
  El3Monitor::SharedBuffer el3_shared_{};
  attest::Bytes plat_token_;
  std::size_t plat_token_sent_ = 0;
  std::uint64_t invalidations_ = 0;
};

}  // namespace caec::machine
