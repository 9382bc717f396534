#include "channel/sealed/rotation.h"

#include <limits>
#include <stdexcept>
#include <string_view>

#include "channel/sealed/hkdf.h"

namespace caec::channel {

SecretKey next_epoch_key(const SecretKey& current, std::uint32_t next_epoch) {
  constexpr std::string_view kLabel = "caec sealed rotate";
  std::array<std::uint8_t, kLabel.size() + 4> info{};
  std::copy(kLabel.begin(), kLabel.end(), info.begin());
  for (std::size_t i = 0; i < 4; ++i) info[kLabel.size() + i] = static_cast<std::uint8_t>(next_epoch >> (8 * i));
  SecretKey next;
  hkdf_sha256(current.bytes(), {}, info, next.mutable_bytes());
  return next;
}

EpochKeys::EpochKeys(std::string_view backend, const SecretKey& key, RotationPolicy policy)
    : policy_(policy), key_(key), aead_(make_aead(backend, key)) {
  if (policy.max_frames == 0 || policy.max_bytes == 0) throw std::invalid_argument("rotation limits must be >= 1");
}

void EpochKeys::count(std::size_t payload_bytes) {
  ++frames_;
  bytes_ += payload_bytes;
  if (frames_ < policy_.max_frames && bytes_ < policy_.max_bytes) return;
  // Unreachable at the default limits (2^56 frames); a wrapped epoch number would make the
  // header ambiguous, so stop rather than wrap.
  if (epoch_ == std::numeric_limits<std::uint32_t>::max()) throw std::overflow_error("sealed channel: epochs exhausted");
  ++epoch_;
  key_ = next_epoch_key(key_, epoch_);  // the old key's bytes are overwritten in place
  aead_->set_key(key_);
  frames_ = 0;
  bytes_ = 0;
}

}  // namespace caec::channel
