#include "channel/ring.h"

#include <atomic>
#include <bit>
#include <cstring>

namespace caec::channel {

namespace {

constexpr std::uint32_t kMagic = 0x52434143;  // "CACR"
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kWriterLine = 64;
constexpr std::size_t kReaderLine = 128;
constexpr std::uint32_t kKindMessage = 1;
constexpr std::uint32_t kKindPadding = 2;

struct Header {
  std::uint32_t magic;
  std::uint32_t version;
  std::uint64_t capacity;
  std::uint64_t max_message;
};

// Shared words are accessed only through atomic_ref: the other side changes them concurrently.
std::atomic_ref<std::uint64_t> word(std::byte* base, std::size_t offset) {
  // SAFETY: offsets are 8-aligned within the ring's memory; the word is only ever accessed
  // atomically by both sides.
  return std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(base + offset));
}
std::atomic_ref<std::uint64_t> head_word(std::byte* b) { return word(b, kWriterLine); }
std::atomic_ref<std::uint64_t> writer_closed(std::byte* b) { return word(b, kWriterLine + 8); }
std::atomic_ref<std::uint64_t> writer_waiting_word(std::byte* b) { return word(b, kWriterLine + 16); }
std::atomic_ref<std::uint64_t> tail_word(std::byte* b) { return word(b, kReaderLine); }
std::atomic_ref<std::uint64_t> reader_closed(std::byte* b) { return word(b, kReaderLine + 8); }
std::atomic_ref<std::uint64_t> reader_waiting_word(std::byte* b) { return word(b, kReaderLine + 16); }

// The store of the flag (or of head/tail) and the load of the other side's must not reorder:
// seq_cst on both, so either the sleeper sees the data or the publisher sees the flag.
void set_flag(std::atomic_ref<std::uint64_t> w, bool v) { w.store(v ? 1 : 0, std::memory_order_seq_cst); }
bool flag_after_publish(std::atomic_ref<std::uint64_t> w) {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return w.load(std::memory_order_seq_cst) != 0;
}

constexpr std::uint64_t round8(std::uint64_t n) { return (n + 7) & ~std::uint64_t{7}; }
std::uint64_t record_bytes(std::uint64_t payload) { return kRecordHeaderBytes + round8(payload); }

void put_record_header(std::byte* at, std::uint32_t length, std::uint32_t kind) {
  std::memcpy(at, &length, 4);
  std::memcpy(at + 4, &kind, 4);
}

}  // namespace

std::size_t ring_capacity_for(std::size_t bytes) {
  if (bytes <= kRingHeaderBytes + 64) return 0;
  return std::bit_floor(bytes - kRingHeaderBytes);
}

// ---- Writer ----

Status RingWriter::create(std::span<std::byte> memory, std::size_t max_message, RingWriter& out) {
  const std::uint64_t capacity = ring_capacity_for(memory.size());
  // A message must fit even when the ring wraps right before it (padding + record).
  if (max_message == 0 || max_message > UINT32_MAX || capacity < 2 * record_bytes(max_message)) {
    return Status::kTooLarge;
  }
  std::byte* base = memory.data();
  std::memset(base, 0, kRingHeaderBytes);
  const Header h{0, kVersion, capacity, max_message};
  std::memcpy(base, &h, sizeof h);
  // Publishing the magic last: a reader that sees it sees the rest of the header.
  std::atomic_ref<std::uint32_t>(*reinterpret_cast<std::uint32_t*>(base)).store(kMagic, std::memory_order_release);
  out = RingWriter();
  out.base_ = base;
  out.capacity_ = capacity;
  out.max_message_ = max_message;
  return Status::kOk;
}

Status RingWriter::free_space(std::uint64_t& free) const {
  const std::uint64_t tail = tail_word(base_).load(std::memory_order_acquire);
  if (tail > head_ || head_ - tail > capacity_) return Status::kCorrupt;  // the reader lied
  free = capacity_ - (head_ - tail);
  return Status::kOk;
}

