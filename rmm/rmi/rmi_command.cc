#include "rmm/rmi/rmi_command.h"

#include <type_traits>

#include "rmm/rmi/rmi_handlers.h"

#include "caec/abi/csm.h"

namespace caec::rmm {

namespace {

namespace R = abi::rmi;

/// A row from the command's view: FID, name and register counts come from the view, and the
/// handler gets its arguments decoded from it.
template <class View, RmiResult (*Handler)(RmmContext&, const View&)>
constexpr RmiCommand row(std::span<const RmiConditionInfo> (*conditions)()) {
  constexpr bool caec = std::is_same_v<decltype(View::kFid), const abi::CaecRmiFid>;
  return {static_cast<std::uint32_t>(View::kFid), View::kName,
          caec ? CommandFamily::kCaecRmi : CommandFamily::kRmi, abi::kNumRegs<View>,
          abi::kNumRegs<typename View::Out>,
          [](RmmContext& rmm, const abi::SmcRegs& regs) { return Handler(rmm, abi::decode_args<View>(regs)); },
          conditions};
}

// rmm-1.0.md §1.3 (and csm-abi.md §2 for CAEC).
constexpr std::array kCommands{
    row<R::Version, rmi_version>(rmi_version_conditions),
    row<R::GranuleDelegate, rmi_granule_delegate>(rmi_granule_delegate_conditions),
    row<R::GranuleUndelegate, rmi_granule_undelegate>(rmi_granule_undelegate_conditions),
    row<R::DataCreate, rmi_data_create>(rmi_data_create_conditions),
    row<R::DataCreateUnknown, rmi_data_create_unknown>(rmi_data_create_unknown_conditions),
    row<R::DataDestroy, rmi_data_destroy>(rmi_data_destroy_conditions),
    row<R::RealmActivate, rmi_realm_activate>(rmi_realm_activate_conditions),
    row<R::RealmCreate, rmi_realm_create>(rmi_realm_create_conditions),
    row<R::RealmDestroy, rmi_realm_destroy>(rmi_realm_destroy_conditions),
    row<R::RttCreate, rmi_rtt_create>(rmi_rtt_create_conditions),
    row<R::RttDestroy, rmi_rtt_destroy>(rmi_rtt_destroy_conditions),
    row<R::RttMapUnprotected, rmi_rtt_map_unprotected>(rmi_rtt_map_unprotected_conditions),
    row<R::RttReadEntry, rmi_rtt_read_entry>(rmi_rtt_read_entry_conditions),
    row<R::RttUnmapUnprotected, rmi_rtt_unmap_unprotected>(rmi_rtt_unmap_unprotected_conditions),
    row<R::Features, rmi_features>(rmi_features_conditions),
    row<R::RttFold, rmi_rtt_fold>(rmi_rtt_fold_conditions),
    row<R::RecAuxCount, rmi_rec_aux_count>(rmi_rec_aux_count_conditions),
    row<R::RttInitRipas, rmi_rtt_init_ripas>(rmi_rtt_init_ripas_conditions),
    row<R::RecCreate, rmi_rec_create>(rmi_rec_create_conditions),
    row<R::RecDestroy, rmi_rec_destroy>(rmi_rec_destroy_conditions),
    row<R::RecEnter, rmi_rec_enter>(rmi_rec_enter_conditions),
    row<R::PsciComplete, rmi_psci_complete>(rmi_psci_complete_conditions),
    row<R::RttSetRipas, rmi_rtt_set_ripas>(rmi_rtt_set_ripas_conditions),
    row<R::CaecVersion, rmi_caec_version>(rmi_caec_version_conditions),
    row<R::AptCreate, rmi_apt_create>(rmi_apt_create_conditions),
    row<R::AptDestroy, rmi_apt_destroy>(rmi_apt_destroy_conditions),
};
static_assert(kCommands.size() == std::tuple_size_v<R::Commands>, "a command of abi/rmi_commands.h has no row");

static_assert(table_is_well_formed(kCommands, 4), "two RMI rows share a FID, or a row has too many registers");

}  // namespace

std::span<const RmiCommand> rmi_commands() { return kCommands; }

const RmiCommand* find_rmi_command(std::uint32_t fid) { return find_row(rmi_commands(), fid); }

}  // namespace caec::rmm
