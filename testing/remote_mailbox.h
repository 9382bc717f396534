// The mailbox through which a test drives REC 1 of a "csm-remote" realm (tests/programs/
// csm_remote.cc): one granule of host memory the REC maps at kMailboxIpa (unprotected) and
// polls without exiting, so it can still run commands after its realm turned itself off.
#pragma once

#include <cstdint>

namespace caec::testing {

/// Where REC 1 maps the mailbox: the unprotected half of a 40-bit IPA space.
inline constexpr std::uint64_t kMailboxIpa = (std::uint64_t{1} << 39U) + 0x100000;

/// Word offsets in the mailbox granule.
namespace mailbox {
inline constexpr unsigned kReady = 0;    // REC 1 sets it to 1 once it polls
inline constexpr unsigned kPosted = 1;   // the host's sequence number of the last command
inline constexpr unsigned kDone = 2;     // REC 1's: the last command it finished
inline constexpr unsigned kResult = 3;   // X0, X1 of that command
inline constexpr unsigned kCommand = 8;  // 9 words, as a kNextCommand answer ([0] == 0: stop)
inline constexpr unsigned kWords = kCommand + 9;
}  // namespace mailbox

}  // namespace caec::testing
