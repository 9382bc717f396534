// One end of an example's channel, used the way its transport is best used: csm-zero-copy
// builds each message in the ring and reads it there (acquire/commit, peek/release); every
// other transport copies through a buffer (send/receive). The examples' code is the same for
// all five transports.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "channel/connect.h"

namespace caec::examples {

class Link {
 public:
  Link(channel::Connection connection, bool zero_copy);

  [[nodiscard]] std::size_t max_message() const { return endpoint().max_message(); }
  /// Sends a message of `size` bytes that `fill` writes (in the ring itself on zero-copy).
  void send(std::size_t size, const std::function<void(std::span<std::byte>)>& fill);
  void send(std::span<const std::byte> message);
  /// Hands the next message to `use` (in the ring itself on zero-copy, released after `use`:
  /// the bytes are valid only during the call).
  void receive(const std::function<void(std::span<const std::byte>)>& use);
  /// The next message, copied out.
  [[nodiscard]] std::vector<std::byte> receive();
  void close() { connection_.endpoint->close(); }

 private:
  [[nodiscard]] channel::Endpoint& endpoint() const { return *connection_.endpoint; }

  channel::Connection connection_;
  bool zero_copy_;
  std::vector<std::byte> buffer_;
};

}  // namespace caec::examples
