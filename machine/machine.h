// The emulated Arm CCA machine: DRAM, GPT, the host's NS window, EL3 and the TLB.
//
// It knows nothing of the RMM: the RMM is attached to EL3 at boot by platform/ and reaches the
// hardware through the ports a real RMM has (platform/emulated_platform.h).
#pragma once

#include <cstdint>

#include "caec/abi/types.h"
#include "machine/el3_monitor.h"
#include "machine/gpt.h"
#include "machine/host_view.h"
#include "machine/phys_mem.h"
#include "machine/tlb.h"

namespace caec::machine {

struct MachineConfig {
  /// Where DRAM starts; not 0, so a PA is never confused with an offset.
  Pa dram_base{0x8000'0000};
  std::uint64_t dram_bytes = std::uint64_t{1} << 30U;
  /// Granules at the top of DRAM that boot firmware assigns to the Secure PAS (a TZ carve-out
  /// the host can see in its memory map but never delegate).
  std::uint64_t secure_granules = 16;
};

class Machine {
 public:
  explicit Machine(const MachineConfig& config = {});
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  [[nodiscard]] const MachineConfig& config() const { return config_; }
  [[nodiscard]] const PhysMem& memory() const { return mem_; }
  [[nodiscard]] const Gpt& gpt() const { return gpt_; }
  [[nodiscard]] Pas pas(Pa pa) const { return gpt_.pas(mem_.granule_index(pa)); }
  [[nodiscard]] const HostView& host_view() const { return host_view_; }
  [[nodiscard]] El3Monitor& el3() { return el3_; }
  [[nodiscard]] Tlb& tlb() { return tlb_; }

  /// The RMM's access to a granule through the Realm PAS. The GPC allows it only for granules
  /// in the Realm PAS; anything else is a fault the RMM must never take (it stops the machine).
  [[nodiscard]] std::byte* realm_pas_granule(Pa pa) const;

 private:
  MachineConfig config_;
  PhysMem mem_;
  Gpt gpt_;
  HostView host_view_;
  El3Monitor el3_;
  Tlb tlb_;
};

}  // namespace caec::machine
