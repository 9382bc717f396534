// RMI command handlers, one group per file (rmi_<group>.cc). Each handler gets its arguments
// decoded by the command table from the command's view (abi/rmi_commands.h), runs its ordered
// failure conditions, then performs the operation; each has a `<handler>_conditions()`
// describing the order for the command table.
#pragma once

#include <span>

#include "caec/abi/rmi_commands.h"
#include "rmm/rmi/rmi_command.h"

namespace caec::rmm {

#define CAEC_RMI_HANDLER(fn, View)                              \
  RmiResult fn(RmmContext& rmm, const abi::rmi::View& args);    \
  std::span<const RmiConditionInfo> fn##_conditions()

CAEC_RMI_HANDLER(rmi_version, Version);
CAEC_RMI_HANDLER(rmi_features, Features);
CAEC_RMI_HANDLER(rmi_granule_delegate, GranuleDelegate);
CAEC_RMI_HANDLER(rmi_granule_undelegate, GranuleUndelegate);
CAEC_RMI_HANDLER(rmi_realm_create, RealmCreate);
CAEC_RMI_HANDLER(rmi_realm_activate, RealmActivate);
CAEC_RMI_HANDLER(rmi_realm_destroy, RealmDestroy);
CAEC_RMI_HANDLER(rmi_rec_aux_count, RecAuxCount);
CAEC_RMI_HANDLER(rmi_rtt_create, RttCreate);
CAEC_RMI_HANDLER(rmi_rtt_destroy, RttDestroy);
CAEC_RMI_HANDLER(rmi_rtt_fold, RttFold);
CAEC_RMI_HANDLER(rmi_rtt_read_entry, RttReadEntry);
CAEC_RMI_HANDLER(rmi_rtt_map_unprotected, RttMapUnprotected);
CAEC_RMI_HANDLER(rmi_rtt_unmap_unprotected, RttUnmapUnprotected);
CAEC_RMI_HANDLER(rmi_rtt_init_ripas, RttInitRipas);
CAEC_RMI_HANDLER(rmi_data_create, DataCreate);
CAEC_RMI_HANDLER(rmi_data_create_unknown, DataCreateUnknown);
CAEC_RMI_HANDLER(rmi_data_destroy, DataDestroy);
CAEC_RMI_HANDLER(rmi_rec_create, RecCreate);
CAEC_RMI_HANDLER(rmi_rec_destroy, RecDestroy);
CAEC_RMI_HANDLER(rmi_rec_enter, RecEnter);
CAEC_RMI_HANDLER(rmi_psci_complete, PsciComplete);
CAEC_RMI_HANDLER(rmi_rtt_set_ripas, RttSetRipas);
CAEC_RMI_HANDLER(rmi_caec_version, CaecVersion);
CAEC_RMI_HANDLER(rmi_apt_create, AptCreate);
CAEC_RMI_HANDLER(rmi_apt_destroy, AptDestroy);

#undef CAEC_RMI_HANDLER

}  // namespace caec::rmm
