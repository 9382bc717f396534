// One end of a bidirectional message channel between two realms. Every transport implements
// this interface, so an application switches transport by changing one value (channel/connect.h)
// and benchmarks compare like with like.
//
// Messages keep their boundaries and are at most max_message() bytes. The try_ forms never
// block; the blocking forms wait adaptively — spin with a pause instruction, then relax the PE
// between polls (cpu_relax: a pending interrupt is taken), then, if the policy has a doorbell,
// sleep (WFI) until the peer rings it — and throw ChannelError for any status but kOk.
// Doorbells only save spinning: a lost or forged one costs time, never data.
#pragma once

#include <cstddef>
#include <functional>
#include <span>

#include "channel/status.h"

namespace caec::channel {

/// How a blocked end waits between polls.
struct WaitPolicy {
  /// Polls with only a pause instruction between them before the first relax().
  unsigned spin_polls = 4096;
  /// What to do between later polls (in a realm: Realm::cpu_relax).
  std::function<void()> relax{};
  /// Relaxed polls before the end sleeps (only with `sleep`).
  unsigned relax_polls = 256;
  /// Sleep until woken (in a realm: WFI); empty: never sleep.
  std::function<void()> sleep{};
  /// Wake the peer if it sleeps (a doorbell host call); empty: the peer polls.
  std::function<void()> notify{};
  /// Polls after which a blocking call fails with kTimedOut; 0: never.
  std::uint64_t max_polls = 0;
};

/// What a sleeping end waits for.
enum class Want : std::uint8_t { kData, kSpace };

class Endpoint {
 public:
  explicit Endpoint(WaitPolicy wait) : wait_(std::move(wait)) {}
  virtual ~Endpoint() = default;
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  [[nodiscard]] virtual std::size_t max_message() const = 0;
  [[nodiscard]] virtual Status try_send(std::span<const std::byte> message) = 0;
  /// Receives into `buffer`; `size` is the message's length. kTooLarge (nothing consumed) if
  /// `buffer` is smaller than the next message.
  [[nodiscard]] virtual Status try_receive(std::span<std::byte> buffer, std::size_t& size) = 0;

  // Batches: many small messages for one publication (the ring transports publish a batch with
  // one index update; the others send them one by one). Never partial per message.
  /// Sends the longest prefix of `messages` that fits now; `sent` is its length. kWouldBlock
  /// if none went.
  [[nodiscard]] virtual Status try_send_batch(std::span<const std::span<const std::byte>> messages, std::size_t& sent);
  /// Receives up to `sizes.size()` messages back to back into `buffer`; `count` is how many,
  /// their lengths in `sizes`. kWouldBlock if none was there.
  [[nodiscard]] virtual Status try_receive_batch(std::span<std::byte> buffer, std::span<std::size_t> sizes,
                                                 std::size_t& count);

  // Zero-copy, where the transport allows it (kUnsupported otherwise).
  /// A slot of `size` bytes to fill in place; then commit() publishes its first n bytes.
  [[nodiscard]] virtual Status try_acquire(std::size_t size, std::span<std::byte>& slot);
  [[nodiscard]] virtual Status commit(std::size_t size);
  /// The next message in place; valid until release().
  [[nodiscard]] virtual Status try_peek(std::span<const std::byte>& message);
  [[nodiscard]] virtual Status release();

  /// Tells the peer this end sends and receives no more.
  virtual void close() = 0;

  /// Doorbell protocol: this end is about to sleep waiting for `want` (or has woken up). False
  /// if the peer could not see it (the end must not sleep then).
  virtual bool announce_waiting(Want want, bool waiting);

  // ---- Blocking forms ----
  void send(std::span<const std::byte> message);
  /// Returns the message's length.
  [[nodiscard]] std::size_t receive(std::span<std::byte> buffer);
  [[nodiscard]] std::span<std::byte> acquire(std::size_t size);
  [[nodiscard]] std::span<const std::byte> peek();

 protected:
  /// After publishing: rings the peer's doorbell if it sleeps (`peer_sleeps` is only evaluated
  /// when there is a doorbell, so polling-only channels pay nothing for it).
  template <class PeerSleeps>
  void wake_peer_if(PeerSleeps&& peer_sleeps) {
    if (wait_.notify && peer_sleeps()) wait_.notify();
  }

 private:
  /// Polls `attempt` until it returns something other than kWouldBlock.
  template <class Attempt>
  Status poll(Want want, Attempt&& attempt);

  WaitPolicy wait_;
};

}  // namespace caec::channel
