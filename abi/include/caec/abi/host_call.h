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

/// The realm ran out of APT space (RSI_ERROR_CAPACITY): please RMI_APT_CREATE another granule.
inline constexpr std::uint16_t kAptMore = 0x103;
/// Publish this realm's RID under its launch name: gprs[0] = RID.
inline constexpr std::uint16_t kPublishRid = 0x104;
/// Look up the RID a realm published: gprs[0..3] = name (NUL-padded, up to 32 bytes).
/// Reply gprs[0] = kOk and gprs[1] = RID, or kErrNotYet.
inline constexpr std::uint16_t kLookupRid = 0x105;

/// Raise the named event: gprs[0..3] = name (NUL-padded, up to 32 bytes).
inline constexpr std::uint16_t kSignal = 0x106;
/// Has the named event been raised? Reply kOk, or kErrNotYet.
inline constexpr std::uint16_t kPollSignal = 0x107;

/// Doorbell (csm-abi.md §8): wake REC gprs[1] of the realm that published RID gprs[0]; the host
/// injects virtual interrupt kDoorbellIntid and ends the REC's WFI. Reply kOk, kErrNotYet (no
/// realm published that RID) or kErrRefused (no such REC). Only a hint: data integrity never
/// depends on it, and repeated doorbells before the REC runs again coalesce.
inline constexpr std::uint16_t kDoorbell = 0x108;
inline constexpr std::uint32_t kDoorbellIntid = 40;  // an SPI

/// Replies in gprs[0].
inline constexpr std::uint64_t kOk = 0;
inline constexpr std::uint64_t kErrUnknownCall = 1;
inline constexpr std::uint64_t kErrRefused = 2;
inline constexpr std::uint64_t kErrNotYet = 3;

}  // namespace caec::abi::host_call
