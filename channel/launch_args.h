// The KEY=VALUE launch arguments of realm programs that talk over a channel (channel-stream, the
// examples), and the channel they describe, so one launch recipe fits every program:
//
//   transport=csm|csm-zero-copy|sealed-openssl|sealed-mbedtls|plain-ns  peer=NAME
//   [role=initiator|responder]  the initiator owns the memory (default: the program's)
//   [name=CHANNEL]              unique per run (names the host-relayed rendezvous events)
//   [buffer=ID]                 host-visible transports: the host's shared buffer (default 1)
//   [max=BYTES]                 largest message (default 4096)
//   [size=BYTES]                the shared memory: two rings, one each way (default 64 KiB)
//   [base=IPA]                  where it sits in this realm (decimal or 0x hex; default
//                               0x300000 for CSM; host-visible: the unprotected alias of IPA)
//   [k=N]                       CSM responder: the sharing's number for this pair (default 0)
//   [doorbell=0]                poll only (no WFI, no doorbells)
//   sealed:  platform-key=HEX   the P-384 point the peer's platform token must be signed with
//            [peer-rim=HEX] [peer-rpv=HEX]  what the peer's realm token must show
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "channel/connect.h"

namespace caec::channel {

using Args = std::map<std::string, std::string, std::less<>>;

/// "key=value" -> {key, value}; a bare "key" maps to "".
[[nodiscard]] Args parse_args(std::span<const std::string> args);

/// The argument as a number, or `fallback` when absent. Throws std::invalid_argument if not one.
[[nodiscard]] std::uint64_t number(const Args& a, std::string_view key, std::uint64_t fallback);
/// The same, also accepting "0x" hex (addresses read better so).
[[nodiscard]] std::uint64_t address(const Args& a, std::string_view key, std::uint64_t fallback);
/// The argument as hex-encoded bytes ("" when absent). Throws std::invalid_argument if not hex.
[[nodiscard]] std::vector<std::uint8_t> hex_arg(const Args& a, std::string_view key);

/// The channel the arguments describe, for a realm whose IPA space `r` gives. `initiator` is the
/// program's role unless role= says otherwise. Throws std::invalid_argument naming a bad argument.
[[nodiscard]] ChannelSpec channel_spec(realm::Realm& r, const Args& a, bool initiator);

}  // namespace caec::channel
