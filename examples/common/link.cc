#include "examples/common/link.h"

#include <algorithm>

namespace caec::examples {

Link::Link(channel::Connection connection, bool zero_copy)
    : connection_(std::move(connection)), zero_copy_(zero_copy), buffer_(endpoint().max_message()) {}

void Link::send(std::size_t size, const std::function<void(std::span<std::byte>)>& fill) {
  if (!zero_copy_) {
    if (size > buffer_.size()) throw channel::ChannelError("send", channel::Status::kTooLarge);
    fill(std::span(buffer_.data(), size));
    endpoint().send(std::span(buffer_.data(), size));
    return;
  }
  fill(endpoint().acquire(size).first(size));
  if (const channel::Status s = endpoint().commit(size); s != channel::Status::kOk) {
    throw channel::ChannelError("commit", s);
  }
}

void Link::send(std::span<const std::byte> message) {
  send(message.size(), [message](std::span<std::byte> out) { std::ranges::copy(message, out.begin()); });
}

void Link::receive(const std::function<void(std::span<const std::byte>)>& use) {
  if (!zero_copy_) {
    use(std::span(buffer_.data(), endpoint().receive(buffer_)));
    return;
  }
  use(endpoint().peek());
  if (const channel::Status s = endpoint().release(); s != channel::Status::kOk) {
    throw channel::ChannelError("release", s);
  }
}

std::vector<std::byte> Link::receive() {
  std::vector<std::byte> copy;
  receive([&copy](std::span<const std::byte> m) { copy.assign(m.begin(), m.end()); });
  return copy;
}

}  // namespace caec::examples
