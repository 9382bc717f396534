// RMI command handlers, one group per file (rmi_<group>.cc). Each handler decodes its
// registers once, runs its ordered failure conditions, then performs the operation; each has a
// `<handler>_conditions()` describing the order for the command table.
#pragma once

#include <span>

#include "caec/abi/smc.h"
#include "rmm/rmi_command.h"

namespace caec::rmm {

#define CAEC_RMI_HANDLER(fn)                                 \
  RmiResult fn(RmmContext& rmm, const abi::SmcRegs& regs);   \
  std::span<const RmiConditionInfo> fn##_conditions()

CAEC_RMI_HANDLER(rmi_version);
CAEC_RMI_HANDLER(rmi_features);
CAEC_RMI_HANDLER(rmi_granule_delegate);
CAEC_RMI_HANDLER(rmi_granule_undelegate);
CAEC_RMI_HANDLER(rmi_realm_create);
CAEC_RMI_HANDLER(rmi_realm_activate);
CAEC_RMI_HANDLER(rmi_realm_destroy);
CAEC_RMI_HANDLER(rmi_rec_aux_count);
CAEC_RMI_HANDLER(rmi_rtt_create);
CAEC_RMI_HANDLER(rmi_rtt_destroy);
CAEC_RMI_HANDLER(rmi_rtt_fold);
CAEC_RMI_HANDLER(rmi_rtt_read_entry);
CAEC_RMI_HANDLER(rmi_rtt_map_unprotected);
CAEC_RMI_HANDLER(rmi_rtt_unmap_unprotected);
CAEC_RMI_HANDLER(rmi_rtt_init_ripas);
CAEC_RMI_HANDLER(rmi_data_create);
CAEC_RMI_HANDLER(rmi_data_create_unknown);
CAEC_RMI_HANDLER(rmi_data_destroy);
CAEC_RMI_HANDLER(rmi_rec_create);
CAEC_RMI_HANDLER(rmi_rec_destroy);
CAEC_RMI_HANDLER(rmi_rec_enter);
CAEC_RMI_HANDLER(rmi_psci_complete);
CAEC_RMI_HANDLER(rmi_rtt_set_ripas);
CAEC_RMI_HANDLER(rmi_caec_version);
CAEC_RMI_HANDLER(rmi_apt_create);
CAEC_RMI_HANDLER(rmi_apt_destroy);

#undef CAEC_RMI_HANDLER

}  // namespace caec::rmm
