// The attestation service as the RMM core sees it: an opaque port. Boot fetches the realm
// attestation key and the platform token from EL3; RSI_ATTESTATION_TOKEN_* use the service
// (rmm/attest/attestation_service.h) to sign. The service is hosted code for now (libcbor and OpenSSL, with
// heap and exceptions: docs/deviations.md), which is why the core holds it only by reference.
#pragma once

#include "rmm/port/platform.h"

namespace caec::rmm {

class Attestation;

/// Boot: SMC_RMM_GET_REALM_ATTEST_KEY, then SMC_RMM_GET_PLAT_TOKEN (rmm/attest/attestation_service.cc).
[[nodiscard]] Attestation& attestation_boot(Platform& platform);
/// Shutdown: forgets the key.
void attestation_release(Attestation& attestation);

}  // namespace caec::rmm
