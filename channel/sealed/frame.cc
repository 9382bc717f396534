#include "channel/sealed/frame.h"

#include <algorithm>
#include <stdexcept>

namespace caec::channel {

std::string_view to_string(OpenResult r) {
  switch (r) {
    case OpenResult::kOk: return "ok";
    case OpenResult::kTruncated: return "truncated";
    case OpenResult::kBadHeader: return "bad header";
    case OpenResult::kWrongSession: return "wrong session";
    case OpenResult::kReplayed: return "replayed";
    case OpenResult::kGap: return "gap";
    case OpenResult::kForged: return "forged";
    case OpenResult::kTooLarge: return "too large";
  }
  return "?";
}

FrameEndpoint::FrameEndpoint(const FrameConfig& config, const DirectionKey& key)
    : session_id_(config.session_id),
      max_payload_(config.max_payload),
      salt_(key.salt),
      keys_(config.backend, key.key, config.rotation) {}

void FrameEndpoint::advance(std::size_t payload_size) {
  // The sequence is never reset at an epoch change: it alone makes nonces and replays unique.
  // (2^64 frames cannot be reached, so it cannot wrap.)
  ++next_sequence_;
  keys_.count(payload_size);
}

std::size_t FrameSealer::seal(std::span<const std::uint8_t> payload, std::span<std::uint8_t> out) {
  if (payload.size() > max_payload_) throw std::length_error("sealed frame: payload above max_payload");
  const std::size_t size = sealed_frame_size(payload.size());
  if (out.size() < size) throw std::invalid_argument("sealed frame: output buffer too small");
  const FrameHeaderBytes header = encode_header({.session_id = session_id_,
                                                 .epoch = keys_.epoch(),
                                                 .sequence = next_sequence_,
                                                 .payload_size = static_cast<std::uint32_t>(payload.size())});
  std::copy(header.begin(), header.end(), out.begin());
  keys_.aead().seal(nonce(), header, payload, out.subspan(kFrameHeaderSize, payload.size() + kTagSize));
  advance(payload.size());
  return size;
}

std::vector<std::uint8_t> FrameSealer::seal(std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> frame(sealed_frame_size(payload.size()));
  seal(payload, frame);
  return frame;
}

OpenResult FrameOpener::open(std::span<const std::uint8_t> frame, std::span<std::uint8_t> out,
                             std::size_t& payload_size) {
  if (frame.size() < sealed_frame_size(0)) return OpenResult::kTruncated;
  // One read of the header: the checks below and the AAD see the same bytes.
  FrameHeaderBytes header_bytes{};
  std::copy_n(frame.begin(), kFrameHeaderSize, header_bytes.begin());
  const FrameHeader header = decode_header(header_bytes);

  if (header.magic != kFrameMagic) return OpenResult::kBadHeader;
  if (header.session_id != session_id_) return OpenResult::kWrongSession;
  if (header.payload_size > max_payload_) return OpenResult::kTooLarge;
  const std::size_t size = sealed_frame_size(header.payload_size);
  if (frame.size() < size) return OpenResult::kTruncated;
  if (frame.size() > size) return OpenResult::kBadHeader;
  if (header.payload_size > out.size()) return OpenResult::kTooLarge;
  // Order before the tag: these say "not the next frame", not "genuine" (the header is not yet
  // authenticated), and a frame from another position could not be checked anyway, as its
  // nonce, and perhaps its key, differ.
  if (header.sequence < next_sequence_) return OpenResult::kReplayed;
  if (header.sequence > next_sequence_) return OpenResult::kGap;
  if (header.epoch != keys_.epoch()) return OpenResult::kBadHeader;

  const auto plaintext = out.first(header.payload_size);
  if (!keys_.aead().open(nonce(), header_bytes, frame.subspan(kFrameHeaderSize), plaintext)) {
    return OpenResult::kForged;
  }
  payload_size = header.payload_size;
  advance(header.payload_size);
  return OpenResult::kOk;
}

OpenResult FrameOpener::open(std::span<const std::uint8_t> frame, std::vector<std::uint8_t>& payload) {
  // Only the payload size this frame's length implies can open: the one size worth allocating.
  const std::size_t fits = frame.size() > sealed_frame_size(0) ? frame.size() - sealed_frame_size(0) : 0;
  payload.resize(std::min<std::size_t>(fits, max_payload_));
  std::size_t size = 0;
  const OpenResult r = open(frame, payload, size);
  payload.resize(r == OpenResult::kOk ? size : 0);
  return r;
}

}  // namespace caec::channel
