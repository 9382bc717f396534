// RMI_REC_ENTER (rmm-1.0.md §1.4, §2.2): the world switch into a realm. The host's thread
// hands its PE to the REC and waits; the REC runs until it exits; the exit is written to the
// host's RmiRecRun.
#include <cstring>

#include "caec/abi/esr.h"
#include "rmm/core/rec_locks.h"
#include "rmm/rmi/rmi_conditions.h"
#include "rmm/rmi/rmi_handlers.h"

namespace caec::rmm {

namespace {

struct EnterCtx : RmiCtx<abi::rmi::RecEnter, 2> {
  static constexpr std::size_t kRecSlot = 0;
  static constexpr std::size_t kRdSlot = 1;

  abi::RmiRecEnter enter{};

  void lock_externals() {
    if (!ext.locked()) lock_rec_with_owner(rmm, ext, args.rec, {});
  }
  [[nodiscard]] Rec& rec() { return rec_of(rmm, *ext.at(kRecSlot)); }
  [[nodiscard]] RealmDescriptor& realm() { return realm_of(rmm, *ext.at(kRdSlot)); }
};
using E = EnterCtx;

/// Gicv3ConfigIsValid: only the allowed HCR bits; list registers without HW, valid vINTIDs,
/// no vINTID twice.
bool gic_config_valid(const abi::RmiRecEnter& e) {
  if ((e.gicv3_hcr & ~abi::gic::kHcrAllowed) != 0) return false;
  for (std::size_t i = 0; i < e.gicv3_lrs.size(); ++i) {
    const std::uint64_t lr = e.gicv3_lrs[i];
    if ((lr & abi::gic::kStateMask) == 0) continue;
    if ((lr & abi::gic::kHw) != 0) return false;
    const std::uint64_t vintid = lr & abi::gic::kVintidMask;
    if (vintid >= 1020 && vintid < 8192) return false;  // special and reserved INTIDs
    for (std::size_t j = 0; j < i; ++j) {
      const std::uint64_t other = e.gicv3_lrs[j];
      if ((other & abi::gic::kStateMask) != 0 && (other & abi::gic::kVintidMask) == vintid) {
        return false;
      }
    }
  }
  return true;
}

constexpr auto kConditions = concat(
    cond::ns_page<E, &E::Args::run, &E::enter>("run_align", "run_bound", "run_pas"),
    cond::granule<E, &E::Args::rec, E::kRecSlot, GranuleState::kRec>("rec_align", "rec_bound", "rec_gran_state"),
    std::to_array<RmiCondition<E>>({
    {"realm_new", abi::RmiStatus::kErrorRealm,
     [](E& c) { return c.realm().state == RealmState::kNew; }},
    {"system_off", abi::RmiStatus::kErrorRealm,
     [](E& c) { return c.realm().state == RealmState::kSystemOff; },
     [](const E&) { return std::uint8_t{1}; }},
    {"rec_state", abi::RmiStatus::kErrorRec,
     [](E& c) { return c.ext.at(E::kRecSlot)->refcount() != 0; }},
    {"rec_runnable", abi::RmiStatus::kErrorRec, [](E& c) { return !c.rec().runnable; }},
    // Emulated MMIO completes an emulatable data abort (ISV = 1), and nothing else.
    {"rec_mmio", abi::RmiStatus::kErrorRec,
     [](E& c) {
       return (c.enter.flags & abi::rec_enter_flags::kEmulMmio) != 0 && !c.rec().mmio_access.syndrome_valid;
     }},
    {"rec_gicv3", abi::RmiStatus::kErrorRec, [](E& c) { return !gic_config_valid(c.enter); }},
    {"rec_psci", abi::RmiStatus::kErrorRec, [](E& c) { return c.rec().psci != PsciPending::kNone; }},
}));
constexpr auto kInfo = describe(kConditions);

/// What the host gives the REC on entry.
void apply_entry(Rec& rec, const abi::RmiRecEnter& enter) {
  rec.trap_wfi = (enter.flags & abi::rec_enter_flags::kTrapWfi) != 0;
  rec.trap_wfe = (enter.flags & abi::rec_enter_flags::kTrapWfe) != 0;
  rec.gicv3_hcr = enter.gicv3_hcr;
  rec.gicv3_lrs = enter.gicv3_lrs;
  if (rec.host_call_pending) rec.entry_gprs = enter.gprs;
  if (rec.ripas_pending) {
    rec.ripas_reject = (enter.flags & abi::rec_enter_flags::kRipasResponseReject) != 0;
  }
  // inject_sea only answers a data abort at an unprotected IPA (and overrides emul_mmio: the
  // abort handler looks at it first).
  rec.inject_sea = rec.last_exit_unprotected_abort &&
                   (enter.flags & abi::rec_enter_flags::kInjectSea) != 0;
  rec.emul_mmio = (enter.flags & abi::rec_enter_flags::kEmulMmio) != 0;
  rec.emul_mmio_value = enter.gprs[0];
  rec.mmio_access = {};  // the next exit says whether there is an access to emulate
}

abi::RmiRecExit to_abi(RmmContext& rmm, const Rec& rec, Pa rec_pa) {
  abi::RmiRecExit x = rec.exit;
  // GIC, timer and PMU state are reported on every exit: the realm's EL1 timers and VMCR as
  // its PE left them (ISTATUS tells the host a timer fired), the maintenance status the GIC
  // derives from them, and no PMU overflow (the PEs have no PMU: RMI_PMU_OVERFLOW_NOT_ACTIVE).
  const abi::RealmSysregs pe = rmm.platform.realm_sysregs(rec_pa);
  x.cntv_ctl = pe.cntv_ctl;
  x.cntv_cval = pe.cntv_cval;
  x.cntp_ctl = pe.cntp_ctl;
  x.cntp_cval = pe.cntp_cval;
  x.gicv3_hcr = rec.gicv3_hcr;
  x.gicv3_lrs = rec.gicv3_lrs;
  x.gicv3_vmcr = pe.ich_vmcr;
  x.gicv3_misr = abi::gic::maintenance_status(rec.gicv3_hcr, rec.gicv3_lrs, pe.ich_vmcr);
  return x;
}

bool is_unprotected_abort(const Rec& rec, const RealmDescriptor& realm) {
  return rec.exit.exit_reason == static_cast<std::uint64_t>(abi::RmiRecExitReason::kSync) &&
         abi::esr::ec(rec.exit.esr) == abi::esr::kEcDataAbortLower &&
         !realm.is_protected(Ipa{abi::esr::ipa_from_hpfar(rec.exit.hpfar)});
}

}  // namespace

RmiResult rmi_rec_enter(RmmContext& rmm, const abi::rmi::RecEnter& args) {
  E c{{rmm, args}};
  if (auto f = first_failure(kConditions, c)) return *f;

  Rec& rec = c.rec();
  const RealmDescriptor realm = c.realm();
  if (rec.ended) {
    // Its code ran off its end (or died of an unhandled abort) and PSCI CPU_ON made it runnable
    // again: its old context is gone for good, so it starts afresh at `start` (the CPU_ON entry).
    rmm.platform.realm_release(c.args.rec);
    rec.ended = false;
  }
  const S2Config s2{realm.rtt_base, realm.rtt_level_start, realm.rtt_num_start, realm.ipa_width};
  apply_entry(rec, c.enter);
  rec.exit = RecExit{};
  c.ext.at(E::kRecSlot)->get();  // RUNNING
  c.ext = {};                      // no RMM lock is held while the realm runs

  if (!rmm.platform.realm_run(c.args.rec, realm.vmid, s2, rec.start)) {
    // The realm's code ran off its end: the REC is off for good.
    rec.ended = true;
    rec.runnable = false;
    rec.exit = exit_record(abi::RmiRecExitReason::kPsci);
    rec.exit.gprs[0] = static_cast<std::uint32_t>(abi::PsciFid::kCpuOff);
  }
  rec.started = true;
  rec.last_exit_unprotected_abort = is_unprotected_abort(rec, realm);

  const abi::RmiRecExit exit = to_abi(rmm, rec, c.args.rec);
  {
    LockedGranule g = rmm.granules.lock(c.args.rec, LockRequest::external());
    g.put();  // READY
  }
  if (!rmm.platform.ns_write(c.args.run + offsetof(abi::RmiRecRun, exit),
                             std::as_bytes(std::span(&exit, 1)))) {
    return abi::RmiReturn{abi::RmiStatus::kErrorInput, 0};
  }
  return RmiResult::success();
}
std::span<const RmiConditionInfo> rmi_rec_enter_conditions() { return kInfo; }

}  // namespace caec::rmm
