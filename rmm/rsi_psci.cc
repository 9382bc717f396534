// PSCI for realms (rmm-1.0.md §2.3): VERSION and FEATURES are answered here; the others are
// forwarded to the host as RMI_EXIT_PSCI; CPU_ON and AFFINITY_INFO wait for
// RMI_PSCI_COMPLETE before the caller can run again.
#include <optional>

#include "rmm/realm_exit.h"
#include "rmm/rsi_command.h"

namespace caec::rmm {

namespace {

using abi::PsciStatus;

std::int64_t code(PsciStatus s) { return static_cast<std::int64_t>(s); }

/// Forwards the call to the host (X0 = FID, X1..X3 = arguments) and waits to be entered again.
void forward(RsiCtx& c) {
  RecExit exit{.reason = abi::RmiRecExitReason::kPsci};
  exit.gprs[0] = c.in.fid();
  for (std::size_t i = 1; i <= 3; ++i) exit.gprs[i] = c.in.x[i];
  rec_exit(c.rmm, c.rec, exit);
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

RsiResult smccc_version(RsiCtx&) { return RsiResult::psci(static_cast<std::int64_t>(abi::kSmcccVersion12)); }

RsiResult psci_version(RsiCtx&) { return RsiResult::psci(static_cast<std::int64_t>(abi::kPsciVersion11)); }

RsiResult psci_features(RsiCtx& c) {
  const auto* cmd = find_rsi_command(static_cast<std::uint32_t>(c.in.x[1]));
  const bool psci = cmd != nullptr && cmd->conditions == no_conditions;
  return RsiResult::psci(psci ? code(PsciStatus::kSuccess) : code(PsciStatus::kNotSupported));
}

RsiResult psci_cpu_suspend(RsiCtx& c) {
  forward(c);
  return RsiResult::psci(code(PsciStatus::kSuccess));
}

RsiResult psci_cpu_off(RsiCtx& c) {
  c.rec.runnable = false;
  forward(c);
  // Entered again only after a CPU_ON made this REC runnable: start over where it said.
  c.rmm.platform.realm_restart(c.rec.start);
  RMM_CHECK(false);  // realm_restart does not return
}

RsiResult psci_cpu_on(RsiCtx& c) {
  const std::uint64_t target = c.in.x[1];
  const Ipa entry{c.in.x[2]};
  if (!c.with_realm([&](RealmDescriptor& r) { return r.is_protected(entry); })) {
    return RsiResult::psci(code(PsciStatus::kInvalidAddress));
  }
  const auto index = rec_index_of(c, target);
  if (!index) return RsiResult::psci(code(PsciStatus::kInvalidParams));
  if (*index == c.rec.index) return RsiResult::psci(code(PsciStatus::kAlreadyOn));
  c.rec.psci = PsciPending::kCpuOn;
  c.rec.psci_target_mpidr = target;
  c.rec.psci_entry = entry.value();
  c.rec.psci_context = c.in.x[3];
  forward(c);
  return RsiResult::psci(static_cast<std::int64_t>(c.rec.psci_result));
}

RsiResult psci_affinity_info(RsiCtx& c) {
  const std::uint64_t target = c.in.x[1];
  if (c.in.x[2] != 0) return RsiResult::psci(code(PsciStatus::kInvalidParams));
  const auto index = rec_index_of(c, target);
  if (!index) return RsiResult::psci(code(PsciStatus::kInvalidParams));
  if (*index == c.rec.index) return RsiResult::psci(0);  // ON
  c.rec.psci = PsciPending::kAffinityInfo;
  c.rec.psci_target_mpidr = target;
  forward(c);
  return RsiResult::psci(static_cast<std::int64_t>(c.rec.psci_result));
}

namespace {
[[noreturn]] void system_off(RsiCtx& c) {
  c.with_realm([](RealmDescriptor& r) { r.state = RealmState::kSystemOff; });
  forward(c);
  // REC_ENTER refuses every REC of a SYSTEM_OFF realm, so this is never reached.
  RMM_CHECK(false);
}
}  // namespace

RsiResult psci_system_off(RsiCtx& c) { system_off(c); }
RsiResult psci_system_reset(RsiCtx& c) { system_off(c); }

}  // namespace caec::rmm
