// Key rotation: the key state one direction of a channel steps through, kept identically by its
// sealer and its opener.
//
// Both ends count the frames and payload bytes of the current epoch; after the frame that
// reaches either limit, both derive the next epoch's key from the current one and erase the
// current one. Only frames the opener accepts are counted, and the sealer's frames reach the
// opener in order, so the two ends change key after the same frame without any message about it.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "channel/sealed/aead.h"

namespace caec::channel {

struct RotationPolicy {
  /// Frames sealed under one key (>= 1).
  std::uint64_t max_frames = std::uint64_t{1} << 24;
  /// Payload bytes sealed under one key (>= 1). With max_frames, keeps AES-GCM's
  /// distinguishing advantage per key below 2^-60 (README.md, "Rotation").
  std::uint64_t max_bytes = std::uint64_t{1} << 36;
};

/// HKDF-SHA256(current, info = "caec sealed rotate" || next_epoch as u32 little-endian).
[[nodiscard]] SecretKey next_epoch_key(const SecretKey& current, std::uint32_t next_epoch);

class EpochKeys {
 public:
  /// Epoch 0 with `key`, AES-GCM from `backend` ("openssl" or "mbedtls").
  EpochKeys(std::string_view backend, const SecretKey& key, RotationPolicy policy);

  [[nodiscard]] std::uint32_t epoch() const { return epoch_; }
  [[nodiscard]] Aead& aead() { return *aead_; }

  /// Records one frame of `payload_bytes` sealed (or accepted) under the current key, and
  /// rotates if that frame reached a limit. std::overflow_error past epoch 2^32 - 1.
  void count(std::size_t payload_bytes);

 private:
  RotationPolicy policy_;
  SecretKey key_;
  std::unique_ptr<Aead> aead_;
  std::uint32_t epoch_ = 0;
  std::uint64_t frames_ = 0;
  std::uint64_t bytes_ = 0;
};

}  // namespace caec::channel
