#include "channel/sealed_endpoint.h"

#include <cstring>

namespace caec::channel {

namespace {

constexpr std::size_t kFrameOverhead = sealed_frame_size(0);

std::span<const std::uint8_t> as_u8(std::span<const std::byte> b) {
  // SAFETY: reinterpreting bytes as unsigned bytes.
  return {reinterpret_cast<const std::uint8_t*>(b.data()), b.size()};
}

FrameConfig for_session(FrameConfig config, const SessionKeys& keys) {
  config.session_id = keys.session_id;
  return config;
}

}  // namespace

SealedEndpoint::SealedEndpoint(std::unique_ptr<Endpoint> frames, const SessionKeys& keys, Role role,
                               const FrameConfig& config, WaitPolicy wait)
    : Endpoint(std::move(wait)),
      frames_(std::move(frames)),
      sealer_(for_session(config, keys), keys.send(role)),
      opener_(for_session(config, keys), keys.receive(role)),
      frame_copy_(frames_->max_message()) {}

std::size_t SealedEndpoint::max_message() const { return frames_->max_message() - kFrameOverhead; }

Status SealedEndpoint::try_send(std::span<const std::byte> message) {
  if (message.size() > max_message()) return Status::kTooLarge;
  std::span<std::byte> slot;
  if (const Status s = frames_->try_acquire(sealed_frame_size(message.size()), slot); s != Status::kOk) return s;
  // SAFETY: the slot is plain bytes in the ring.
  const std::span out(reinterpret_cast<std::uint8_t*>(slot.data()), slot.size());
  const std::size_t n = sealer_.seal(as_u8(message), out);
  return frames_->commit(n);
}

Status SealedEndpoint::try_receive(std::span<std::byte> buffer, std::size_t& size) {
  std::span<const std::byte> frame;
  if (const Status s = frames_->try_peek(frame); s != Status::kOk) return s;
  if (frame.size() < kFrameOverhead || frame.size() > frame_copy_.size()) {
    ++refused_;
    last_refusal_ = OpenResult::kTruncated;
    (void)frames_->release();
    return Status::kCorrupt;
  }
  if (frame.size() - kFrameOverhead > buffer.size()) return Status::kTooLarge;  // nothing consumed
  // Copy first: the host can rewrite the frame while we open it.
  const std::size_t n = frame.size();
  std::memcpy(frame_copy_.data(), frame.data(), n);
  if (const Status s = frames_->release(); s != Status::kOk) return s;
  // SAFETY: the caller's buffer as unsigned bytes.
  const std::span out(reinterpret_cast<std::uint8_t*>(buffer.data()), buffer.size());
  const OpenResult r = opener_.open(std::span(frame_copy_.data(), n), out, size);
  if (r == OpenResult::kOk) return Status::kOk;
  ++refused_;
  last_refusal_ = r;
  return Status::kCorrupt;
}

}  // namespace caec::channel
