// Sealing and opening frames for one direction of a channel whose bytes the hypervisor can
// read, flip, replay, reorder, drop and truncate.
//
// The opener accepts exactly the sealer's frames, each once, in the order they were sealed. A
// rejection changes nothing in the opener (the next genuine frame still opens) and yields no
// plaintext. The channel is in-order and lossless by design: once a frame is lost, every later
// one is reported as kGap, which is how a reader learns that the host dropped something.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "channel/sealed/frame_header.h"
#include "channel/sealed/rotation.h"

namespace caec::channel {

/// Bounds the opener's buffer and the length of one GCM message (README.md, "Rotation").
inline constexpr std::uint32_t kDefaultMaxPayload = std::uint32_t{1} << 24;

struct FrameConfig {
  std::string backend = "openssl";  // or "mbedtls"; the two ends may differ
  std::uint64_t session_id = 0;
  RotationPolicy rotation{};  // must be the same at both ends
  std::uint32_t max_payload = kDefaultMaxPayload;
};

enum class OpenResult {
  kOk,
  kTruncated,     // shorter than its header, or than the payload its header declares
  kBadHeader,     // wrong magic/version, trailing bytes, or the expected sequence under another epoch
  kWrongSession,  // another session's frame
  kReplayed,      // sequence below the expected one: already accepted (or skipped)
  kGap,           // sequence above the expected one: a frame was dropped, or frames reordered
  kForged,        // the header looks right but the tag does not check
  kTooLarge,      // the declared payload exceeds max_payload or the caller's buffer
};
[[nodiscard]] std::string_view to_string(OpenResult r);

/// What a sealer and an opener of one direction share: session, salt, key epochs, next sequence.
class FrameEndpoint {
 public:
  FrameEndpoint(const FrameConfig& config, const DirectionKey& key);

  [[nodiscard]] std::uint64_t session_id() const { return session_id_; }
  [[nodiscard]] std::uint32_t epoch() const { return keys_.epoch(); }
  [[nodiscard]] std::uint64_t next_sequence() const { return next_sequence_; }
  [[nodiscard]] std::uint32_t max_payload() const { return max_payload_; }

 protected:
  [[nodiscard]] Nonce nonce() const { return frame_nonce(salt_, keys_.epoch(), next_sequence_); }
  /// After a frame is sealed or accepted: advance the sequence, maybe rotate the key.
  void advance(std::size_t payload_size);

  std::uint64_t session_id_;
  std::uint32_t max_payload_;
  NonceSalt salt_;
  EpochKeys keys_;
  std::uint64_t next_sequence_ = 0;
};

class FrameSealer : public FrameEndpoint {
 public:
  using FrameEndpoint::FrameEndpoint;

  /// Writes the next frame into `out` (at least sealed_frame_size(payload.size()) bytes; it may
  /// be the shared memory itself) and returns its size. std::length_error above max_payload.
  std::size_t seal(std::span<const std::uint8_t> payload, std::span<std::uint8_t> out);
  [[nodiscard]] std::vector<std::uint8_t> seal(std::span<const std::uint8_t> payload);
};

class FrameOpener : public FrameEndpoint {
 public:
  using FrameEndpoint::FrameEndpoint;

  /// Checks `frame` (exactly one frame's bytes) and, on kOk only, decrypts its payload into
  /// the front of `out` and sets `payload_size`. On any other result nothing changes: `out`
  /// is untouched or, after a failed tag check, zeroed.
  ///
  /// `frame` must not change during the call: copy hypervisor-visible memory into private
  /// memory first (the header is read once here, but the ciphertext is read by the AEAD).
  [[nodiscard]] OpenResult open(std::span<const std::uint8_t> frame, std::span<std::uint8_t> out,
                                std::size_t& payload_size);
  /// The same into a vector, which holds the payload on kOk and is empty otherwise.
  [[nodiscard]] OpenResult open(std::span<const std::uint8_t> frame, std::vector<std::uint8_t>& payload);
};

}  // namespace caec::channel
