// The RSI command table (realm -> RMM), the PSCI calls the RMM serves for realms, and the
// context an RSI handler runs in: on the realm's own PE, with its REC running.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

#include "caec/abi/rsi.h"
#include "caec/abi/smc.h"
#include "rmm/conditions.h"
#include "rmm/context.h"
#include "rmm/rec.h"

namespace caec::rmm {

struct RsiCtx {
  RmmContext& rmm;
  Pa rec_pa;
  Rec& rec;
  const abi::SmcRegs& in;

  /// The realm descriptor, locked for the duration of `fn`.
  template <class Fn>
  decltype(auto) with_realm(Fn&& fn) {
    LockedGranule rd = rmm.granules.lock(rec.owner, LockRequest::external());
    return fn(realm_of(rmm, rd));
  }
};

using RsiConditionInfo = ConditionInfo<abi::RsiStatus>;
template <class Ctx>
using RsiCondition = Condition<Ctx, abi::RsiStatus>;

/// X0 and up to eight outputs. PSCI calls put their PSCI return code in X0.
struct RsiResult {
  std::uint64_t x0 = 0;
  std::array<std::uint64_t, 8> out{};

  RsiResult(abi::RsiStatus s) : x0(static_cast<std::uint64_t>(s)) {}  // NOLINT
  RsiResult(Failure<abi::RsiStatus> f) : x0(static_cast<std::uint64_t>(f.status)) {}  // NOLINT
  [[nodiscard]] static RsiResult success(std::initializer_list<std::uint64_t> outs = {}) {
    RsiResult r(abi::RsiStatus::kSuccess);
    std::size_t i = 0;
    for (auto v : outs) r.out[i++] = v;
    return r;
  }
  [[nodiscard]] static RsiResult psci(std::int64_t code, std::initializer_list<std::uint64_t> outs = {}) {
    RsiResult r = success(outs);
    r.x0 = static_cast<std::uint64_t>(code);
    return r;
  }
};

struct RsiCommand {
  std::uint32_t fid;
  std::string_view name;
  std::uint8_t num_results;
  RsiResult (*handler)(RsiCtx&);
  std::span<const RsiConditionInfo> (*conditions)();
};

[[nodiscard]] std::span<const RsiCommand> rsi_commands();
[[nodiscard]] const RsiCommand* find_rsi_command(std::uint32_t fid);

#define CAEC_RSI_HANDLER(fn) \
  RsiResult fn(RsiCtx& c);   \
  std::span<const RsiConditionInfo> fn##_conditions()

CAEC_RSI_HANDLER(rsi_version);
CAEC_RSI_HANDLER(rsi_features);
CAEC_RSI_HANDLER(rsi_measurement_read);
CAEC_RSI_HANDLER(rsi_measurement_extend);
CAEC_RSI_HANDLER(rsi_realm_config);
CAEC_RSI_HANDLER(rsi_ipa_state_set);
CAEC_RSI_HANDLER(rsi_ipa_state_get);
CAEC_RSI_HANDLER(rsi_host_call);
CAEC_RSI_HANDLER(rsi_attestation_token_init);
CAEC_RSI_HANDLER(rsi_attestation_token_continue);
CAEC_RSI_HANDLER(rsi_caec_version);
CAEC_RSI_HANDLER(rsi_csm_create);
CAEC_RSI_HANDLER(rsi_csm_share);
CAEC_RSI_HANDLER(rsi_csm_revoke);
CAEC_RSI_HANDLER(rsi_csm_destroy);
CAEC_RSI_HANDLER(rsi_csm_reserve);
CAEC_RSI_HANDLER(rsi_csm_attach);
CAEC_RSI_HANDLER(rsi_csm_detach_and_free);
CAEC_RSI_HANDLER(rsi_csm_info);
CAEC_RSI_HANDLER(rsi_realm_measurements);
CAEC_RSI_HANDLER(smccc_version);
CAEC_RSI_HANDLER(psci_version);
CAEC_RSI_HANDLER(psci_features);
CAEC_RSI_HANDLER(psci_cpu_suspend);
CAEC_RSI_HANDLER(psci_cpu_off);
CAEC_RSI_HANDLER(psci_cpu_on);
CAEC_RSI_HANDLER(psci_affinity_info);
CAEC_RSI_HANDLER(psci_system_off);
CAEC_RSI_HANDLER(psci_system_reset);

#undef CAEC_RSI_HANDLER

inline constexpr std::span<const RsiConditionInfo> no_conditions() { return {}; }

}  // namespace caec::rmm
