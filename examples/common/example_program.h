// The frame of every example realm program: parse the arguments, connect the channel they
// describe, run the example, and turn a failure into a console line and an exit status the
// launching host can report.
#pragma once

#include <functional>
#include <string_view>

#include "channel/launch_args.h"
#include "examples/common/link.h"

namespace caec::examples {

// The launch-argument conventions are the channel library's (channel/launch_args.h).
using channel::Args;
using channel::channel_spec;
using channel::number;
using channel::parse_args;

/// Exit statuses besides the body's own (0 success, 1 a failed check).
inline constexpr int kBadArguments = 2;
inline constexpr int kChannelFailed = 3;
inline constexpr int kPeerRefused = 4;

using Body = std::function<int(realm::Realm& r, const Args& args, Link& link)>;

/// Runs `body` over the channel the realm's arguments describe; `initiator` is the program's
/// default role. Errors are printed as "<program>: <why>".
[[nodiscard]] int run_over_channel(realm::Realm& r, std::string_view program, bool initiator, const Body& body);

}  // namespace caec::examples
