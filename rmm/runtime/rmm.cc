#include "rmm/runtime/rmm.h"

#include <cstdint>
#include <new>

#include "rmm/core/context.h"
#include "caec/abi/esr.h"
#include "rmm/runtime/diag.h"
#include "rmm/runtime/realm_exit.h"
#include "rmm/rmi/rmi_command.h"
#include "rmm/rsi/rsi_command.h"

namespace caec::rmm {

namespace {

/// Where the granule table starts in the RMM's memory: after the context, aligned.
constexpr std::size_t granules_offset() {
  return (sizeof(RmmContext) + alignof(Granule) - 1) / alignof(Granule) * alignof(Granule);
}

RmmContext* boot(Platform& platform, std::span<std::byte> memory) {
  const DramBank bank = platform.dram();
  RMM_CHECK(memory.size() >= Rmm::memory_needed(bank));
  RMM_CHECK(reinterpret_cast<std::uintptr_t>(memory.data()) % alignof(RmmContext) == 0);
  // SAFETY: the memory is the RMM's, large enough and aligned (checked above); Granule is
  // constructed in place by the table.
  auto* granules = reinterpret_cast<Granule*>(memory.data() + granules_offset());
  return new (memory.data()) RmmContext(platform, {granules, bank.num_granules});
}

}  // namespace

std::size_t Rmm::memory_needed(DramBank bank) {
  return granules_offset() + bank.num_granules * sizeof(Granule);
}

Rmm::Rmm(Platform& platform, std::span<std::byte> memory) : ctx_(boot(platform, memory)) {}
Rmm::~Rmm() { ctx_->~RmmContext(); }

void Rmm::handle_rmi(abi::SmcRegs& regs) {
  const RmiCommand* cmd = find_rmi_command(regs.fid());
  if (cmd == nullptr) {
    regs = {};
    regs.x[0] = abi::kSmcUnknown;
    return;
  }
  const RmiResult r = cmd->handler(*ctx_, regs);
  // Outputs the command does not define are zero (SMCCC: unused results MBZ).
  regs = {};
  regs.x[0] = r.ret.pack();
  for (std::size_t i = 0; i < cmd->num_results; ++i) regs.x[1 + i] = r.out[i];
}

namespace {

RealmReturn after(Reentry r) {
  return {r == Reentry::kDestroyed ? RealmReturn::Kind::kDestroyed : RealmReturn::Kind::kResume};
}

}  // namespace

RealmReturn Rmm::handle_wfx(Pa rec_pa, bool wfe) {
  Rec& rec = running_rec(*ctx_, rec_pa);
  if (wfe ? rec.trap_wfe : rec.trap_wfi) {
    RecExit wfx = exit_record(abi::RmiRecExitReason::kSync);
    wfx.esr = abi::esr::make(abi::esr::kEcWfx, wfe ? abi::esr::kWfxTiWfe : 0U);
    return after(rec_exit(*ctx_, rec, wfx));
  }
  // An untrapped WFE completes: no event register is modelled, and WFE may complete anyway.
  if (wfe) return {};
  // An untrapped WFI: the PE sleeps until a physical interrupt, which is then a REC exit.
  ctx_->platform.realm_wait_for_irq();
  return after(take_pending_irq(*ctx_, rec));
}

RealmReturn Rmm::handle_hvc(Pa /*rec*/) { return {RealmReturn::Kind::kUndefined}; }

RealmReturn Rmm::handle_rsi(Pa rec_pa, abi::SmcRegs& regs) {
  Rec& rec = running_rec(*ctx_, rec_pa);
  // A physical IRQ taken before the SMC: exit first; the SMC runs once the REC is re-entered.
  if (take_pending_irq(*ctx_, rec) == Reentry::kDestroyed) return {RealmReturn::Kind::kDestroyed};
  const RsiCommand* cmd = find_rsi_command(regs.fid());
  if (cmd == nullptr) {
    regs = {};
    regs.x[0] = abi::kSmcUnknown;  // SMCCC_NOT_SUPPORTED
    return {};
  }
  RsiCtx c{*ctx_, rec_pa, rec, regs.fid() & ~abi::kSmcSveHint};
  diag::record_failure({});  // a handler that fails outside its condition list leaves no label
  const RsiResult r = cmd->handler(c, regs);
  if (r.pe != RealmReturn::Kind::kResume) {
    return {r.pe, r.pe == RealmReturn::Kind::kRestart ? rec.start : RecStart{}};
  }
  if (const auto label = diag::last_failure(); r.x0 != 0 && !label.empty()) {
    rec.last_rsi_failure = label.data();  // labels are string literals
  }
  abi::SmcRegs out;
  out.x[0] = r.x0;
  for (std::size_t i = 0; i < cmd->num_results; ++i) out.x[1 + i] = r.out[i];
  regs = out;
  return {};
}

}  // namespace caec::rmm
