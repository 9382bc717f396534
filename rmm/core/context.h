// The RMM's global state, shared by every command handler. Per-realm and per-REC state lives
// in granules the host delegated (RD, REC); only what is truly global lives here.
#pragma once

#include <atomic>
#include <cstdint>
#include <new>

#include "rmm/core/el3_attestation.h"
#include "rmm/core/granule.h"
#include "rmm/port/platform.h"
#include "rmm/core/realm_descriptor.h"
#include "rmm/csm/realm_registry.h"
#include "rmm/port/rmm_check.h"
#include "rmm/core/vmid.h"

namespace caec::rmm {

struct RmmContext {
  /// `granule_storage`: room for an entry per granule of the platform's DRAM bank.
  RmmContext(Platform& p, std::span<Granule> granule_storage)
      : platform(p), granules(p.dram(), granule_storage), attestation(p) {}
  RmmContext(const RmmContext&) = delete;
  RmmContext& operator=(const RmmContext&) = delete;

  Platform& platform;
  GranuleTable granules;
  El3Attestation attestation;
  VmidAllocator vmids;
  /// Source of realm identifiers: monotonic from 1, never reused (csm-abi.md §1).
  std::atomic<std::uint64_t> next_rid{1};
  /// Source of CSM region identifiers: monotonic from 1, never reused.
  std::atomic<std::uint64_t> next_csm_id{1};
  /// Source of reservation serials (rmm/csm/apt.h): monotonic from 1, never reused.
  std::atomic<std::uint64_t> next_serial{1};
  /// Live realms by RID.
  RealmRegistry realms;
};

/// The realm descriptor inside a locked RD granule.
[[nodiscard]] inline RealmDescriptor& realm_of(RmmContext& rmm, LockedGranule& rd) {
  return granule_object<RealmDescriptor>(rmm.platform, rd, GranuleState::kRd);
}

}  // namespace caec::rmm
