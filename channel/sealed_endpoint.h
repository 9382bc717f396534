// Endpoint that seals every message with AES-256-GCM (OpenSSL or MbedTLS) and carries the frames
// through a ring in hypervisor-visible memory: the `sealed-openssl` and `sealed-mbedtls`
// transports. Frames are sealed straight into the ring and copied out of it before they are
// opened (the host may change them under us). A frame the host forged, replayed, reordered,
// truncated or dropped is refused with kCorrupt and consumed; the next genuine frame still opens
// if the stream is intact (channel/sealed/README.md).
#pragma once

#include <memory>
#include <vector>

#include "channel/endpoint.h"
#include "channel/ring_endpoint.h"
#include "channel/sealed/frame.h"
#include "channel/sealed/keys.h"

namespace caec::channel {

class SealedEndpoint final : public Endpoint {
 public:
  SealedEndpoint(std::unique_ptr<Endpoint> frames, const SessionKeys& keys, Role role, const FrameConfig& config,
                 WaitPolicy wait);

  [[nodiscard]] std::size_t max_message() const override;
  [[nodiscard]] Status try_send(std::span<const std::byte> message) override;
  [[nodiscard]] Status try_receive(std::span<std::byte> buffer, std::size_t& size) override;
  void close() override { frames_->close(); }
  bool announce_waiting(Want want, bool waiting) override { return frames_->announce_waiting(want, waiting); }

  /// Frames refused so far (each one a detected attack or fault).
  [[nodiscard]] std::uint64_t refused() const { return refused_; }
  [[nodiscard]] OpenResult last_refusal() const { return last_refusal_; }

 private:
  std::unique_ptr<Endpoint> frames_;
  FrameSealer sealer_;
  FrameOpener opener_;
  std::vector<std::uint8_t> frame_copy_;
  std::uint64_t refused_ = 0;
  OpenResult last_refusal_ = OpenResult::kOk;
};

}  // namespace caec::channel
