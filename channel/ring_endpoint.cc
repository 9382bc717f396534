#include "channel/ring_endpoint.h"

#include "realm/realm.h"

namespace caec::channel {

RingEndpoint::RingEndpoint(std::span<std::byte> memory, bool initiator, std::size_t max_message,
                           WaitPolicy wait, realm::Realm* realm)
    : Endpoint(std::move(wait)), max_message_(max_message), realm_(realm) {
  const std::size_t half = memory.size() / 2;
  tx_memory_ = memory.subspan(initiator ? 0 : half, half);
  rx_memory_ = memory.subspan(initiator ? half : 0, half);
  const Status s = guarded([&] { return RingWriter::create(tx_memory_, max_message, tx_); });
  if (s != Status::kOk) throw ChannelError("ring endpoint of " + std::to_string(memory.size()) + " bytes", s);
}

template <class Op>
Status RingEndpoint::guarded(Op&& op) {
  if (revoked_) return Status::kRevoked;
  if (realm_ == nullptr) return op();
  Status s = Status::kRevoked;
  // One pointer captured, so the std::function the guard takes needs no allocation.
  auto body = [&] { s = op(); };
  auto* b = &body;
  if (realm_->guarded([b] { (*b)(); })) {
    revoked_ = true;
    return Status::kRevoked;
  }
  return s;
}

Status RingEndpoint::rx() {
  if (rx_attached_) return Status::kOk;
  const Status s = RingReader::attach(rx_memory_, rx_);
  rx_attached_ = s == Status::kOk;
  return s;
}

Status RingEndpoint::try_send(std::span<const std::byte> message) {
  return guarded([&] {
    const Status s = tx_.try_write(message);
    if (s == Status::kOk) wake_peer_if([&] { return tx_.reader_waiting(); });
    return s;
  });
}

Status RingEndpoint::try_receive(std::span<std::byte> buffer, std::size_t& size) {
  return guarded([&] {
    Status s = rx();
    if (s == Status::kOk) s = rx_.try_read(buffer, size);
    if (s == Status::kOk) wake_peer_if([&] { return rx_.writer_waiting(); });
    return s;
  });
}

Status RingEndpoint::try_send_batch(std::span<const std::span<const std::byte>> messages, std::size_t& sent) {
  sent = 0;
  return guarded([&] {
    const Status s = tx_.try_write_batch(messages, sent);
    if (s == Status::kOk) wake_peer_if([&] { return tx_.reader_waiting(); });
    return s;
  });
}

Status RingEndpoint::try_receive_batch(std::span<std::byte> buffer, std::span<std::size_t> sizes, std::size_t& count) {
  count = 0;
  return guarded([&] {
    Status s = rx();
    if (s == Status::kOk) s = rx_.try_read_batch(buffer, sizes, count);
    if (s == Status::kOk) wake_peer_if([&] { return rx_.writer_waiting(); });
    return s;
  });
}

Status RingEndpoint::try_acquire(std::size_t size, std::span<std::byte>& slot) {
  return guarded([&] { return tx_.try_acquire(size, slot); });
}

Status RingEndpoint::commit(std::size_t size) {
  return guarded([&] {
    const Status s = tx_.commit(size);
    if (s == Status::kOk) wake_peer_if([&] { return tx_.reader_waiting(); });
    return s;
  });
}

Status RingEndpoint::try_peek(std::span<const std::byte>& message) {
  return guarded([&] {
    const Status s = rx();
    return s != Status::kOk ? s : rx_.try_peek(message);
  });
}

Status RingEndpoint::release() {
  return guarded([&] {
    const Status s = rx_.release();
    if (s == Status::kOk) wake_peer_if([&] { return rx_.writer_waiting(); });
    return s;
  });
}

bool RingEndpoint::announce_waiting(Want want, bool waiting) {
  if (want == Want::kData && !rx_attached_) return false;  // the peer has not formatted it yet
  return guarded([&] {
           if (want == Want::kSpace) {
             tx_.set_waiting(waiting);
           } else {
             rx_.set_waiting(waiting);
           }
           return Status::kOk;
         }) == Status::kOk;
}

void RingEndpoint::close() {
  (void)guarded([&] {
    tx_.close();
    if (rx_attached_) rx_.close();
    return Status::kOk;
  });
}

}  // namespace caec::channel
