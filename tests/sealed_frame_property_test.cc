// Property test (RapidCheck): a hostile host sits between a FrameSealer and a FrameOpener and
// interleaves sealing with delivering, dropping, duplicating, reordering, replaying and
// corrupting frames, under random backends and tiny rotation limits. Against a model, the
// opener must accept exactly the genuine frames that arrive in sealing order, report every other
// arrival as the model says, change nothing on a rejection, and stay in step with the sealer's
// key epochs. Failing sequences are shrunk to a minimal one.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <cstdlib>
#include <deque>
#include <ostream>
#include <string>
#include <vector>

#include "channel/sealed/frame.h"

namespace caec::channel {
namespace {

using Bytes = std::vector<std::uint8_t>;

enum class Host : int { kSeal, kDeliver, kDrop, kDuplicate, kReorder, kReplay, kCorrupt };
constexpr int kHostActions = 7;

struct Step {
  Host action = Host::kSeal;
  std::size_t arg = 0;  // payload size, queue position, archive index or bit, by action
};

std::ostream& operator<<(std::ostream& os, const Step& s) {
  static constexpr const char* kNames[] = {"seal", "deliver", "drop", "duplicate", "reorder", "replay", "corrupt"};
  return os << kNames[static_cast<int>(s.action)] << "(" << s.arg << ")";
}

struct Sent {
  std::uint64_t sequence = 0;
  Bytes payload{};
  Bytes frame{};
};

/// The rotation rule restated, to predict each frame's epoch independently of EpochKeys.
struct EpochModel {
  RotationPolicy policy;
  std::uint32_t epoch = 0;
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;

  void count(std::size_t payload) {
    ++frames;
    bytes += payload;
    if (frames >= policy.max_frames || bytes >= policy.max_bytes) {
      ++epoch;
      frames = bytes = 0;
    }
  }
};

class HostedChannel {
 public:
  HostedChannel(const FrameConfig& seal_config, const FrameConfig& open_config)
      : sealer_(seal_config, key()), opener_(open_config, key()), model_{.policy = seal_config.rotation} {}

  void step(const Step& s) {
    switch (s.action) {
      case Host::kSeal: return seal(s.arg % 200);
      case Host::kDeliver:
        if (!queue_.empty()) deliver(pop());
        return;
      case Host::kDrop:
        if (!queue_.empty()) (void)pop();
        return;
      case Host::kDuplicate:
        if (!queue_.empty()) queue_.insert(queue_.begin() + 1, queue_.front());
        return;
      case Host::kReorder:
        if (queue_.size() >= 2) std::swap(queue_[0], queue_[1 + s.arg % (queue_.size() - 1)]);
        return;
      case Host::kReplay:
        if (!archive_.empty()) deliver(archive_[s.arg % archive_.size()]);
        return;
      case Host::kCorrupt:
        if (!queue_.empty()) corrupt(queue_.front(), s.arg);
        return;
    }
  }

  /// Finally the host behaves: every frame ever sealed, in order. The ones already accepted
  /// are replays; all the others open, whatever happened before.
  void deliver_everything() {
    for (const Sent& s : archive_) deliver(s);
    RC_ASSERT(opener_.next_sequence() == archive_.size());
  }

 private:
  static DirectionKey key() {
    DirectionKey k;
    k.key.mutable_bytes()[0] = 0x42;
    k.salt[0] = 0x17;
    return k;
  }

  Sent pop() {
    Sent s = std::move(queue_.front());
    queue_.pop_front();
    return s;
  }

  void seal(std::size_t size) {
    Sent s{.sequence = sealer_.next_sequence(), .payload = Bytes(size, static_cast<std::uint8_t>(size))};
    s.frame = sealer_.seal(s.payload);
    const FrameHeader h = decode_header(std::span<const std::uint8_t, kFrameHeaderSize>(s.frame.data(), kFrameHeaderSize));
    RC_ASSERT(h.sequence == s.sequence);
    RC_ASSERT(h.epoch == model_.epoch);
    model_.count(size);
    epoch_after_.push_back(model_.epoch);
    queue_.push_back(s);
    archive_.push_back(std::move(s));
  }

  void deliver(const Sent& s) {
    Bytes out;
    const OpenResult r = opener_.open(s.frame, out);
    if (s.sequence == expected_) {
      RC_ASSERT(r == OpenResult::kOk);
      RC_ASSERT(out == s.payload);
      ++expected_;
    } else {
      RC_ASSERT(r == (s.sequence < expected_ ? OpenResult::kReplayed : OpenResult::kGap));
      RC_ASSERT(out.empty());
    }
    check_in_step();
  }

  void corrupt(const Sent& s, std::size_t bit) {
    Bytes bad = s.frame;
    bit %= bad.size() * 8;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    Bytes out;
    RC_ASSERT(opener_.open(bad, out) != OpenResult::kOk);
    RC_ASSERT(out.empty());
    check_in_step();
  }

  /// The opener is where the model says: next sequence, and the epoch the sealer was in
  /// when it sealed that frame.
  void check_in_step() const {
    RC_ASSERT(opener_.next_sequence() == expected_);
    RC_ASSERT(opener_.epoch() == (expected_ == 0 ? 0u : epoch_after_[expected_ - 1]));
  }

  FrameSealer sealer_;
  FrameOpener opener_;
  EpochModel model_;
  std::deque<Sent> queue_;       // what the host holds, front first
  std::vector<Sent> archive_;    // everything sealed, by sequence
  std::vector<std::uint32_t> epoch_after_;  // the sealer's epoch after each sequence
  std::uint64_t expected_ = 0;   // the model opener's next sequence
};

TEST(SealedFrameProperty, opener_accepts_exactly_the_in_order_genuine_frames) {
  // 500 sequences of up to 100 steps by default (a user's RC_PARAMS, e.g. a seed, wins).
  setenv("RC_PARAMS", "max_success=500", /*overwrite=*/0);
  EXPECT_TRUE(rc::check("in-order genuine frames only", [] {
    // Each end draws its backend: the wire format is the same.
    const auto backend = rc::gen::element<std::string>("openssl", "mbedtls");
    const RotationPolicy rotation{.max_frames = *rc::gen::inRange<std::uint64_t>(1, 6),
                                  .max_bytes = *rc::gen::inRange<std::uint64_t>(1, 600)};
    const FrameConfig seal_config{.backend = *backend, .session_id = 7, .rotation = rotation};
    const FrameConfig open_config{.backend = *backend, .session_id = 7, .rotation = rotation};
    const auto steps = *rc::gen::container<std::vector<Step>>(rc::gen::apply(
        [](int action, std::size_t arg) { return Step{.action = static_cast<Host>(action), .arg = arg}; },
        rc::gen::inRange(0, kHostActions), rc::gen::inRange<std::size_t>(0, 4096)));
    HostedChannel run(seal_config, open_config);
    for (const Step& s : steps) run.step(s);
    run.deliver_everything();
  }));
}

}  // namespace
}  // namespace caec::channel
