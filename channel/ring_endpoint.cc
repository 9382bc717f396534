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
  return guarded([&] { return tx_.try_write(message); });
}

Status RingEndpoint::try_receive(std::span<std::byte> buffer, std::size_t& size) {
  return guarded([&] {
    const Status s = rx();
    return s != Status::kOk ? s : rx_.try_read(buffer, size);
  });
}

Status RingEndpoint::try_acquire(std::size_t size, std::span<std::byte>& slot) {
  return guarded([&] { return tx_.try_acquire(size, slot); });
}

Status RingEndpoint::commit(std::size_t size) {
  return guarded([&] { return tx_.commit(size); });
}

Status RingEndpoint::try_peek(std::span<const std::byte>& message) {
  return guarded([&] {
    const Status s = rx();
    return s != Status::kOk ? s : rx_.try_peek(message);
  });
}

Status RingEndpoint::release() {
  return guarded([&] { return rx_.release(); });
}

void RingEndpoint::close() {
  (void)guarded([&] {
    tx_.close();
    if (rx_attached_) rx_.close();
    return Status::kOk;
  });
}

}  // namespace caec::channel
