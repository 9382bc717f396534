#include "rmm/rmi_command.h"

#include "rmm/rmi_handlers.h"

#include "caec/abi/csm.h"

namespace caec::rmm {

namespace {

using F = abi::RmiFid;

constexpr RmiCommand command(F fid, std::string_view name, std::uint8_t args, std::uint8_t results,
                             RmiResult (*handler)(RmmContext&, const abi::SmcRegs&),
                             std::span<const RmiConditionInfo> (*conditions)()) {
  return {static_cast<std::uint32_t>(fid), name, args, results, handler, conditions};
}

using C = abi::CaecRmiFid;
constexpr RmiCommand caec(C fid, std::string_view name, std::uint8_t args, std::uint8_t results,
                          RmiResult (*handler)(RmmContext&, const abi::SmcRegs&),
                          std::span<const RmiConditionInfo> (*conditions)()) {
  return {static_cast<std::uint32_t>(fid), name, args, results, handler, conditions};
}

// rmm-1.0.md §1.3 (and csm-abi.md §2 for CAEC): FID, name, inputs, outputs.
constexpr std::array kCommands{
    command(F::kVersion, "RMI_VERSION", 1, 2, rmi_version, rmi_version_conditions),
    command(F::kGranuleDelegate, "RMI_GRANULE_DELEGATE", 1, 0, rmi_granule_delegate,
            rmi_granule_delegate_conditions),
    command(F::kGranuleUndelegate, "RMI_GRANULE_UNDELEGATE", 1, 0, rmi_granule_undelegate,
            rmi_granule_undelegate_conditions),
    command(F::kDataCreate, "RMI_DATA_CREATE", 5, 0, rmi_data_create, rmi_data_create_conditions),
    command(F::kDataCreateUnknown, "RMI_DATA_CREATE_UNKNOWN", 3, 0, rmi_data_create_unknown,
            rmi_data_create_unknown_conditions),
    command(F::kDataDestroy, "RMI_DATA_DESTROY", 2, 2, rmi_data_destroy,
            rmi_data_destroy_conditions),
    command(F::kRealmActivate, "RMI_REALM_ACTIVATE", 1, 0, rmi_realm_activate,
            rmi_realm_activate_conditions),
    command(F::kRealmCreate, "RMI_REALM_CREATE", 2, 0, rmi_realm_create,
            rmi_realm_create_conditions),
    command(F::kRealmDestroy, "RMI_REALM_DESTROY", 1, 0, rmi_realm_destroy,
            rmi_realm_destroy_conditions),
    command(F::kRttCreate, "RMI_RTT_CREATE", 4, 0, rmi_rtt_create, rmi_rtt_create_conditions),
    command(F::kRttDestroy, "RMI_RTT_DESTROY", 3, 2, rmi_rtt_destroy, rmi_rtt_destroy_conditions),
    command(F::kRttMapUnprotected, "RMI_RTT_MAP_UNPROTECTED", 4, 0, rmi_rtt_map_unprotected,
            rmi_rtt_map_unprotected_conditions),
    command(F::kRttReadEntry, "RMI_RTT_READ_ENTRY", 3, 4, rmi_rtt_read_entry,
            rmi_rtt_read_entry_conditions),
    command(F::kRttUnmapUnprotected, "RMI_RTT_UNMAP_UNPROTECTED", 3, 1, rmi_rtt_unmap_unprotected,
            rmi_rtt_unmap_unprotected_conditions),
    command(F::kFeatures, "RMI_FEATURES", 1, 1, rmi_features, rmi_features_conditions),
    command(F::kRttFold, "RMI_RTT_FOLD", 3, 1, rmi_rtt_fold, rmi_rtt_fold_conditions),
    command(F::kRecAuxCount, "RMI_REC_AUX_COUNT", 1, 1, rmi_rec_aux_count,
            rmi_rec_aux_count_conditions),
    command(F::kRttInitRipas, "RMI_RTT_INIT_RIPAS", 3, 1, rmi_rtt_init_ripas,
            rmi_rtt_init_ripas_conditions),
    command(F::kRecCreate, "RMI_REC_CREATE", 3, 0, rmi_rec_create, rmi_rec_create_conditions),
    command(F::kRecDestroy, "RMI_REC_DESTROY", 1, 0, rmi_rec_destroy, rmi_rec_destroy_conditions),
    command(F::kRecEnter, "RMI_REC_ENTER", 2, 0, rmi_rec_enter, rmi_rec_enter_conditions),
    command(F::kPsciComplete, "RMI_PSCI_COMPLETE", 3, 0, rmi_psci_complete,
            rmi_psci_complete_conditions),
    command(F::kRttSetRipas, "RMI_RTT_SET_RIPAS", 4, 1, rmi_rtt_set_ripas,
            rmi_rtt_set_ripas_conditions),
    caec(C::kVersion, "RMI_CAEC_VERSION", 1, 2, rmi_caec_version, rmi_caec_version_conditions),
    caec(C::kAptCreate, "RMI_APT_CREATE", 2, 0, rmi_apt_create, rmi_apt_create_conditions),
    caec(C::kAptDestroy, "RMI_APT_DESTROY", 2, 0, rmi_apt_destroy, rmi_apt_destroy_conditions),
};

constexpr bool fids_unique() {
  for (std::size_t i = 0; i < kCommands.size(); ++i) {
    for (std::size_t j = i + 1; j < kCommands.size(); ++j) {
      if (kCommands[i].fid == kCommands[j].fid) return false;
    }
  }
  return true;
}
static_assert(fids_unique(), "two RMI commands share a FID");

constexpr bool counts_fit() {
  for (const auto& c : kCommands) {
    if (c.num_args > 17 || c.num_results > 4) return false;
  }
  return true;
}
static_assert(counts_fit(), "a command has more registers than the table can carry");

}  // namespace

std::span<const RmiCommand> rmi_commands() { return kCommands; }

const RmiCommand* find_rmi_command(std::uint32_t fid) {
  const std::uint32_t f = fid & ~abi::kSmcSveHint;
  for (const auto& c : kCommands) {
    if (c.fid == f) return &c;
  }
  return nullptr;
}

}  // namespace caec::rmm
