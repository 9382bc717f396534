#include "examples/common/example_program.h"

#include <string>

#include "realm/realm.h"

namespace caec::examples {
namespace {

void report(realm::Realm& r, std::string_view program, std::string_view why) {
  r.print(std::string(program) + ": " + std::string(why) + "\n");
}

}  // namespace

int run_over_channel(realm::Realm& r, std::string_view program, bool initiator, const Body& body) {
  Args args;
  channel::ChannelSpec spec;
  try {
    args = parse_args(r.args());
    spec = channel_spec(r, args, initiator);
  } catch (const std::invalid_argument& e) {
    report(r, program, e.what());
    return kBadArguments;
  }
  try {
    Link link(channel::connect(r, spec), spec.transport == channel::Transport::kCsmZeroCopy);
    return body(r, args, link);
  } catch (const channel::KeyExchangeError& e) {
    report(r, program, std::string("key exchange refused the peer: ") + e.what());
    return kPeerRefused;
  } catch (const std::invalid_argument& e) {  // an argument the body reads
    report(r, program, e.what());
    return kBadArguments;
  } catch (const std::exception& e) {  // ChannelError, RsiError, a malformed message
    report(r, program, e.what());
    return kChannelFailed;
  }
}

}  // namespace caec::examples
