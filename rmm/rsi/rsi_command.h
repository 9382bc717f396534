// The RSI command table (realm -> RMM), the PSCI calls the RMM serves for realms, and the
// context an RSI handler runs in: on the realm's own PE, with its REC running.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "caec/abi/rsi.h"
#include "caec/abi/rsi_commands.h"
#include "caec/abi/smc.h"
#include "rmm/runtime/command_table.h"
#include "rmm/runtime/conditions.h"
#include "rmm/core/context.h"
#include "rmm/runtime/realm_buffer.h"
#include "rmm/runtime/realm_exit.h"
#include "rmm/core/rec.h"

namespace caec::rmm {

struct RsiCtx {
  RmmContext& rmm;
  Pa rec_pa;
  Rec& rec;
  std::uint32_t fid;  // as the realm called it (SMC32 or SMC64), the SVE hint stripped

  /// The realm descriptor, locked for the duration of `fn`.
  template <class Fn>
  decltype(auto) with_realm(Fn&& fn) {
    LockedGranule rd = rmm.granules.lock(rec.owner, LockRequest::external());
    return fn(realm_of(rmm, rd));
  }
};

/// A command's context: its arguments decoded from the command's view (abi/rsi_commands.h).
template <class View>
struct RsiCall : RsiCtx {
  View args;
};

using RsiConditionInfo = ConditionInfo<abi::RsiStatus>;
template <class Ctx>
using RsiCondition = Condition<Ctx, abi::RsiStatus>;

/// X0 and up to eight outputs. PSCI calls put their PSCI return code in X0.
struct RsiResult {
  std::uint64_t x0 = 0;
  std::array<std::uint64_t, 8> out{};
  /// Not kResume: the REC's context was destroyed at an exit the command made (x0 and out
  /// then mean nothing), or it starts over (PSCI CPU_OFF, then CPU_ON).
  RealmReturn::Kind pe = RealmReturn::Kind::kResume;

