// Fuzzes FrameOpener::open (channel/sealed/frame.h) as the hypervisor would attack it: the
// input is a script of genuine frames sealed with fixed keys, delivered as they are, mutated
// (bit flips, truncation, extension, rewritten header fields, one frame's header on another's
// body), replayed, reordered, or replaced by arbitrary bytes (docs/hardening.md).
//
// The model is the opener's contract: the genuine frame with the sequence number the opener
// expects next opens (if its payload fits the caller's buffer) and yields its payload; a frame
// that opens is one the sealer makes at that sequence (a shadow sealer, kept in step with the
// opener, re-seals the payload and must produce the same bytes: with keys fixed across inputs,
// libFuzzer may well bring in a genuine frame from another run); any other frame changes nothing
// in the opener and leaves no plaintext in the caller's buffer.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "channel/sealed/frame.h"
#include "fuzz/fuzz_support.h"

namespace caec::channel {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint64_t kSession = 0x5e55'1000'cae0'0001;
constexpr std::uint32_t kMaxPayload = 512;
constexpr std::uint8_t kCanary = 0xa5;

[[noreturn]] void fail(const std::string& what) {
  fuzz::fail("sealed_frame_fuzzer", what);
}

DirectionKey fixed_key() {
  DirectionKey k;
  std::iota(k.key.mutable_bytes().begin(), k.key.mutable_bytes().end(), std::uint8_t{1});
  std::iota(k.salt.begin(), k.salt.end(), std::uint8_t{101});
  return k;
}

struct Sealed {
  Bytes frame;
  Bytes payload;
};

class Harness {
 public:
  explicit Harness(FuzzedDataProvider& in)
      : in_(in),
        sealer_(config(), fixed_key()),
        opener_(config(), fixed_key()),
        shadow_(config(), fixed_key()) {}

  void step() {
    switch (in_.ConsumeIntegralInRange(0, 5)) {
      case 0: seal(); break;
      case 1: deliver(genuine(), kMaxPayload); break;
      case 2: deliver(mutated(genuine()), kMaxPayload); break;
      case 3:
        deliver(in_.ConsumeBytes<std::uint8_t>(in_.ConsumeIntegralInRange<std::size_t>(0, 600)),
                kMaxPayload);
        break;
      case 4: deliver(genuine(), in_.ConsumeIntegralInRange<std::size_t>(0, kMaxPayload)); break;
      default: deliver(spliced(), kMaxPayload); break;
    }
  }

 private:
  FrameConfig config() {
    // The two ends may use different AES-GCM backends; rotation must agree (it is fixed per
    // input, down to a new key after every frame).
    const auto backend = [&] { return std::string(in_.ConsumeBool() ? "mbedtls" : "openssl"); };
    if (rotation_.max_frames == 0) {
      rotation_.max_frames = in_.ConsumeIntegralInRange<std::uint64_t>(1, 5);
      rotation_.max_bytes = in_.ConsumeIntegralInRange<std::uint64_t>(1, 4096);
    }
    return FrameConfig{.backend = backend(),
                       .session_id = kSession,
                       .rotation = rotation_,
                       .max_payload = kMaxPayload};
  }

  void seal() {
    const std::size_t n = in_.ConsumeIntegralInRange<std::size_t>(0, kMaxPayload);
    Bytes payload = in_.ConsumeBytes<std::uint8_t>(n);
    sealed_.push_back({sealer_.seal(payload), std::move(payload)});
  }

  /// A frame the sealer made (the next one the opener expects, most often), or none yet.
  Bytes genuine() {
    if (sealed_.empty()) return {};
    const std::size_t expected = std::min<std::size_t>(opener_.next_sequence(), sealed_.size() - 1);
    const std::size_t i = in_.ConsumeBool()
                              ? expected
                              : in_.ConsumeIntegralInRange<std::size_t>(0, sealed_.size() - 1);
    return sealed_[i].frame;
  }

  Bytes mutated(Bytes f) {
    switch (in_.ConsumeIntegralInRange(0, 3)) {
      case 0:
        if (!f.empty()) {
          const std::size_t bit = in_.ConsumeIntegralInRange<std::size_t>(0, f.size() * 8 - 1);
          f[bit / 8] = static_cast<std::uint8_t>(f[bit / 8] ^ (1U << (bit % 8)));
        }
        break;
      case 1: f.resize(in_.ConsumeIntegralInRange<std::size_t>(0, f.size())); break;
      case 2: {
        const Bytes tail =
            in_.ConsumeBytes<std::uint8_t>(in_.ConsumeIntegralInRange<std::size_t>(1, 32));
        f.insert(f.end(), tail.begin(), tail.end());
        break;
      }
      default: {
        // Rewrite one header field (magic, session, epoch, sequence, payload size).
        constexpr std::size_t kFields[][2] = {{0, 4}, {4, 8}, {12, 4}, {16, 8}, {24, 4}};
        const auto& field = kFields[in_.ConsumeIntegralInRange<std::size_t>(0, 4)];
        const std::uint64_t v = in_.ConsumeIntegral<std::uint64_t>();
        if (f.size() >= field[0] + field[1]) std::memcpy(f.data() + field[0], &v, field[1]);
        break;
      }
    }
    return f;
  }

  /// One genuine frame's header with another's ciphertext and tag.
  Bytes spliced() {
    Bytes head = genuine();
    const Bytes body = genuine();
    if (head.size() < kFrameHeaderSize || body.size() < kFrameHeaderSize) return head;
    head.resize(kFrameHeaderSize);
    head.insert(head.end(), body.begin() + kFrameHeaderSize, body.end());
    return head;
  }

  void deliver(const Bytes& frame, std::size_t capacity) {
    const std::uint64_t seq = opener_.next_sequence();
    const std::uint32_t epoch = opener_.epoch();
    const Sealed* next = seq < sealed_.size() ? &sealed_[seq] : nullptr;
    const bool should_open =
        next != nullptr && frame == next->frame && next->payload.size() <= capacity;

    Bytes out(capacity, kCanary);
    std::size_t size = 0;
    const OpenResult r = opener_.open(frame, out, size);
    if (should_open && r != OpenResult::kOk) {
      fail("the genuine next frame (sequence " + std::to_string(seq) +
           ") did not open: " + std::string(to_string(r)));
    }
    if (r == OpenResult::kOk) {
      const std::span<const std::uint8_t> payload(out.data(), size);
      if (shadow_.seal(payload) != frame)
        fail("a frame the sealer would not make opened (a forgery)");
      if (should_open &&
          !std::equal(payload.begin(), payload.end(), next->payload.begin(), next->payload.end())) {
        fail("an opened frame yields another payload than was sealed");
      }
      if (opener_.next_sequence() != seq + 1) fail("an opened frame did not advance the sequence");
      return;
    }
    if (opener_.next_sequence() != seq || opener_.epoch() != epoch)
      fail("a rejected frame changed the opener");
    if (std::any_of(out.begin(), out.end(),
                    [](std::uint8_t b) { return b != kCanary && b != 0; })) {
      fail(std::string("a rejected frame (") + std::string(to_string(r)) +
           ") left bytes in the caller's buffer");
    }
  }

  FuzzedDataProvider& in_;
  RotationPolicy rotation_{.max_frames = 0, .max_bytes = 0};
  FrameSealer sealer_;
  FrameOpener opener_;
  FrameSealer shadow_;  // at the opener's next sequence, always
  std::vector<Sealed> sealed_;
};

}  // namespace
}  // namespace caec::channel

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  caec::fuzz::run_steps<caec::channel::Harness>(data, size, 64);
  return 0;
}
