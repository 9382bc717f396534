// The ports through which the RMM reaches hardware — the same ones a real RMM has.
//
// The RMM never includes machine/ (it does not know it is emulated): platform/ implements this
// interface over the emulated machine, and a port to real hardware would implement it over
// slot buffers, TLBI instructions and SMCs to EL3.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "caec/abi/el3.h"
#include "caec/abi/types.h"

namespace caec::rmm {

/// The DRAM bank EL3 hands over in the boot manifest: the granules the RMM may track.
struct DramBank {
  Pa base;
  std::uint64_t num_granules = 0;
};

class Platform {
 public:
  virtual ~Platform() = default;

  [[nodiscard]] virtual DramBank dram() const = 0;

  /// RMM -> EL3 call (GTSI_DELEGATE / GTSI_UNDELEGATE take a PA).
  [[nodiscard]] virtual abi::El3Status el3_call(abi::El3Fid fid, Pa pa) = 0;

  /// The RMM's mapping of a granule it owns, through the Realm PAS (TF-RMM's slot buffer).
  [[nodiscard]] virtual std::byte* map_granule(Pa pa) = 0;

  /// Recoverable accesses to Non-secure memory; false means a Granule Protection Fault.
  [[nodiscard]] virtual bool ns_read(Pa pa, std::span<std::byte> out) = 0;
  [[nodiscard]] virtual bool ns_write(Pa pa, std::span<const std::byte> in) = 0;

  /// Stage-2 TLB maintenance; returns after completion (TLBI + DSB).
  virtual void tlbi_ipa(std::uint16_t vmid, Ipa base, std::uint64_t size) = 0;
  virtual void tlbi_vmid(std::uint16_t vmid) = 0;
};

}  // namespace caec::rmm