Status RingWriter::try_acquire(std::size_t size, std::span<std::byte>& slot) {
  if (base_ == nullptr || size > max_message_) return Status::kTooLarge;
  if (reader_closed(base_).load(std::memory_order_acquire) != 0) return Status::kClosed;
  std::uint64_t free = 0;
  if (const Status s = free_space(free); s != Status::kOk) return s;
  const std::uint64_t at = head_ & (capacity_ - 1);
  const std::uint64_t to_end = capacity_ - at;
  const std::uint64_t need = record_bytes(size);
  // A record never wraps: if it does not fit before the end, pad to the end first.
  const std::uint64_t pad = need > to_end ? to_end : 0;
  if (pad + need > free) return Status::kWouldBlock;
  if (pad != 0) {
    put_record_header(base_ + kRingHeaderBytes + at, static_cast<std::uint32_t>(pad - kRecordHeaderBytes),
                      kKindPadding);
    head_ += pad;
  }
  slot_at_ = head_;
  acquired_ = need;
  slot = std::span(base_ + kRingHeaderBytes + (head_ & (capacity_ - 1)) + kRecordHeaderBytes, size);
  return Status::kOk;
}

Status RingWriter::stage(std::size_t size) {
  if (acquired_ == 0 || record_bytes(size) > acquired_) return Status::kTooLarge;
  put_record_header(base_ + kRingHeaderBytes + (slot_at_ & (capacity_ - 1)), static_cast<std::uint32_t>(size),
                    kKindMessage);
  head_ = slot_at_ + record_bytes(size);
  acquired_ = 0;
  return Status::kOk;
}

void RingWriter::publish() const { head_word(base_).store(head_, std::memory_order_release); }

Status RingWriter::commit(std::size_t size) {
  const Status s = stage(size);
  if (s == Status::kOk) publish();
  return s;
}

Status RingWriter::try_write(std::span<const std::byte> message) {
  std::span<std::byte> slot;
  if (const Status s = try_acquire(message.size(), slot); s != Status::kOk) return s;
  if (!message.empty()) std::memcpy(slot.data(), message.data(), message.size());  // data() may be null
  return commit(message.size());
}

Status RingWriter::try_write_batch(std::span<const std::span<const std::byte>> messages, std::size_t& written) {
  written = 0;
  for (std::span<const std::byte> message : messages) {
    std::span<std::byte> slot;
    const Status s = try_acquire(message.size(), slot);
    if (s != Status::kOk) {
      if (written == 0) return s;
      break;  // publish what fitted
    }
    if (!message.empty()) std::memcpy(slot.data(), message.data(), message.size());
    (void)stage(message.size());  // cannot fail: the slot was acquired for this size
    ++written;
  }
  if (written != 0) publish();  // a padding record alone is published with the next batch
  return written == 0 ? Status::kWouldBlock : Status::kOk;
}

bool RingWriter::drained() const { return tail_word(base_).load(std::memory_order_acquire) == head_; }

void RingWriter::close() {
  if (base_ != nullptr) writer_closed(base_).store(1, std::memory_order_release);
}

bool RingWriter::peer_closed() const { return reader_closed(base_).load(std::memory_order_acquire) != 0; }

void RingWriter::set_waiting(bool waiting) { set_flag(writer_waiting_word(base_), waiting); }

bool RingWriter::reader_waiting() const { return flag_after_publish(reader_waiting_word(base_)); }

// ---- Reader ----

Status RingReader::attach(std::span<std::byte> memory, RingReader& out) {
  if (memory.size() <= kRingHeaderBytes) return Status::kCorrupt;
  std::byte* base = memory.data();
  if (std::atomic_ref<std::uint32_t>(*reinterpret_cast<std::uint32_t*>(base)).load(std::memory_order_acquire) !=
      kMagic) {
    return Status::kWouldBlock;  // not formatted yet
  }
  Header h{};
  std::memcpy(&h, base, sizeof h);
  if (h.version != kVersion || h.capacity != ring_capacity_for(memory.size()) || h.max_message == 0 ||
      h.capacity < 2 * record_bytes(h.max_message)) {
    return Status::kCorrupt;
  }
  out = RingReader();
  out.base_ = base;
  out.capacity_ = h.capacity;
  out.max_message_ = h.max_message;
  out.tail_ = tail_word(base).load(std::memory_order_acquire);
  return Status::kOk;
}

