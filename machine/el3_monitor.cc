#include "machine/el3_monitor.h"

#include "caec/abi/csm.h"
#include "caec/abi/rmi.h"

#include <algorithm>
#include <cstring>

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

El3Monitor::El3Monitor(const PhysMem& mem, Gpt& gpt, const HostView& host_view, Mmu& mmu,
                       const RootOfTrust& root)
    : mem_(mem), gpt_(gpt), host_view_(host_view), mmu_(mmu), root_(root) {}

void El3Monitor::host_smc(abi::SmcRegs& regs) {
  if (is_rmi_fid(regs.fid()) && rmm_ != nullptr) {
    rmm_->rmi(regs);
    return;
  }
  const bool version = regs.fid() == abi::kSmcccVersionFid;
  regs = {};
  regs.x[0] = version ? abi::kSmcccVersion12 : abi::kSmcUnknown;
}

void El3Monitor::rmm_smc(abi::SmcRegs& regs) {
  abi::El3Status status = abi::El3Status::kUnknown;
  switch (static_cast<abi::El3Fid>(regs.fid())) {
    case abi::El3Fid::kGtsiDelegate: status = gtsi_delegate(Pa{regs.x[1]}); break;
    case abi::El3Fid::kGtsiUndelegate: status = gtsi_undelegate(Pa{regs.x[1]}); break;
    case abi::El3Fid::kGetRealmAttestKey: status = get_realm_attest_key(regs); break;
    case abi::El3Fid::kGetPlatToken: status = get_plat_token(regs); break;
    default: regs = {}; break;
  }
  regs.x[0] = static_cast<std::uint64_t>(status);
}

// The buffer argument is an offset into the shared buffer (its only legal value is 0).
abi::El3Status El3Monitor::get_realm_attest_key(abi::SmcRegs& regs) {
  const std::uint64_t buf = regs.x[1], size = regs.x[2], curve = regs.x[3];
  regs = {};
  if (curve != abi::kEl3EccSecp384r1) return abi::El3Status::kInval;
  if (buf != 0 || size > shared_.size()) return abi::El3Status::kBadAddr;
  const attest::Bytes key = root_.realm_attest_key();
  if (size < key.size()) return abi::El3Status::kNoMem;
  std::memcpy(shared_.data(), key.data(), key.size());
  regs.x[1] = key.size();
  return abi::El3Status::kOk;
}

abi::El3Status El3Monitor::get_plat_token(abi::SmcRegs& regs) {
  const std::uint64_t buf = regs.x[1], size = regs.x[2], hash_size = regs.x[3];
  regs = {};
  if (buf != 0 || size == 0 || size > shared_.size()) return abi::El3Status::kBadAddr;
  if (hash_size != 0) {
    // A new request: the challenge (the RAK's hash) is at the start of the buffer.
    if (hash_size != 32 && hash_size != 48 && hash_size != 64) return abi::El3Status::kInval;
    // SAFETY: the shared buffer holds plain bytes.
    const std::span challenge(reinterpret_cast<const std::uint8_t*>(shared_.data()), hash_size);
    plat_token_ = root_.platform_token(challenge);
    plat_token_sent_ = 0;
  } else if (plat_token_.empty()) {
    return abi::El3Status::kInval;  // "continue" without a request
  }
  const std::size_t n = std::min<std::size_t>(size, plat_token_.size() - plat_token_sent_);
  std::memcpy(shared_.data(), plat_token_.data() + plat_token_sent_, n);
  plat_token_sent_ += n;
  regs.x[1] = n;
  regs.x[2] = plat_token_.size() - plat_token_sent_;
  if (regs.x[2] == 0) plat_token_.clear();
  return abi::El3Status::kOk;
}

abi::El3Status El3Monitor::move(Pa pa, Pas from, Pas to) {
  if (!pa.is_granule_aligned() || !mem_.contains(pa)) return abi::El3Status::kBadAddr;
  if (!gpt_.transition(mem_.granule_index(pa), from, to)) return abi::El3Status::kBadPas;
  return abi::El3Status::kOk;
}

// The RMM touches a granule only after GTSI_DELEGATE returns (and scrubs it first), and the
// host touches one only after GTSI_UNDELEGATE returns, so the window follows the GPT here.
abi::El3Status El3Monitor::gtsi_delegate(Pa pa) {
  if (const auto injected = gtsi_faults_.check(abi::El3Fid::kGtsiDelegate, pa)) return *injected;
  const auto status = move(pa, Pas::kNonSecure, Pas::kRealm);
  if (status == abi::El3Status::kOk) {
    host_view_.revoke(pa);
    mmu_.invalidate_pa(pa);  // TLBI by PA: realms lose any NS mapping of it
  }
  return status;
}

abi::El3Status El3Monitor::gtsi_undelegate(Pa pa) {
  if (const auto injected = gtsi_faults_.check(abi::El3Fid::kGtsiUndelegate, pa)) return *injected;
  const auto status = move(pa, Pas::kRealm, Pas::kNonSecure);
  if (status == abi::El3Status::kOk) host_view_.restore(pa);
  return status;
}

}  // namespace caec::machine
