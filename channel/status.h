// What a channel operation reports. Transports map every failure to one of these; none of them
// is ever "partially done": a failed send published nothing, a failed receive consumed nothing.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace caec::channel {

enum class Status : std::uint8_t {
  kOk = 0,
  kWouldBlock,   // ring full (send) or empty (receive): try again later
  kTooLarge,     // message above the channel's maximum, or a receive buffer too small
  kClosed,       // the peer closed its end
  kRevoked,      // the memory under the channel went away (CSM revoke/destroy, host unmap)
  kCorrupt,      // the shared state or a frame failed validation (a hostile peer or host)
  kUnsupported,  // e.g. zero-copy on a sealed transport
  kTimedOut,     // a blocking call gave up
};

[[nodiscard]] std::string_view status_name(Status s);

/// Thrown by the blocking forms when the result is not kOk.
class ChannelError : public std::runtime_error {
 public:
  ChannelError(std::string_view what, Status s)
      : std::runtime_error(std::string(what) + ": " + std::string(status_name(s))), status_(s) {}
  [[nodiscard]] Status status() const { return status_; }

 private:
  Status status_;
};

}  // namespace caec::channel
