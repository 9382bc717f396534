// A single-producer/single-consumer ring of variable-size messages in memory two realms share
// (a CSM region or host-visible pages): the paper's polling channel, with the reader's consumed
// count as the acknowledgement slot.
//
// Layout (offsets in bytes, little-endian):
//   0    header     magic, version, capacity (power of two), max_message   (written once)
//   64   writer     head: bytes published; closed; waiting for space        (writer's line)
//   128  reader     tail: bytes consumed = the acknowledgement; closed;
//                   waiting for data                                        (reader's line)
//   192  data       capacity bytes of records
// Record: u32 length, u32 kind (message | padding to the end), payload, padding to 8 bytes.
// Head, tail and closed flags each sit on their own cache line, so the two PEs never write the
// same line. Neither side trusts what the other wrote: the reader checks every length and index
// it reads against the values it took at attach time (kCorrupt otherwise), and reads each once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "channel/status.h"

namespace caec::channel {

inline constexpr std::size_t kRingHeaderBytes = 192;
inline constexpr std::size_t kRecordHeaderBytes = 8;

/// The largest power-of-two data capacity that fits in `bytes` of shared memory.
[[nodiscard]] std::size_t ring_capacity_for(std::size_t bytes);

class RingWriter {
 public:
  RingWriter() = default;
  /// Formats `memory` as an empty ring for messages of at most `max_message` bytes. Fails with
  /// kTooLarge if the memory cannot hold one such message.
  [[nodiscard]] static Status create(std::span<std::byte> memory, std::size_t max_message, RingWriter& out);

  [[nodiscard]] std::size_t max_message() const { return max_message_; }
  /// A slot of `size` bytes in the ring to fill in place (zero-copy); kWouldBlock when full.
  [[nodiscard]] Status try_acquire(std::size_t size, std::span<std::byte>& slot);
  /// Publishes the first `size` bytes of the acquired slot.
  [[nodiscard]] Status commit(std::size_t size);
  /// try_acquire + copy + commit.
  [[nodiscard]] Status try_write(std::span<const std::byte> message);
  /// Writes the longest prefix of `messages` that fits and publishes it with one head update,
  /// so the reader's PE fetches the writer's line once per batch rather than once per message.
  /// `written` is how many went; kWouldBlock (none went) if not even the first fits.
  [[nodiscard]] Status try_write_batch(std::span<const std::span<const std::byte>> messages, std::size_t& written);
  /// True once the reader has consumed everything published.
  [[nodiscard]] bool drained() const;
  void close();
  [[nodiscard]] bool peer_closed() const;
  /// Doorbell protocol: a side about to sleep says so, then polls once more; the other side
  /// checks the flag after it published (a full fence between), so one of them sees the other.
  void set_waiting(bool waiting);
  [[nodiscard]] bool reader_waiting() const;

 private:
  [[nodiscard]] Status free_space(std::uint64_t& free) const;
  /// Completes the acquired record (its header) in the ring without publishing it.
  [[nodiscard]] Status stage(std::size_t size);
  void publish() const;

  std::byte* base_ = nullptr;
  std::uint64_t capacity_ = 0;
  std::uint64_t max_message_ = 0;
  std::uint64_t head_ = 0;      // our own count; never read back from shared memory
  std::uint64_t acquired_ = 0;  // size of the acquired slot, 0 if none
  std::uint64_t slot_at_ = 0;   // head value where the acquired record starts
};

class RingReader {
 public:
  RingReader() = default;
  /// Attaches to a ring the writer formatted in `memory`: kWouldBlock until it has, kCorrupt if
  /// the header does not describe a ring that fits in `memory`.
  [[nodiscard]] static Status attach(std::span<std::byte> memory, RingReader& out);

  [[nodiscard]] std::size_t max_message() const { return max_message_; }
  /// The next message in place (zero-copy); valid until release().
  [[nodiscard]] Status try_peek(std::span<const std::byte>& message);
  [[nodiscard]] Status release();
  /// try_peek + copy + release; kTooLarge (nothing consumed) if `buffer` is too small.
  [[nodiscard]] Status try_read(std::span<std::byte> buffer, std::size_t& size);
  /// Reads up to `sizes.size()` messages back to back into `buffer` (while they fit) and
  /// acknowledges them with one tail update. `count` is how many were read, their lengths in
  /// `sizes`; kWouldBlock if none was there, kTooLarge if the first does not fit (nothing read).
  [[nodiscard]] Status try_read_batch(std::span<std::byte> buffer, std::span<std::size_t> sizes, std::size_t& count);
  void close();
  [[nodiscard]] bool peer_closed() const;
  void set_waiting(bool waiting);
  [[nodiscard]] bool writer_waiting() const;

 private:
  std::byte* base_ = nullptr;
  std::uint64_t capacity_ = 0;
  std::uint64_t max_message_ = 0;
  std::uint64_t tail_ = 0;     // our own count
  std::uint64_t peeked_ = 0;   // bytes the peeked record occupies, 0 if none

  void acknowledge() const;
};

}  // namespace caec::channel
