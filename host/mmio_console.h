// The reference host's emulated UART (abi/mmio_console.h): it completes the realm's emulatable
// data aborts on the device's page. Bytes written to UARTDR join the realm's console output.
#pragma once

#include <cstdint>
#include <string>

#include "caec/abi/rmi.h"
#include "caec/abi/types.h"

namespace caec::host {

/// True if `ipa` is on the console's page of a realm whose unprotected half starts at
/// `unprotected_base`.
[[nodiscard]] bool on_mmio_console(Ipa ipa, std::uint64_t unprotected_base);

/// Emulates the access an emulatable data-abort exit describes on the console's page: a store
/// to UARTDR appends its byte to `output`; a load's value goes to enter.gprs[0]. Sets
/// emul_mmio. The exit must be emulatable (ESR.ISV = 1).
void emulate_mmio_console(const abi::RmiRecExit& exit, abi::RmiRecEnter& enter, std::string& output);

}  // namespace caec::host
