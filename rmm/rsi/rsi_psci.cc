// PSCI for realms (rmm-1.0.md §2.3): VERSION and FEATURES are answered here; the others are
// forwarded to the host as RMI_EXIT_PSCI; CPU_ON and AFFINITY_INFO wait for
// RMI_PSCI_COMPLETE before the caller can run again.
#include <optional>

#include "rmm/runtime/realm_exit.h"
#include "rmm/rsi/rsi_command.h"

namespace caec::rmm {

namespace {

using abi::PsciStatus;

std::int64_t code(PsciStatus s) { return static_cast<std::int64_t>(s); }

/// Forwards the call to the host (X0 = the FID as called, X1..X3 = its arguments) and waits to
/// be entered again.
template <class View>
[[nodiscard]] Reentry forward(RsiCall<View>& c) {
  static_assert(abi::kNumRegs<View> <= 3, "RMI_EXIT_PSCI carries three arguments");
  abi::SmcRegs regs;
  abi::encode(c.args, regs);
  RecExit exit = exit_record(abi::RmiRecExitReason::kPsci);
  exit.gprs[0] = c.fid;
  for (std::size_t i = 1; i <= 3; ++i) exit.gprs[i] = regs.x[i];
  return rec_exit(c.rmm, c.rec, exit);
}

/// The index of an MPIDR naming one of this realm's RECs, if it does.
std::optional<std::uint64_t> rec_index_of(RsiCtx& c, std::uint64_t mpidr) {
  if ((mpidr & ~abi::kMpidrValidMask) != 0) return std::nullopt;
  const std::uint64_t index = abi::rec_index_from_mpidr(mpidr);
  const std::uint64_t recs = c.with_realm([](RealmDescriptor& r) { return r.rec_index; });
  if (index >= recs) return std::nullopt;
  return index;
}

}  // namespace

RsiResult smccc_version(RsiCall<abi::psci::SmcccVersion>&) { return RsiResult::psci(static_cast<std::int64_t>(abi::kSmcccVersion12)); }

RsiResult psci_version(RsiCall<abi::psci::Version>&) { return RsiResult::psci(static_cast<std::int64_t>(abi::kPsciVersion11)); }

RsiResult psci_features(RsiCall<abi::psci::Features>& c) {
  const auto* cmd = find_rsi_command(static_cast<std::uint32_t>(c.args.fid));
  const bool psci = cmd != nullptr && (cmd->family == CommandFamily::kPsci || cmd->family == CommandFamily::kSmccc);
  return RsiResult::psci(psci ? code(PsciStatus::kSuccess) : code(PsciStatus::kNotSupported));
}

RsiResult psci_cpu_suspend(RsiCall<abi::psci::CpuSuspend>& c) {
  return RsiResult::after(forward(c), RsiResult::psci(code(PsciStatus::kSuccess)));
}

RsiResult psci_cpu_off(RsiCall<abi::psci::CpuOff>& c) {
  c.rec.runnable = false;
  if (forward(c) == Reentry::kDestroyed) return RsiResult::destroyed();
  // Entered again only after a CPU_ON made this REC runnable: start over where it said.
  RsiResult r = RsiResult::success();
  r.pe = RealmReturn::Kind::kRestart;
  return r;
}

RsiResult psci_cpu_on(RsiCall<abi::psci::CpuOn>& c) {
  const std::uint64_t target = c.args.target_cpu;
  const Ipa entry = c.args.entry;
  if (!c.with_realm([&](RealmDescriptor& r) { return r.is_protected(entry); })) {
    return RsiResult::psci(code(PsciStatus::kInvalidAddress));
  }
  const auto index = rec_index_of(c, target);
  if (!index) return RsiResult::psci(code(PsciStatus::kInvalidParams));
  if (*index == c.rec.index) return RsiResult::psci(code(PsciStatus::kAlreadyOn));
  c.rec.psci = PsciPending::kCpuOn;
  c.rec.psci_target_mpidr = target;
  c.rec.psci_entry = entry.value();
  c.rec.psci_context = c.args.context;
  if (forward(c) == Reentry::kDestroyed) return RsiResult::destroyed();
  return RsiResult::psci(static_cast<std::int64_t>(c.rec.psci_result));
}

RsiResult psci_affinity_info(RsiCall<abi::psci::AffinityInfo>& c) {
  const std::uint64_t target = c.args.target_affinity;
  if (c.args.lowest_level != 0) return RsiResult::psci(code(PsciStatus::kInvalidParams));
  const auto index = rec_index_of(c, target);
  if (!index) return RsiResult::psci(code(PsciStatus::kInvalidParams));
  if (*index == c.rec.index) return RsiResult::psci(0);  // ON
  c.rec.psci = PsciPending::kAffinityInfo;
  c.rec.psci_target_mpidr = target;
  if (forward(c) == Reentry::kDestroyed) return RsiResult::destroyed();
  return RsiResult::psci(static_cast<std::int64_t>(c.rec.psci_result));
}

namespace {
template <class View>
RsiResult system_off(RsiCall<View>& c) {
  c.with_realm([](RealmDescriptor& r) { r.state = RealmState::kSystemOff; });
  // REC_ENTER refuses every REC of a SYSTEM_OFF realm: it is never entered again, only
  // destroyed.
  RMM_CHECK(forward(c) == Reentry::kDestroyed);
  return RsiResult::destroyed();
}
}  // namespace

RsiResult psci_system_off(RsiCall<abi::psci::SystemOff>& c) { return system_off(c); }
RsiResult psci_system_reset(RsiCall<abi::psci::SystemReset>& c) { return system_off(c); }

}  // namespace caec::rmm
