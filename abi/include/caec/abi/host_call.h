// caec's realm <-> host protocol over RSI_HOST_CALL (the immediate names the service). The RMM
// does not interpret these; they are a convention between the realm SDK and the reference host.
#pragma once

#include <cstdint>

namespace caec::abi::host_call {

/// Console output: gprs[0] = byte count (<= kConsoleBytes), gprs[1..] = the bytes.
inline constexpr std::uint16_t kConsole = 0x100;
inline constexpr unsigned kConsoleBytes = 29 * 8;
/// The program finished: gprs[0] = exit status. The realm then turns itself off.
inline constexpr std::uint16_t kExit = 0x101;
/// Map the host's shared buffer `gprs[0]` (an id the host published) at the unprotected IPA
/// `gprs[1]`; gprs[2] = size in bytes. Reply gprs[0] = 0 on success.
inline constexpr std::uint16_t kMapShared = 0x102;

/// Replies in gprs[0].
inline constexpr std::uint64_t kOk = 0;
inline constexpr std::uint64_t kErrUnknownCall = 1;
inline constexpr std::uint64_t kErrRefused = 2;

}  // namespace caec::abi::host_call
