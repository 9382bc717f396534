#include "channel/status.h"

namespace caec::channel {

std::string_view status_name(Status s) {
  switch (s) {
    case Status::kOk: return "ok";
    case Status::kWouldBlock: return "would block";
    case Status::kTooLarge: return "message too large";
    case Status::kClosed: return "channel closed by the peer";
    case Status::kRevoked: return "shared memory revoked";
    case Status::kCorrupt: return "shared state or frame failed validation";
    case Status::kUnsupported: return "not supported by this transport";
    case Status::kTimedOut: return "timed out";
  }
  return "?";
}

}  // namespace caec::channel
