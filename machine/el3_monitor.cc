#include "machine/el3_monitor.h"

#include "caec/abi/csm.h"
#include "caec/abi/rmi.h"

namespace caec::machine {

bool is_rmi_fid(std::uint32_t fid) {
  const std::uint32_t f = fid & ~abi::kSmcSveHint;
  const std::uint32_t fnum = f & 0xFFFFU;
  const std::uint32_t base = f & 0xFFFF0000U;
  const bool arm_rmi = base == abi::smc64_fast_fid(abi::kOwnerStandardSecure, 0) &&
                       fnum >= abi::kRmiFnumFirst && fnum <= abi::kRmiFnumLast;
  const bool caec_rmi = base == abi::smc64_fast_fid(abi::kOwnerVendorSecure, 0) &&
                        fnum >= abi::kRmiFnumFirst && fnum <= abi::kRmiFnumLast;
  return arm_rmi || caec_rmi;
}

El3Monitor::El3Monitor(const PhysMem& mem, Gpt& gpt, const HostView& host_view, Mmu& mmu)
    : mem_(mem), gpt_(gpt), host_view_(host_view), mmu_(mmu) {}

void El3Monitor::host_smc(abi::SmcRegs& regs) {
  host_smcs_.fetch_add(1, std::memory_order_relaxed);
  if (is_rmi_fid(regs.fid()) && rmm_entry_) {
    rmm_entry_(regs);
    return;
  }
  regs = {};
  regs.x[0] = abi::kSmcUnknown;
}

void El3Monitor::rmm_smc(abi::SmcRegs& regs) {
  abi::El3Status status = abi::El3Status::kUnknown;
  switch (static_cast<abi::El3Fid>(regs.fid())) {
    case abi::El3Fid::kGtsiDelegate: status = gtsi_delegate(Pa{regs.x[1]}); break;
    case abi::El3Fid::kGtsiUndelegate: status = gtsi_undelegate(Pa{regs.x[1]}); break;
    default: break;
  }
  regs = {};
  regs.x[0] = static_cast<std::uint64_t>(status);
}

abi::El3Status El3Monitor::move(Pa pa, Pas from, Pas to) {
  if (!pa.is_granule_aligned() || !mem_.contains(pa)) return abi::El3Status::kBadAddr;
  if (!gpt_.transition(mem_.granule_index(pa), from, to)) return abi::El3Status::kBadPas;
  return abi::El3Status::kOk;
}

// The RMM touches a granule only after GTSI_DELEGATE returns (and scrubs it first), and the
// host touches one only after GTSI_UNDELEGATE returns, so the window follows the GPT here.
abi::El3Status El3Monitor::gtsi_delegate(Pa pa) {
  const auto status = move(pa, Pas::kNonSecure, Pas::kRealm);
  if (status == abi::El3Status::kOk) {
    host_view_.revoke(pa);
    mmu_.invalidate_pa(pa);  // TLBI by PA: realms lose any NS mapping of it
  }
  return status;
}

abi::El3Status El3Monitor::gtsi_undelegate(Pa pa) {
  const auto status = move(pa, Pas::kRealm, Pas::kNonSecure);
  if (status == abi::El3Status::kOk) host_view_.restore(pa);
  return status;
}

}  // namespace caec::machine
