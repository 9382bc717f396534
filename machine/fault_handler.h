// Memory faults of the emulated machine.
//
// Real hardware raises a synchronous exception when an access fails its granule protection
// check; here the host's window maps only Non-secure granules, so such an access is a SIGSEGV.
// One process-wide handler turns it into what the hardware would do:
//  * inside a recoverable copy (TF-RMM's "recoverable load/store" for NS memory) the copy
//    returns a typed Granule Protection Fault instead of crashing;
//  * otherwise a registered fault region (e.g. a realm's stage-2 window) may resolve it;
//  * anything else is a fatal, named fault.
#pragma once

#include <cstddef>
#include <cstdint>

namespace caec::machine {

/// A region of host virtual addresses whose faults are resolved by `resolve`. The handler runs
/// in signal context: it may only do async-signal-safe work (mmap is fine).
struct FaultRegion {
  std::uintptr_t begin = 0;
  std::uintptr_t end = 0;
  /// Returns true when the access may be retried.
  bool (*resolve)(void* ctx, std::uintptr_t addr, bool is_write) = nullptr;
  void* ctx = nullptr;
  const char* name = "";
};

/// Installs the process-wide handler (idempotent).
void install_fault_handler();

/// Registers a region; returns a slot id for unregister_fault_region. At most kMaxFaultRegions:
/// every realm's stage-2 window takes two (one per IPA half), and machines hold hundreds of
/// realms (a scenario up to 1024, docs/scenarios.md). The handler scans only up to the highest
/// slot in use, so a machine with few realms pays nothing for the room.
inline constexpr std::size_t kMaxFaultRegions = 4096;
[[nodiscard]] std::size_t register_fault_region(const FaultRegion& region);
void unregister_fault_region(std::size_t slot);

/// Copies `n` bytes; returns false (having copied an unspecified prefix) if an access faulted.
[[nodiscard]] bool recoverable_copy(void* dst, const void* src, std::size_t n);

}  // namespace caec::machine
