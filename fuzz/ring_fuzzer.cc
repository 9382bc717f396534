// Fuzzes the SPSC ring (channel/ring.h) against hostile shared memory (docs/hardening.md): the
// input chooses the ring's size, whether a genuine writer formats it or the input's bytes are the
// memory as found, and then a script of writes (copy and zero-copy), reads, peeks, closes and
// scribbles: a hostile peer writing arbitrary bytes anywhere in the shared memory between two
// operations.
//
// The memory is a heap block of exactly the ring's size, so AddressSanitizer reports any access
// outside it. Beyond that, every message the reader returns must lie inside the ring's data area
// and be at most max_message bytes; and until the first scribble the ring must behave exactly
// like a FIFO queue of the messages written (same messages, same order, nothing lost).
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <span>
#include <string>
#include <vector>

#include "channel/ring.h"
#include "fuzz/fuzz_support.h"

namespace caec::channel {
namespace {

using Message = std::vector<std::byte>;

[[noreturn]] void fail(const std::string& what) {
  fuzz::fail("ring_fuzzer", what);
}

class Harness {
 public:
  explicit Harness(FuzzedDataProvider& in)
      : in_(in), memory_(kRingHeaderBytes + in.ConsumeIntegralInRange<std::size_t>(0, 4096)) {
    if (in_.ConsumeBool()) {
      // A genuine writer formats the ring.
      const auto max = in_.ConsumeIntegralInRange<std::size_t>(0, memory_.size());
      if (RingWriter::create(memory_, max, writer_) == Status::kOk) has_writer_ = true;
    } else {
      // The memory is whatever the peer left there.
      const auto bytes = in_.ConsumeBytes<std::byte>(memory_.size());
      std::copy(bytes.begin(), bytes.end(), memory_.begin());
      tainted_ = true;
    }
    attached_ = RingReader::attach(memory_, reader_) == Status::kOk;
  }

  void step() {
    switch (in_.ConsumeIntegralInRange(0, 7)) {
      case 0: write(false); break;
      case 1: write(true); break;
      case 2: read(); break;
      case 3: peek(); break;
      case 4: scribble(); break;
      case 5:
        if (!attached_) attached_ = RingReader::attach(memory_, reader_) == Status::kOk;
        break;
      case 6: close_or_wait(); break;
      default: scribble_word(); break;
    }
  }

 private:
  /// A message of the input's bytes.
  Message message() {
    return in_.ConsumeBytes<std::byte>(in_.ConsumeIntegralInRange<std::size_t>(0, 600));
  }

  void write(bool zero_copy) {
    if (!has_writer_) return;
    Message m = message();
    Status s = Status::kOk;
    if (zero_copy) {
      std::span<std::byte> slot;
      s = writer_.try_acquire(m.size(), slot);
      if (s == Status::kOk) {
        if (slot.size() != m.size() || slot.data() < memory_.data() + kRingHeaderBytes ||
            slot.data() + slot.size() > memory_.data() + memory_.size()) {
          fail("try_acquire returned a slot outside the ring's data area");
        }
        std::copy(m.begin(), m.end(), slot.begin());
        s = writer_.commit(m.size());
      }
    } else {
      s = writer_.try_write(m);
    }
    if (s == Status::kOk) {
      model_.push_back(std::move(m));
    } else if (!tainted_ && s != Status::kWouldBlock && s != Status::kTooLarge &&
               s != Status::kClosed) {
      fail("an honest ring refused a write: " + std::string(status_name(s)));
    }
  }

  void check_inside(std::span<const std::byte> m) {
    const std::byte* data_area = memory_.data() + kRingHeaderBytes;
    if (m.data() < data_area || m.data() + m.size() > memory_.data() + memory_.size()) {
      fail("the reader returned a message outside the ring's data area");
    }
    if (m.size() > reader_.max_message()) fail("the reader returned a message above max_message");
  }

  void read() {
    if (!attached_) return;
    Message buffer(in_.ConsumeIntegralInRange<std::size_t>(0, 700));
    std::size_t size = 0;
    const Status s = reader_.try_read(buffer, size);
    if (s == Status::kOk && size > reader_.max_message())
      fail("the reader returned a message above max_message");
    if (tainted_) return;
    if (model_.empty()) {
      if (s != Status::kWouldBlock && s != Status::kClosed)
        fail("an empty honest ring read " + std::string(status_name(s)));
      return;
    }
    const Message& front = model_.front();
    if (front.size() > buffer.size()) {
      if (s != Status::kTooLarge) fail("a too small buffer did not give kTooLarge");
      return;
    }
    if (s != Status::kOk ||
        !std::equal(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(size),
                    front.begin(), front.end())) {
      fail("an honest ring did not return the next message written: " +
           std::string(status_name(s)));
    }
    model_.pop_front();
  }

  void peek() {
    if (!attached_) return;
    std::span<const std::byte> m;
    if (reader_.try_peek(m) != Status::kOk) return;
    check_inside(m);
    if (!tainted_ && (model_.empty() || !std::equal(m.begin(), m.end(), model_.front().begin(),
                                                    model_.front().end()))) {
      fail("an honest ring peeked another message than the next one written");
    }
    if (in_.ConsumeBool() && reader_.release() == Status::kOk && !tainted_) model_.pop_front();
  }

  /// The hostile peer writes arbitrary bytes anywhere in the shared memory.
  void scribble() {
    const auto at = in_.ConsumeIntegralInRange<std::size_t>(0, memory_.size() - 1);
    const auto bytes = in_.ConsumeBytes<std::byte>(in_.ConsumeIntegralInRange<std::size_t>(1, 16));
    std::copy_n(bytes.begin(), std::min(bytes.size(), memory_.size() - at),
                memory_.begin() + static_cast<std::ptrdiff_t>(at));
    tainted_ = true;
  }

  /// The hostile peer sets one of the shared words (head, tail, closed, waiting, a record
  /// header) to an arbitrary value: what a peer that knows the layout would do.
  void scribble_word() {
    const auto word = in_.ConsumeIntegralInRange<std::size_t>(0, memory_.size() / 8 - 1);
    const auto value = in_.ConsumeIntegral<std::uint64_t>();
    std::memcpy(memory_.data() + word * 8, &value, sizeof value);
    tainted_ = true;
  }

  void close_or_wait() {
    switch (in_.ConsumeIntegralInRange(0, 3)) {
      case 0:
        if (has_writer_) writer_.close();
        break;
      case 1:
        if (attached_) reader_.close();
        break;
      case 2:
        if (has_writer_) {
          writer_.set_waiting(in_.ConsumeBool());
          (void)writer_.reader_waiting();
          (void)writer_.peer_closed();
          (void)writer_.drained();
        }
        break;
      default:
        if (attached_) {
          reader_.set_waiting(in_.ConsumeBool());
          (void)reader_.writer_waiting();
          (void)reader_.peer_closed();
        }
        break;
    }
  }

  FuzzedDataProvider& in_;
  std::vector<std::byte> memory_;
  RingWriter writer_;
  RingReader reader_;
  bool has_writer_ = false;
  bool attached_ = false;
  bool tainted_ = false;       // a scribble happened: only the safety checks apply
  std::deque<Message> model_;  // what an honest ring holds
};

}  // namespace
}  // namespace caec::channel

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  caec::fuzz::run_steps<caec::channel::Harness>(data, size, 256);
  return 0;
}
