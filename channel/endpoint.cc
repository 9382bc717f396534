#include "channel/endpoint.h"

#include <immintrin.h>

namespace caec::channel {

Status Endpoint::try_acquire(std::size_t, std::span<std::byte>&) { return Status::kUnsupported; }
Status Endpoint::commit(std::size_t) { return Status::kUnsupported; }
Status Endpoint::try_peek(std::span<const std::byte>&) { return Status::kUnsupported; }
Status Endpoint::release() { return Status::kUnsupported; }
bool Endpoint::announce_waiting(Want, bool) { return false; }

Status Endpoint::try_send_batch(std::span<const std::span<const std::byte>> messages, std::size_t& sent) {
  sent = 0;
  for (std::span<const std::byte> m : messages) {
    const Status s = try_send(m);
    if (s != Status::kOk) return sent == 0 ? s : Status::kOk;
    ++sent;
  }
  return Status::kOk;
}

Status Endpoint::try_receive_batch(std::span<std::byte> buffer, std::span<std::size_t> sizes, std::size_t& count) {
  count = 0;
  std::size_t used = 0;
  while (count < sizes.size()) {
    std::size_t n = 0;
    const Status s = try_receive(buffer.subspan(used), n);
    if (s != Status::kOk) return count == 0 ? s : Status::kOk;
    used += n;
    sizes[count++] = n;
  }
  return Status::kOk;
}

template <class Attempt>
Status Endpoint::poll(Want want, Attempt&& attempt) {
  const std::uint64_t relax_until = std::uint64_t{wait_.spin_polls} + wait_.relax_polls;
  for (std::uint64_t polls = 0;; ++polls) {
    Status s = attempt();
    if (s != Status::kWouldBlock) return s;
    if (wait_.max_polls != 0 && polls >= wait_.max_polls) return Status::kTimedOut;
    if (polls < wait_.spin_polls || !wait_.relax) {
      _mm_pause();
    } else if (polls < relax_until || !wait_.sleep) {
      wait_.relax();
    } else {
      // Say we sleep, then look once more: the peer either sees the flag after it publishes,
      // or we see what it published (ring.h's fences).
      if (!announce_waiting(want, true)) {
        wait_.relax();
        continue;
      }
      s = attempt();
      if (s == Status::kWouldBlock) wait_.sleep();
      (void)announce_waiting(want, false);
      if (s != Status::kWouldBlock) return s;
    }
  }
}

void Endpoint::send(std::span<const std::byte> message) {
  if (const Status s = poll(Want::kSpace, [&] { return try_send(message); }); s != Status::kOk) throw ChannelError("send", s);
}

std::size_t Endpoint::receive(std::span<std::byte> buffer) {
  std::size_t size = 0;
  if (const Status s = poll(Want::kData, [&] { return try_receive(buffer, size); }); s != Status::kOk) {
    throw ChannelError("receive", s);
  }
  return size;
}

std::span<std::byte> Endpoint::acquire(std::size_t size) {
  std::span<std::byte> slot;
  if (const Status s = poll(Want::kSpace, [&] { return try_acquire(size, slot); }); s != Status::kOk) {
    throw ChannelError("acquire", s);
  }
  return slot;
}

std::span<const std::byte> Endpoint::peek() {
  std::span<const std::byte> message;
  if (const Status s = poll(Want::kData, [&] { return try_peek(message); }); s != Status::kOk) throw ChannelError("peek", s);
  return message;
}

}  // namespace caec::channel
