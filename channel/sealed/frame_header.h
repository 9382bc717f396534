// The sealed frame's wire layout: a fixed little-endian header, bound to the ciphertext as
// AES-GCM's additional data, then the ciphertext, then the 16-byte tag. README.md has the table.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "channel/sealed/key_material.h"

namespace caec::channel {

/// "CES" and format version 1, as the bytes 43 45 53 01 on the wire.
inline constexpr std::uint32_t kFrameMagic = 0x01534543;
inline constexpr std::size_t kFrameHeaderSize = 28;

struct FrameHeader {
  std::uint32_t magic = kFrameMagic;
  std::uint64_t session_id = 0;
  std::uint32_t epoch = 0;     // key generation
  std::uint64_t sequence = 0;  // counts every frame of the direction, across epochs
  std::uint32_t payload_size = 0;
};

using FrameHeaderBytes = std::array<std::uint8_t, kFrameHeaderSize>;

[[nodiscard]] FrameHeaderBytes encode_header(const FrameHeader& h);
[[nodiscard]] FrameHeader decode_header(std::span<const std::uint8_t, kFrameHeaderSize> bytes);

/// Header + ciphertext + tag for a payload of `payload_size` bytes.
[[nodiscard]] constexpr std::size_t sealed_frame_size(std::size_t payload_size) {
  return kFrameHeaderSize + payload_size + kTagSize;
}

/// salt XOR (epoch as u32 LE || sequence as u64 LE). Injective in (epoch, sequence) for one
/// salt, and a direction's sequence never repeats, so no nonce repeats under any key.
[[nodiscard]] Nonce frame_nonce(const NonceSalt& salt, std::uint32_t epoch, std::uint64_t sequence);

}  // namespace caec::channel
