#include "rmm/rsi_command.h"

#include "caec/abi/csm.h"

namespace caec::rmm {

namespace {

using F = abi::RsiFid;
using P = abi::PsciFid;

constexpr RsiCommand rsi(F fid, std::string_view name, std::uint8_t results,
                         RsiResult (*handler)(RsiCtx&),
                         std::span<const RsiConditionInfo> (*conditions)()) {
  return {static_cast<std::uint32_t>(fid), name, results, handler, conditions};
}
using C = abi::CaecRsiFid;
constexpr RsiCommand caec(C fid, std::string_view name, std::uint8_t results,
                          RsiResult (*handler)(RsiCtx&),
                          std::span<const RsiConditionInfo> (*conditions)()) {
  return {static_cast<std::uint32_t>(fid), name, results, handler, conditions};
}
constexpr RsiCommand psci(std::uint32_t fid, std::string_view name, std::uint8_t results,
                          RsiResult (*handler)(RsiCtx&)) {
  return {fid, name, results, handler, no_conditions};
}
constexpr std::uint32_t smc32(P fid) { return static_cast<std::uint32_t>(fid) & ~0x40000000U; }

constexpr std::array kCommands{
    rsi(F::kVersion, "RSI_VERSION", 2, rsi_version, rsi_version_conditions),
    rsi(F::kFeatures, "RSI_FEATURES", 1, rsi_features, rsi_features_conditions),
    rsi(F::kMeasurementRead, "RSI_MEASUREMENT_READ", 8, rsi_measurement_read,
        rsi_measurement_read_conditions),
    rsi(F::kMeasurementExtend, "RSI_MEASUREMENT_EXTEND", 0, rsi_measurement_extend,
        rsi_measurement_extend_conditions),
    rsi(F::kRealmConfig, "RSI_REALM_CONFIG", 0, rsi_realm_config, rsi_realm_config_conditions),
    rsi(F::kIpaStateSet, "RSI_IPA_STATE_SET", 2, rsi_ipa_state_set,
        rsi_ipa_state_set_conditions),
    rsi(F::kIpaStateGet, "RSI_IPA_STATE_GET", 2, rsi_ipa_state_get,
        rsi_ipa_state_get_conditions),
    rsi(F::kHostCall, "RSI_HOST_CALL", 0, rsi_host_call, rsi_host_call_conditions),
    rsi(F::kAttestationTokenInit, "RSI_ATTESTATION_TOKEN_INIT", 1, rsi_attestation_token_init,
        rsi_attestation_token_init_conditions),
    rsi(F::kAttestationTokenContinue, "RSI_ATTESTATION_TOKEN_CONTINUE", 1,
        rsi_attestation_token_continue, rsi_attestation_token_continue_conditions),
    caec(C::kVersion, "RSI_CAEC_VERSION", 2, rsi_caec_version, rsi_caec_version_conditions),
    caec(C::kCsmCreate, "RSI_CSM_CREATE", 1, rsi_csm_create, rsi_csm_create_conditions),
    caec(C::kCsmShare, "RSI_CSM_SHARE", 1, rsi_csm_share, rsi_csm_share_conditions),
    caec(C::kCsmRevoke, "RSI_CSM_REVOKE", 0, rsi_csm_revoke, rsi_csm_revoke_conditions),
    caec(C::kCsmDestroy, "RSI_CSM_DESTROY", 0, rsi_csm_destroy, rsi_csm_destroy_conditions),
    caec(C::kCsmReserve, "RSI_CSM_RESERVE", 1, rsi_csm_reserve, rsi_csm_reserve_conditions),
    caec(C::kCsmAttach, "RSI_CSM_ATTACH", 1, rsi_csm_attach, rsi_csm_attach_conditions),
    caec(C::kCsmDetachAndFree, "RSI_CSM_DETACH_AND_FREE", 0, rsi_csm_detach_and_free,
         rsi_csm_detach_and_free_conditions),
    caec(C::kCsmInfo, "RSI_CSM_INFO", 1, rsi_csm_info, rsi_csm_info_conditions),
    caec(C::kRealmMeasurements, "RSI_REALM_MEASUREMENTS", 0, rsi_realm_measurements,
         rsi_realm_measurements_conditions),
    psci(abi::kSmcccVersionFid, "SMCCC_VERSION", 0, smccc_version),
    psci(static_cast<std::uint32_t>(P::kVersion), "PSCI_VERSION", 0, psci_version),
    psci(static_cast<std::uint32_t>(P::kFeatures), "PSCI_FEATURES", 0, psci_features),
    psci(static_cast<std::uint32_t>(P::kCpuSuspend), "PSCI_CPU_SUSPEND", 0, psci_cpu_suspend),
    psci(smc32(P::kCpuSuspend), "PSCI_CPU_SUSPEND (SMC32)", 0, psci_cpu_suspend),
    psci(static_cast<std::uint32_t>(P::kCpuOff), "PSCI_CPU_OFF", 0, psci_cpu_off),
    psci(static_cast<std::uint32_t>(P::kCpuOn), "PSCI_CPU_ON", 0, psci_cpu_on),
    psci(smc32(P::kCpuOn), "PSCI_CPU_ON (SMC32)", 0, psci_cpu_on),
    psci(static_cast<std::uint32_t>(P::kAffinityInfo), "PSCI_AFFINITY_INFO", 0,
         psci_affinity_info),
    psci(smc32(P::kAffinityInfo), "PSCI_AFFINITY_INFO (SMC32)", 0, psci_affinity_info),
    psci(static_cast<std::uint32_t>(P::kSystemOff), "PSCI_SYSTEM_OFF", 0, psci_system_off),
    psci(static_cast<std::uint32_t>(P::kSystemReset), "PSCI_SYSTEM_RESET", 0,
         psci_system_reset),
};

constexpr bool fids_unique() {
  for (std::size_t i = 0; i < kCommands.size(); ++i) {
    for (std::size_t j = i + 1; j < kCommands.size(); ++j) {
      if (kCommands[i].fid == kCommands[j].fid) return false;
    }
  }
  return true;
}
static_assert(fids_unique(), "two RSI/PSCI commands share a FID");

}  // namespace

std::span<const RsiCommand> rsi_commands() { return kCommands; }

const RsiCommand* find_rsi_command(std::uint32_t fid) {
  const std::uint32_t f = fid & ~abi::kSmcSveHint;
  for (const auto& c : kCommands) {
    if (c.fid == f) return &c;
  }
  return nullptr;
}

}  // namespace caec::rmm