  RsiResult(abi::RsiStatus s) : x0(static_cast<std::uint64_t>(s)) {}  // NOLINT
  RsiResult(Failure<abi::RsiStatus> f) : x0(static_cast<std::uint64_t>(f.status)) {}  // NOLINT
  [[nodiscard]] static RsiResult success() { return {abi::RsiStatus::kSuccess}; }
  /// Success with the command's result view.
  template <class Out>
  [[nodiscard]] static RsiResult success(const Out& outs) {
    static_assert(abi::kNumRegs<Out> <= 8, "RSI commands have at most eight results");
    RsiResult r(abi::RsiStatus::kSuccess);
    abi::SmcRegs regs;
    abi::encode(outs, regs);
    for (std::size_t i = 0; i < r.out.size(); ++i) r.out[i] = regs.x[1 + i];
    return r;
  }
  /// A status with the results a command defines even then (VERSION).
  template <class Out>
  [[nodiscard]] static RsiResult with(abi::RsiStatus s, const Out& outs) {
    RsiResult r = success(outs);
    r.x0 = static_cast<std::uint64_t>(s);
    return r;
  }
  /// The command made a REC exit and the host destroyed the REC meanwhile (Reentry::kDestroyed).
  [[nodiscard]] static RsiResult destroyed() {
    RsiResult r = success();
    r.pe = RealmReturn::Kind::kDestroyed;
    return r;
  }
  /// The command returns `r` unless its REC exit found the REC destroyed.
  [[nodiscard]] static RsiResult after(Reentry reentry, RsiResult r) {
    return reentry == Reentry::kDestroyed ? destroyed() : r;
  }
  /// The command returns `r` if its access to realm memory was done, RSI_ERROR_INPUT if the
  /// realm memory gateway refused it.
  [[nodiscard]] static RsiResult after(BufferAccess access, RsiResult r) {
    switch (access) {
      case BufferAccess::kDone: return r;
      case BufferAccess::kRefused: return {abi::RsiStatus::kErrorInput};
      case BufferAccess::kDestroyed: return destroyed();
    }
    return destroyed();
  }
  [[nodiscard]] static RsiResult psci(std::int64_t code) {
    RsiResult r = success();
    r.x0 = static_cast<std::uint64_t>(code);
    return r;
  }
};

using RsiCommand = CommandRow<RsiResult (*)(RsiCtx&, const abi::SmcRegs&), abi::RsiStatus>;

[[nodiscard]] std::span<const RsiCommand> rsi_commands();
[[nodiscard]] const RsiCommand* find_rsi_command(std::uint32_t fid);

#define CAEC_RSI_HANDLER(fn, View)      \
  RsiResult fn(RsiCall<View>& c);       \
  std::span<const RsiConditionInfo> fn##_conditions()

CAEC_RSI_HANDLER(rsi_version, abi::rsi::Version);
CAEC_RSI_HANDLER(rsi_features, abi::rsi::Features);
CAEC_RSI_HANDLER(rsi_measurement_read, abi::rsi::MeasurementRead);
CAEC_RSI_HANDLER(rsi_measurement_extend, abi::rsi::MeasurementExtend);
CAEC_RSI_HANDLER(rsi_realm_config, abi::rsi::RealmConfig);
CAEC_RSI_HANDLER(rsi_ipa_state_set, abi::rsi::IpaStateSet);
CAEC_RSI_HANDLER(rsi_ipa_state_get, abi::rsi::IpaStateGet);
CAEC_RSI_HANDLER(rsi_host_call, abi::rsi::HostCall);
CAEC_RSI_HANDLER(rsi_attestation_token_init, abi::rsi::AttestationTokenInit);
CAEC_RSI_HANDLER(rsi_attestation_token_continue, abi::rsi::AttestationTokenContinue);
CAEC_RSI_HANDLER(rsi_caec_version, abi::rsi::CaecVersion);
CAEC_RSI_HANDLER(rsi_csm_create, abi::rsi::CsmCreate);
CAEC_RSI_HANDLER(rsi_csm_share, abi::rsi::CsmShare);
CAEC_RSI_HANDLER(rsi_csm_revoke, abi::rsi::CsmRevoke);
CAEC_RSI_HANDLER(rsi_csm_destroy, abi::rsi::CsmDestroy);
CAEC_RSI_HANDLER(rsi_csm_reserve, abi::rsi::CsmReserve);
CAEC_RSI_HANDLER(rsi_csm_attach, abi::rsi::CsmAttach);
CAEC_RSI_HANDLER(rsi_csm_detach_and_free, abi::rsi::CsmDetachAndFree);
CAEC_RSI_HANDLER(rsi_csm_info, abi::rsi::CsmInfo);
CAEC_RSI_HANDLER(rsi_realm_measurements, abi::rsi::RealmMeasurements);
// PSCI answers with PSCI return codes, not RSI statuses; its checks are in the handlers.
#define CAEC_PSCI_HANDLER(fn, View) RsiResult fn(RsiCall<View>& c)

CAEC_PSCI_HANDLER(smccc_version, abi::psci::SmcccVersion);
CAEC_PSCI_HANDLER(psci_version, abi::psci::Version);
CAEC_PSCI_HANDLER(psci_features, abi::psci::Features);
CAEC_PSCI_HANDLER(psci_cpu_suspend, abi::psci::CpuSuspend);
CAEC_PSCI_HANDLER(psci_cpu_off, abi::psci::CpuOff);
CAEC_PSCI_HANDLER(psci_cpu_on, abi::psci::CpuOn);
CAEC_PSCI_HANDLER(psci_affinity_info, abi::psci::AffinityInfo);
CAEC_PSCI_HANDLER(psci_system_off, abi::psci::SystemOff);
CAEC_PSCI_HANDLER(psci_system_reset, abi::psci::SystemReset);

#undef CAEC_RSI_HANDLER
#undef CAEC_PSCI_HANDLER


}  // namespace caec::rmm
