// What the reference host checks of every data-abort REC exit before it acts on it: the
// fields DEN0137 and Arm's ACS checker (`validate_rec_exit_da`) allow, and nothing else. The
// host does not trust an RMM's exit blindly any more than the RMM trusts the host's entry; in
// the test suite this makes every data-abort exit a check of the RMM.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "caec/abi/rmi.h"

namespace caec::host {

/// What is wrong with `exit`, a SYNC exit with a data- or instruction-abort ESR from a realm
/// whose unprotected half starts at `unprotected_base`; nullopt if every field is as the spec
/// allows (an instruction abort as a non-emulatable data abort):
///  - ESR: EC, SET, FnV, EA and DFSC only, plus ISV, SAS, SF and WnR when emulatable (ISV = 1,
///    at unprotected IPAs only); SET, FnV and EA are 0; DFSC a translation or permission fault;
///  - far: the offset within the granule when emulatable, else 0; hpfar: the IPA's granule;
///  - gprs: all 0 but gprs[0] of an emulatable store (the value, within the access size);
///  - the RIPAS, host-call and PMU fields 0.
[[nodiscard]] std::optional<std::string> data_abort_exit_defect(const abi::RmiRecExit& exit,
                                                                std::uint64_t unprotected_base);

}  // namespace caec::host
