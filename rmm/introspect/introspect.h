// Read-only view of RMM internals for tests and the emulator's debugging tools. It is a
// separate library (caec_rmm_introspect) that the RMM, host and realm code never link, so no
// production path can depend on state it could not see on hardware.
//
// One exception to "read-only": a snapshot of the RMM's global state and putting it back, for
// fuzzers that reset one booted machine between inputs instead of booting one per input
// (testing/system_snapshot.h). It goes through the RMM's own granule transitions, never around
// them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "caec/abi/rsi.h"
#include "caec/abi/types.h"
#include "rmm/core/granule.h"
#include "rmm/csm/apt.h"
#include "rmm/port/hash.h"
#include "rmm/core/realm_descriptor.h"
#include "rmm/rmi/rmi_command.h"
#include "rmm/rsi/rsi_command.h"
#include "rmm/runtime/rmm.h"

namespace caec::rmm {

class RmmIntrospection {
 public:
  explicit RmmIntrospection(Rmm& rmm) : rmm_(rmm) {}

  struct GranuleInfo {
    GranuleState state;
    std::uint32_t refcount;
  };
  [[nodiscard]] GranuleInfo granule(Pa pa) const;
  /// The realm descriptor of an RD granule, if `rd` is one.
  [[nodiscard]] std::optional<RealmDescriptor> realm(Pa rd) const;
  /// Every live realm (RID, RD): by default the registry's list of live realms, as the RMM's
  /// teardown sweep walks it; see enumerate_realms_by_rid().
  [[nodiscard]] std::vector<std::pair<Rid, Pa>> realms() const;
  /// realms() from then on looks up every RID issued so far instead of walking the registry's
  /// list: it sees what the RMM's own lookups see; an entry no lookup can reach would be
  /// missed, so a caller using it should check registry_consistent() now and then.
  void enumerate_realms_by_rid(bool on) { by_rid_ = on; }
  /// Whether the registry's list of live realms and lookups of every RID issued find the same
  /// realms, each once. "" if so, else what differs.
  [[nodiscard]] std::string registry_consistent() const;
  /// The registry's live list, walked as RealmRegistry::Walk does.
  [[nodiscard]] std::vector<std::pair<Rid, Pa>> registry_walk() const;
  /// Every ASSIGNED entry of a realm's RTTs (walking all its tables).
  struct Mapping {
    Ipa ipa;
    RttLevel level;
    Pa pa;
    abi::Ripas ripas;
    bool foreign;
    bool read_only;
  };
  [[nodiscard]] std::vector<Mapping> mappings(Pa rd) const;
  /// Those that overlap [base, base + size): only the tables covering the range are read.
  [[nodiscard]] std::vector<Mapping> mappings(Pa rd, Ipa base, std::uint64_t size) const;
  /// The ASSIGNED entry that translates `ipa` (it may be a block), if any.
  [[nodiscard]] std::optional<Mapping> mapping(Pa rd, Ipa ipa) const;
  /// Where a walk of realm `rd`'s tables for `ipa` stops: the level (3: a level-3 table holds
  /// its entry; -1 if `rd` is not an RD) and that entry. Reads the tables unlocked: quiescent
  /// use only.
  struct Leaf {
    RttLevel level{-1};
    bool assigned = false;
    abi::Ripas ripas = abi::Ripas::kEmpty;
  };
  [[nodiscard]] Leaf leaf(Pa rd, Ipa ipa) const;
  /// The used entries of a realm's APT.
  [[nodiscard]] std::vector<AptEntry> apt(Pa rd) const;
  /// The label of the last RSI failure condition REC `rec` hit ("" if none).
  [[nodiscard]] std::string_view last_rsi_failure(Pa rec) const;
  [[nodiscard]] static std::span<const RsiCommand> rsi_commands();
  /// Label of the failure condition that decided the last command on this thread.
  [[nodiscard]] static std::string_view last_failure();
  [[nodiscard]] static std::span<const RmiCommand> rmi_commands();

  // ---- Snapshot and restore (testing/system_snapshot.h) ----

  /// The RMM's global state: each granule's state and reference count, the identifier
  /// counters, the live realms and the VMIDs in use. The rest of the RMM's state (RDs, RECs,
  /// RTTs, APTs) is in DRAM, which the machine's snapshot keeps (machine/snapshot.h); the
  /// attestation key and platform token do not change after boot.
  struct Snapshot {
    std::vector<std::pair<GranuleState, std::uint32_t>> granules;  // by granule index
    std::uint64_t next_rid = 0;
    std::uint64_t next_csm_id = 0;
    std::uint64_t next_serial = 0;
    std::vector<std::pair<Rid, Pa>> realms;  // in RID order (the order they were added)
    std::vector<std::uint16_t> vmids;        // in use
  };
  /// Takes it. No command may run, and no REC may be running.
  [[nodiscard]] Snapshot snapshot() const;
  /// First half of a restore, while the GPT is still as the commands left it: every granule
  /// whose state or reference count differs from `s` goes back to DELEGATED (scrubbed, as the
  /// RMM always does), or on to UNDELEGATED if `s` has it there. Returns how many moved.
  std::uint64_t rewind_granules(const Snapshot& s);
  /// The same for the granules of `indices` only: the caller knows the others are as in `s`.
  std::uint64_t rewind_granules(const Snapshot& s, std::span<const std::uint64_t> indices);
  /// Second half, once the GPT is back as at the snapshot: granules to their state and count,
  /// counters, registry (the live realms are found by lookup: registry_consistent() must hold),
  /// VMIDs. `vmids` must name every VMID a REALM_CREATE may have reserved
  /// or released since (the allocator can only be read by taking each VMID in turn).
  void restore(const Snapshot& s, std::span<const std::uint16_t> vmids);
  /// Whether VMID `vmid` is in use (takes and gives it back if it is not).
  [[nodiscard]] bool vmid_in_use(std::uint16_t vmid) const;

 private:
  [[nodiscard]] std::vector<std::pair<Rid, Pa>> realms_by_rid() const;

  Rmm& rmm_;
  bool by_rid_ = false;
};

}  // namespace caec::rmm
