// The EL3 monitor: routes SMCs between worlds and owns the GPT.
//
// The host's SMCs in the RMI ranges are forwarded to the RMM (R-EL2); the RMM's SMCs in the
// RMM-EL3 range are served here. GTSI_DELEGATE / GTSI_UNDELEGATE are the only way a granule's
// PAS ever changes (rmm-1.0.md §6).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "caec/abi/el3.h"
#include "caec/abi/smc.h"
#include "caec/abi/types.h"
#include "machine/el2_vectors.h"
#include "machine/gpt.h"
#include "machine/gtsi_fault_plan.h"
#include "machine/host_view.h"
#include "machine/mmu.h"
#include "machine/phys_mem.h"
#include "machine/root_of_trust.h"

namespace caec::machine {

class El3Monitor {
 public:
  /// The buffer EL3 and the RMM exchange attestation data through (TF-RMM's per-CPU shared
  /// buffer; one suffices because the RMM uses it only while it boots).
  using SharedBuffer = std::array<std::byte, kGranuleSize>;

  El3Monitor(const PhysMem& mem, Gpt& gpt, const HostView& host_view, Mmu& mmu,
             const RootOfTrust& root);

  /// Boot: the RMM image's vectors (Machine::install_el2_vectors). Until they are installed,
  /// RMI calls answer SMC_UNKNOWN.
  void install_el2_vectors(El2Vectors* vectors) { rmm_ = vectors; }

  /// An SMC issued by the Non-secure world (the hypervisor).
  void host_smc(abi::SmcRegs& regs);
  /// An SMC issued by the RMM to EL3.
  void rmm_smc(abi::SmcRegs& regs);

  [[nodiscard]] abi::El3Status gtsi_delegate(Pa pa);
  [[nodiscard]] abi::El3Status gtsi_undelegate(Pa pa);

  /// Error injection for the GTSI calls (tests of how the RMM and the host cope with firmware
  /// that refuses a delegation); empty unless a test arms it.
  [[nodiscard]] GtsiFaultPlan& gtsi_faults() { return gtsi_faults_; }

  [[nodiscard]] SharedBuffer& rmm_shared_buffer() { return shared_; }

 private:
  [[nodiscard]] abi::El3Status move(Pa pa, Pas from, Pas to);
  /// SMC_RMM_GET_REALM_ATTEST_KEY(buf, size, curve) -> key size.
  [[nodiscard]] abi::El3Status get_realm_attest_key(abi::SmcRegs& regs);
  /// SMC_RMM_GET_PLAT_TOKEN(buf, size, hash size) -> chunk size, bytes remaining.
  [[nodiscard]] abi::El3Status get_plat_token(abi::SmcRegs& regs);

  const PhysMem& mem_;
  Gpt& gpt_;
  const HostView& host_view_;
  Mmu& mmu_;
  const RootOfTrust& root_;
  El2Vectors* rmm_ = nullptr;
  GtsiFaultPlan gtsi_faults_;
  SharedBuffer shared_{};
  // The platform token being handed out in chunks, and how much of it the RMM has.
  attest::Bytes plat_token_;
  std::size_t plat_token_sent_ = 0;
  friend class MachineSnapshot;
};

/// True for FIDs the EL3 monitor forwards from the host to the RMM.
[[nodiscard]] bool is_rmi_fid(std::uint32_t fid);

}  // namespace caec::machine
