// The register images that cross the seam between the RMM and the PE it runs realms on: what
// R-EL2 programs into VTTBR_EL2/VTCR_EL2 before it enters a REC, the class of a stage-2 fault
// the PE reports to it, and the registers a REC starts with. Architecture, not emulator: the RMM writes them and the machine's PE reads them, so
// both name these one definitions (the RMM still never includes machine/).
#pragma once

#include <array>
#include <cstdint>

#include "caec/abi/types.h"

namespace caec::abi {

/// VTTBR_EL2.VMID: which realm's translations the TLB holds (unique among live realms).
enum class Vmid : std::uint16_t {};

/// VTTBR/VTCR of a realm: the base of its starting-level tables, the starting level, how many
/// concatenated tables it starts with, and the IPA width (T0SZ).
struct S2Config {
  Pa rtt_base;
  RttLevel start_level;
  std::uint32_t num_start = 1;
  unsigned ipa_width = 40;
  bool operator==(const S2Config&) const = default;
};

/// Why a stage-2 access failed: what the PE reports to R-EL2 (the fault status code's class).
enum class S2Fault : std::uint8_t {
  kNone,
  kTranslation,  // no valid descriptor at the level reached
  kPermission,   // valid, but the access is not permitted
  kAddressSize,  // beyond the IPA space
  kGpf,          // the output (or a table) failed the granule protection check
};

/// Register state a REC starts executing with: from RmiRecParams, or from PSCI CPU_ON.
struct RecStart {
  std::uint64_t pc = 0;
  std::array<std::uint64_t, 8> gprs{};
  std::uint64_t index = 0;  // the REC's index (from its MPIDR)
};

}  // namespace caec::abi
