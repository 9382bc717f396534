#include "rmm/rsi/rsi_command.h"

#include "caec/abi/csm.h"

namespace caec::rmm {

namespace {

namespace Rsi = abi::rsi;
namespace Psci = abi::psci;

/// A row from the command's view: FID, name and register counts come from the view, and the
/// handler gets its arguments decoded from it. PSCI's SMC32 encodings get rows of their own.
template <class View, RsiResult (*Handler)(RsiCall<View>&)>
constexpr RsiCommand row(CommandFamily family,
                         std::span<const RsiConditionInfo> (*conditions)() = no_conditions<abi::RsiStatus>) {
  return {static_cast<std::uint32_t>(View::kFid), View::kName, family,
          abi::kNumRegs<View>,
          abi::kNumRegs<typename View::Out>,
          [](RsiCtx& c, const abi::SmcRegs& regs) {
            RsiCall<View> call{c, abi::decode_args<View>(regs)};
            return Handler(call);
          },
          conditions};
}
/// The SMC32 encoding of a PSCI function that has both.
template <class View, RsiResult (*Handler)(RsiCall<View>&)>
constexpr RsiCommand smc32_row() {
  RsiCommand c = row<View, Handler>(CommandFamily::kPsci);
  c.fid = abi::psci::smc32(View::kFid);
  c.name = View::kName32;
  return c;
}

constexpr std::array kCommands{
    row<Rsi::Version, rsi_version>(CommandFamily::kRsi, rsi_version_conditions),
    row<Rsi::Features, rsi_features>(CommandFamily::kRsi, rsi_features_conditions),
    row<Rsi::MeasurementRead, rsi_measurement_read>(CommandFamily::kRsi, rsi_measurement_read_conditions),
    row<Rsi::MeasurementExtend, rsi_measurement_extend>(CommandFamily::kRsi, rsi_measurement_extend_conditions),
    row<Rsi::RealmConfig, rsi_realm_config>(CommandFamily::kRsi, rsi_realm_config_conditions),
    row<Rsi::IpaStateSet, rsi_ipa_state_set>(CommandFamily::kRsi, rsi_ipa_state_set_conditions),
    row<Rsi::IpaStateGet, rsi_ipa_state_get>(CommandFamily::kRsi, rsi_ipa_state_get_conditions),
    row<Rsi::HostCall, rsi_host_call>(CommandFamily::kRsi, rsi_host_call_conditions),
    row<Rsi::AttestationTokenInit, rsi_attestation_token_init>(CommandFamily::kRsi, rsi_attestation_token_init_conditions),
    row<Rsi::AttestationTokenContinue, rsi_attestation_token_continue>(CommandFamily::kRsi, rsi_attestation_token_continue_conditions),
    row<Rsi::CaecVersion, rsi_caec_version>(CommandFamily::kCaecRsi, rsi_caec_version_conditions),
    row<Rsi::CsmCreate, rsi_csm_create>(CommandFamily::kCaecRsi, rsi_csm_create_conditions),
    row<Rsi::CsmShare, rsi_csm_share>(CommandFamily::kCaecRsi, rsi_csm_share_conditions),
    row<Rsi::CsmRevoke, rsi_csm_revoke>(CommandFamily::kCaecRsi, rsi_csm_revoke_conditions),
    row<Rsi::CsmDestroy, rsi_csm_destroy>(CommandFamily::kCaecRsi, rsi_csm_destroy_conditions),
    row<Rsi::CsmReserve, rsi_csm_reserve>(CommandFamily::kCaecRsi, rsi_csm_reserve_conditions),
    row<Rsi::CsmAttach, rsi_csm_attach>(CommandFamily::kCaecRsi, rsi_csm_attach_conditions),
    row<Rsi::CsmDetachAndFree, rsi_csm_detach_and_free>(CommandFamily::kCaecRsi, rsi_csm_detach_and_free_conditions),
    row<Rsi::CsmInfo, rsi_csm_info>(CommandFamily::kCaecRsi, rsi_csm_info_conditions),
    row<Rsi::RealmMeasurements, rsi_realm_measurements>(CommandFamily::kCaecRsi, rsi_realm_measurements_conditions),
    row<Psci::SmcccVersion, smccc_version>(CommandFamily::kSmccc),
    row<Psci::Version, psci_version>(CommandFamily::kPsci),
    row<Psci::Features, psci_features>(CommandFamily::kPsci),
    row<Psci::CpuSuspend, psci_cpu_suspend>(CommandFamily::kPsci),
    smc32_row<Psci::CpuSuspend, psci_cpu_suspend>(),
    row<Psci::CpuOff, psci_cpu_off>(CommandFamily::kPsci),
    row<Psci::CpuOn, psci_cpu_on>(CommandFamily::kPsci),
    smc32_row<Psci::CpuOn, psci_cpu_on>(),
    row<Psci::AffinityInfo, psci_affinity_info>(CommandFamily::kPsci),
    smc32_row<Psci::AffinityInfo, psci_affinity_info>(),
    row<Psci::SystemOff, psci_system_off>(CommandFamily::kPsci),
    row<Psci::SystemReset, psci_system_reset>(CommandFamily::kPsci),
};
// Three PSCI functions have an SMC32 row too.
static_assert(kCommands.size() == std::tuple_size_v<Rsi::Commands> + std::tuple_size_v<Psci::Commands> + 3,
              "a command of abi/rsi_commands.h has no row");

static_assert(table_is_well_formed(kCommands, 8), "two RSI/PSCI rows share a FID, or a row has too many registers");

}  // namespace

std::span<const RsiCommand> rsi_commands() { return kCommands; }

const RsiCommand* find_rsi_command(std::uint32_t fid) { return find_row(rsi_commands(), fid); }

}  // namespace caec::rmm
