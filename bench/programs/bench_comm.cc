// "bench-comm": one end of the communication benchmark (design/benchmarks.md §1). The writer
// sends each message size `count` times, waiting for a 1-byte acknowledgement after each (the
// paper's synchronisation), then `burst` messages back to back; the reader receives them.
//
// Arguments: the channel arguments of channel/launch_args.h, plus
//   bench-role=writer|reader  sizes=S1,S2,...  count=N  burst=N  [batch=B]
// With batch=B, sizes up to 64 B also send the burst B messages per publication
// (Endpoint::try_send_batch; one index update per batch on the ring transports).
// Output (console), one line per size:
//   writer: "W size=S send=MIN/MEDIAN/MAX send_mean=M core=K"  ticks in send (or acquire+commit)
//   reader: "R size=S recv=MIN/MEDIAN/MAX recv_mean=M lat=MIN/MEDIAN/MAX burst=N burst_ticks=T
//            [batched_ticks=B] core=K"
// `recv` counts only the receive call that returned the message, not the polls before it
// (spin-wait excluded); `lat` is from the writer's clock read before send to the reader's after
// receive (the TSC is synchronised across cores); `burst_ticks` from the first message's send to
// the last one's receive; `send_mean`/`recv_mean` the steady means (stats.h: the clock's step); `core` the slower of the core-speed kernel's runs just before and
// after the size (bench/lib/core_speed.h: was this vCPU's core shared with other work?).
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <vector>

#include "bench/lib/core_speed.h"
#include "bench/lib/stats.h"
#include "bench/lib/ticks.h"
#include "bench/programs/report.h"
#include "channel/connect.h"
#include "channel/launch_args.h"
#include "realm/program.h"
#include "realm/realm.h"

namespace caec::bench {
namespace {

using channel::Endpoint;
using channel::Status;

/// A message buffer that starts on a page boundary; one per run, every size uses a prefix.
/// memcpy on this machine slows several-fold when source and destination sit at nearly the
/// same offset in their pages (4 KiB aliasing); a heap buffer at whatever offset malloc returns
/// would make one transport's run slow and another's fast by chance. Page-aligned, every
/// transport copies through the same offsets.
class PageBuffer {
 public:
  explicit PageBuffer(std::size_t size, std::byte fill = std::byte{0})
      : storage_(static_cast<std::byte*>(std::aligned_alloc(kPage, (size + kPage - 1) / kPage * kPage))), size_(size) {
    if (storage_ == nullptr) throw std::bad_alloc();
    std::memset(storage_.get(), static_cast<int>(fill), size);
  }
  [[nodiscard]] std::span<std::byte> span() { return {storage_.get(), size_}; }

