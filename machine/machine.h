// The emulated Arm CCA machine: DRAM, GPT, the host's NS window, EL3 and the TLB.
//
// It knows nothing of the RMM: the RMM is attached to EL3 at boot by platform/ and reaches the
// hardware through the ports a real RMM has (platform/emulated_platform.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "caec/abi/smc.h"
#include "caec/abi/types.h"
#include "machine/el3_monitor.h"
#include "machine/gpt.h"
#include "machine/host_view.h"
#include "machine/phys_mem.h"
#include "machine/mmu.h"
#include "machine/stage2.h"
#include "machine/vcpu.h"

namespace caec::machine {

struct MachineConfig {
  /// Where DRAM starts; not 0, so a PA is never confused with an offset.
  Pa dram_base{0x8000'0000};
  std::uint64_t dram_bytes = std::uint64_t{1} << 30U;
  /// Granules at the top of DRAM that boot firmware assigns to the Secure PAS (a TZ carve-out
  /// the host can see in its memory map but never delegate).
  std::uint64_t secure_granules = 16;
  /// Host mappings all realm windows may hold before one drops its TLB. Linux allows 65530
  /// per process, and each of these can cost two: itself and the gap of the window's
  /// reservation after it. 2 x 28,672 leaves about 8,000 for the rest (libraries, thread
  /// stacks, every window's reservation).
  std::uint64_t max_stage2_mappings = 28672;
  /// Host address space reserved for each half of a realm's IPA space (IPAs beyond it cannot
  /// be reached through pointers). Linux gives a process 128 TiB.
  std::uint64_t stage2_half_window = std::uint64_t{1} << 39U;
  /// The platform root of trust: attestation key and claims.
  PlatformIdentity identity{};
  /// Boot manifest option for the RMM: CCA tokens in the draft-ffm-00 form (tag 399) instead
  /// of the CMW collection (tag 907).
  bool legacy_token_format = false;
};

class Machine final : public AbortSink {
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
  [[nodiscard]] const RootOfTrust& root_of_trust() const { return root_; }
  [[nodiscard]] Mmu& mmu() { return mmu_; }

  /// Boot: the RMM image's R-EL2 vectors, the only way into it (nullptr at shutdown: RMI
  /// calls then answer SMC_UNKNOWN and realm traps do nothing). Installed before any REC runs.
  void install_el2_vectors(El2Vectors* vectors) {
    vectors_ = vectors;
    el3_.install_el2_vectors(vectors);
  }
  /// Boot: where a REC starts executing (the realm's boot firmware).
  void set_realm_boot(Vcpu::Entry boot) { realm_boot_ = std::move(boot); }
  /// A REC's execution context, translating through `vmid`'s stage 2.
  [[nodiscard]] std::unique_ptr<Vcpu> create_vcpu(Pa rec, Stage2& s2, const RecStart& start);

  /// The RMM's access to a granule through the Realm PAS. The GPC allows it only for granules
  /// in the Realm PAS; anything else is a fault the RMM must never take (it stops the machine).
  [[nodiscard]] std::byte* realm_pas_granule(Pa pa) const;

 private:
  friend class MachineSnapshot;
  MachineConfig config_;
  PhysMem mem_;
  Gpt gpt_;
  HostView host_view_;
  Mmu mmu_;
  RootOfTrust root_;
  El3Monitor el3_;
  El2Vectors* vectors_ = nullptr;
  Vcpu::Entry realm_boot_;

  bool stage2_abort(Stage2& s2, Ipa ipa, bool write, S2Outcome outcome) override;
};

}  // namespace caec::machine