Status RingReader::try_peek(std::span<const std::byte>& message) {
  if (base_ == nullptr) return Status::kClosed;
  for (;;) {
    const std::uint64_t head = head_word(base_).load(std::memory_order_acquire);
    if (head < tail_ || head - tail_ > capacity_) return Status::kCorrupt;
    if (head == tail_) {
      if (writer_closed(base_).load(std::memory_order_acquire) == 0) return Status::kWouldBlock;
      // Closed, but the writer publishes its last messages before it closes: one published
      // after the head was read above is visible now and must be read before kClosed.
      if (head_word(base_).load(std::memory_order_acquire) != tail_) continue;
      return Status::kClosed;
    }
    const std::uint64_t at = tail_ & (capacity_ - 1);
    std::uint32_t length = 0, kind = 0;  // read once: the writer could change them meanwhile
    std::memcpy(&length, base_ + kRingHeaderBytes + at, 4);
    std::memcpy(&kind, base_ + kRingHeaderBytes + at + 4, 4);
    const std::uint64_t bytes = record_bytes(length);
    if (bytes > capacity_ - at || bytes > head - tail_) return Status::kCorrupt;
    if (kind == kKindPadding) {
      tail_ += bytes;  // skip to the start of the data area
      tail_word(base_).store(tail_, std::memory_order_release);
      continue;
    }
    if (kind != kKindMessage || length > max_message_) return Status::kCorrupt;
    peeked_ = bytes;
    message = std::span(base_ + kRingHeaderBytes + at + kRecordHeaderBytes, length);
    return Status::kOk;
  }
}

void RingReader::acknowledge() const { tail_word(base_).store(tail_, std::memory_order_release); }

Status RingReader::release() {
  if (peeked_ == 0) return Status::kUnsupported;
  tail_ += peeked_;
  peeked_ = 0;
  acknowledge();
  return Status::kOk;
}

Status RingReader::try_read_batch(std::span<std::byte> buffer, std::span<std::size_t> sizes, std::size_t& count) {
  count = 0;
  std::size_t used = 0;
  Status s = Status::kOk;
  while (count < sizes.size()) {
    std::span<const std::byte> message;
    s = try_peek(message);
    if (s != Status::kOk) break;
    if (message.size() > buffer.size() - used) {
      peeked_ = 0;
      s = Status::kTooLarge;
      break;
    }
    if (!message.empty()) std::memcpy(buffer.data() + used, message.data(), message.size());
    used += message.size();
    sizes[count++] = message.size();
    tail_ += peeked_;  // consumed here, acknowledged once below
    peeked_ = 0;
  }
  if (count == 0) return s;
  acknowledge();
  return Status::kOk;
}

Status RingReader::try_read(std::span<std::byte> buffer, std::size_t& size) {
  std::span<const std::byte> message;
  if (const Status s = try_peek(message); s != Status::kOk) return s;
  if (message.size() > buffer.size()) {
    peeked_ = 0;
    return Status::kTooLarge;
  }
  if (!message.empty()) std::memcpy(buffer.data(), message.data(), message.size());  // data() may be null
  size = message.size();
  return release();
}

void RingReader::close() {
  if (base_ != nullptr) reader_closed(base_).store(1, std::memory_order_release);
}

bool RingReader::peer_closed() const { return writer_closed(base_).load(std::memory_order_acquire) != 0; }

void RingReader::set_waiting(bool waiting) { set_flag(reader_waiting_word(base_), waiting); }

bool RingReader::writer_waiting() const { return flag_after_publish(writer_waiting_word(base_)); }

}  // namespace caec::channel
