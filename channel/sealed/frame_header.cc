#include "channel/sealed/frame_header.h"

namespace caec::channel {

namespace {

// Explicit byte order: the two realms may be built differently, and the host sees the bytes.
template <class T>
void store_le(std::uint8_t* at, T v) {
  for (std::size_t i = 0; i < sizeof(T); ++i) at[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

template <class T>
T load_le(const std::uint8_t* at) {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>(v | static_cast<T>(T{at[i]} << (8 * i)));
  return v;
}

// Field offsets (README.md's table).
constexpr std::size_t kMagicAt = 0;
constexpr std::size_t kSessionAt = 4;
constexpr std::size_t kEpochAt = 12;
constexpr std::size_t kSequenceAt = 16;
constexpr std::size_t kPayloadSizeAt = 24;
static_assert(kPayloadSizeAt + 4 == kFrameHeaderSize);

}  // namespace

FrameHeaderBytes encode_header(const FrameHeader& h) {
  FrameHeaderBytes b{};
  store_le(b.data() + kMagicAt, h.magic);
  store_le(b.data() + kSessionAt, h.session_id);
  store_le(b.data() + kEpochAt, h.epoch);
  store_le(b.data() + kSequenceAt, h.sequence);
  store_le(b.data() + kPayloadSizeAt, h.payload_size);
  return b;
}

FrameHeader decode_header(std::span<const std::uint8_t, kFrameHeaderSize> bytes) {
  return FrameHeader{.magic = load_le<std::uint32_t>(bytes.data() + kMagicAt),
                     .session_id = load_le<std::uint64_t>(bytes.data() + kSessionAt),
                     .epoch = load_le<std::uint32_t>(bytes.data() + kEpochAt),
                     .sequence = load_le<std::uint64_t>(bytes.data() + kSequenceAt),
                     .payload_size = load_le<std::uint32_t>(bytes.data() + kPayloadSizeAt)};
}

Nonce frame_nonce(const NonceSalt& salt, std::uint32_t epoch, std::uint64_t sequence) {
  Nonce n{};
  store_le(n.data(), epoch);
  store_le(n.data() + 4, sequence);
  for (std::size_t i = 0; i < n.size(); ++i) n[i] ^= salt[i];
  return n;
}

}  // namespace caec::channel