 private:
  static constexpr std::size_t kPage = 4096;
  struct Free {
    void operator()(std::byte* p) const { std::free(p); }
  };
  std::unique_ptr<std::byte, Free> storage_;
  std::size_t size_;
};

/// Sends one message of `size` stamped with the send time; returns the ticks spent sending.
std::uint64_t send_stamped(Endpoint& e, std::span<std::byte> msg, bool zero_copy) {
  const std::uint64_t t0 = ticks();
  if (zero_copy) {
    std::span<std::byte> slot = e.acquire(msg.size());
    std::memcpy(slot.data(), msg.data(), msg.size());
    std::memcpy(slot.data(), &t0, sizeof t0);
    if (const Status s = e.commit(msg.size()); s != Status::kOk) throw channel::ChannelError("commit", s);
  } else {
    std::memcpy(msg.data(), &t0, sizeof t0);
    e.send(msg);
  }
  return ticks() - t0;
}

struct Received {
  std::uint64_t stamp = 0;   // the writer's send time
  std::uint64_t cycles = 0;  // ticks in the successful receive
  std::uint64_t done = 0;    // when it completed
};

/// Polls until a message arrives; times only the call that returned it.
Received receive_stamped(Endpoint& e, std::span<std::byte> buf, bool zero_copy) {
  for (;;) {
    const std::uint64_t t0 = ticks();
    Received r;
    Status s = Status::kOk;
    if (zero_copy) {
      std::span<const std::byte> m;
      s = e.try_peek(m);
      if (s == Status::kOk) {
        std::memcpy(&r.stamp, m.data(), sizeof r.stamp);  // consumed in place
        s = e.release();
      }
    } else {
      std::size_t n = 0;
      s = e.try_receive(buf, n);
      if (s == Status::kOk) std::memcpy(&r.stamp, buf.data(), sizeof r.stamp);
    }
    if (s == Status::kOk) {
      r.done = ticks();
      r.cycles = r.done - t0;
      return r;
    }
    if (s != Status::kWouldBlock) throw channel::ChannelError("receive", s);
    _mm_pause();
  }
}

/// Sizes up to this also run the burst in batches (small messages: the index update dominates).
constexpr std::size_t kMaxBatchedSize = 64;

/// The burst again, `batch` messages per publication; the first carries the send time.
void send_batched(Endpoint& e, std::span<std::byte> msg, std::uint64_t burst, std::size_t batch) {
  const std::uint64_t t0 = ticks();
  std::memcpy(msg.data(), &t0, sizeof t0);
  const std::vector<std::span<const std::byte>> messages(batch, msg);
  for (std::uint64_t left = burst; left > 0;) {
    std::size_t sent = 0;
    const Status s = e.try_send_batch(std::span(messages).first(std::min<std::uint64_t>(batch, left)), sent);
    if (s == Status::kWouldBlock) {
      _mm_pause();
      continue;
    }
    if (s != Status::kOk) throw channel::ChannelError("send batch", s);
    left -= sent;
  }
}

/// Receives the batched burst; returns ticks from the first message's send to the last's receive.
std::uint64_t receive_batched(Endpoint& e, std::size_t size, std::uint64_t burst, std::size_t batch) {
  std::vector<std::byte> buf(batch * size);
  std::vector<std::size_t> sizes(batch);
  std::uint64_t first = 0;
  for (std::uint64_t got = 0; got < burst;) {
    std::size_t n = 0;
    const Status s = e.try_receive_batch(buf, sizes, n);
    if (s == Status::kWouldBlock) {
      _mm_pause();
      continue;
    }
    if (s != Status::kOk) throw channel::ChannelError("receive batch", s);
    if (got == 0) std::memcpy(&first, buf.data(), sizeof first);
    got += n;
  }
  const std::uint64_t last = ticks();
  return last > first ? last - first : 0;
}

/// Untimed messages of the largest size that take the ring through one full lap, so no timed
/// message is the first to touch a part of the ring (docs/evaluation.md, "What the first full
/// runs showed", item 6).
constexpr std::uint64_t kWarmupMessages = 6;

void writer(realm::Realm& r, Endpoint& e, const std::vector<std::uint64_t>& sizes, std::uint64_t count,
            std::uint64_t burst, bool zero_copy, std::size_t batch) {
  std::array<std::byte, 1> ack{};
  PageBuffer buffer(*std::max_element(sizes.begin(), sizes.end()), std::byte{0x5A});
  for (std::uint64_t i = 0; i < kWarmupMessages; ++i) {
    e.send(buffer.span());
    (void)e.receive(ack);
  }
  for (std::size_t size : sizes) {
    const std::span<std::byte> msg = buffer.span().first(size);
    const std::uint64_t core_before = core_kernel_ticks();
    std::vector<std::uint64_t> send;
    for (std::uint64_t i = 0; i < count; ++i) {
      send.push_back(send_stamped(e, msg, zero_copy));
      (void)e.receive(ack);
    }
    for (std::uint64_t i = 0; i < burst; ++i) (void)send_stamped(e, msg, zero_copy);
    (void)e.receive(ack);
    if (batch > 0 && size <= kMaxBatchedSize) {
      send_batched(e, msg, burst, batch);
      (void)e.receive(ack);
    }
    const std::uint64_t core = std::max(core_before, core_kernel_ticks());
    r.print("W size=" + std::to_string(size) + " send=" + triple(summarize(send)) + " send_mean=" + decimal(steady_mean(send)) +
            " core=" + std::to_string(core) + "\n");
  }
}

void reader(realm::Realm& r, Endpoint& e, const std::vector<std::uint64_t>& sizes, std::uint64_t count,
            std::uint64_t burst, bool zero_copy, std::size_t batch) {
  const std::array<std::byte, 1> ack{};
  PageBuffer buffer(*std::max_element(sizes.begin(), sizes.end()));
  for (std::uint64_t i = 0; i < kWarmupMessages; ++i) {
    (void)e.receive(buffer.span());
    e.send(ack);
  }
  for (std::size_t size : sizes) {
    const std::span<std::byte> buf = buffer.span().first(size);
    const std::uint64_t core_before = core_kernel_ticks();
    std::vector<std::uint64_t> recv, lat;
    for (std::uint64_t i = 0; i < count; ++i) {
      const Received m = receive_stamped(e, buf, zero_copy);
      recv.push_back(m.cycles);
      lat.push_back(m.done > m.stamp ? m.done - m.stamp : 0);
      e.send(ack);
    }
    std::uint64_t first = 0, last = 0;
    for (std::uint64_t i = 0; i < burst; ++i) {
      const Received m = receive_stamped(e, buf, zero_copy);
      if (i == 0) first = m.stamp;
      last = m.done;
    }
    e.send(ack);
    std::string batched;
    if (batch > 0 && size <= kMaxBatchedSize) {
      batched = " batched_ticks=" + std::to_string(receive_batched(e, size, burst, batch));
      e.send(ack);
    }
    const std::uint64_t core = std::max(core_before, core_kernel_ticks());
    r.print("R size=" + std::to_string(size) + " recv=" + triple(summarize(recv)) + " recv_mean=" + decimal(steady_mean(recv)) +
            " lat=" + triple(summarize(lat)) +
            " burst=" + std::to_string(burst) + " burst_ticks=" + std::to_string(last - first) + batched +
            " core=" + std::to_string(core) + "\n");
  }
}

int bench_comm(realm::Realm& r) {
  const channel::Args a = channel::parse_args(r.args());
  const bool is_writer = a.contains("bench-role") && a.at("bench-role") == "writer";
  channel::ChannelSpec spec = channel::channel_spec(r, a, is_writer);
  spec.wait.relax = [] { _mm_pause(); };  // pure polling, as the paper measures
  const auto sizes = parse_list(a.contains("sizes") ? a.at("sizes") : "64");
  const std::uint64_t count = channel::number(a, "count", 100);
  const std::uint64_t burst = channel::number(a, "burst", 100);
  channel::Connection c = channel::connect(r, spec);
  const bool zero_copy = spec.transport == channel::Transport::kCsmZeroCopy;
  const std::size_t batch = channel::number(a, "batch", 0);
  if (is_writer) {
    writer(r, *c.endpoint, sizes, count, burst, zero_copy, batch);
  } else {
    reader(r, *c.endpoint, sizes, count, burst, zero_copy, batch);
  }
  return 0;
}
CAEC_REALM_PROGRAM("bench-comm", bench_comm);

}  // namespace
}  // namespace caec::bench
