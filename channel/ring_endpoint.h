// Endpoint over a pair of rings in memory both realms map: the `csm`, `csm-zero-copy` and
// `plain-ns` transports. The memory is split in two halves; the initiator sends through the
// first and receives through the second, the responder the other way round.
//
// Every access to the shared memory runs under Realm::guarded: if the memory is taken away (the
// provider revokes or destroys a CSM region, the host unmaps its pages) the access aborts, the
// operation returns kRevoked, and the endpoint never touches the memory again.
#pragma once

#include <span>

#include "channel/endpoint.h"
#include "channel/ring.h"

namespace caec::realm {
class Realm;
}

namespace caec::channel {

class RingEndpoint final : public Endpoint {
 public:
  /// `realm` guards the accesses (nullptr: unguarded, for memory that cannot go away).
  /// Throws ChannelError(kTooLarge) if half of `memory` cannot hold a `max_message` message.
  RingEndpoint(std::span<std::byte> memory, bool initiator, std::size_t max_message, WaitPolicy wait,
               realm::Realm* realm);

  [[nodiscard]] std::size_t max_message() const override { return max_message_; }
  [[nodiscard]] Status try_send(std::span<const std::byte> message) override;
  [[nodiscard]] Status try_receive(std::span<std::byte> buffer, std::size_t& size) override;
  [[nodiscard]] Status try_send_batch(std::span<const std::span<const std::byte>> messages,
                                      std::size_t& sent) override;
  [[nodiscard]] Status try_receive_batch(std::span<std::byte> buffer, std::span<std::size_t> sizes,
                                         std::size_t& count) override;
  [[nodiscard]] Status try_acquire(std::size_t size, std::span<std::byte>& slot) override;
  [[nodiscard]] Status commit(std::size_t size) override;
  [[nodiscard]] Status try_peek(std::span<const std::byte>& message) override;
  [[nodiscard]] Status release() override;
  void close() override;
  bool announce_waiting(Want want, bool waiting) override;

 private:
  /// Runs `op` on the shared memory under the realm's abort guard.
  template <class Op>
  Status guarded(Op&& op);
  /// The receive ring, attached on first use (the peer formats it).
  [[nodiscard]] Status rx();

  std::span<std::byte> tx_memory_;
  std::span<std::byte> rx_memory_;
  std::size_t max_message_;
  realm::Realm* realm_;
  RingWriter tx_;
  RingReader rx_;
  bool rx_attached_ = false;
  bool revoked_ = false;
};

}  // namespace caec::channel
